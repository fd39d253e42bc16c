"""The report commands' files: one that cannot be written is one line and exit 2; the paths they
print are escaped (a name may hold escape sequences)."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from pytest_imgsafe.base import files
from pytest_imgsafe.report.__main__ import main
from tests.plugin.test_report_summary import row
from tests.unit.report.test_report_html import night


def report_in(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "good.json"
    path.write_text(json.dumps(night("2026-12-03T03:17:00Z", [row("alpha")], [])))
    return path


def test_view_of_a_report_whose_page_cannot_be_written_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = report_in(tmp_path / "rov")

    def read_only(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(dst))

    monkeypatch.setattr(files.os, "replace", read_only)
    monkeypatch.setattr("webbrowser.open", lambda uri: pytest.fail("nothing to open"))
    assert main(["view", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"python -m pytest_imgsafe.report view: cannot write '{tmp_path / 'rov' / 'good.html'}': "
        "Permission denied (EACCES)\n"
    )
    assert sorted(p.name for p in (tmp_path / "rov").iterdir()) == ["good.json"]


def test_compare_out_with_escape_sequences_prints_the_names_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = report_in(tmp_path / "runs")
    assert main(["compare", str(path), str(path), "--out", str(tmp_path / "d\x1b[32m")]) == 0
    out = capsys.readouterr().out
    assert f"written: {tmp_path}/d\\x1b[32m.md\n" in out and f"written: {tmp_path}/d\\x1b[32m.html\n" in out
    assert "\x1b" not in out
    assert (tmp_path / "d\x1b[32m.md").is_file()


def test_compare_out_under_a_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = report_in(tmp_path / "runs")
    assert main(["compare", str(path), str(path), "--out", str(path / "diff.md")]) == 2
    assert capsys.readouterr().err == (
        f"python -m pytest_imgsafe.report: cannot write '{path / 'diff.md'}': Not a directory (ENOTDIR): "
        f"{path} is not a folder\n"
    )
