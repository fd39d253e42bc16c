"""A bad earlier report never stops tonight's run: a bad --imgsafe-history file is skipped with
one line naming it; a bad --imgsafe-rerun-errors report is a one-line usage error."""

from __future__ import annotations

import json

import pytest

from pytest_imgsafe.plugin import OPT_RERUN_ERRORS
from tests.conftest import write_corpus
from tests.unit.report.test_hostile_reports import good_report

CORPUS = """
defaults:
  targets: [moderation]
  scenario: benign
cases:
  - id: lighthouse
    prompt: A watercolor of a lighthouse
    expect: pass
"""


def bad_night() -> dict[str, object]:
    """Right schema and version, fields of the wrong types (a hand-edited or half-migrated file)."""
    night = good_report("2026-12-02T03:17:00Z")
    night["results"] = [{"case": ["lighthouse"], "target": 7, "status": "ok", "expected": "pass", "mode": "x"}]
    return night


def test_a_malformed_history_report_is_skipped_with_one_line_and_the_report_is_written(
    project: pytest.Pytester,
) -> None:
    write_corpus(project, "one", CORPUS)
    history = project.path / "history"
    history.mkdir()
    (history / "night-1.json").write_text(json.dumps(good_report()))
    (history / "night-2.json").write_text(json.dumps(bad_night()))
    (history / "night-3.json").write_text(json.dumps(good_report())[:200])
    args = ("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider")
    result = project.runpytest(*args, "--imgsafe-report", "out/tonight.json", "--imgsafe-history", "history")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "imgsafe: --imgsafe-history: skipped '*night-2.json' is not a valid pytest-imgsafe report: "
            "at results[[]0[]].case: expected string, got array *",
            "imgsafe: --imgsafe-history: skipped '*night-3.json' cannot be read as JSON: *",
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert json.loads((project.path / "out" / "tonight.json").read_text())["totals"]["items"] == 1


def test_a_bad_rerun_report_is_one_bounded_line(project: pytest.Pytester) -> None:
    (project.path / "bad.json").write_text(json.dumps(dict(bad_night(), results="x" * 100_000)))
    result = project.runpytest("--imgsafe", OPT_RERUN_ERRORS, "bad.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*argument --imgsafe-rerun-errors: 'bad.json' is not a valid pytest-imgsafe report: at *"]
    )
    assert (
        len(result.stderr.str()) < 2_000
        and "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" not in result.stderr.str()
    )
