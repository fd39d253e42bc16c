"""A sampled night's report: recent news, changes since each item last ran, since when across gaps."""

from __future__ import annotations

from typing import Any

from pytest_imgsafe.base.row import Row
from pytest_imgsafe.base.sampling import draw_sample, parse_sample
from pytest_imgsafe.report.build import assemble
from pytest_imgsafe.report.sample import describe, recent_news


def night(finished: str, rows: list[tuple[str, str, str]]) -> dict[str, Any]:
    return {
        "run": {"finished": finished},
        "results": [
            {"case": c, "target": "t", "scenario": "benign", "actual": a, "status": s, "expected": "pass"}
            for c, a, s in rows
        ],
    }


HISTORY = [
    night("2026-03-01T03:00:00Z", [("a", "block:input", "ok"), ("b", "pass", "ok"), ("c", "pass", "ok")]),
    night("2026-03-02T03:00:00Z", [("b", "block:input", "ok"), ("d", "pass", "ok")]),  # a not sampled
    night("2026-03-03T03:00:00Z", [("c", "block:input", "drift: now blocked"), ("d", "pass", "ok")]),
]


def test_recent_news_is_what_failed_or_changed_verdict_in_the_last_nights() -> None:
    assert recent_news(HISTORY, 2) == {("b", "t"), ("c", "t")}
    assert recent_news(HISTORY, 1) == {("c", "t")}
    assert recent_news(HISTORY, 0) == set()


def test_a_sampled_night_compares_each_item_with_the_last_night_that_ran_it() -> None:
    strata = {(c, "t"): "benign x t" for c in "abcd"}
    draw = draw_sample(strata, parse_sample("1"), 3, always=[("a", "t")])
    assert draw.drawn != {("a", "t")}  # seed 3 draws another item
    run = {"finished": "2026-03-04T03:00:00Z", "sample": describe(draw, parse_sample("1"), 3, None)}
    row = Row("a", "t", "pass", "drift: now passes", "live", scenario="benign", actual="pass")
    report = assemble(run, {}, [row], None, HISTORY, [])
    # the previous night did not run a: its last night (03-01) did, with a block
    assert report["changes_since_last"] == [{"case": "a", "target": "t", "before": "block:input", "now": "pass"}]
    assert report["results"][0]["since_when"]["last_held"] == "2026-03-01T03:00:00Z"
    assert draw.forced == {("a", "t")} and report["sample_rates"] == []  # an item let in for its news is no estimate


def test_a_whole_run_still_compares_with_the_previous_night_only() -> None:
    row = Row("a", "t", "pass", "ok", "live", scenario="benign", actual="pass")
    report = assemble({"finished": "2026-03-04T03:00:00Z"}, {}, [row], None, HISTORY, [])
    assert report["changes_since_last"] == [] and "sample_rates" not in report
