"""Which prompts the rewriting tables speak: English only, positively identified.

The replacement tables and the grammar that fits a replacement into its sentence are English.
A prompt in another language, rewritten word by word, becomes a mix of languages ("Ein Foto von
a head of state beim Wandern") that no user asked for and that a model reads worse than the
original. So a strategy rewrites a prompt only when it reads as English; any other comes back
unchanged, with the reason (:func:`not_covered`).

How a prompt is read: the allowed triggers are taken out first (a name is no evidence of a
language: "Angela Merkel" in an English sentence is English). Then
- letters of another script than Latin (Cyrillic, Greek, CJK, kana, Hangul, Arabic, ...) left
  in the prompt make it another language;
- a prompt in Latin letters goes to CLD2 (``pycld2``, Google's compact language detector),
  trusted where it says it is sure; where it is not (short text), the function words decide,
  and the prompt is English only when they are more English than any other language's. A
  prompt with fewer than four words around its triggers is taken as English without asking.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from ..base.files import bundled_text

COVERED = "en"
"""The language of the replacement tables."""
READ_AS_ENGLISH = frozenset({COVERED, "sco", "un"})
"""What CLD2 may name a plain English prompt: Scots for short English text ("Corpse in a snowy
forest" reads as Scots), unknown when it cannot tell."""
MIN_WORDS = 4
"""Fewer words than this (around the triggers) are too few for a language detector."""
_WORD = re.compile(r"[^\W\d_]{2,}")
_ANY_WORD = re.compile(r"[^\W\d_]+")


def not_covered(text: str, triggers: Iterable[tuple[int, int]] = (), *, script_only: bool = False) -> str | None:
    """Why the tables do not speak ``text`` (None when it reads as English).

    ``triggers``: the spans of the allowed triggers found in it (names, brands), left out of the
    reading. ``script_only``: look at the letters' script alone, not ask the detector."""
    rest = text
    for start, end in sorted(triggers, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    script = _other_script(rest)
    if script is not None:
        return f"the prompt is written in {script} script; the rewriting tables are English"
    language = None if script_only else _language(rest)
    if language is not None:
        return f"the prompt reads as {language}; the rewriting tables are English"
    return None


def _other_script(text: str) -> str | None:
    """The first script other than Latin that the letters of ``text`` use."""
    for char in text:
        if not char.isalpha() or char.isascii():
            continue
        name = unicodedata.name(char, "")
        if name.startswith("LATIN") or not name:
            continue
        script = name.split(" ")[0]
        if script in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL"):
            return {"CJK": "Chinese or Japanese", "HIRAGANA": "Japanese", "KATAKANA": "Japanese"}.get(script, "Korean")
        if script in ("MODIFIER", "FULLWIDTH"):  # letters of a Latin look, read by their fold
            continue
        return script.title()
    return None


def _language(text: str) -> str | None:
    """The language a Latin-script text is written in, when that is not English.

    CLD2 is trusted where it says it is sure. On short text it often is not, and its best guess
    is noise both ways ("Corpse in a snowy forest" is Scots, "A phhoto of a teapot" Czech, "Una
    foto de en la playa" English), so there the function words decide: English only when they
    are more English than any other language's (``data/rewrite/function_words.yaml``)."""
    words = _WORD.findall(text)
    if len(words) < MIN_WORDS:
        return None
    import pycld2

    votes = _function_word_votes(_ANY_WORD.findall(text))
    english = votes.pop(COVERED, 0)
    other, count = max(votes.items(), key=lambda item: item[1], default=("", 0))
    if english == 0 and count >= CLEARLY_OTHER:
        # no English function word and several of another language's: CLD2's "sure" is not
        # ("serrant des mains au salon de l'agriculture" is reliably English to it)
        return _NAMES.get(other, "a language the detector cannot place")
    try:
        reliable, _, details = pycld2.detect(text)
    except pycld2.error:
        return "text no detector can read"
    if reliable:
        name, code = details[0][0], details[0][1]
        return None if code in READ_AS_ENGLISH else str(name).title()
    if english > count:
        return None
    return _NAMES.get(other, "a language the detector cannot place")


CLEARLY_OTHER = 3
"""Function words of one other language (and none of English) that settle a text's language."""


_NAMES = {"es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese", "nl": "Dutch"}


def _function_word_votes(words: list[str]) -> dict[str, int]:
    """Language -> how many of ``words`` are its function words (a one-letter word counts too)."""
    table = _function_words()
    votes: dict[str, int] = {}
    for word in words:
        for language, known in table.items():
            if word.lower() in known:
                votes[language] = votes.get(language, 0) + 1
    return votes


@functools.lru_cache(maxsize=1)
def _function_words() -> dict[str, frozenset[str]]:

    from ..base.table_files import read_yaml

    text = bundled_text("data", "rewrite", "function_words.yaml")
    return {language: frozenset(words) for language, words in read_yaml(text).items()}
