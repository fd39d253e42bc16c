"""The one judge, a status at a time (pure: no pytest items, no HTTP)."""

from __future__ import annotations

import pytest

from pytest_imgsafe.base.status import FAILING, Status
from pytest_imgsafe.collect.corpus import Expectation, RateExpectation
from pytest_imgsafe.judging.judge import Recording, judge
from pytest_imgsafe.providers.outcome import Outcome

PASS = Outcome("pass", None)
INPUT = Outcome("block", "input", "moderation_blocked")
OUTPUT = Outcome("block", "output", "moderation_blocked")


@pytest.mark.parametrize(
    ("outcomes", "expected", "status", "shown"),
    [
        ([PASS], "pass", Status.OK, PASS),
        ([INPUT], "block", Status.OK, INPUT),
        ([INPUT], "block:output", Status.MISMATCH, INPUT),
        ([PASS, INPUT, PASS], "pass", Status.MISMATCH, INPUT),  # the first wrong answer is the one shown
        ([], "pass", Status.ERROR, None),
    ],
)
def test_replay_statuses(outcomes: list[Outcome], expected: str, status: Status, shown: Outcome | None) -> None:
    judgement = judge(outcomes, Expectation.parse(expected))
    assert (judgement.status, judgement.outcome, judgement.failed) == (status, shown, status in FAILING)


@pytest.mark.parametrize(
    ("live", "recorded", "changes", "expected", "status"),
    [
        (PASS, PASS, (), "pass", Status.OK),
        (INPUT, PASS, (), "pass", Status.DRIFT_NOW_BLOCKED),
        (PASS, INPUT, (), "block", Status.DRIFT_NOW_PASSES),
        (OUTPUT, INPUT, (), "block", Status.STAGE_CHANGED),
        (INPUT, INPUT, (), "pass", Status.MISMATCH),
        (PASS, None, ("model",), "pass", Status.CONFIG_CHANGED),
        (PASS, None, (), "pass", Status.OK),
    ],
)
def test_live_statuses(
    live: Outcome, recorded: Outcome | None, changes: tuple[str, ...], expected: str, status: Status
) -> None:
    judgement = judge(
        [live], Expectation.parse(expected), recording=Recording(recorded, "2026-11-01T00:00:00Z", changes)
    )
    assert judgement.status is status
    assert judgement.drift is not None and judgement.drift.status is status
    assert judgement.failed is (status is not Status.OK)


def test_drift_says_since_when_from_the_nights() -> None:
    nights = [("2026-11-29", "pass"), ("2026-11-30", "pass"), ("2026-12-01", "block:input")]
    judgement = judge([INPUT], Expectation.parse("pass"), recording=Recording(PASS), nights=nights)
    assert judgement.drift is not None and judgement.drift.history is not None
    assert (judgement.drift.history.first_seen, judgement.drift.history.last_held) == ("2026-12-01", "2026-11-30")


@pytest.mark.parametrize(
    ("blocks", "n", "rate", "status"),
    [(0, 40, "<=0.2", Status.OK), (39, 40, "<=0.2", Status.MISMATCH), (9, 40, "<=0.2", Status.FLAKY)],
)
def test_rate_statuses(blocks: int, n: int, rate: str, status: Status) -> None:
    outcomes = [OUTPUT] * blocks + [PASS] * (n - blocks)
    judgement = judge(outcomes, rate=RateExpectation.parse(rate))
    assert judgement.status is status and judgement.rate is not None and judgement.rate.n == n
    assert judgement.failed is (status is Status.MISMATCH)


def test_statuses_are_plain_strings_in_reports() -> None:
    assert Status.DRIFT_NOW_BLOCKED == "drift: now blocked" and str(Status.ERROR) == "error"
    assert {str(s) for s in FAILING} == {
        "drift: now blocked",
        "drift: now passes",
        "stage changed",
        "mismatch",
        "config changed",
    }


def test_an_item_needs_an_expectation() -> None:
    with pytest.raises(ValueError, match="against an expectation or a block rate"):
        judge([PASS])
