"""The local keyword screen: the gateway's first layer, from the same term tables as everything else.

``screen(prompt)`` says which scenarios a prompt touches, with the matched terms and their spans.
Matching is the term tables' (``pytest_imgsafe.base.terms``): whole words, case-, punctuation-,
accent- and confusable-insensitive, so "SPIDER—MAN", "spider man" and "ѕpider-man" all hit
``Spider-Man`` and "spidermanic" does not.

Speed comes from one Aho-Corasick automaton (pyahocorasick) over the folded terms, each padded
with spaces so that only whole words match, scanned once over the prompt folded the same way,
character for character (casefold; look-alike letters and accents through a per-character table
for the few non-ASCII characters; every non-word character a space), so that a hit's place in
the scanned text is its span in the prompt. The scanned text keeps runs of spaces (", " is two):
a key of one word matches whatever surrounds it; a term of several words is a key once for each
way of writing one to three spaces between its words ("spider - man" is three), and a longer run
hits a key made of the term's first words and one space more, which sends the prompt to a slower
path that collapses the spaces and locates each hit with a whole-token pattern. Most prompts hit
nothing and cost a few C-level passes. The digits are keys of the automaton too, so a prompt without any skips the
tables' age patterns.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from ..base.terms import (
    _CONFUSABLES,
    HARD_PROHIBITED,
    SCENARIOS,
    Match,
    Term,
    TermIndex,
    TermTable,
    build_index,
    bundled_tables,
    term_key,
)

# Every ASCII letter lower-cased (an ASCII text's casefold) and every ASCII character that is not
# a letter or a digit a space, by bytes.translate: one C pass. On UTF-8 it only touches ASCII
# bytes (every byte of a multi-byte character is >= 0x80), so the character count, hence every
# offset, stays the same.
_ASCII_FOLD = bytes(
    c if c >= 128 or chr(c).isdigit() else ord(chr(c).lower()) if chr(c).isalpha() else 32 for c in range(256)
)
_NON_WORD = re.compile(r"[\W_]+")
_NON_WORD_CHAR = re.compile(r"[\W_]")
_ASCII_BYTES = bytes(range(128))
_UNALIGNED = "\x00"  # what a character folds to when its fold is not one character
_DIGIT = object()  # the automaton's value for a digit key
_IRREGULAR = object()  # the value of "the first words of a term, then more than one space"
_new_tuple = tuple.__new__  # builds a Match or a result from a tuple, without their slower __new__


class ScreenResult(tuple[Match, ...]):
    """What the screen found in one prompt: its matches, in order (an immutable sequence).

    A tuple of the matches rather than a dataclass holding them: the screen makes one per prompt
    with a hit, and a tuple costs a third as much to build. It is falsy when nothing matched.
    """

    __slots__ = ()

    def __new__(cls, matches: Iterable[Match] = ()) -> ScreenResult:
        return tuple.__new__(cls, matches)

    @property
    def matches(self) -> tuple[Match, ...]:
        """Every match, in the order of the prompt."""
        return tuple(self)

    def __repr__(self) -> str:
        return f"ScreenResult(matches={tuple(self)!r})"

    @property
    def scenarios(self) -> tuple[str, ...]:
        """The scenarios touched, in the tables' order."""
        found = {m.scenario for m in self.matches}
        return tuple(s for s in SCENARIOS if s in found)

    @property
    def scenario(self) -> str | None:
        """The main scenario: a hard-prohibited one first, else the one with the highest level."""
        if not self.matches:
            return None
        hard = [m for m in self.matches if m.scenario in HARD_PROHIBITED]
        return (hard or sorted(self.matches, key=lambda m: -m.level))[0].scenario

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(m.text for m in self.matches)

    def blocks(self, min_level: int = 1, scenarios: frozenset[str] | None = None) -> bool:
        """Would a screen that stops terms of ``min_level`` and up (in ``scenarios``) stop this prompt?"""
        return any(m.level >= min_level and (scenarios is None or m.scenario in scenarios) for m in self.matches)


def normalize(text: str) -> str:
    """Fold a text the way the terms are folded, words separated by single spaces, padded."""
    spaced = _aligned(text)
    if spaced is None:  # a fold that changes lengths: positions do not matter here
        decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_CONFUSABLES))
        spaced = _NON_WORD.sub(" ", "".join(c for c in decomposed if not unicodedata.combining(c)))
    return _collapsed(spaced)


def _collapsed(spaced: str) -> str:
    """Words separated by single spaces, padded with one on each side (what the keys look like)."""
    return " " + " ".join(spaced.split()) + " "


class Screen:
    """An automaton over a set of term tables (build once; ``screen()`` is thread-safe)."""

    def __init__(self, tables: dict[str, TermTable] | None = None) -> None:
        import ahocorasick

        tables = tables or bundled_tables()
        self.index: TermIndex = build_index(tables)
        automaton: Any = ahocorasick.Automaton()
        best: dict[str, Term] = {}
        for table in tables.values():
            for term in table.terms:
                key = " " + " ".join(term_key(term.text)) + " "
                if key not in best or best[key].level < term.level:
                    best[key] = term
        keys: dict[str, object] = {}
        for key, term in best.items():
            words = key.split()
            # a few spaces per gap between the words are keys of their own; a longer run sends
            # the prompt to the slow path
            most = _most_spaces(len(words) - 1)
            for spaced_key in _spacings(words, most):
                keys[spaced_key] = (term.scenario, term.level, term.text, key, len(spaced_key))
            for j in range(1, len(words)):
                for prefix in _spacings(words[:j], most):
                    keys.setdefault(prefix[:-1] + " " * (most + 1), _IRREGULAR)
        # Added in sorted order, the trie's nodes lie in memory about in the order a scan visits
        # them: a prompt with a term walks the term's whole path, and with 5,000 terms that walk
        # costs about half as much as with the nodes scattered.
        for key in sorted(keys):
            automaton.add_word(key, keys[key])
        patterns = [(p, table.scenario, level) for table in tables.values() for p, level in table.patterns]
        self._patterns = patterns
        self._any_pattern = (
            re.compile("|".join(f"(?:{p.pattern})" for p, _, _ in patterns), re.IGNORECASE) if patterns else None
        )
        # The tables' patterns are ages ("8-year-old"): when every pattern needs a digit, the
        # digits are keys too, and a prompt the automaton finds no digit in skips the regex.
        self._patterns_need_digit = all(re.search(r"\\d|\[0-9|\[1-9", p.pattern) for p, _, _ in patterns)
        if patterns and self._patterns_need_digit:
            for digit in "0123456789":
                automaton.add_word(digit, _DIGIT)
        automaton.make_automaton()
        self._automaton = automaton
        self.size = len(best)
        self._key_patterns: dict[str, re.Pattern[str]] = {}

    def _key_pattern(self, key: str) -> re.Pattern[str]:
        """The key's words as whole tokens separated by any spaces (compiled on first use)."""
        pattern = self._key_patterns.get(key)
        if pattern is None:
            words = key.split()
            pattern = self._key_patterns[key] = re.compile(r"(?<!\S)" + r"\s+".join(map(re.escape, words)) + r"(?!\S)")
        return pattern

    def hit(self, prompt: str) -> bool:
        """The fast question: does the prompt hold any term at all?"""
        spaced = _aligned(prompt)
        text = normalize(prompt) if spaced is None else f" {spaced} "
        digits = not self._patterns_need_digit
        irregular = False
        for _, value in self._automaton.iter(text):
            if value is _DIGIT:
                digits = True
            elif value is _IRREGULAR:
                irregular = True
            else:
                return True
        if irregular and any(
            value is not _DIGIT and value is not _IRREGULAR for _, value in self._automaton.iter(_collapsed(text))
        ):
            return True
        return digits and self._pattern_hit(prompt)

    def _pattern_hit(self, prompt: str) -> bool:
        return self._any_pattern is not None and self._any_pattern.search(prompt) is not None

    def screen(self, prompt: str) -> ScreenResult:
        """Every term of the tables in the prompt, with spans in the original text."""
        if prompt.isascii():
            text = f" {prompt.encode().translate(_ASCII_FOLD).decode()} "
        else:
            spaced = _aligned(prompt)
            if spaced is None:
                # a fold that changes lengths (ß, ligatures, stray combining marks): the term index
                # folds token by token and keeps exact spans (slower, and rare)
                return ScreenResult(tuple(self.index.find(prompt))) if self.hit(prompt) else _NOTHING
            text = f" {spaced} "
        digits = not self._patterns_need_digit
        hits = []
        for hit in self._automaton.iter(text):
            value = hit[1]
            if value is _DIGIT:
                digits = True
            elif value is _IRREGULAR:
                return self._screen_collapsed(prompt, text[1:-1])
            else:
                hits.append(hit)
        if digits and self._pattern_hit(prompt):
            return self._with_patterns(
                prompt, [(end - size + 1, end - 1, *value[:3]) for end, (*value, _, size) in hits]
            )
        if not hits:
            return _NOTHING
        # ``text`` is the prompt shifted by one (the pad): a key of ``size`` characters ending at
        # ``end`` is the word(s) at end - size + 1 .. end - 1 of the prompt.
        if len(hits) == 1:  # the usual hit: one term
            end, (scenario, level, term, _, size) = hits[0]
            start = end - size + 1
            return _new_tuple(
                ScreenResult, (_new_tuple(Match, (scenario, level, term, start, end - 1, prompt[start : end - 1])),)
            )
        return _resolved(
            prompt, [(end - size + 1, end - 1, scenario, level, term) for end, (scenario, level, term, _, size) in hits]
        )

    def _screen_collapsed(self, prompt: str, spaced: str) -> ScreenResult:
        """The slow path, for a term written with more than one space (after folding) between its
        words: scan the text with its runs of spaces collapsed, and locate each hit in the prompt
        by a whole-token pattern of its key, searched from where the automaton saw it."""
        digits = not self._patterns_need_digit
        candidates = []
        cursor: dict[str, int] = {}
        for end, value in self._automaton.iter(_collapsed(spaced)):
            if value is _DIGIT:
                digits = True
                continue
            scenario, level, term, key, _ = value
            # Collapsing spaces only moves words left, so the key starts at or after its place in
            # the collapsed text (minus the pad); earlier occurrences of the same key come first
            # (the automaton reports by end), hence the cursor.
            m = self._key_pattern(key).search(spaced, max(end - len(key) + 1, cursor.get(key, 0)))
            if m is None:  # pragma: no cover - the key is in the collapsed text, so it is in the prompt
                continue
            cursor[key] = m.end()
            candidates.append((m.start(), m.end(), scenario, level, term))
        return (
            self._with_patterns(prompt, candidates)
            if digits and self._pattern_hit(prompt)
            else _resolved(prompt, candidates)
        )

    def _with_patterns(self, prompt: str, candidates: list[tuple[int, int, str, int, str]]) -> ScreenResult:
        """The terms found, plus the tables' patterns (ages) where no term covers them."""
        matches = list(_resolved(prompt, candidates).matches)
        for pattern, scenario, level in self._patterns:
            for m in pattern.finditer(prompt):
                if not any(x.start <= m.start() < x.end for x in matches):
                    matches.append(Match(scenario, level, pattern.pattern, m.start(), m.end(), m.group()))
        matches.sort(key=lambda m: m.start)
        return ScreenResult(tuple(matches))


def _most_spaces(gaps: int) -> int:
    """How many spaces between two words of a term still match directly: up to three (", " is
    two, " - " three) while that makes at most 27 keys for the term."""
    most = 3
    while most > 1 and most**gaps > 27:
        most -= 1
    return most


def _spacings(words: list[str], most: int) -> list[str]:
    """The words padded with a space on each side, joined by 1 to ``most`` spaces, every way."""
    keys = [" " + words[0]]
    for word in words[1:]:
        keys = [k + " " * gap + word for k in keys for gap in range(1, most + 1)]
    return [k + " " for k in keys]


def _resolved(prompt: str, candidates: list[tuple[int, int, str, int, str]]) -> ScreenResult:
    """Overlapping terms keep the longest, left to right (the term index's rule)."""
    if not candidates:
        return _NOTHING
    candidates.sort(key=lambda c: (c[0], c[0] - c[1]))
    matches: list[Match] = []
    for start, stop, scenario, level, term in candidates:
        if matches and start < matches[-1].end:
            continue
        matches.append(_new_tuple(Match, (scenario, level, term, start, stop, prompt[start:stop])))
    return ScreenResult(tuple(matches))


_NOTHING = ScreenResult()


def _aligned(prompt: str) -> str | None:
    """The prompt folded for matching, character for character (so offsets still point into the
    prompt), with every non-word character a space; None when folding would change lengths."""
    if prompt.isascii():
        return prompt.encode().translate(_ASCII_FOLD).decode()
    # The non-ASCII characters, found by bytes: deleting the ASCII bytes of the UTF-8 leaves
    # them (two C passes, where a regex over a non-ASCII string costs several times more).
    others = prompt.encode().translate(None, _ASCII_BYTES).decode()
    folded = prompt
    for char in set(others) if len(others) > 1 else others:
        fold = _fold_char(char)
        if fold == _UNALIGNED or (fold != char and not fold.isascii() and _fold_char(fold) != fold):
            return None  # a fold that is not one character, or one that a second fold would change
        folded = folded.replace(char, fold)
    return folded.encode().translate(_ASCII_FOLD).decode()


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    """One non-ASCII character folded as the term tables fold it (casefold, look-alike letters,
    accents), a space if that is not a word character, ``_UNALIGNED`` if it is not one character."""
    decomposed = unicodedata.normalize("NFKD", char.casefold().translate(_CONFUSABLES))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    if len(folded) != 1:
        return _UNALIGNED
    return " " if _NON_WORD_CHAR.match(folded) else folded


@lru_cache(maxsize=1)
def default_screen() -> Screen:
    """The screen over the bundled tables."""
    return Screen()


def screen(prompt: str) -> ScreenResult:
    """Screen a prompt against the bundled term tables."""
    return default_screen().screen(prompt)
