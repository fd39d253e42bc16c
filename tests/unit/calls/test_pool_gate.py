"""Key pools at the live gate: calls spread by free capacity, a refusing member's work moves to
the others, an error only when every member is out (clock and sleep injected)."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from pytest_imgsafe.base.ledger import Ledger
from pytest_imgsafe.base.wire import Answer
from pytest_imgsafe.calls.live import POOL_MEMBER, pooled_send, send_through_gate, settled_call
from pytest_imgsafe.calls.recording import spec_key
from pytest_imgsafe.providers.outcome import ApiError
from pytest_imgsafe.providers.pool import PoolMember
from pytest_imgsafe.providers.registry import build_request
from pytest_imgsafe.providers.target import Target
from tests.unit.calls.test_live_gate import OK, Clock, answer

QUOTA = Answer(
    429,
    {"content-type": "application/json"},
    json.dumps({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota",
                          "code": "insufficient_quota"}}).encode(),
    "test",
)  # fmt: skip


def pooled(*members: tuple[str, int], retries: int = 2) -> Target:
    pool = tuple(PoolMember(n, rpm, None, (("api_key_env", f"KEY_{n.upper()}"),)) for n, rpm in members)
    return Target("t", "images.generate", "gpt-image-2", max_retries=retries, pool=pool)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_calls_spread_by_free_capacity_so_the_pool_serves_the_sum_of_its_rpm(tmp_path: Path, clock: Clock) -> None:
    ledger = Ledger(tmp_path, clock=clock)
    target = pooled(("fast", 120), ("mid", 60), ("slow", 20))
    who: Counter[str] = Counter()
    start = clock.now
    for _ in range(200):
        got = pooled_send(ledger, target, lambda m: who.update([m.member]) or OK, clock.wait)  # type: ignore[func-returns-value]
        assert got.meta[POOL_MEMBER] in ("fast", "mid", "slow")
    minutes = (clock.now - start) / 60
    assert who == {"fast": 120, "mid": 60, "slow": 20}  # in proportion to each member's rpm
    assert 200 / minutes >= 0.95 * 200  # 200 calls in about one minute: the combined rpm


def test_a_member_that_answers_429_rests_and_the_others_take_its_work(tmp_path: Path, clock: Clock) -> None:
    ledger = Ledger(tmp_path, clock=clock)
    target = pooled(("a", 60), ("b", 60))
    sent: list[str] = []

    def send(member: Target) -> Answer:
        sent.append(str(member.member))
        return answer(429, **{"retry-after": "30"}) if member.member == "a" else OK

    got = [pooled_send(ledger, target, send, clock.wait, random.Random(1)) for _ in range(10)]
    assert all(a.status == 200 and a.meta[POOL_MEMBER] == "b" for a in got)
    assert sent.count("a") == 1  # asked once, then resting for its Retry-After while b works
    assert ledger.pool_usage()["t"]["a"]["refused"] == 1


def test_a_member_out_of_quota_is_out_and_all_out_is_an_error_naming_each(tmp_path: Path, clock: Clock) -> None:
    ledger = Ledger(tmp_path, clock=clock)
    target = pooled(("a", 60), ("b", 60))
    with pytest.raises(ApiError) as err:
        pooled_send(ledger, target, lambda m: QUOTA, clock.wait)
    assert err.value.kind == "quota"
    assert err.value.message == (
        "every member of target 't''s pool is out (a: out of quota (HTTP 429); b: out of quota (HTTP 429))"
    )


def test_no_answer_from_one_member_moves_the_call_to_another(tmp_path: Path, clock: Clock) -> None:
    ledger = Ledger(tmp_path, clock=clock)
    target = pooled(("down", 600), ("up", 60))

    def send(member: Target) -> Answer:
        if member.member == "down":
            raise ApiError("server_error", "connection refused", None)
        return OK

    assert send_through_gate(ledger, target, send, clock.wait).meta[POOL_MEMBER] == "up"


def test_reports_count_calls_and_spend_per_member_by_name(tmp_path: Path, clock: Clock) -> None:
    ledger = Ledger(tmp_path, clock=clock)
    target = pooled(("east", 60), ("west", 60))
    for _ in range(4):
        settled_call(ledger, lambda: pooled_send(ledger, target, lambda m: OK, clock.wait), 0.04, target=target)
    usage = ledger.pool_usage()["t"]
    assert {m: u["calls"] for m, u in usage.items()} == {"east": 2, "west": 2}
    assert "KEY_" not in json.dumps(usage)


def test_a_member_changes_where_a_request_goes_never_its_cassette_key() -> None:
    target = pooled(("a", 60), ("b", 60))
    keys = {spec_key(build_request(target.as_member(m), "A lighthouse", {})) for m in target.pool}
    assert keys == {spec_key(build_request(target, "A lighthouse", {}))}


def test_a_member_refusing_with_short_waits_spends_its_own_retries_not_the_call(tmp_path: Path, clock: Clock) -> None:
    ledger = Ledger(tmp_path, clock=clock)
    target = pooled(("quick", 6000), ("steady", 1), retries=2)  # quick is always free first

    def send(member: Target) -> Answer:
        return answer(429, **{"retry-after": "0"}) if member.member == "quick" else OK

    got = pooled_send(ledger, target, send, clock.wait, random.Random(1))
    assert got.status == 200 and got.meta[POOL_MEMBER] == "steady"
    assert ledger.pool_usage()["t"]["quick"]["refused"] == 3  # its 1 + max_retries attempts, then the other
