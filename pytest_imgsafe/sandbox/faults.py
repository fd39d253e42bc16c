"""Fault injection and rate limiting for the sandbox: seeded, so a test is reproducible."""

from __future__ import annotations

import math
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

FAULT_KINDS: tuple[str, ...] = ("429", "quota", "500", "502", "503", "504", "drop", "slow", "badjson")
"""What --faults understands: HTTP statuses, quota (429 insufficient_quota), a dropped
connection, a slow answer, and a 200 whose JSON is cut short."""

_ITEM = re.compile(r"^\s*([a-z0-9]+)\s*:\s*([0-9]*\.?[0-9]+)\s*$")


@dataclass(frozen=True)
class FaultSpec:
    """Probabilities per fault kind; at most one fault is drawn per request."""

    weights: tuple[tuple[str, float], ...] = ()

    @classmethod
    def parse(cls, spec: str | None) -> FaultSpec:
        """Parse ``"429:0.1,503:0.02,drop:0.01"``; raise ValueError naming the bad part."""
        if not spec or not spec.strip():
            return cls()
        weights: list[tuple[str, float]] = []
        for part in spec.split(","):
            m = _ITEM.match(part)
            if not m:
                raise ValueError(
                    f"bad fault {part.strip()!r}: write KIND:PROBABILITY, e.g. 429:0.1 "
                    f"(kinds: {', '.join(FAULT_KINDS)})"
                )
            kind, prob = m.group(1), float(m.group(2))
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}; known kinds: {', '.join(FAULT_KINDS)}")
            if not 0.0 <= prob <= 1.0:
                raise ValueError(f"fault {kind!r} has probability {prob}; it must be between 0 and 1")
            weights.append((kind, prob))
        total = sum(p for _, p in weights)
        if total > 1.0 + 1e-9:
            raise ValueError(f"fault probabilities add up to {total:g}; they must add up to at most 1")
        return cls(tuple(weights))

    def draw(self, seed: int, sequence: int) -> str | None:
        """The fault for the request with this sequence number (None: answer normally)."""
        if not self.weights:
            return None
        u = random.Random(f"{seed}:{sequence}").random()
        acc = 0.0
        for kind, prob in self.weights:
            acc += prob
            if u < acc:
                return kind
        return None

    def __str__(self) -> str:
        return ",".join(f"{k}:{p:g}" for k, p in self.weights)


class RateLimiter:
    """A requests-per-minute limit as a token bucket refilled continuously.

    The bucket holds one second's worth of requests (at least one), so a client that keeps to the
    limit is never refused, and one that bursts gets 429 with the exact wait in Retry-After.
    """

    def __init__(self, rpm: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rpm <= 0:
            raise ValueError(f"rpm must be a positive number of requests per minute, not {rpm}")
        self.rpm = rpm
        self.rate = rpm / 60.0
        self.capacity = max(1.0, self.rate)
        self._clock = clock
        """Seconds, as ``time.monotonic`` counts them; a test gives its own to refill at will."""
        self._tokens = self.capacity
        self._stamp = clock()
        self._lock = threading.Lock()

    def acquire(self) -> tuple[bool, float, int]:
        """Take one request: (allowed, seconds to wait if refused, requests remaining)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True, 0.0, int(self._tokens)
            wait = (1.0 - self._tokens) / self.rate
            return False, wait, 0

    def reset_after(self) -> float:
        """Seconds until the bucket is full again."""
        with self._lock:
            return max(0.0, (self.capacity - self._tokens) / self.rate)


def retry_after_headers(wait_s: float) -> dict[str, str]:
    """Retry-After in whole seconds (rounded up) and retry-after-ms, as OpenAI sends them."""
    return {"retry-after": str(max(1, math.ceil(wait_s))), "retry-after-ms": str(max(1, math.ceil(wait_s * 1000)))}


def format_reset(seconds: float) -> str:
    """A duration the way x-ratelimit-reset-* headers write it: ``20ms``, ``1s``, ``6m0s``."""
    if seconds < 1:
        return f"{max(0, round(seconds * 1000))}ms"
    if seconds < 60:
        return f"{seconds:.3g}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest}s"
