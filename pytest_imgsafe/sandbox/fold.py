"""Text folding for the sandbox's classifier: what a learned classifier is blind to.

A provider's classifier reads meaning, not spelling: it sees "Tayl0r Sw1ft", "Pokémon",
"Pokе́mon" with a Cyrillic "е" and "POKEMON" as the same word. The sandbox imitates that by
folding the prompt before it matches anything: case, accents, letters from other scripts that
look like Latin ones, and (in a second, "de-leeted" form) digits and symbols written for letters
inside words. Every folded character remembers where it came from, so a finding always points
at the user's own text.

This module is the sandbox's own: it does not share the product's matching code (the sandbox
stands for a classifier the product did not write).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Letters of other scripts that render like Latin letters: the usual way to dodge a word list.
_LOOKALIKES = {
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "ѕ": "s",
    "һ": "h",
    "ԁ": "d",
    "ԝ": "w",
    "α": "a",
    "β": "b",
    "ε": "e",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ɑ": "a",
    "ı": "i",
    "ℓ": "l",
    "ø": "o",
    "đ": "d",
    "ł": "l",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
}

# Digits and symbols written for letters inside a word ("P1kachu", "n@ked", "$wastika").
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_LEET_TOKEN = re.compile(r"[a-z0-9@$!]+")
_LEET_CHARS = frozenset("0134578@$!")

# Runs of letters or digits (any script): the units a name is made of.
TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Folded:
    """Folded text, and for each of its characters the index it came from in the original."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the folded span ``[start, end)``."""
        return self.origin[start], self.origin[end - 1] + 1 if end > start else self.origin[start]


def _fold_char(ch: str) -> str:
    if ch == "_":
        return " "  # "A_SWASTIKA_FLAG" is three words to a classifier's tokenizer
    low = ch.casefold()
    if low.isascii():
        return low
    out = []
    for c in low:
        c = _LOOKALIKES.get(c, c)
        if not c.isascii():
            c = "".join(d for d in unicodedata.normalize("NFKD", c) if not unicodedata.combining(d))
            c = "".join(_LOOKALIKES.get(d, d) for d in c)
        out.append(c)
    return "".join(out)


def fold(text: str) -> Folded:
    """Casefold, map look-alike letters to Latin ones and drop accents, keeping the origin map."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold_char(ch):
            chars.append(c)
            origin.append(i)
    origin.append(len(text))
    return Folded("".join(chars), tuple(origin))


def deleet(folded: Folded) -> Folded:
    """Read digits and symbols inside a word as the letters they stand for.

    Only words with three letters or more are read this way, so numbers ("1488", "room 88") and
    short codes ("4k", "15yo", "AK-47") keep their digits; one character maps to one, so the
    origin map is unchanged.
    """
    text = folded.text

    def read(m: re.Match[str]) -> str:
        word = m.group()
        core = word.rstrip("!")
        letters = sum(c.isalpha() for c in core)
        if letters < 3 or not _LEET_CHARS.intersection(core):
            return word
        return core.translate(_LEET) + word[len(core) :]

    return Folded(_LEET_TOKEN.sub(read, text), folded.origin)


def within_edits(a: str, b: str, limit: int) -> bool:
    """Whether ``a`` becomes ``b`` by at most ``limit`` single-letter edits (insert, delete,
    substitute, or swap two neighbours): the typo a classifier still reads as the name.

    Only the band of the edit table within ``limit`` of its diagonal is computed: the rest can
    never come back under the limit.
    """
    n, m = len(a), len(b)
    if abs(n - m) > limit:
        return False
    if a == b:
        return True
    if limit == 1 and n > 1 and m > 1 and a[1] != b[1] and a[-1] != b[-1]:
        return False  # one edit leaves the second or the last letter alone
    big = limit + 1
    prev2: list[int] = []
    prev = [j if j <= limit else big for j in range(m + 1)]
    for i in range(1, n + 1):
        cur = [big] * (m + 1)
        if i <= limit:
            cur[0] = i
        lo, hi = max(1, i - limit), min(m, i + limit)
        best = cur[0]
        for j in range(lo, hi + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
            best = min(best, value)
        if best > limit:
            return False
        prev2, prev = prev, cur
    return prev[m] <= limit
