"""The rewriting library's own refusal detector: meanings, not names.

The term tables list names ("swastika", "child", "nude"); a user who wants a prohibited image
writes around them: an age as a number ("a 9 year old"), a school year ("a third grader"), a
hate code shown on something ("a tattoo reading 14/88"), a symbol described ("a red flag with a
black hooked cross"), a salute described ("a stiff-arm salute"), a look-alike spelling
("n4ked", "h1tler", "k.k.k", "nuuude"). This detector reads those families of meaning, from its
own data (``data/rewrite/refusal.yaml``), and shares nothing with the sandbox, which stands for
the provider's classifier and must stay an independent judge.

It is deliberately narrower than "any mention": a minor counts only together with a companion
(a realism cue, swimwear or underwear, or anything sexual), and a number code only next to a
word that shows it (a tattoo, a banner, a code), so "a cartoon of kids building a sandcastle" and
"room 88 of the hotel" are not refused by it. The table rule in :mod:`.core` still refuses every
term of the hard-prohibited tables on its own; the detector only adds to what is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from ..base.terms import fold, tokenize

# Digits read as the letters they stand for, inside a word that has a letter before the digit
# ("h1tler", "n4ked"); "12yo", "35mm" and "1920s" start with digits and stay as they are.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_LEET_WORD = re.compile(r"[a-z].*\d")
# "@" and "$" touching a letter are letters ("n@ked", "$exy"); "*" inside a word hides one
# ("n*de"): the detector reads it as the one word of its own vocabulary it can be.
_AT = re.compile(r"(?<=[^\W\d_])@|@(?=[^\W\d_])")
_DOLLAR = re.compile(r"(?<=[^\W\d_])\$|\$(?=[^\W\d_])")
_MASKED = re.compile(r"[^\W_]*(?:[^\W_]\*+|\*+[^\W_])[^\W_*]*(?:\*+[^\W_]+)*")
# letters spelled apart ("k.k.k", "n-u-d-e", "n u d e"), three or more, one separator throughout
_SPELLED = re.compile(r"(?<![^\W_])[^\W\d_]([.\-_\u00b7 ])[^\W\d_](?:\1[^\W\d_])+(?![^\W_])")
_REPEATS = re.compile(r"(.)\1+")

_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
MINOR_NUM = (
    "".join(f"(?<!{tens} )" for tens in _TENS)
    + r"(?:1[0-7]|[0-9]|"
    + "|".join(sorted(_SMALL, key=len, reverse=True))
    + ")"
)
"""A number under 18, in digits or words (an age that makes a minor; "twenty-one" is not one)."""
NUM = (
    r"(?:\d+|(?:"
    + "|".join(_TENS)
    + r")(?: (?:one|two|three|four|five|six|seven|eight|nine))?|"
    + "|".join(sorted([*_SMALL, "eighteen", "nineteen"], key=len, reverse=True))
    + ")"
)
"""Any number, in digits or words."""


@dataclass(frozen=True)
class Finding:
    """Why a prompt is refused: its scenario, what was read in it, and the family of meaning."""

    scenario: str
    terms: tuple[str, ...]
    family: str


@dataclass(frozen=True)
class Normalized:
    """A prompt as the detector reads it: plain tokens, the same with repeats squeezed, and text."""

    tokens: tuple[str, ...]
    squeezed: tuple[str, ...]
    text: str
    spelled: tuple[str, ...] = ()
    """Words that were spelled apart letter by letter, joined (several words may run together)."""


def normalize(text: str, trim: tuple[bool, bool] = (False, False)) -> Normalized:
    """Fold a prompt into the form every phrase and pattern of the detector is written for.

    ``trim``: letters spelled apart by spaces run into the one-letter words beside them: in
    "a n u d e" the "a" is an article, in "a g e d" the word's first letter; in "w i t h a" the
    last "a" is an article. ``trim`` keeps the first / last letter of such a run a word of its
    own; the detector reads a prompt every way."""
    text = _DOLLAR.sub("s", _AT.sub("a", text))
    spelled: list[str] = []

    def join(m: re.Match[str]) -> str:
        letters, head, tail = m.group().replace(m.group(1), ""), "", ""
        if m.group(1) == " " and trim[0] and len(letters) >= 4:
            head, letters = letters[0] + " ", letters[1:]
        if m.group(1) == " " and trim[1] and len(letters) >= 4:
            tail, letters = " " + letters[-1], letters[:-1]
        spelled.append(fold(letters))
        return head + spelled[-1] + tail

    text = _SPELLED.sub(join, text)
    tokens = tuple(tok.translate(_LEET) if _LEET_WORD.search(tok) else tok for tok, _, _ in tokenize(text))
    squeezed = tuple(_squeeze(tok) for tok in tokens)
    return Normalized(tokens, squeezed, " ".join(tokens), tuple(spelled))


def _squeeze(token: str) -> str:
    """Runs of one letter cut to one ("nuuude" -> "nude"), for words of two letters or more."""
    if not token.isalpha() or len(token) < 3:
        return token
    if len(set(token)) == 1:
        return token[0] * 3  # "kkkk" -> "kkk"
    squeezed = _REPEATS.sub(r"\1", token)
    return squeezed if len(squeezed) >= 3 else token


class _Phrases:
    """Phrases matched as token sequences, as written or squeezed."""

    def __init__(self, phrases: Iterable[str], dropped_letter: bool = False) -> None:
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        self._words: set[str] = set()
        # a long word with one letter left out ("swastik", "hitlr") is still that word
        self._dropped: dict[str, str] = {}
        for phrase in phrases:
            norm = normalize(phrase)
            for key in {norm.tokens, norm.squeezed}:
                if key:
                    self._by_first.setdefault(key[0], []).append(key)
            if len(norm.tokens) == 1 and len(norm.tokens[0]) >= 3:
                self._words.add(norm.tokens[0])
            if dropped_letter and len(norm.tokens) == 1 and len(norm.tokens[0]) >= 6:
                word = norm.tokens[0]
                for i in range(len(word)):
                    self._dropped.setdefault(word[:i] + word[i + 1 :], word)
        for keys in self._by_first.values():
            keys.sort(key=len, reverse=True)

    def find(self, norm: Normalized) -> list[str]:
        found: list[str] = []
        for i in range(len(norm.tokens)):
            # as written first; the squeezed form only where that finds nothing ("nuuude")
            key = self._at(norm.tokens, i) or self._at(norm.squeezed, i)
            if key:
                found.append(" ".join(key))
            elif norm.tokens[i] in self._dropped:
                found.append(self._dropped[norm.tokens[i]])
        # "n a z i p o s t e r": words spelled apart run together; a phrase inside one counts
        found += [word for run in norm.spelled for word in self._words if word in run and word != run]
        return list(dict.fromkeys(found))

    def _at(self, tokens: tuple[str, ...], i: int) -> tuple[str, ...] | None:
        for key in self._by_first.get(tokens[i], ()):
            if tokens[i : i + len(key)] == key:
                return key
        return None


_PATTERN_REPEATS = re.compile(r"(?<!\\)([a-z])\1+")


def _patterns(items: Sequence[str]) -> tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]:
    """Each pattern twice: as written, and with its repeated letters squeezed, for the squeezed
    text ("saalute" squeezes to "salute", "stiff" to "stif": both sides alike)."""
    compiled = []
    for item in items:
        source = item.replace("{MINOR_NUM}", MINOR_NUM).replace("{NUM}", NUM)
        compiled.append((re.compile(source), re.compile(_PATTERN_REPEATS.sub(r"\1", source))))
    return tuple(compiled)


def _search(patterns: Sequence[tuple[re.Pattern[str], re.Pattern[str]]], norm: Normalized) -> list[str]:
    found = [m.group() for plain, _ in patterns for m in plain.finditer(norm.text)]
    squeezed = " ".join(norm.squeezed)
    if squeezed != norm.text:
        found += [m.group() for _, short in patterns for m in short.finditer(squeezed)]
    return list(dict.fromkeys(found))


class RefusalDetector:
    """Reads the families of meaning in ``data/rewrite/refusal.yaml`` (or a mapping like it)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        sexual, minors, hate = data["sexual"], data["minors"], data["hate"]
        self._sexual = _Phrases(sexual["phrases"], dropped_letter=True)
        self._sexual_patterns = _patterns(sexual.get("patterns") or ())
        self._stages = _Phrases(minors["stages"])
        self._minor_patterns = _patterns(minors.get("patterns") or ())
        self._companions = _Phrases(minors["companions"]["phrases"])
        self._hate = _Phrases(hate["phrases"], dropped_letter=True)
        self._hate_patterns = _patterns(hate.get("patterns") or ())
        self._codes = _patterns(hate.get("codes") or ())
        self._shown_by = _Phrases(hate.get("shown_by") or ())
        # a masked word is read as the first word that fits: the refusing words come first, so
        # "n**e" reads "nude", not "nine"
        words: list[str] = []
        for items in (
            sexual["phrases"],
            hate["phrases"],
            minors["stages"],
            hate.get("shown_by") or (),
            minors["companions"]["phrases"],
            sexual.get("patterns") or (),
            minors.get("patterns") or (),
            hate.get("patterns") or (),
            hate.get("codes") or (),
            [*_SMALL, *_TENS, "eighteen", "nineteen"],
        ):
            for item in items:
                words += re.findall(r"[a-z]{3,}", item.replace("\\b", " "))
        self._vocabulary: dict[int, list[str]] = {}
        for word in dict.fromkeys(words):
            self._vocabulary.setdefault(len(word), []).append(word)

    def find(self, text: str) -> Finding | None:
        """The first family of meaning that refuses ``text`` (minors, sexual, hate), or None."""
        if "*" in text:
            text = _MASKED.sub(self._unmask, text)
        norm = normalize(text)
        found = self._find(norm)
        if found is None and norm.spelled:
            for trim in ((True, False), (False, True), (True, True)):
                found = self._find(normalize(text, trim))
                if found is not None:
                    break
        return found

    def _unmask(self, masked: re.Match[str]) -> str:
        """A word with letters masked by "*" ("n*de"): the word of the detector's vocabulary it
        can only be (a whole word, or one the vocabulary has the start of: "s*luting"); failing
        that, the word without its stars, as if they were thrown in ("n*azi")."""
        word = fold(masked.group())
        pattern = re.compile("[a-z]".join(re.escape(part) for part in word.split("*")))
        for size in range(len(word), 2, -1):
            for known in self._vocabulary.get(size, ()):
                if pattern.fullmatch(known + word[size:]):
                    return known + word[size:]
        return word.replace("*", "")

    def _find(self, norm: Normalized) -> Finding | None:
        sexual = self._sexual.find(norm) + _search(self._sexual_patterns, norm)
        minor = self._stages.find(norm) + _search(self._minor_patterns, norm)
        if minor:
            companions = self._companions.find(norm) + sexual
            if companions:
                return Finding(
                    "minors",
                    tuple(dict.fromkeys(minor + companions)),
                    "a minor, depicted realistically or suggestively",
                )
        if sexual:
            return Finding("sexual", tuple(sexual), "sexual content or nudity")
        hate = self._hate.find(norm) + _search(self._hate_patterns, norm)
        if hate:
            return Finding("hate", tuple(dict.fromkeys(hate)), "a hate symbol, salute, flag or group")
        codes = _search(self._codes, norm)
        if codes:
            shown = self._shown_by.find(norm)
            if shown:
                return Finding("hate", tuple(dict.fromkeys(codes + shown)), "a hate code shown as a symbol")
        return None


@lru_cache(maxsize=1)
def default_detector() -> RefusalDetector:
    """The detector over the bundled ``data/rewrite/refusal.yaml``."""
    text = (resources.files("pytest_imgsafe") / "data" / "rewrite" / "refusal.yaml").read_text(encoding="utf-8")
    return RefusalDetector(yaml.safe_load(text))
