"""Corrupted reports and history files: each is a one-line error naming the file (compare,
``--imgsafe-rerun-errors``) or a one-line warning and skipped (history), never a traceback.

The corruptions are made, not picked: a valid report truncated, its fields given wrong types,
its version changed, deeply nested, not UTF-8, over the size bound, and (hypothesis) any JSON at
all or a valid report with any field replaced by any JSON value.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_imgsafe.base.row import Row
from pytest_imgsafe.report import __main__ as report_cli
from pytest_imgsafe.report import build, validate
from pytest_imgsafe.report.build import annotate_since, assemble, load_history, nights_by_item, read_report_argument
from pytest_imgsafe.report.compare import as_html, as_markdown, as_text, compare_reports
from tests.plugin.test_report_summary import row

MESSAGE_LIMIT = 400


def good_report(stamp: str = "2026-12-01T03:17:00Z") -> dict[str, Any]:
    rows = [row("coca-cola", actual="block:input"), row("lighthouse"), row("outage", status="error", actual=None)]
    return assemble({"started": stamp, "finished": stamp, "mode": "live"}, {}, rows, None, [], [])  # type: ignore[arg-type]


def corruptions() -> dict[str, bytes]:
    text = json.dumps(good_report())
    wrong: dict[str, Any] = {}
    cases: dict[str, bytes] = {"truncated": text[: len(text) // 2].encode(), "empty": b""}
    for name, change in {
        "results is a string": lambda r: r.update(results="x" * 5000),
        "a row is a list": lambda r: r["results"].__setitem__(0, ["case"] * 1000),
        "a row's case is a list": lambda r: r["results"][0].update(case=[1, 2]),
        "finished is a number": lambda r: r["run"].update(finished=5),
        "run without finished": lambda r: r["run"].pop("finished"),
        "totals is null": lambda r: r.update(totals=None),
        "wrong version": lambda r: r.update(version=2),
        "a rate is a string": lambda r: r.update(rates={"benign": {"gpt-image-2": "high"}}),
    }.items():
        broken = good_report()
        change(broken)
        cases[name] = json.dumps(broken).encode()
    del wrong
    cases["deeply nested"] = (
        b'{"schema": "pytest-imgsafe/report", "version": 1, "run": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    )
    cases["not UTF-8"] = json.dumps(good_report()).encode().replace(b"lighthouse", b"light\xff\xfehouse")
    return cases


CORRUPTIONS = corruptions()


def one_line(message: str) -> None:
    assert "\n" not in message.strip() and "Traceback" not in message, message[:2000]
    assert len(message) < MESSAGE_LIMIT, message[:2000]


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_a_corrupted_report_is_one_line_naming_the_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / "night.json"
    path.write_bytes(CORRUPTIONS[name])
    with pytest.raises(argparse.ArgumentTypeError) as info:
        read_report_argument(str(path))
    one_line(str(info.value))
    assert str(path) in str(info.value)


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_compare_on_a_corrupted_report_exits_2_with_one_line(tmp_path: Path, name: str) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(good_report()))
    bad = tmp_path / "bad.json"
    bad.write_bytes(CORRUPTIONS[name])
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as done:
        report_cli.main(["compare", str(good), str(bad)])
    assert done.value.code == 2
    last = err.getvalue().strip().splitlines()[-1]
    assert "bad.json" in last
    one_line(last)


def test_a_report_over_the_size_bound_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "MAX_REPORT_BYTES", 1000)
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(good_report()) + " " * 1000)
    with pytest.raises(argparse.ArgumentTypeError) as info:
        read_report_argument(str(path))
    one_line(str(info.value))
    assert "1000 bytes" in str(info.value)


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_a_bad_history_file_is_skipped_with_a_warning_naming_it(tmp_path: Path, name: str) -> None:
    (tmp_path / "2026-12-01.json").write_text(json.dumps(good_report()))
    (tmp_path / "2026-12-02.json").write_bytes(CORRUPTIONS[name])
    warnings: list[str] = []
    history = load_history(tmp_path, warnings.append)
    assert [h["run"]["finished"] for h in history] == ["2026-12-01T03:17:00Z"]
    assert len(warnings) == 1 and "2026-12-02.json" in warnings[0]
    one_line(warnings[0])


def test_a_link_in_the_history_folder_is_never_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(good_report("2026-11-30T03:17:00Z")))
    history_dir = tmp_path / "history"
    history_dir.mkdir()
    (history_dir / "2026-12-01.json").write_text(json.dumps(good_report()))
    (history_dir / "2026-12-02.json").symlink_to(elsewhere)
    warnings: list[str] = []
    history = load_history(history_dir, warnings.append)
    assert [h["run"]["finished"] for h in history] == ["2026-12-01T03:17:00Z"]
    assert len(warnings) == 1 and "2026-12-02.json" in warnings[0] and "a link" in warnings[0]


def test_files_that_are_not_reports_at_all_are_still_ignored_quietly(tmp_path: Path) -> None:
    (tmp_path / "other.json").write_text('{"schema": "something-else"}')
    warnings: list[str] = []
    assert load_history(tmp_path, warnings.append) == [] and warnings == []


# --- hypothesis: any JSON, and a report with any field replaced ------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=30,
)


def paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here] if here else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths(inner, (*here, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += paths(inner, (*here, i))
    return found


REPORT = good_report()
PATHS = paths(REPORT)


def replaced(where: tuple[Any, ...], value: Any) -> dict[str, Any]:
    report = json.loads(json.dumps(REPORT))
    holder = report
    for step in where[:-1]:
        holder = holder[step]
    holder[where[-1]] = value
    return report


def read_as_every_reader(tmp_path: Path, data: bytes) -> None:
    """Every reader of a report file: the argument reader, compare, and the history's users."""
    path = tmp_path / "r.json"
    path.write_bytes(data)
    try:
        report = read_report_argument(str(path))[1]
    except argparse.ArgumentTypeError as err:
        one_line(str(err))
    else:
        diff = compare_reports(REPORT, report)
        as_text(diff), as_markdown(diff), as_html(diff)
        diff = compare_reports(report, REPORT)
        as_text(diff), as_markdown(diff), as_html(diff)
    warnings: list[str] = []
    history = load_history(tmp_path, warnings.append)
    assert len(history) + len(warnings) <= 1
    for message in warnings:
        one_line(message)
    nights_by_item(history)
    rows = [Row.from_dict(dict(r, status="mismatch", actual="pass")) for r in REPORT["results"]]
    annotate_since(rows, history)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=JSON)
def test_any_json_is_read_or_refused_in_one_line(tmp_path: Path, data: Any) -> None:
    read_as_every_reader(tmp_path, json.dumps(data).encode())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(PATHS), value=JSON)
def test_a_report_with_any_field_replaced_is_read_or_refused_in_one_line(
    tmp_path: Path, where: tuple[Any, ...], value: Any
) -> None:
    read_as_every_reader(tmp_path, json.dumps(replaced(where, value)).encode())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=len(json.dumps(REPORT))))
def test_a_report_cut_anywhere_is_read_or_refused_in_one_line(tmp_path: Path, cut: int) -> None:
    read_as_every_reader(tmp_path, json.dumps(REPORT).encode()[:cut])


def test_the_schema_uses_only_keywords_the_validator_knows() -> None:
    assert validate.unknown_keywords(validate.report_schema()) == set()
    assert build.SCHEMA_ID == validate.report_schema()["properties"]["schema"]["const"]


@settings(max_examples=200, deadline=None)
@given(where=st.sampled_from(PATHS), value=JSON)
def test_the_check_agrees_with_a_full_json_schema_validator(where: tuple[Any, ...], value: Any) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = replaced(where, value)
    full = jsonschema.Draft202012Validator(validate.report_schema()).is_valid(data)
    assert (validate.first_problem(data, validate.report_schema(), validate.report_schema(), "") is None) == full


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_is_refused_not_read_forever(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "night.json")
    with pytest.raises(argparse.ArgumentTypeError) as info:
        read_report_argument(str(tmp_path / "night.json"))
    assert "is not a regular file" in str(info.value)
    warnings: list[str] = []
    assert load_history(tmp_path, warnings.append) == [] and "night.json" in warnings[0]


def test_compare_into_a_place_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(good_report()))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = report_cli.main(["compare", str(good), str(good), "--out", str(good / "diff.md")])
    assert code == 2
    one_line(err.getvalue())
    assert "cannot write" in err.getvalue() and "diff.md" in err.getvalue()


def test_compare_never_replaces_a_file_it_did_not_write(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(good_report()))
    (tmp_path / "keep.md").write_text("precious notes")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = report_cli.main(["compare", str(good), str(good), "--out", str(tmp_path / "keep")])
    assert code == 2 and "keep.md exists and is not a report this plugin wrote" in err.getvalue()
    assert (tmp_path / "keep.md").read_text() == "precious notes" and not (tmp_path / "keep.html").exists()
    with contextlib.redirect_stdout(io.StringIO()):  # its own pages, from an earlier compare, it replaces
        assert report_cli.main(["compare", str(good), str(good), "--out", str(tmp_path / "diff")]) == 0
        assert report_cli.main(["compare", str(good), str(good), "--out", str(tmp_path / "diff")]) == 0


def test_markdown_from_a_reports_words_opens_no_tag() -> None:
    """A case id, a target or a provider's message that holds markup stays text in the Markdown a
    CI job summary renders: the run's summary and compare's diff alike."""
    from pytest_imgsafe.report import markdown

    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>&amp"
    rows = [row(hostile, target=hostile, status="error", actual=None, message=hostile)]
    old = assemble({"started": "a", "finished": "a", "mode": "live"}, {}, [row(hostile, target=hostile)], None, [], [])  # type: ignore[arg-type]
    new = assemble({"started": "b", "finished": "b", "mode": "live"}, {}, rows, None, [], [])  # type: ignore[arg-type]
    for page in (markdown(new), as_markdown(compare_reports(old, new))):
        assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page
        assert "&amp;amp" in page  # an ampersand of the words is the words', not an entity
