"""Since when: with --imgsafe-history, a drift names the first night the new outcome appeared and
the last night the old one held, in the failure and in the report."""

from __future__ import annotations

import json

import pytest

from pytest_imgsafe.judging.drift import Since, item_history, since_when
from pytest_imgsafe.report.digest import when
from tests.conftest import write_corpus
from tests.plugin.test_live import DRIFT_CORPUS, configure, live
from tests.plugin.test_report_summary import validate


def test_since_when_reads_the_nights_newest_first() -> None:
    nights = [("n0", "block:input"), ("n1", "block:input"), ("n2", "pass"), ("n3", "pass")]
    assert since_when(nights, "pass") == Since("pass", "n2", "n1", "block:input")
    assert since_when(nights, "block:output") == Since("block:output", None, "n3", "pass")  # new in this run
    assert since_when(nights[:2], "block:input") == Since("block:input", "n0", None, None)
    assert since_when([], "pass") is None
    assert since_when(nights, "pass").describe() == "pass first seen on n2; block:input last held on n1"  # type: ignore[union-attr]
    assert since_when(nights, "block:output").describe() == "block:output first seen in this run; pass last held on n3"  # type: ignore[union-attr]


def test_nights_without_a_verdict_neither_start_nor_break_a_run() -> None:
    def report(night: str, actual: str | None) -> dict[str, object]:
        return {
            "run": {"finished": night},
            "results": [{"case": "c", "target": "t", "actual": actual, "status": "ok" if actual else "error"}],
        }

    history = [report("n0", "block"), report("n1", "pass"), report("n2", None), report("n3", "pass")]
    nights = item_history(history, "c", "t")
    assert nights == [("n0", "block"), ("n1", "pass"), ("n3", "pass")]
    assert since_when(nights, "pass") == Since("pass", "n1", "n0", "block")


def test_a_drift_names_the_night_it_first_appeared_across_three_history_reports(
    project: pytest.Pytester, imgsafe_sandbox
) -> None:
    configure(project)
    write_corpus(project, "drift", DRIFT_CORPUS)
    project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=3)
    (project.path / "history").mkdir()
    finished = []
    results = []
    for n in range(3):
        if n == 1:
            imgsafe_sandbox.set_policy_version(2)  # coca-cola passes from night 1 on
        results.append(live(project, "--imgsafe-report", f"history/night-{n}.json", "--imgsafe-history", "history"))
        finished.append(json.loads((project.path / "history" / f"night-{n}.json").read_text())["run"]["finished"])
    results[0].assert_outcomes(passed=3)
    results[1].assert_outcomes(passed=2, failed=1)
    results[1].stdout.fnmatch_lines(
        [
            "  drift:      pass first seen in this run; "
            f"block:input last held on {finished[0]} (recorded 20*Z), verdict: block -> pass*"
        ]
    )
    results[2].assert_outcomes(passed=2, failed=1)
    results[2].stdout.fnmatch_lines(
        [
            f"  drift:      pass first seen on {finished[1]}; "
            f"block:input last held on {finished[0]} (recorded 20*Z), verdict: block -> pass*"
        ]
    )
    report = json.loads((project.path / "history" / "night-2.json").read_text())
    validate(report)
    (row,) = [r for r in report["results"] if r["status"] != "ok"]
    assert row["since_when"] == {
        "outcome": "pass",
        "first_seen": finished[1],
        "last_held": finished[0],
        "held": "block:input",
    }
    first, last = when(finished[1]), when(finished[0])  # 2026-12-03 09:41 UTC
    md = (project.path / "history" / "night-2.md").read_text()
    assert f"(first seen {first}; block:input last held {last})" in md
    page = (project.path / "history" / "night-2.html").read_text()
    assert f"first seen <span class='nw'>{first}</span>; block:input last held <span class='nw'>{last}</span>" in page
