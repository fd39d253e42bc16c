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
- a prompt in Latin letters goes to CLD2 (``pycld2``, Google's compact language detector): it
  is English unless CLD2 names another language. A prompt with fewer than four words around its
  triggers is taken as English without asking: CLD2 reads "in a desert" as Norwegian, and on
  1,360 English prompts and the Latin-script probes of set A (benchmarks/probes) the threshold
  of four lost no English prompt a strategy could help and took one Spanish prompt for English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

COVERED = "en"
"""The language of the replacement tables."""
READ_AS_ENGLISH = frozenset({COVERED, "sco", "un"})
"""What CLD2 may name a plain English prompt: Scots for short English text ("Corpse in a snowy
forest" reads as Scots), unknown when it cannot tell."""
MIN_WORDS = 4
"""Fewer words than this (around the triggers) are too few for a language detector."""
_WORD = re.compile(r"[^\W\d_]{2,}")


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
    """The language CLD2 names for a Latin-script text, when that is not English (or unknown)."""
    if len(_WORD.findall(text)) < MIN_WORDS:
        return None
    import pycld2

    try:
        _, _, details = pycld2.detect(text, bestEffort=True)
    except pycld2.error:
        return "text no detector can read"
    name, code = details[0][0], details[0][1]
    if code in READ_AS_ENGLISH:
        return None
    return str(name).title()
