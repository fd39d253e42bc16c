"""The pure parts of live runs: drift classification, Wilson intervals, the ledger, the price table."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pytest_imgsafe.base.ledger import Ledger
from pytest_imgsafe.collect.corpus import Expectation, RateExpectation
from pytest_imgsafe.judging.drift import compare
from pytest_imgsafe.judging.stats import judge, wilson
from pytest_imgsafe.providers.outcome import Outcome
from pytest_imgsafe.providers.registry import price_per_call
from pytest_imgsafe.providers.target import Target

PASS = Outcome("pass")
IN = Outcome("block", "input", "moderation_blocked", categories=("public_figure",))
OUT = Outcome("block", "output", "moderation_blocked")


@pytest.mark.parametrize(
    ("expected", "live", "recorded", "status"),
    [
        ("pass", PASS, PASS, "ok"),
        ("block", IN, PASS, "drift: now blocked"),
        ("pass", PASS, IN, "drift: now passes"),
        ("block", OUT, IN, "stage changed"),
        ("block:input", PASS, PASS, "mismatch"),
        ("block:input", PASS, None, "mismatch"),
        ("block", IN, None, "ok"),
        ("pass", IN, PASS, "drift: now blocked"),  # drift even when it agrees with nobody's wish
    ],
)
def test_drift_table(expected: str, live: Outcome, recorded: Outcome | None, status: str) -> None:
    assert compare(Expectation.parse(expected), live, recorded, "2026-11-01T00:00:00Z").status == status


def test_drift_says_since_when_and_what_changed() -> None:
    drift = compare(Expectation.parse("pass"), IN, PASS, "2026-11-01T00:00:00Z")
    assert drift.changes == {
        "verdict": ("pass", "block"),
        "stage": (None, "input"),
        "code": (None, "moderation_blocked"),
        "categories": (None, "public_figure"),
    }
    assert drift.describe().startswith("since the recording of 2026-11-01T00:00:00Z, verdict: pass -> block")


def test_a_changed_request_is_reported_as_a_config_change() -> None:
    drift = compare(Expectation.parse("pass"), PASS, None, "2026-11-01T00:00:00Z", ["model", "quality"])
    assert drift.status == "config changed" and "model, quality" in drift.describe()


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [(0, 20, 0.0, 0.1611), (20, 20, 0.8389, 1.0), (5, 20, 0.1119, 0.4687), (50, 100, 0.4038, 0.5962)],
)
def test_wilson_interval_matches_published_values(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson(k, n)
    assert (round(lo, 4), round(hi, 4)) == (low, high)


def test_rate_verdicts_ok_violated_and_flaky() -> None:
    at_most = RateExpectation.parse("<=0.2")
    assert judge(at_most, 0, 40).status == "ok"
    assert judge(at_most, 30, 40).status == "violated"
    assert judge(at_most, 8, 40).status == "flaky"
    assert judge(RateExpectation.parse(">=0.9"), 40, 40).status == "ok"
    with pytest.raises(ValueError):
        RateExpectation.parse("about 0.2")


def test_ledger_budget_is_exact_under_concurrency(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, budget_usd=0.5)
    granted: list[bool] = []

    def worker() -> None:
        for _ in range(20):
            ok = ledger.reserve(0.01)
            granted.append(ok)
            if ok:
                ledger.settle(0.01, 0.01, called=True, blocked=False)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert granted.count(True) == 50
    totals = Ledger(tmp_path, budget_usd=0.5).totals()  # another process would see the same
    assert (totals.calls, totals.spent_usd, totals.skipped_budget) == (50, 0.5, 110)


def test_ledger_claims_once_and_publishes(tmp_path: Path) -> None:
    a, b = Ledger(tmp_path), Ledger(tmp_path)
    assert a.claim("item") and not b.claim("item")
    a.publish("item", {"answer": 1})
    assert b.wait_for("item", timeout=1) == {"answer": 1}
    with pytest.raises(TimeoutError):
        b.wait_for("other", timeout=0.05)


class FakeClock:
    """A clock that moves only when the test says so."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_ledger_paces_requests_evenly(tmp_path: Path) -> None:
    clock = FakeClock()
    ledger = Ledger(tmp_path, clock=clock)
    waits = [ledger.next_slot("t", 600) for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    clock.now += 0.25  # a quarter second later, the queue has moved on by as much
    assert ledger.next_slot("t", 600) == pytest.approx(0.25)
    clock.now += 10  # after a pause, the next request goes at once
    assert ledger.next_slot("t", 600) == 0.0
    assert ledger.next_slot("other", 600) == 0.0  # each target has its own pace
    assert ledger.next_slot("t", None) == 0.0


def test_a_caller_late_for_its_slot_keeps_the_schedule_and_a_long_pause_starts_it_again(tmp_path: Path) -> None:
    """Lateness is no lost capacity: a call made 0.3 s after its slot leaves the next slot where the
    schedule had it; after a pause longer than the catch-up, the schedule restarts near now."""
    clock = FakeClock()
    ledger = Ledger(tmp_path, clock=clock)
    assert [ledger.next_slot("t", 60) for _ in range(2)] == pytest.approx([0.0, 1.0])  # slots 0 and 1
    clock.now += 2.3  # the caller of slot 2 (at 2.0) comes 0.3 s late
    assert ledger.next_slot("t", 60) == 0.0
    assert ledger.next_slot("t", 60) == pytest.approx(0.7)  # slot 3 (at 3.0) as scheduled, not 2.3 + 1
    clock.now += 60
    assert ledger.next_slot("t", 60) == 0.0
    assert ledger.next_slot("t", 60) == pytest.approx(0.5)  # at most half a second caught up
    assert ledger.next_slot("t", 60) == pytest.approx(1.5)


def test_ledger_pace_is_shared_between_processes(tmp_path: Path) -> None:
    clock = FakeClock()
    a, b = Ledger(tmp_path, clock=clock), Ledger(tmp_path, clock=clock)
    assert [a.next_slot("t", 60), b.next_slot("t", 60), a.next_slot("t", 60)] == pytest.approx([0.0, 1.0, 2.0])


def test_ledger_block_slots_and_stop(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, max_blocks=2)
    assert ledger.reserve_block() and ledger.reserve_block() and not ledger.reserve_block()
    ledger.settle(0, 0, called=True, blocked=False, block_slot=True)  # it passed after all: the slot is free again
    assert ledger.reserve_block()
    ledger.stop("suspended")
    ledger.stop("another reason")
    assert ledger.stopped() == "suspended" and not ledger.reserve(0.0)


@pytest.mark.parametrize(
    ("target", "price"),
    [
        (Target("m", "moderation", "omni-moderation-latest"), 0.0),
        (Target("g", "images.generate", "gpt-image-2", params={"quality": "low", "size": "1024x1024"}), 0.011),
        (Target("g", "images.generate", "gpt-image-2", params={"quality": "high", "size": "1536x1024", "n": 2}), 0.5),
        (Target("c", "chat-image", "gpt-image-2-all"), 0.04),
        (Target("b", "chat-image", "gemini-3.1-flash-image-preview"), 0.039),
        (Target("o", "images.generate", "gpt-image-2", price=0.123), 0.123),
    ],
)
def test_price_table(target: Target, price: float) -> None:
    assert price_per_call(target) == pytest.approx(price)
