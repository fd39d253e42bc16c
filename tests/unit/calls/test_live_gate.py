"""The rate gate every live attempt passes, retries included (clock and sleep injected)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pytest_imgsafe.base.ledger import Ledger
from pytest_imgsafe.base.wire import Answer
from pytest_imgsafe.calls.live import Closed, gated_send, retry_delay, should_retry
from pytest_imgsafe.providers.outcome import ApiError
from pytest_imgsafe.providers.target import Target

OK = Answer(200, {"content-type": "application/json"}, b'{"data": []}', "test")


def answer(status: int, **headers: str) -> Answer:
    return Answer(status, headers, b"{}", "test")


class Clock:
    """Time that moves only when the gate waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.now += seconds
        return False


@pytest.fixture
def clock() -> Clock:
    return Clock()


def target(rpm: int | None = 60, retries: int = 5) -> Target:
    return Target("t", "images.generate", "gpt-image-2", rpm=rpm, max_retries=retries)


def test_a_429_is_retried_after_its_retry_after_and_each_attempt_is_paced(tmp_path: Path, clock: Clock) -> None:
    ledger = Ledger(tmp_path, clock=clock)
    answers = iter([answer(429, **{"retry-after": "2"}), answer(503), OK])
    got = gated_send(ledger, target(rpm=60), lambda: next(answers), clock.wait, random.Random(1))
    assert got is OK
    # attempt 1 at once; the 429 gives its slot back and asks for 2 s; the 503 (second retry) backs
    # off 1 s less up to a quarter at random; each retry then waits for a slot of its own (none
    # needed here, since the faults gave theirs back)
    assert clock.waits[0] == 2.0
    assert 0.75 <= clock.waits[1] <= 1.0
    assert len(clock.waits) == 2


def test_retries_take_slots_so_the_pace_holds_for_everyone(tmp_path: Path, clock: Clock) -> None:
    ledger = Ledger(tmp_path, clock=clock)
    sent: list[float] = []

    def send() -> Answer:
        sent.append(clock.now)
        return answer(429, **{"retry-after-ms": "0"}) if len(sent) % 3 == 1 else OK

    for _ in range(6):
        assert gated_send(ledger, target(rpm=60), send, clock.wait) is OK
    counted = [t for i, t in enumerate(sent, 1) if i % 3 != 1]
    # the answers the provider counted never come closer than one interval (60 rpm: 1 s)
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(counted, counted[1:], strict=False))
    # and a 429 gave its slot back: the run did not lose a second per fault
    assert sent[-1] - sent[0] == pytest.approx(len(counted) - 1, abs=1.0)


def test_the_last_answer_comes_back_when_the_retries_are_spent(tmp_path: Path, clock: Clock) -> None:
    ledger = Ledger(tmp_path, clock=clock)
    calls = []
    got = gated_send(ledger, target(retries=2), lambda: calls.append(1) or answer(429), clock.wait)  # type: ignore[func-returns-value]
    assert got.status == 429 and len(calls) == 3


def test_no_answer_at_all_is_retried_then_raised(tmp_path: Path, clock: Clock) -> None:
    ledger = Ledger(tmp_path, clock=clock)
    calls = []

    def send() -> Answer:
        calls.append(1)
        raise ApiError("server_error", "connection refused", None)

    with pytest.raises(ApiError, match="connection refused"):
        gated_send(ledger, target(retries=3), send, clock.wait)
    assert len(calls) == 4


def test_a_verdict_is_never_retried(tmp_path: Path, clock: Clock) -> None:
    ledger = Ledger(tmp_path, clock=clock)
    blocked = Answer(400, {}, b'{"error": {"code": "moderation_blocked"}}', "test")
    calls = []
    assert gated_send(ledger, target(), lambda: calls.append(1) or blocked, clock.wait) is blocked  # type: ignore[func-returns-value]
    assert calls == [1]


def test_a_closed_run_stops_waiting(tmp_path: Path, clock: Clock) -> None:
    ledger = Ledger(tmp_path, clock=clock)
    with pytest.raises(Closed):
        gated_send(ledger, target(), lambda: answer(503), lambda seconds: True)


@pytest.mark.parametrize(
    ("status", "headers", "retry"),
    [
        (429, {}, True),
        (500, {}, True),
        (503, {}, True),
        (408, {}, True),
        (409, {}, True),
        (400, {}, False),
        (401, {}, False),
        (200, {}, False),
        (503, {"x-should-retry": "false"}, False),
        (400, {"X-Should-Retry": "true"}, True),
    ],
)
def test_which_answers_are_retried(status: int, headers: dict[str, str], retry: bool) -> None:
    assert should_retry(Answer(status, headers, b"", "t")) is retry


def test_retry_delays_follow_the_sdk() -> None:
    rng = random.Random(0)
    assert retry_delay(0, {"retry-after-ms": "1500"}) == 1.5
    assert retry_delay(0, {"Retry-After": "3"}) == 3.0
    assert retry_delay(0, {"retry-after": "600"}, rng) <= 0.5  # over a minute: ignored, back off instead
    for attempt, ceiling in ((0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)):
        delay = retry_delay(attempt, None, rng)
        assert 0.75 * ceiling <= delay <= ceiling
