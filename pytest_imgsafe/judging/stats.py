"""Block rates over repeated calls: the Wilson score interval and the verdict it supports (pure)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

from ..collect.corpus import RateExpectation

RateStatus = Literal["ok", "violated", "flaky"]


@dataclass(frozen=True)
class RateVerdict:
    """What ``blocks`` out of ``n`` says about a rate expectation."""

    blocks: int
    n: int
    low: float
    high: float
    confidence: float
    status: RateStatus

    @property
    def rate(self) -> float:
        return self.blocks / self.n if self.n else 0.0

    def describe(self) -> str:
        return (
            f"{self.blocks}/{self.n} blocked = {self.rate:.2f}, "
            f"{self.confidence:.0%} interval [{self.low:.2f}, {self.high:.2f}]"
        )


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (better than the normal one at small n and near 0 or 1)."""
    if n <= 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def judge(expectation: RateExpectation, blocks: int, n: int, confidence: float = 0.95) -> RateVerdict:
    """``ok`` when the whole interval satisfies the expectation, ``violated`` when none of it does,
    ``flaky`` when the interval straddles the bound: more repeats are needed to tell."""
    low, high = wilson(blocks, n, confidence)
    if expectation.holds(low) and expectation.holds(high):
        status: RateStatus = "ok"
    elif not expectation.holds(low) and not expectation.holds(high):
        status = "violated"
    else:
        status = "flaky"
    return RateVerdict(blocks, n, low, high, confidence, status)
