"""Small text helpers shared by the modules that write messages for people."""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Sequence


def did_you_mean(word: object, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` when a choice is close to ``word``, else an empty string (also for
    a word that is no short text: comparing a megabyte with each choice would take minutes)."""
    if not isinstance(word, str) or len(word) > 200:
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


EXCERPT_LIMIT = 60
"""How many characters of a user's value an error message shows."""

_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxdict, _SHORT.maxlist, _SHORT.maxtuple = 2, 4, 4, 4
_SHORT.maxstring = _SHORT.maxother = EXCERPT_LIMIT


def excerpt(value: object, limit: int = EXCERPT_LIMIT) -> str:
    """A ``repr`` of a user's value cut to about ``limit`` characters, whatever its size or depth.

    Error messages quote what the user wrote; a plain ``repr`` of a value built from nested YAML
    aliases would expand all of it (gigabytes), and of a value nested 990 deep would overflow
    the stack. Strings keep their start and say how long they were."""
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}... ({len(value):,} characters)"
    text = _SHORT.repr(value)
    return text if len(text) <= limit + 20 else f"{text[:limit]}..."


def clip(text: str, limit: int = 200) -> str:
    """A text (a path, a parser's message) as it is, cut to ``limit`` characters if longer."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"
