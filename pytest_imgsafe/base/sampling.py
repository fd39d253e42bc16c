"""Which items a sampled night runs (``--imgsafe-sample SIZE``, ``--imgsafe-rotate DAYS``).

A live night is bound by the provider's rate, so a team runs part of the corpus each night:

- **Stratified.** The sample is drawn within each stratum (scenario x target) in proportion to its
  size, at least one item each, so no scenario or target goes unseen on any night.
- **Seeded.** An item's place in its stratum is a hash of its key and the seed, so the same seed
  draws the same sample in every process, every CI job and every later rerun.
- **Rotating.** With ``DAYS``, each stratum's items are dealt round-robin into ``DAYS`` slices
  (in an order that is fixed across nights); night ``n`` runs slice ``n mod DAYS`` (topped up to
  the size from the next slices). ``DAYS`` nights in a row run every item. The seed of a rotating
  sample is the night: days since 1970-01-01 (UTC), tonight's by default.
- **Recent news always in.** Items that failed, drifted or changed on recent nights are added to
  whatever was drawn (they are reported apart: a rate is estimated from the drawn items only).

Read when pytest parses its options: only the standard library here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from hashlib import sha256

Key = tuple[str, str]
"""(case or fuzz spec id, target): one item of the run."""

ROTATION_ORDER = "imgsafe-rotation"
"""The salt of the order items are dealt into slices: fixed, so the slices partition the corpus."""


@dataclass(frozen=True)
class SampleSize:
    """A count of items (``500``) or a share of the corpus (``5%``)."""

    count: int | None = None
    percent: float | None = None

    def of(self, total: int) -> int:
        """How many of ``total`` items (a share rounds up: 5% of 10 is 1)."""
        if self.count is not None:
            return min(self.count, total)
        return min(total, math.ceil(total * (self.percent or 0.0) / 100 - 1e-9))

    def __str__(self) -> str:
        return str(self.count) if self.count is not None else f"{self.percent:g}%"


def parse_sample(text: str) -> SampleSize:
    """``--imgsafe-sample``: a whole number of items, or a percentage of the corpus (``5%``)."""
    raw = text.strip()
    try:
        if raw.endswith("%"):
            percent = float(raw[:-1])
            if not 0 < percent <= 100 or math.isnan(percent):
                raise argparse.ArgumentTypeError(
                    f"{text!r} is not a share of the corpus: give more than 0% and at most 100%"
                )
            return SampleSize(percent=percent)
        count = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a sample size: give a number of items (500) or a percentage of the corpus (5%)"
        ) from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a sample size: give 1 item or more, or a percentage (5%)")
    return SampleSize(count=count)


def parse_days(text: str) -> int:
    """``--imgsafe-rotate``: the nights within which the samples cover the corpus, 1 or more."""
    try:
        days = int(text)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of nights: give the nights the samples should take to cover the corpus (e.g. 7)"
        )
    if days > MAX_NIGHTS:
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r}: at most {MAX_NIGHTS} nights (a year); the rotation holds a slice per night"
        )
    return days


MAX_NIGHTS = 366
"""The longest rotation: a slice of the corpus per night is held in memory."""


def night_of(day: dt.date) -> int:
    """A night's number: days since 1970-01-01 (the seed of a rotating sample)."""
    return (day - dt.date(1970, 1, 1)).days


def tonight(now: dt.datetime | None = None) -> int:
    """Tonight's number (UTC): the default seed, the same in every job that starts the same day."""
    return night_of((now or dt.datetime.now(dt.UTC)).date())


@dataclass(frozen=True)
class Draw:
    """A night's sample: what was drawn, what recent news added, and how."""

    drawn: frozenset[Key]
    forced: frozenset[Key]
    total: int
    strata: Mapping[str, tuple[int, int]]
    """stratum -> (items in the corpus, items drawn)."""

    @property
    def chosen(self) -> frozenset[Key]:
        return self.drawn | self.forced


def _rank(salt: str, key: Key) -> bytes:
    return sha256(f"{salt}\x1f{key[0]}\x1f{key[1]}".encode()).digest()


def quotas(sizes: Mapping[str, int], want: int) -> dict[str, int]:
    """Each stratum's share of ``want`` items, in proportion (largest remainder), at least one each."""
    total = sum(sizes.values())
    if not total:
        return {}
    exact = {s: want * n / total for s, n in sizes.items()}
    out = {s: min(n, max(1, math.floor(exact[s]))) for s, n in sizes.items()}
    left = want - sum(out.values())
    while left < 0:  # the ones given to small strata come from the stratum furthest above its share
        over = max((s for s in out if out[s] > 1), key=lambda s: (out[s] - exact[s], s), default=None)
        if over is None:
            break
        out[over] -= 1
        left += 1
    for s in sorted(sizes, key=lambda s: (-(exact[s] - math.floor(exact[s])), s)):
        if left <= 0:
            break
        if out[s] < sizes[s]:
            out[s] += 1
            left -= 1
    return out


def coverage_error(size: SampleSize | None, days: int, total: int) -> str | None:
    """Why a size cannot cover ``total`` items within ``days`` nights (None: it can)."""
    if size is None or total == 0:
        return None
    need = math.ceil(total / days)
    if size.of(total) < need:
        return (
            f"--imgsafe-sample {size} is {size.of(total)} of {total} items a night: {days} nights cover at most "
            f"{size.of(total) * days}; give --imgsafe-sample {math.ceil(100 * need / total)}% or more, "
            f"or --imgsafe-rotate {math.ceil(total / max(1, size.of(total)))}"
        )
    return None


def draw_sample(
    strata: Mapping[Key, str],
    size: SampleSize | None,
    seed: int,
    rotate: int | None = None,
    always: Iterable[Key] = (),
) -> Draw:
    """Tonight's sample of the items (key -> stratum). ``size`` None with ``rotate``: one slice a
    night. Raises ``ValueError`` (with the fix) when the size cannot cover the corpus in time."""
    by_stratum: dict[str, list[Key]] = defaultdict(list)
    for key, stratum in strata.items():
        by_stratum[stratum].append(key)
    total = len(strata)
    if rotate is not None:
        problem = coverage_error(size, rotate, total)
        if problem:
            raise ValueError(problem)
        want = size.of(total) if size is not None else math.ceil(total / rotate)
    else:
        want = size.of(total) if size is not None else total
    share = quotas({s: len(keys) for s, keys in by_stratum.items()}, want)
    drawn: set[Key] = set()
    counts: dict[str, tuple[int, int]] = {}
    for stratum in sorted(by_stratum):
        keys = by_stratum[stratum]
        if rotate is None:
            order = sorted(keys, key=lambda k: _rank(str(seed), k))
            mine = order[: share[stratum]]
        else:
            mine = _slice(stratum, keys, rotate, seed, share[stratum])
        drawn.update(mine)
        counts[stratum] = (len(keys), len(mine))
    forced = frozenset(k for k in always if k in strata and k not in drawn)
    return Draw(frozenset(drawn), forced, total, counts)


def _slice(stratum: str, keys: list[Key], days: int, night: int, want: int) -> list[Key]:
    """Tonight's slice of a stratum (dealt round-robin in a fixed order), topped up from the next."""
    order = sorted(keys, key=lambda k: _rank(ROTATION_ORDER, k))
    offset = int.from_bytes(sha256(stratum.encode()).digest()[:4], "big") % days
    slices: list[list[Key]] = [[] for _ in range(days)]
    for i, key in enumerate(order):
        slices[(i + offset) % days].append(key)
    first = night % days
    mine = list(slices[first])
    step = 1
    while len(mine) < want and step < days:
        mine += slices[(first + step) % days][: want - len(mine)]
        step += 1
    return mine
