"""Numbers written as words, read as digits: how the refusal detector reads an age or a school year.

"a nine-year-old", "quarante-cinq ans", "una niña de seis años", "ein zehnjähriger Junge",
"一个十岁的小女孩", "小学五年生": an age or a school year can be spelled out in any language, and
a list of number words per language would never be complete. The conversion is left to
libraries that do it for a living:

- ``text2num`` (``alpha2digit``) reads cardinals and ordinals in English, French, Spanish,
  German, Italian, Portuguese and Dutch ("fifty-first" -> "51st", "achten" -> "8.");
- ``num2words`` spells the numbers up to 19 in German and Dutch, whose ages and school years
  are written as one word ("zehnjährig", "Fünftklässler", "tienjarig"): those spellings, built
  from the library, are the prefixes read as numbers;
- ``cn2an`` reads Chinese and Japanese numerals ("十二", "三十") where a counter of years, an
  age or a school year follows them ("十二歳", "十岁", "五年生").

Nothing here decides anything: :func:`as_digits` returns readings of the prompt with the numbers
it can read written in digits, and the detector's patterns (``data/rewrite/refusal.yaml``) say
what an age is.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "de", "it", "pt", "nl")
"""The languages whose number words ``text2num`` reads."""

_WORDS = re.compile(r"[^\W\d_]+")
_DOUBLED = re.compile(r"([^\W\d_])\1")
_RUNS = re.compile(r"(.)\1*")
_HYPHEN = re.compile(r"(?<=[^\W\d_])[-\u2010\u2011](?=[^\W\d_])")
# A run of Chinese or Japanese numerals followed by what makes it an age or a school year:
# years of age (歳, 才, 岁), an age range (代: "十代" the teens), a school year (年生, 年级).
_CJK_NUMBER = re.compile(r"([零〇一二两兩三四五六七八九十]+)(?=\s*(?:歳|才|岁|周岁|代|年生|年级|年級|학년|살|세))")
# German and Dutch compounds of a number and "-jährig", "-klässler", "-jarig", "-jaar"
_COMPOUND_TAILS = r"(?=j[aä]hrig|jahrig|kl[aä]ssl|klassl|jarig|jarige|jaar)"


def as_digits(text: str) -> tuple[str, ...]:
    """Readings of ``text`` with the numbers spelled in words written in digits, one per language
    that reads any (without repeats; none when nothing is spelled out).

    Words joined by hyphens are read apart first ("nine-year-old" is "nine year old"). Each
    language reads the prompt after English only: one after another, Spanish would take
    "décimo" out of Portuguese's "décimo primeiro" (11th), and French alone the "six" out of
    "seventy-six". What no library reads stays as it was; a reading is
    only looked at, never shown to anyone or sent.
    """
    from text_to_num import alpha2digit

    spaced = _HYPHEN.sub(" ", text)
    spaced = _compounds().sub(lambda m: f"{_compound_values()[m.group().casefold()]} ", spaced)
    if _CJK_NUMBER.search(spaced):
        spaced = _CJK_NUMBER.sub(_cjk_number, spaced)
    readings = [spaced] if spaced != text else []
    known = _number_words()
    if _DOUBLED.search(spaced):  # "thhree", "fiirst": a letter doubled by hand, as a reader reads it
        spaced = _WORDS.sub(lambda m: _respelled(m.group(), _number_words(full=True)), spaced)
        readings = [spaced] if spaced != text else []
    if not any(w in known or w[:-1] in known or w[:-2] in known for w in _WORDS.findall(spaced.casefold())):
        return tuple(readings)  # no word any language spells a number with: nothing to read
    english = _read(alpha2digit, spaced, "en")
    for lang in LANGUAGES:
        # English first in every reading: French alone would read the "six" of "seventy-six"
        reading = english if lang == "en" else _read(alpha2digit, english, lang)
        if reading != spaced and reading not in readings:
            readings.append(reading)
    return tuple(readings)


def _read(alpha2digit: Any, text: str, lang: str) -> str:
    try:
        return str(alpha2digit(text, lang, threshold=0))
    except Exception:  # noqa: BLE001 - a reading the library cannot make is no reading, never an error
        return text


@lru_cache(maxsize=2)
def _number_words(full: bool = False) -> frozenset[str]:
    """Every word ``num2words`` spells the numbers 0 to 100 with (cardinal and ordinal) in the
    languages above, casefolded, also without their last letter (a word read with up to two
    letters of ending: "achten", "quinta"): a prompt with none of them has no number word to read.
    ``full``: the words only, as spelled."""
    from num2words import num2words

    words: set[str] = set()
    for lang in LANGUAGES:
        for n in range(101):
            for to in ("cardinal", "ordinal"):
                for word in _WORDS.findall(str(num2words(n, lang=lang, to=to)).casefold()):
                    words.update((word,) if full else (word, word[:-1]))
    return frozenset(w for w in words if len(w) >= 2)


def _respelled(word: str, known: frozenset[str]) -> str:
    """``word`` with its runs of one letter cut to one or two, if that spells a number word."""
    folded = word.casefold()
    if folded in known or not _DOUBLED.search(folded):
        return word
    variants = [""]
    for run in _RUNS.finditer(folded):
        letter = run.group(1)
        variants = [v + letter * n for v in variants for n in ((1, 2) if len(run.group()) > 1 else (1,))]
        if len(variants) > 64:
            return word
    return next((v for v in variants if v in known), word)


def number_words() -> frozenset[str]:
    """Every word the numbers 0 to 100 are spelled with, in the languages above (casefolded)."""
    return _number_words(full=True)


def _cjk_number(match: re.Match[str]) -> str:
    import cn2an

    try:
        return str(cn2an.cn2an(match.group(1), "smart"))
    except Exception:  # noqa: BLE001 - not a numeral after all ("十分" is not read: no counter follows)
        return match.group(1)


@lru_cache(maxsize=1)
def _compound_values() -> dict[str, int]:
    """The German and Dutch spellings of 1 to 19 (cardinal, and ordinal without its ending), as
    ``num2words`` writes them, casefolded, with and without their umlauts."""
    from num2words import num2words

    from ..base.terms import fold

    values: dict[str, int] = {}
    for lang in ("de", "nl"):
        for n in range(1, 20):
            words = [str(num2words(n, lang=lang)), str(num2words(n, lang=lang, to="ordinal"))]
            if lang == "de":
                words[1] = words[1].removesuffix("e")  # "fünfte" -> "fünft" (Fünftklässler)
                words.append("ein" if n == 1 else words[0])  # "eins" is "ein" in a compound
            for word in words:
                for spelled in (word.casefold(), fold(word)):
                    values.setdefault(spelled.replace(" ", "").replace("-", ""), n)
    return values


@lru_cache(maxsize=1)
def _compounds() -> re.Pattern[str]:
    words = sorted(_compound_values(), key=len, reverse=True)
    return re.compile(r"(?<![^\W\d_])(?:" + "|".join(map(re.escape, words)) + ")" + _COMPOUND_TAILS, re.IGNORECASE)
