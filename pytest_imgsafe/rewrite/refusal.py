"""The rewriting library's own refusal detector: meanings, not names. The second line.

The strategies help only what they positively recognise (:mod:`.core`); this detector is what
refuses a prompt outright, whatever else it holds. The term tables list names ("swastika",
"child", "nude"); a user who wants a prohibited image writes around them: an age as a number or
in another language ("a 9 year old", "una niña de seis años", "十岁"), a school year ("a third
grader", "Fünftklässler"), a hate code shown on something ("a tattoo reading 14/88"), a symbol
described ("a red flag with a white disc and a black hooked cross"), a salute described ("right
arms stiffly forward, palms down"), a euphemism for undress ("in her birthday suit", "a towel
slipping off, revealing everything"), a look-alike spelling ("n4ked", "h1tler", "k.k.k",
"nuuude", "na\u200bked"), another language ("nackt", "desnuda", "裸体"), an encoding (base64,
rot13). This detector reads those families of meaning, from its own data
(``data/rewrite/refusal.yaml``), with libraries for what libraries do better than a table
(number words in seven languages and Chinese numerals: :mod:`.numbers`; Unicode folding and the
transliteration of look-alike letters: ``unicodedata``, ``anyascii``; encodings:
:mod:`.hidden`), and shares nothing with the sandbox, which stands for the provider's
classifier and must stay an independent judge.

What it finds (:meth:`RefusalDetector.find`) is a *hard* signal: sexual content or nudity, a
hate symbol, salute, flag, group or code shown, a minor depicted realistically (beside a realism
cue, design.md's "realistically depicting minors") or beside undress, swimwear, underwear or
anything sexual. Never rewritten, and stopped by the gateway before any model is asked.
:meth:`RefusalDetector.minors` says what reads as a minor at all (an age, a school year, a stage
of life, in any of the languages above): a minor in an ordinary scene (at school, at play, with
family, not shown realistically) is no hard signal. The rewriter does not help such a prompt,
but the gateway lets it through to the models. A number code counts only next to a word that shows it
(a tattoo, a banner, a code), so "room 88 of the hotel" is not refused. The table rule in
:mod:`.core` still refuses every term of the hard-prohibited tables on its own; the detector only
adds to what is refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

import yaml

from ..base.terms import fold, tokenize
from .hidden import payloads
from .numbers import as_digits, number_words

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
# digits spelled apart ("1 4 / 8 8"): single digits in a row, read as one number
_SPELLED_DIGITS = re.compile(r"(?<![\w])\d(?:[\s./\-_]+\d){2,}(?![\w])")
# Chinese, Japanese and Korean script: no spaces between words, so phrases are found anywhere
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u1100-\u11ff\uac00-\ud7af]")
_WORD = re.compile(r"[^\W_]+")

MINOR_NUM = r"(?<![\d.,])(?:1[0-7]|[0-9])(?![\d,]|\.\d)"
"""A number under 18 in digits (an age that makes a minor). Number words are read as digits
first (:mod:`.numbers`), in several languages: "nine", "neun", "nueve", "neuf", "九"."""
MINOR_ORD = r"(?<![\d.,])(?:1[0-8]|[1-9])(?:st|nd|rd|th|o|a|e|eme|er|re)(?!\w)"
"""An ordinal up to 18th ("in her 11th year" is an age of ten; "11º ano" a school year)."""
GRADE = r"(?<![\d.,])(?:1[0-2]|[1-9])(?![\d,])"
"""A school year, 1 to 12."""
NUM = r"\d+"
"""Any number in digits."""


@dataclass(frozen=True)
class Finding:
    """Why a prompt is refused: its scenario, what was read in it, and the family of meaning."""

    scenario: str
    terms: tuple[str, ...]
    family: str
    hard: bool = True
    """A hard-prohibited signal, whatever the scene (every finding of the detector is one; the
    rewriter's refusal of a minor in an ordinary scene is not)."""


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


def prepare(text: str) -> str:
    """The prompt's characters as a reader sees them: compatibility forms folded (NFKC: "ｎｕｄｅ",
    "𝐧𝐮𝐝𝐞", "ⓝⓤⓓⓔ" are "nude"), invisible characters dropped (zero-width spaces and joiners,
    soft hyphens: "na\u200bked" is "naked"), and the letters of another script inside a Latin
    word transliterated ("ѕwаѕtikа" with Cyrillic letters is "swastika"), by ``anyascii``."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return _WORD.sub(_latinized, text)


def _latinized(word: re.Match[str]) -> str:
    """A word mixing Latin letters with letters of another script: the others transliterated."""
    token = word.group()
    if token.isascii() or _CJK.search(token):
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
    text = _SPELLED_DIGITS.sub(lambda m: re.sub(r"\D", "", m.group()), text)
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
    """Phrases matched as token sequences (as written or squeezed), word stems ("nackt*") at the
    start of a token, and phrases in CJK script anywhere in the text."""

    def __init__(self, phrases: Iterable[str], dropped_letter: bool = False) -> None:
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        self._words: set[str] = set()
        self._stems: dict[str, list[str]] = {}
        self._anywhere: list[str] = []
        # a long word with one letter left out ("swastik", "hitlr") is still that word
        self._dropped: dict[str, str] = {}
        for phrase in phrases:
            if _CJK.search(phrase):
                self._anywhere.append(normalize(phrase).text)
                continue
            if phrase.endswith("*"):
                stem = normalize(phrase[:-1]).text
                self._stems.setdefault(stem[:3], []).append(stem)
                continue
            norm = normalize(phrase)
            for key in {norm.tokens, norm.squeezed}:
                if key:
                    self._by_first.setdefault(key[0], []).append(key)
            if len(norm.tokens) == 1 and len(norm.tokens[0]) >= 3:
                self._words.add(norm.tokens[0])
            if dropped_letter and len(norm.tokens) == 1 and len(norm.tokens[0]) >= 6:
                word = norm.tokens[0]
                # not the plural's "s": the singular is another word, listed where it is meant
                for i in range(len(word) - (word.endswith("s"))):
                    self._dropped.setdefault(word[:i] + word[i + 1 :], word)
        for keys in self._by_first.values():
            keys.sort(key=len, reverse=True)
        self._starts = frozenset(self._by_first) | frozenset(self._dropped)

    def find(self, norm: Normalized, words: frozenset[str] | None = None) -> list[str]:
        found: list[str] = []
        words = norm.words if words is None else words
        walk = not self._starts.isdisjoint(words) or any(w[:3] in self._stems for w in words)
        for i in range(len(norm.tokens) if walk else 0):
            # as written first; the squeezed form only where that finds nothing ("nuuude")
            key = self._at(norm.tokens, i) or self._at(norm.squeezed, i)
            if key:
                found.append(" ".join(key))
            elif norm.tokens[i] in self._dropped:
                found.append(self._dropped[norm.tokens[i]])
            elif self._stems:
                found += [
                    norm.tokens[i]
                    for tok in {norm.tokens[i], norm.squeezed[i]}
                    for stem in self._stems.get(tok[:3], ())
                    if tok.startswith(stem)
                ][:1]
        if self._anywhere:
            found += [phrase for phrase in self._anywhere if phrase in norm.text]
        # "n a z i p o s t e r": words spelled apart run together; a phrase inside one counts
        found += [word for run in norm.spelled for word in self._words if word in run and word != run]
        return list(dict.fromkeys(found))

    def _at(self, tokens: tuple[str, ...], i: int) -> tuple[str, ...] | None:
        for key in self._by_first.get(tokens[i], ()):
            if tokens[i : i + len(key)] == key:
                return key
        return None


class _Described:
    """A meaning described, not named: every group finds a phrase, and no ``none`` phrase is there."""

    def __init__(self, rule: Mapping[str, Any]) -> None:
        self.family = str(rule.get("family") or "described")
        self._all = [_Phrases(group) for group in rule["all"]]
        self._none = _Phrases(rule.get("none") or ())

    def find(self, norm: Normalized) -> list[str]:
        found: list[str] = []
        for group in self._all:
            hits = group.find(norm)
            if not hits:
                return []
            found += hits
        return [] if self._none.find(norm) else found


_PATTERN_REPEATS = re.compile(r"(?<!\\)([a-z])\1+")


def _patterns(items: Sequence[str]) -> tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]:
    """Each pattern twice: as written, and with its repeated letters squeezed, for the squeezed
    text ("saalute" squeezes to "salute", "stiff" to "stif": both sides alike)."""
    compiled = []
    for item in items:
        source = (
            item.replace("{MINOR_NUM}", MINOR_NUM)
            .replace("{MINOR_ORD}", MINOR_ORD)
            .replace("{MINOR}", MINOR_NUM)
            .replace("{GRADE}", GRADE)
            .replace("{NUM}", NUM)
        )
        compiled.append((re.compile(source), re.compile(_PATTERN_REPEATS.sub(r"\1", source))))
    return tuple(compiled)


def _search(patterns: Sequence[tuple[re.Pattern[str], re.Pattern[str]]], norm: Normalized) -> list[str]:
    found = [m.group() for plain, _ in patterns for m in plain.finditer(norm.text)]
    squeezed = " ".join(norm.squeezed)
    if squeezed != norm.text:
        found += [m.group() for _, short in patterns for m in short.finditer(squeezed)]
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class _Reading:
    """One text as the detector reads it, with its readings where numbers are digits."""

    norm: Normalized
    numeric: tuple[Normalized, ...]


class RefusalDetector:
    """Reads the families of meaning in ``data/rewrite/refusal.yaml`` (or a mapping like it)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        sexual, minors, hate = data["sexual"], data["minors"], data["hate"]
        self._sexual = _Phrases(sexual["phrases"], dropped_letter=True)
        self._sexual_patterns = _patterns(sexual.get("patterns") or ())
        self._sexual_described = [_Described(rule) for rule in sexual.get("described") or ()]
        self._stages = _Phrases(minors["stages"])
        self._ages = _patterns(minors.get("ages") or ())
        self._realism = _Phrases(minors.get("realism") or ())
        self._exposure = _Phrases(minors.get("exposure") or ())
        self._hate = _Phrases(hate["phrases"], dropped_letter=True)
        self._hate_patterns = _patterns(hate.get("patterns") or ())
        self._hate_described = [_Described(rule) for rule in hate.get("described") or ()]
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
            minors.get("realism") or (),
            minors.get("exposure") or (),
            sexual.get("patterns") or (),
            minors.get("ages") or (),
            hate.get("patterns") or (),
            hate.get("codes") or (),
            sorted(number_words()),
        ):
            for item in items:
                words += re.findall(r"[a-z]{3,}", item.replace("\\b", " "))
        self._vocabulary: dict[int, list[str]] = {}
        for word in dict.fromkeys(words):
            self._vocabulary.setdefault(len(word), []).append(word)

    def find(self, text: str) -> Finding | None:
        """The first family of meaning that refuses ``text`` or what it hides (minors, sexual,
        hate), or None."""
        for reading in self._readings(text):
            found = self._find(reading)
            if found is not None:
                return found
        return None

    def minors(self, text: str) -> tuple[str, ...]:
        """What reads as a minor in ``text`` (an age, a school year, a stage of life), or ()."""
        found: list[str] = []
        for reading in self._readings(text):
            found += self._minor(reading)
        return tuple(dict.fromkeys(found))

    def _readings(self, text: str) -> list[_Reading]:
        """The prompt read every way: as written, its letters spelled apart run into the words
        beside them or not, and each text it hides (base64, rot13, ...)."""
        readings: list[_Reading] = []
        for part in (text, *payloads(text)):
            part = prepare(part)
            if "*" in part:
                part = _MASKED.sub(self._unmask, part)
            norm = normalize(part)
            # numbers read from the prompt as written ("zwölf"), as folded ("th1rd" is "third") and
            # squeezed ("fiirst" is "first")
            spelled = as_digits(part)
            for folded in dict.fromkeys((norm.text, " ".join(norm.squeezed))):
                if folded != part.casefold():
                    spelled += as_digits(folded)
            numeric = tuple(normalize(r) for r in dict.fromkeys(spelled))
            readings.append(_Reading(norm, numeric))
            if norm.spelled:
                for trim in ((True, False), (False, True), (True, True)):
                    readings.append(_Reading(normalize(part, trim), numeric))
        return readings

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

    def _minor(self, reading: _Reading) -> list[str]:
        found = self._stages.find(reading.norm)
        for norm in (reading.norm, *reading.numeric):
            found += _search(self._ages, norm)
        return list(dict.fromkeys(found))

    def _find(self, reading: _Reading) -> Finding | None:
        norm = reading.norm
        sexual = self._sexual.find(norm) + _search(self._sexual_patterns, norm)
        for rule in self._sexual_described:
            sexual += rule.find(norm)
        minor = self._minor(reading)
        if minor:
            context = self._exposure.find(norm) + sexual
            if context:
                return Finding(
                    "minors",
                    tuple(dict.fromkeys(minor + context)),
                    "a minor, in a sexual or undressed context",
                )
            realism = self._realism.find(norm)
            if realism:
                return Finding("minors", tuple(dict.fromkeys(minor + realism)), "a minor, depicted realistically")
        if sexual:
            return Finding("sexual", tuple(dict.fromkeys(sexual)), "sexual content or nudity")
        hate = self._hate.find(norm) + _search(self._hate_patterns, norm)
        for rule in self._hate_described:
            found = rule.find(norm)
            if found:
                hate += [f"{rule.family}: {', '.join(dict.fromkeys(found))}"]
        if hate:
            return Finding("hate", tuple(dict.fromkeys(hate)), "a hate symbol, salute, flag or group")
        codes = [code for n in (norm, *reading.numeric) for code in _search(self._codes, n)]
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
