"""A cache of the sandbox's readings of a text, bounded by what it holds rather than by count.

A reading of a prompt keeps an index per character, so 4,096 cached prompts of 32,000
characters would hold gigabytes. Short texts (every corpus prompt) share a large cache; long
ones a few places only, enough for the many readings one request makes of its own prompt.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

SHORT_TEXT_CHARS = 500
"""Texts up to this length share the large cache."""
LONG_TEXTS_KEPT = 8
"""How many longer texts' readings are kept (each request reads its prompt many times)."""

F = TypeVar("F", bound=Callable[..., Any])


def text_cache(maxsize: int) -> Callable[[F], F]:
    """``lru_cache(maxsize)`` for calls whose first argument is a short text; a cache of
    ``LONG_TEXTS_KEPT`` places for longer ones."""

    def wrap(func: F) -> F:
        short = lru_cache(maxsize=maxsize)(func)
        long = lru_cache(maxsize=LONG_TEXTS_KEPT)(func)

        @wraps(func)
        def cached(text: str, *args: Any, **kwargs: Any) -> Any:
            return (short if len(text) <= SHORT_TEXT_CHARS else long)(text, *args, **kwargs)

        def cache_clear() -> None:
            short.cache_clear()
            long.cache_clear()

        cached.cache_clear = cache_clear  # type: ignore[attr-defined]
        return cached  # type: ignore[return-value]

    return wrap
