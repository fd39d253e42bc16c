"""When a call is worth another attempt, and how long to wait first: the openai SDK's rules, for
the calls the plugin retries itself (every live attempt through the rate gate, and the
``content-safety`` kind, which has no SDK). Pure: no I/O.
"""

from __future__ import annotations

import email.utils
import random
import time
from typing import Any

from ..base.wire import Answer

RETRY_STATUSES = frozenset({408, 409, 429})
"""Answers worth another attempt, besides every 5xx (the SDK's own rule)."""
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0


def should_retry(answer: Answer) -> bool:
    """The SDK's rule: ``x-should-retry`` decides if present; else 408, 409, 429 and 5xx."""
    hint = _header(answer.headers, "x-should-retry")
    if hint in ("true", "false"):
        return hint == "true"
    return answer.status in RETRY_STATUSES or answer.status >= 500


def retry_delay(attempt: int, headers: Any, rand: random.Random | Any = random) -> float:
    """Seconds before retry number ``attempt + 1``: the answer's own wait when it gives one of at
    most a minute (``retry-after-ms``, ``retry-after`` in seconds or as a date), else exponential."""
    if headers:
        ms = _header(headers, "retry-after-ms")
        try:
            if ms is not None and 0 <= float(ms) / 1000 <= 60:
                return float(ms) / 1000
        except ValueError:
            pass
        after = _header(headers, "retry-after")
        if after is not None:
            seconds: float | None
            try:
                seconds = float(after)
            except ValueError:
                parsed = email.utils.parsedate_to_datetime(after) if after else None
                seconds = parsed.timestamp() - time.time() if parsed is not None else None
            if seconds is not None and 0 <= seconds <= 60:
                return seconds
    delay = min(INITIAL_RETRY_DELAY * 2.0**attempt, MAX_RETRY_DELAY)
    return float(delay * (1 - 0.25 * rand.random()))


def _header(headers: Any, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value).strip().lower() if name == "x-should-retry" else str(value).strip()
    return None
