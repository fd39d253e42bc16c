"""Numbers said in words, read as digits: "fifteen", "quince", "fünfzehnjährig", "十五歳".

A classifier reads "a girl of fifteen" and "a 15-year-old girl" alike, in any language, and it
reads "eighty-eight" on a tattoo as the code 88. The sandbox builds that reading from
``num2words``, which spells numbers in some fifty languages: its cardinals 1 to 99 and ordinals 1
to 20, in the languages listed here, become one pattern, and each match is replaced by its
digits (an ordinal by its digits and a full stop, "13."). Chinese and Japanese numerals are read by a small
parser of their own (their system is regular), Korean native numbers by the age rules.

Only the sandbox's age and code rules look at this reading: "once" (Spanish eleven) or "elf"
(German eleven) read as digits harm nothing there.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .fold import Folded, fold, join_singles
from .lexicon import trie_pattern

# Languages read in words. Words of two letters or fewer ("un", "en") are left out: too many
# ordinary words of other languages look the same.
LANGUAGES = (
    "en",
    "de",
    "es",
    "fr",
    "it",
    "pt",
    "nl",
    "pl",
    "ru",
    "uk",
    "tr",
    "sv",
    "da",
    "no",
    "fi",
    "hu",
    "ro",
    "id",
)

# What may follow a number inside one word: "zwölfjährig", "pięcioletni", "achtjarig".
_COMPOUND_TAIL = ("jahrig", "jarig", "arig", "arige", "vuotias", "eves", "letn", "летн", "річн", "yas")

_CJK_DIGITS = {"一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CJK_NUMBER = re.compile(r"(?<![一二两兩三四五六七八九十百千])[一二两兩三四五六七八九十]+(?![百千万萬])")


def _spellings() -> dict[str, str]:
    """Folded spelling -> digits, for every language of ``LANGUAGES``."""
    from num2words import num2words  # imported on first use: it loads every language

    found: dict[str, str] = {}
    for lang in LANGUAGES:
        words = {n: fold(num2words(n, lang=lang)).text.strip() for n in range(1, 100)}
        for n, word in words.items():
            _add(found, word, str(n))
            tens, units = words.get(n - n % 10, ""), words.get(n % 10, "")
            if n > 10 and n % 10 and tens and word == tens + units:
                _add(found, f"{tens} {units}", str(n))  # "onbeş" is also written "on beş"
        for n in range(1, 21):
            ordinal = fold(num2words(n, lang=lang, to="ordinal")).text.strip()
            # declined and feminine forms: "zwölften", "décima", "первая" are read as well
            for form in (ordinal, ordinal + "n", ordinal + "r", ordinal + "s", ordinal[:-1] + "a"):
                _add(found, form, f"{n}.")
    return found


def _add(found: dict[str, str], words: str, digits: str) -> None:
    key = fold(words).text.strip()
    if len(key) > 2 and key not in found:
        found[key] = digits


@lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    spellings = _spellings()
    # a word's parts may be written apart or joined: "treinta y ocho", "on beş", "vingt-deux"
    keyed = {re.sub(r"[\s\-]+", " ", k): v for k, v in spellings.items()}
    body = trie_pattern(sorted(keyed)).replace(r"[\s\-]+", r"[\s\-]*")
    tails = "|".join(re.escape(fold(t).text) for t in _COMPOUND_TAIL)
    pattern = re.compile(rf"(?<![^\W_])(?:{body})(?:(?![^\W_])|(?=-?(?:{tails})))")
    return pattern, {re.sub(r"[\s\-]+", "", k): v for k, v in keyed.items()}


def _cjk_value(text: str) -> int | None:
    """The value of a Chinese or Japanese numeral under 100 ("十五" 15, "二十" 20, "三十八" 38)."""
    if "十" not in text:
        return _CJK_DIGITS.get(text) if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if "十" in units or len(tens) > 1 or len(units) > 1:
        return None
    high = _CJK_DIGITS.get(tens, 0) if tens else 1
    low = _CJK_DIGITS.get(units, 0) if units else 0
    if (tens and not high) or (units and not low):
        return None
    return high * 10 + low


def read_numbers(folded: Folded) -> Folded:
    """``folded`` with every number said in words replaced by its digits, digits said one by
    one joined ("one four eight eight" is 1488), and a number parted from the word it is
    joined to ("15yo" is "15 yo")."""
    pattern, values = _pattern()

    def digits(m: re.Match[str]) -> str | None:
        return values.get(re.sub(r"[\s\-]+", "", m.group()))

    def cjk(m: re.Match[str]) -> str | None:
        value = _cjk_value(m.group())
        return None if value is None else str(value)

    read = join_singles(folded.sub(pattern, digits).sub(_CJK_NUMBER, cjk))  # "1 4 8 8" is 1488
    return read.sub(_DIGIT_THEN_LETTER, lambda m: " ")  # "15yo", "9jährig": the unit is a word


_DIGIT_THEN_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])")
