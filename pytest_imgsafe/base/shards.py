"""Which items one shard of a run takes (``--imgsafe-shard K/N``): the same answer in every CI job.

A live run is bound by the provider's rate, so the shards are balanced by what an item cost on
earlier nights (its calls), not by the wall time a replay took, and each target on its own (each
shard takes 1/N of every target's rate): the heaviest items go first, each to the shard with the
least of that target's work so far (longest processing time first), ties broken by the item's
key, so every job that sees the same corpus and history computes the same split without talking
to the others. The plan's fingerprint (a hash of every item's key) travels in each
shard's report, so a merge can tell shards of one run from shards of different corpora.

Read when pytest parses its options: only the standard library here.
"""

from __future__ import annotations

import argparse
import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from hashlib import sha256

Key = tuple[str, str]
"""(case or fuzz spec id, target): one item of the run."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based, as CI matrices count) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``--imgsafe-shard``: ``K/N``, 1 <= K <= N (``2/4`` is the second of four shards)."""
    head, sep, tail = text.partition("/")
    try:
        index, count = int(head), int(tail)
    except ValueError:
        index = count = 0
    if not sep or count < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a shard: give K/N, this job's number and the number of jobs (e.g. 2/4)"
        )
    if count > MAX_SHARDS:
        raise argparse.ArgumentTypeError(
            f"{text[:60]!r}: at most {MAX_SHARDS} shards (a CI matrix of that many jobs is already far more than a "
            "provider's rate limit can feed)"
        )
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"{text!r}: the shard's number must be between 1 and {count} (e.g. 1/{count})")
    return Shard(index, count)


MAX_SHARDS = 1024
"""The most jobs a run is split into: each shard's plan holds a slot per shard."""


def fingerprint(keys: Iterable[Key]) -> str:
    """What identifies the whole run's plan (every item, in no particular order)."""
    digest = sha256()
    for case, target in sorted(keys):
        digest.update(f"{case}\x1f{target}\x1e".encode())
    return digest.hexdigest()[:16]


def assign(costs: Mapping[Key, float], count: int) -> dict[Key, int]:
    """Every item's shard (1-based). Each target's items are balanced on their own (a shard takes
    1/N of each target's rate, so it needs 1/N of each target's work): heaviest first, each to the
    shard with the least of that target's work, then the least work in all, then the lowest number."""
    by_target: dict[str, list[Key]] = {}
    for key in costs:
        by_target.setdefault(key[1], []).append(key)
    total = [0.0] * (count + 1)
    out: dict[Key, int] = {}
    for target in sorted(by_target):
        loads = [(0.0, total[shard], shard) for shard in range(1, count + 1)]
        heapq.heapify(loads)
        for key in sorted(by_target[target], key=lambda k: (-costs[k], k)):
            load, _, shard = heapq.heappop(loads)
            out[key] = shard
            cost = max(costs[key], 0.0)
            total[shard] += cost
            heapq.heappush(loads, (load + cost, total[shard], shard))
    return out


def past_costs(
    keys: Iterable[Key], nights: Mapping[Key, float], default: Mapping[Key, float] | None = None
) -> dict[Key, float]:
    """Each item's cost: its last known night's (``nights``), else its default (its repeats), else 1."""
    default = default or {}
    return {key: float(nights.get(key, default.get(key, 1.0))) for key in keys}


def share(value: float, shard: Shard) -> float:
    """This shard's part of a run-wide limit (a budget): an equal share."""
    return value / shard.count
