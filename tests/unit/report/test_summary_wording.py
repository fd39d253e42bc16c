"""The summary's head line: an item that never matched its expectation is not a changed outcome."""

from __future__ import annotations

from pytest_imgsafe.base.row import Row
from pytest_imgsafe.report.summary import summary_lines


def row(case: str, status: str, outcome: str) -> Row:
    return Row.from_dict(
        {
            "case": case,
            "target": "gpt-image-2",
            "scenario": "benign",
            "expected": "pass",
            "actual": "block:input" if status != "ok" else "pass",
            "status": status,
            "mode": "replay",
            "outcome": outcome,
            "when": "call",
        }
    )


def test_a_first_time_mismatch_is_not_a_changed_outcome() -> None:
    rows = [row("a", "ok", "passed"), row("b", "mismatch", "failed")]
    assert summary_lines(rows, "replay")[0] == (
        "imgsafe (replay): 2 items: 1 as expected, 0 changed outcome, 0 without a verdict, 1 not as expected"
    )


def test_drift_is_a_changed_outcome() -> None:
    rows = [row("a", "drift: now blocked", "failed"), row("b", "mismatch", "failed")]
    assert summary_lines(rows, "live")[0] == (
        "imgsafe (live): 2 items: 0 as expected, 1 changed outcome, 0 without a verdict, 1 not as expected"
    )
