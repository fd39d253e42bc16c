"""Where a person's name in a prompt does not ask for a picture of that person.

A provider's classifier reads a name in its phrase, not alone:

* a name inside the name of a place is the place's: "the Anne Frank House", "Nelson Mandela
  Square", "the Memorial to Martin Luther King Jr" show a building, a square, a memorial (the
  place word follows the name, capitalized as a proper name is, or comes before it with "of",
  "de", "to"...: "the house of Anne Frank");
* a historical figure in a history or teaching frame, drawn ("a civil-rights figure on a bus,
  history textbook illustration"), is a lesson, not a likeness; a realistic image of them is not.

The words are the sandbox's own (``data/lexicon.yaml``: ``landmark``, ``history_frame``, ``realism``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .fold import fold
from .lexicon import compile_pattern

_LOOK = 40
"""How far after or before a name its place word is looked for, in characters."""


@lru_cache(maxsize=1)
def _place_after() -> re.Pattern[str]:
    return compile_pattern(r"^(?:['\u2019]s?)?[\s\-]+(?P<place>{{landmark}})")


@lru_cache(maxsize=1)
def _place_before() -> re.Pattern[str]:
    connector = r"(?:of|de|du|des|del|da|do|di|van|von|to|zu|after|for)"
    return compile_pattern(rf"{{{{landmark}}}}\s+{connector}\s+(?:(?:the|la|le|el|der|het)\s+)?$")


def names_a_place(prompt: str, start: int, end: int) -> bool:
    """Whether the name at ``prompt[start:end]`` is part of a place's name.

    After the name, both must be capitalized as a proper name is ("Anne Frank House" is a house;
    "Barack Obama house party", or a prompt all in lower case, still names a person); before it,
    a small word joins them ("the house of ...").
    """
    after = fold(prompt[end : end + _LOOK])
    m = _place_after().search(after.text)
    if m is not None:
        o_start, _ = after.span(m.start("place"), m.end("place"))
        written = prompt[end + o_start : end + o_start + 1]
        if prompt[start : start + 1].isupper() and written.isupper():
            return True
    before = fold(prompt[max(0, start - _LOOK) : start])
    return _place_before().search(before.text) is not None


@lru_cache(maxsize=1)
def _place_word() -> re.Pattern[str]:
    return compile_pattern("{{landmark}}")


def is_place_word(word: str) -> bool:
    """Whether ``word`` is a place word ("House", "Huis", "Platz"): no one's family name."""
    return _place_word().fullmatch(fold(word).text) is not None


@lru_cache(maxsize=1)
def _history() -> re.Pattern[str]:
    return compile_pattern("{{history_frame}}")


@lru_cache(maxsize=1)
def _realism() -> re.Pattern[str]:
    return compile_pattern("{{realism}}")


def in_history_frame(prompt: str) -> bool:
    """Whether the prompt frames what it shows as history or a lesson, drawn: a realistic image
    ("a historical photo of ...") is still a likeness of a real person."""
    text = fold(prompt).text
    return _history().search(text) is not None and _realism().search(text) is None
