"""A prompt's characters and words as the refusal detector reads them: one fold for every reader.

A user who writes around a word list changes how a word looks, not what it says: "ｎｕｄｅ",
"𝐧𝐮𝐝𝐞", "na\u200bked", "nаkеd" with Cyrillic letters, "n.u.d.e", "n4ked", "nuuude", a Persian
"۹" for 9. :func:`prepare` folds the characters (NFKC, invisible characters, the letters of
another script inside a Latin word, the digits of every script), :func:`normalize` the words
(letters spelled apart joined, digits inside words read as letters, repeats squeezed), into the
form every concept, pattern and rule of the detector is written for. The same fold reads the
detector's own data, so a word in the data and in a prompt always meet in the same form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from ..base.terms import fold

# Digits read as the letters they stand for, inside a word that has a letter before the digit
# ("h1tler", "n4ked"); "12yo", "35mm" and "1920s" start with digits and stay as they are.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_LEET_WORD = re.compile(r"[a-z].*\d")
# "@" and "$" touching a letter are letters ("n@ked", "$exy")
_AT = re.compile(r"(?<=[^\W\d_])@|@(?=[^\W\d_])")
_DOLLAR = re.compile(r"(?<=[^\W\d_])\$|\$(?=[^\W\d_])")
# letters spelled apart ("k.k.k", "n-u-d-e", "n u d e"), three or more, one separator throughout;
# a digit that stands for a letter may be one of them after the first, in a run of four or more
# with three letters ("J 3 w s" is "j3ws", read "jews"; "a 0 y/o" stays an age)
_SPELLED = re.compile(r"(?<![^\W_])[^\W\d_]([.\-_\u00b7 ])(?:[^\W\d_]|[013457])(?:\1(?:[^\W\d_]|[013457]))+(?![^\W_])")
_REPEATS = re.compile(r"(.)\1+")
# digits spelled apart ("1 4 / 8 8"): single digits in a row, read as one number
_SPELLED_DIGITS = re.compile(r"(?<![\w])\d(?:[\s./\-_]+\d){2,}(?![\w])")
# Scripts that do not put spaces between words: their phrases are found anywhere in the text
# (Chinese, Japanese, Korean; Thai, Lao, Khmer, Myanmar)
NO_SPACES = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u1100-\u11ff\uac00-\ud7af"
    r"\u0e00-\u0eff\u1780-\u17ff\u1000-\u109f]"
)
_WORD = re.compile(r"[^\W_]+")
# A word: letters and digits with the marks written inside words, so that a word of an Indic,
# Thai, Hebrew or Arabic script stays one word ("नग्न": its vowel signs and virama are marks,
# which Python's \w leaves out); the term tables' tokenizer, plus those marks
_TOKEN = re.compile(
    r"(?:[^\W_]|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
    r"|[\u0900-\u0963\u0966-\u0dff]|[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]|[\u0591-\u05c7]"
    r"|[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed])+"
)
_NON_ASCII_DIGIT = re.compile(r"[^\x00-\x7f]")


@dataclass(frozen=True)
class Normalized:
    """A prompt as the detector reads it: plain tokens, the same with repeats squeezed, and text."""

    tokens: tuple[str, ...]
    squeezed: tuple[str, ...]
    text: str
    spelled: tuple[str, ...] = ()
    """Words that were spelled apart letter by letter, joined (several words may run together)."""

    @cached_property
    def words(self) -> frozenset[str]:
        """Every token, as written and squeezed (a quick test before a phrase list's walk)."""
        return frozenset(self.tokens) | frozenset(self.squeezed)

    @cached_property
    def starts(self) -> tuple[int, ...]:
        """Where each token starts in :attr:`text` (tokens are joined by one space)."""
        at, starts = 0, []
        for token in self.tokens:
            starts.append(at)
            at += len(token) + 1
        return tuple(starts)


def prepare(text: str) -> str:
    """The prompt's characters as a reader sees them: compatibility forms folded (NFKC: "ｎｕｄｅ",
    "𝐧𝐮𝐝𝐞", "ⓝⓤⓓⓔ" are "nude"), invisible characters dropped (zero-width spaces and joiners,
    soft hyphens: "na\u200bked" is "naked"), the digits of every script read as 0-9 ("۹", "९",
    "๙" are 9), and the letters of another script inside a Latin word transliterated ("ѕwаѕtikа"
    with Cyrillic letters is "swastika"), by ``anyascii``."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = _NON_ASCII_DIGIT.sub(_ascii_digit, text)
    return _WORD.sub(_latinized, text)


def _ascii_digit(char: re.Match[str]) -> str:
    value = unicodedata.decimal(char.group(), None)
    return str(value) if value is not None else char.group()


def _latinized(word: re.Match[str]) -> str:
    """A word mixing Latin letters with letters of another script: the others transliterated."""
    token = word.group()
    if token.isascii() or NO_SPACES.search(token):
        return token
    latin = other = False
    for char in token:
        if char.isalpha():
            if "LATIN" in unicodedata.name(char, ""):
                latin = True
            else:
                other = True
    if not (latin and other):
        return token
    from anyascii import anyascii

    return "".join(c if "LATIN" in unicodedata.name(c, "LATIN") else _look_alike(c, anyascii) for c in token)


def _look_alike(char: str, transliterate: Any) -> str:
    """A letter of another script inside a Latin word: the Latin letter it looks like where the
    term tables' fold knows one ("ѕ" is "s"), else its transliteration."""
    folded = fold(char)
    return folded if folded.isascii() else str(transliterate(char))


def normalize(text: str, trim: tuple[bool, bool] = (False, False), numbers: bool = False) -> Normalized:
    """Fold a prompt into the form every phrase and pattern of the detector is written for.

    ``trim``: letters spelled apart by spaces run into the one-letter words beside them: in
    "a n u d e" the "a" is an article, in "a g e d" the word's first letter; in "w i t h a" the
    last "a" is an article. ``trim`` keeps the first / last letter of such a run a word of its
    own; the detector reads a prompt every way. ``numbers``: a reading whose number words were
    written in digits, where a digit is the number it was ("a 0 y o", from "a z.e.r.o y/o"
    folded), never a letter spelled apart."""
    text = _DOLLAR.sub("s", _AT.sub("a", text))
    spelled: list[str] = []

    def join(m: re.Match[str]) -> str:
        letters, head, tail = m.group().replace(m.group(1), ""), "", ""
        if not letters.isalpha() and (numbers or len(letters) < 4 or sum(c.isalpha() for c in letters) < 3):
            return m.group()  # a digit among letters needs a word of four, three of them letters ("a 0 y/o")
        if m.group(1) == " " and trim[0] and len(letters) >= 4:
            head, letters = letters[0] + " ", letters[1:]
        if m.group(1) == " " and trim[1] and len(letters) >= 4:
            tail, letters = " " + letters[-1], letters[:-1]
        spelled.append(fold(letters))
        return head + spelled[-1] + tail

    text = _SPELLED.sub(join, text)
    text = _SPELLED_DIGITS.sub(lambda m: re.sub(r"\D", "", m.group()), text)
    folded = (fold(m.group()) for m in _TOKEN.finditer(text))
    tokens = tuple(tok.translate(_LEET) if _LEET_WORD.search(tok) else tok for tok in folded)
    squeezed = tuple(squeeze(tok) for tok in tokens)
    return Normalized(tokens, squeezed, " ".join(tokens), tuple(spelled))


@cache
def normalized_entry(entry: str) -> Normalized:
    """A word or phrase of the detector's own data, normalized once: the concept index, the age
    reader and the detector's vocabulary all read the same few thousand entries when they are
    built (not for prompts: those are many, and the detector keeps its own readings)."""
    return normalize(entry)


def squeeze(token: str) -> str:
    """Runs of one letter cut to one ("nuuude" -> "nude"), for words of two letters or more."""
    if not token.isalpha() or len(token) < 3:
        return token
    if len(set(token)) == 1:
        return token[0] * 3  # "kkkk" -> "kkk"
    squeezed = _REPEATS.sub(r"\1", token)
    return squeezed if len(squeezed) >= 3 else token
