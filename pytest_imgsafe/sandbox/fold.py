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
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

_KEPT = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")

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
    "η": "n",
    "ω": "w",
    "ϲ": "c",
    "ϳ": "j",
    "ѵ": "v",
    "ԛ": "q",
    "ɡ": "g",
    "ɪ": "i",
    "օ": "o",
    "ս": "u",
    "ո": "n",
    "ց": "g",
    "հ": "h",
    # Cyrillic letters used for the Latin letters they are drawn like in "faux Cyrillic"
    # ("ИUDE", "пaked"); folded alike in the sandbox's own Russian words, so those still meet
    "д": "d",
    "и": "n",
    "я": "r",
    "ш": "w",
    "ь": "b",
    "п": "n",
    "г": "r",
    "ц": "u",
    "’": "'",
    "‘": "'",
    "ʼ": "'",
}

# A letter of no script above whose Unicode name says which Latin letter it draws: small
# capitals, circled, squared and parenthesized letters, regional indicators, letters with a
# stroke or hook that NFKD keeps ("ᴎ", "🅽", "🇳", "ƞ").
_LATIN_NAME = re.compile(
    r"^(?:LATIN (?:CAPITAL |SMALL )?LETTER (?:SMALL CAPITAL )?|(?:NEGATIVE )?(?:CIRCLED|SQUARED|PARENTHESIZED) "
    r"LATIN (?:CAPITAL |SMALL )?LETTER |REGIONAL INDICATOR SYMBOL LETTER )([A-Z])\b"
)

# Digits and symbols written for letters inside a word ("P1kachu", "n@ked", "$wastika", "n0").
# "1" and "|" stand for "i" or "l": each is read both ways, in two readings.
_LEET = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "9": "g", "@": "a", "$": "s", "!": "i", "€": "e", "+": "t"}
_LEET_I = str.maketrans({**_LEET, "1": "i", "|": "i"})
_LEET_L = str.maketrans({**_LEET, "1": "l", "|": "l"})
_LEET_TOKEN = re.compile(r"[a-z0-9@$!|€+]+")
_LEET_CHARS = frozenset("0134579@$!|€+")

# Letters or digits written one by one with something between ("n.u.d.e", "n-a-c-k-t-e",
# "S.i.e.g H.e.i.l", "1 4 / 8 8"): a single character, then gaps of a few separators.
_SINGLE = re.compile(r"(?<![^\W_])[^\W_](?![^\W_])")
_GAP = re.compile(r"[\s.\-*·•'`~^+|/\\:]{1,3}")
_REPEAT = re.compile(r"([a-z])\1{2,}")
# A separator inside a word ("nu-de", "na.ked"): read the word whole ("*" is a masked letter).
_INNER_SEPARATOR = re.compile(r"(?<=[a-z])[.\-·•](?=[a-z])")
# A word cut into quoted pieces and added up: "na" + "ked".
_FRAGMENTS = re.compile(r"(?<=[a-z])['\"]\s*\+\s*['\"](?=[a-z])")

# Runs of letters or digits (any script): the units a name is made of.
TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Folded:
    """Folded text, and for each of its characters the index it came from in the original."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the folded span ``[start, end)`` (a reading may run backwards)."""
        if end <= start:
            return self.origin[start], self.origin[start]
        chunk = self.origin[start:end]
        return min(chunk), max(chunk) + 1

    def substitute(self, edits: list[tuple[int, int, str]]) -> Folded:
        """This text with each folded span ``[start, end)`` of ``edits`` (in order, apart)
        replaced; a new character points into the original span it stands for, spread evenly,
        so a finding in the new text still points at the user's own words."""
        chars: list[str] = []
        origin: list[int] = []
        pos = 0
        for start, end, new in edits:
            chars.append(self.text[pos:start])
            origin.extend(self.origin[pos:start])
            lo, hi = self.span(start, end)
            origin.extend(spread(len(new), lo, hi))
            chars.append(new)
            pos = end
        chars.append(self.text[pos:])
        origin.extend(self.origin[pos:])
        return Folded("".join(chars), tuple(origin))

    def sub(self, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str | None]) -> Folded:
        """``substitute`` for every match of ``pattern`` that ``replace`` gives new text for."""
        edits = []
        for m in pattern.finditer(self.text):
            new = replace(m)
            if new is not None and new != m.group():
                edits.append((m.start(), m.end(), new))
        return self.substitute(edits) if edits else self


def spread(count: int, lo: int, hi: int) -> list[int]:
    """``count`` positions spread evenly over ``[lo, hi)``: the first at ``lo``, the last at ``hi - 1``."""
    if count <= 0:
        return []
    if count == 1 or hi - lo <= 1:
        return [lo] * count
    return [lo + round(i * (hi - 1 - lo) / (count - 1)) for i in range(count)]


def fold_within(text: str, lo: int, hi: int) -> Folded:
    """``text`` folded, every character pointing into ``[lo, hi)`` of the prompt: the reading
    of a decoded or rewritten stretch of the prompt, which stands for that stretch as a whole."""
    inner = fold(text)
    where = spread(len(text), lo, hi)
    return Folded(inner.text, tuple(where[i] if i < len(where) else hi for i in inner.origin))


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    if ch == "_":
        return " "  # "A_SWASTIKA_FLAG" is three words to a classifier's tokenizer
    low = ch.casefold()
    if low.isascii():
        return low
    if unicodedata.category(ch) == "Cf":
        return ""  # zero-width spaces and joiners, soft hyphens: invisible, so unread
    if _KEPT.match(ch):
        return ch  # kana and Hangul syllables stay whole (NFKD would take them apart)
    out = []
    for c in low:
        c = _LOOKALIKES.get(c, c)
        if not c.isascii():
            c = "".join(d for d in unicodedata.normalize("NFKD", c) if not unicodedata.combining(d)).casefold()
            c = "".join(_LOOKALIKES.get(d, d) for d in c)
        if not c.isascii() and len(c) == 1:
            named = _LATIN_NAME.match(unicodedata.name(c, ""))
            if named:
                c = named.group(1).lower()
        out.append(c)
    return "".join(out)


_JOINERS = frozenset("-/\\")
"""What joins two words into one ("young-boy", "young/boy"); beside one word only, a space."""


def fold(text: str) -> Folded:
    """Casefold, map look-alike letters to Latin ones and drop accents, keeping the origin map.
    A dash or slash that joins no two letters ("young -boy", "young /boy", "boy- ") is a space:
    a tokenizer reads the word beside it as the word it is."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold_char(ch):
            chars.append(c)
            origin.append(i)
    for i, c in enumerate(chars):
        if c in _JOINERS and not (0 < i < len(chars) - 1 and chars[i - 1].isalnum() and chars[i + 1].isalnum()):
            chars[i] = " "
    origin.append(len(text))
    return Folded("".join(chars), tuple(origin))


def respell(folded: Folded, one: str = "i") -> Folded:
    """The text as a reader sees through its spelling: letters written one by one joined into
    their word ("n.u.d.e" is "nude", "S.i.e.g H.e.i.l" is "sieg heil", "1 4 / 8 8" is "14/88"),
    a separator inside a word dropped ("nu-de", '"na" + "ked"'),
    digits and symbols inside a word read as the letters they stand for ("T0pl3ss", "n0
    cl0thes"; ``one`` is what "1" and "|" stand for), and a letter held for three or more
    ("nuuude") read once. Numbers alone ("1488", "room 88") keep their digits.
    """
    joined = join_singles(folded)
    table = _LEET_I if one == "i" else _LEET_L

    def read(m: re.Match[str]) -> str:
        word = m.group()
        core = word.rstrip("!")
        if not any(c.isalpha() for c in core) or not _LEET_CHARS.intersection(core):
            return word
        return core.translate(table) + word[len(core) :]

    leet = joined.sub(_FRAGMENTS, lambda m: "").sub(_INNER_SEPARATOR, lambda m: "").sub(_LEET_TOKEN, read)
    return leet.sub(_REPEAT, _held_once)


def _held_once(m: re.Match[str]) -> str | None:
    """A held letter once ("nuuude"), unless it is the whole word ("kkkk" is read elsewhere)."""
    text, start, end = m.string, m.start(), m.end()
    alone = (start == 0 or not text[start - 1].isalpha()) and (end == len(text) or not text[end].isalpha())
    return None if alone else m.group(1)


def join_singles(folded: Folded) -> Folded:
    """Letters or digits written one by one joined into their word (see ``respell``)."""
    text = folded.text
    singles = list(_SINGLE.finditer(text))
    edits: list[tuple[int, int, str]] = []
    run: list[re.Match[str]] = []

    def close() -> None:
        if len(run) >= 3:
            gaps = [text[a.end() : b.start()] for a, b in zip(run, run[1:], strict=False)]
            if all(g.isspace() for g in gaps) and len(set(gaps)) > 1:
                # "S c a r l e t t  J o h a n s s o n  n u d e": a wider space parts the words
                narrow = min(gaps, key=len)
                groups = [[run[0]]]
                for gap, m in zip(gaps, run[1:], strict=True):
                    if len(gap) > len(narrow):
                        groups.append([m])
                    else:
                        groups[-1].append(m)
            elif all(g.isspace() for g in gaps):
                # "n u d e" is one word; in "a n u d e" the article stays a word
                groups = [run[1:] if run[0].group() in ("a", "i") and len(run) >= 4 else list(run)]
            else:
                # "S.i.e.g H.e.i.l", "a n.u.d.e": a space between dotted words still parts them
                groups = [[run[0]]]
                for gap, m in zip(gaps, run[1:], strict=True):
                    if gap.isspace() and not m.group().isdigit():
                        groups.append([m])
                    else:
                        groups[-1].append(m)
            for group in groups:
                if len(group) < 2:
                    continue
                out = group[0].group()
                for a, b in zip(group, group[1:], strict=False):
                    gap = text[a.end() : b.start()]
                    out += ("/" if ("/" in gap or "|" in gap) and b.group().isdigit() else "") + b.group()
                edits.append((group[0].start(), group[-1].end(), out))
        run.clear()

    for m in singles:
        if run and not _GAP.fullmatch(text[run[-1].end() : m.start()]):
            close()
        run.append(m)
    close()
    return folded.substitute(edits) if edits else folded


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
