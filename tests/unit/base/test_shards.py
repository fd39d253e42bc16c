"""--imgsafe-shard K/N: the option's type, and a split every job computes alike, balanced by cost."""

from __future__ import annotations

import argparse
import random

import pytest

from pytest_imgsafe.base.shards import Shard, assign, fingerprint, parse_shard


def test_a_shard_is_k_of_n() -> None:
    assert parse_shard("2/4") == Shard(2, 4) and str(Shard(2, 4)) == "2/4"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2", "'2' is not a shard: give K/N"),
        ("a/b", "'a/b' is not a shard"),
        ("1/0", "'1/0' is not a shard"),
        ("0/4", "'0/4': the shard's number must be between 1 and 4 (e.g. 1/4)"),
        ("5/4", "'5/4': the shard's number must be between 1 and 4"),
        ("1/1025", "at most 1024 shards"),  # each shard's plan holds a slot per shard
        ("1/99999999999999999999", "at most 1024 shards"),
    ],
)
def test_a_bad_shard_is_refused_with_the_form_to_give(text: str, says: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as err:
        parse_shard(text)
    assert says in str(err.value)


def test_every_item_is_in_exactly_one_shard_and_the_split_ignores_the_order_seen() -> None:
    rng = random.Random(4)
    costs = {(f"case-{i}", t): float(rng.choice([1, 1, 1, 3, 8])) for i in range(200) for t in ("a", "b")}
    where = assign(costs, 4)
    assert set(where) == set(costs) and set(where.values()) == {1, 2, 3, 4}
    shuffled = dict(sorted(costs.items(), key=lambda _: rng.random()))
    assert assign(shuffled, 4) == where


def test_shards_are_balanced_by_cost_not_by_count() -> None:
    costs = {("heavy", "t"): 10.0, **{(f"light-{i}", "t"): 1.0 for i in range(10)}}
    where = assign(costs, 2)
    loads = {s: sum(c for k, c in costs.items() if where[k] == s) for s in (1, 2)}
    assert loads == {1: 10.0, 2: 10.0}  # by count it would be 6 and 5 items: 15 against 5


def test_the_plan_fingerprint_names_the_items_not_their_order() -> None:
    keys = [("a", "t"), ("b", "t"), ("c", "u")]
    assert fingerprint(keys) == fingerprint(reversed(keys))
    assert fingerprint(keys) != fingerprint(keys[:2])


def test_each_shard_takes_its_share_of_every_target() -> None:
    # a shard takes 1/N of each target's rate: with one target's items in some shards and the
    # other's in the rest, each target would be served at half its rate
    costs = {(f"case-{i}", t): 1.0 for i in range(400) for t in ("gen", "mod")}
    where = assign(costs, 4)
    for target in ("gen", "mod"):
        per_shard = [sum(1 for k, s in where.items() if s == shard and k[1] == target) for shard in (1, 2, 3, 4)]
        assert per_shard == [100, 100, 100, 100], (target, per_shard)
