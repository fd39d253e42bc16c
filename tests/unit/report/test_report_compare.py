"""``python -m pytest_imgsafe.report compare OLD.json NEW.json``: what changed between two runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_imgsafe.base.row import Row
from pytest_imgsafe.report import __main__ as report_cli
from pytest_imgsafe.report.build import assemble
from pytest_imgsafe.report.compare import compare_reports
from tests.plugin.test_report_summary import rate_limited, row


def write(path: Path, stamp: str, rows: list[Row]) -> Path:
    report = assemble({"started": stamp, "finished": stamp, "mode": "live"}, {}, rows, None, [], [])
    path.write_text(json.dumps(report))
    return path


def two_runs(tmp_path: Path) -> tuple[Path, Path]:
    old = write(
        tmp_path / "old.json",
        "2026-12-01T03:17:00Z",
        [
            row("coca-cola", actual="block:input"),
            row("lighthouse"),
            row("gone"),
            row("outage", status="error", actual=None, **rate_limited("gpt-image-2", "outage", 1)),
            row("edited"),
        ],
    )
    new = write(
        tmp_path / "new.json",
        "2026-12-02T03:17:00Z",
        [
            row("coca-cola", actual="pass", status="drift: now passes"),
            row("lighthouse"),
            row("outage"),
            row("edited", status="mismatch"),
            row("fresh", actual="block"),
        ],
    )
    return old, new


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_imgsafe.report", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_comparison_as_data(tmp_path: Path) -> None:
    old, new = two_runs(tmp_path)
    diff = compare_reports(json.loads(old.read_text()), json.loads(new.read_text()))
    assert [(r["case"], r["before"], r["now"]) for r in diff["outcomes"]] == [("coca-cola", "block:input", "pass")]
    assert [(r["case"], r["before"], r["now"]) for r in diff["regained"]] == [
        ("outage", "no verdict (rate_limited, HTTP 429, rate_limit_exceeded)", "pass")
    ]
    assert diff["lost"] == []
    backwards = compare_reports(json.loads(new.read_text()), json.loads(old.read_text()))
    assert [(r["case"], r["now"]) for r in backwards["lost"]] == [
        ("outage", "no verdict (rate_limited, HTTP 429, rate_limit_exceeded)")
    ]
    assert [(r["case"], r["before"], r["now"]) for r in diff["statuses"]] == [("edited", "ok", "mismatch")]
    assert [r["case"] for r in diff["added"]] == ["fresh"] and [r["case"] for r in diff["removed"]] == ["gone"]
    assert diff["rates"] == [{"scenario": "benign", "target": "gpt-image-2", "before": 0.25, "now": 0.2}]


def test_the_command_prints_and_writes_markdown_and_html(tmp_path: Path) -> None:
    old, new = two_runs(tmp_path)
    done = run("compare", str(old), str(new), "--out", str(tmp_path / "out" / "diff"))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("pytest-imgsafe: 2026-12-01T03:17:00Z → 2026-12-02T03:17:00Z\n")
    assert "Outcomes changed (1):\n  coca-cola on gpt-image-2: block:input → pass\n" in out
    assert (
        "A verdict again (1):\n  outage on gpt-image-2: "
        "no verdict (rate_limited, HTTP 429, rate_limit_exceeded) → pass\n" in out
    )
    assert "Status changed, same outcome (1):\n  edited on gpt-image-2: ok → mismatch (expected pass)" in out
    assert (
        "Items only in the new run (1):\n  fresh on gpt-image-2: block" in out
        and "Items only in the old run (1):\n  gone on gpt-image-2: pass" in out
    )
    assert "Block rates changed (1):\n  benign on gpt-image-2: 25% → 20%" in out
    md = (tmp_path / "out" / "diff.md").read_text()
    assert "### Outcomes changed (1)" in md and "- coca-cola on gpt-image-2: block:input → pass" in md
    page = (tmp_path / "out" / "diff.html").read_text()
    assert "<h2>Outcomes changed (1)</h2>" in page and "coca-cola on gpt-image-2: block:input → pass" in page
    assert f"written: {tmp_path / 'out' / 'diff.md'}" in out


def test_one_format_by_its_suffix_and_no_change_said_plainly(tmp_path: Path) -> None:
    old, _ = two_runs(tmp_path)
    done = run("compare", str(old), str(old), "--out", str(tmp_path / "same.html"))
    assert done.returncode == 0 and "no outcome, status, item or block rate changed" in done.stdout
    assert (tmp_path / "same.html").exists() and not (tmp_path / "same.md").exists()


def test_a_file_that_is_not_a_report_is_named_in_the_error(tmp_path: Path) -> None:
    old, _ = two_runs(tmp_path)
    (tmp_path / "junk.json").write_text("[1, 2]")
    done = run("compare", str(old), str(tmp_path / "junk.json"))
    assert done.returncode == 2 and f"'{tmp_path / 'junk.json'}' is not a pytest-imgsafe report" in done.stderr
    done = run("compare", str(old), str(tmp_path / "missing.json"))
    assert done.returncode == 2 and "missing.json': no such file" in done.stderr


HOSTILE = "\x1b[31mRED\x07\x1b]0;title\x07\r\x1b[2K\x9b31m\nforged line\t"
"""Colour, bell, a window title, a carriage return, a line erase, a C1 CSI, and a line break."""


def test_names_from_a_report_are_shown_escaped_never_raw(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A report from a CI artifact is data, not terminal output: whatever its case, target and
    error code hold, compare shows each change on one line, every control character as ``\\xNN``."""

    case, target = f"fox{HOSTILE}", f"gpt{HOSTILE}"
    old = write(tmp_path / "old.json", "2026-12-01T03:17:00Z", [row(case, target, actual="block"), row("gone")])
    lost = {**rate_limited(target, case, 1), "code": f"slow{HOSTILE}"}
    new = write(
        tmp_path / "new.json",
        "2026-12-02T03:17:00Z",
        [row(case, target, status="error", actual=None, **lost), row(f"new{HOSTILE}", target)],
    )
    for first, second in ((old, new), (new, old)):
        assert report_cli.main(["compare", str(first), str(second), "--out", str(tmp_path / "diff")]) == 0
        shown = capsys.readouterr().out
        for text in (shown, (tmp_path / "diff.md").read_text()):
            assert not [c for c in text if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F]
            assert "forged line" not in text.replace("\\x0aforged line", "")  # never a line of its own
            assert "fox\\x1b[31mRED\\x07\\x1b]0;title\\x07\\x0d\\x1b[2K\\x9b31m\\x0aforged line\\x09" in text


def test_compare_piped_into_a_reader_that_stops_early_ends_quietly(tmp_path: Path) -> None:
    """``compare old new | head``: the pipe closes while the comparison is still written; the
    command stops without a traceback about it."""
    old, new = two_runs(tmp_path)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first line: every write meets a closed pipe
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest_imgsafe.report", "compare", str(old), str(new)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr
    assert proc.returncode == 1
