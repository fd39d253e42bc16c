"""The local keyword screen: the gateway's first layer, from the same term tables as everything else.

``screen(prompt)`` says which scenarios a prompt touches, with the matched terms and their spans.
Matching is the term tables' (``pytest_imgsafe.terms``): whole words, case-, punctuation-,
accent- and confusable-insensitive, so "SPIDER—MAN", "spider man" and "ѕpider-man" all hit
``Spider-Man`` and "spidermanic" does not.

Speed comes from one Aho-Corasick automaton (pyahocorasick) over the folded terms, each padded
with spaces so that only whole words match, scanned once over the prompt folded the same way
(casefold, look-alike letters and accents only for non-ASCII text, every run of non-word
characters to one space: a few C-level passes). Most prompts hit nothing and cost only that;
a prompt that hits is matched again by the term index, which gives the exact spans in the
original text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .terms import HARD_PROHIBITED, SCENARIOS, Match, Term, TermIndex, TermTable, _CONFUSABLES, build_index, bundled_tables, term_key

_PUNCTUATION = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\t\n\r\x0b\x0c"
_ASCII_SPACES = bytes(32 if c in _PUNCTUATION else c for c in range(256))  # bytes.translate: one C pass
_NOT_DIGITS = bytes(c for c in range(256) if not 48 <= c <= 57)
_NON_WORD = re.compile(r"[\W_]+")
_NON_WORD_CHAR = re.compile(r"[\W_]")
# Combining marks of the Basic Multilingual Plane, as one class (a C-speed scan instead of a
# Python loop over every character of a non-ASCII prompt).
_COMBINING = re.compile("[" + "".join(re.escape(chr(c)) for c in range(0x300, 0x10000) if unicodedata.combining(chr(c))) + "]")


@dataclass(frozen=True)
class ScreenResult:
    """What the screen found in one prompt."""

    matches: tuple[Match, ...] = ()

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

    def __bool__(self) -> bool:
        return bool(self.matches)


def normalize(text: str) -> str:
    """Fold a text the way the terms are folded, words separated by single spaces, padded."""
    spaced = _aligned(text)
    if spaced is None:  # a fold that changes lengths: positions do not matter here
        spaced = _NON_WORD.sub(" ", _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold().translate(_CONFUSABLES))))
    return " " + " ".join(spaced.split()) + " "


def _spaced_ascii(folded: str) -> str:
    """ASCII punctuation to spaces, same length (so offsets still point into the prompt)."""
    return folded.encode("ascii").translate(_ASCII_SPACES).decode("ascii")


def _has_digit(folded: str) -> bool:
    return bool(folded.encode("ascii", "ignore").translate(None, _NOT_DIGITS))


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
        for key, term in best.items():
            automaton.add_word(key, (term.scenario, term.level, term.text, key))
        automaton.make_automaton()
        self._automaton = automaton
        patterns = [(p, table.scenario, level) for table in tables.values() for p, level in table.patterns]
        self._patterns = patterns
        self._any_pattern = re.compile("|".join(f"(?:{p.pattern})" for p, _, _ in patterns), re.IGNORECASE) if patterns else None
        # The tables' patterns are ages ("8-year-old"): when every pattern needs a digit, a prompt
        # without one skips the regex (most prompts).
        self._patterns_need_digit = all(re.search(r"\\d|\[0-9|\[1-9", p.pattern) for p, _, _ in patterns)
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
        for _ in self._automaton.iter(normalize(prompt)):
            return True
        return self._pattern_hit(prompt)

    def _pattern_hit(self, prompt: str) -> bool:
        if self._any_pattern is None or (self._patterns_need_digit and not _has_digit(prompt)):
            return False
        return self._any_pattern.search(prompt) is not None

    def screen(self, prompt: str) -> ScreenResult:
        """Every term of the tables in the prompt, with spans in the original text."""
        spaced = _aligned(prompt)
        if spaced is None:
            # a fold that changes lengths (ß, ligatures, stray combining marks): the term index
            # folds token by token and keeps exact spans (slower, and rare)
            return ScreenResult(tuple(self.index.find(prompt))) if self.hit(prompt) else ScreenResult()
        norm = " " + " ".join(spaced.split()) + " "
        found = self._automaton.iter(norm)
        first = next(found, None)
        pattern_hit = self._pattern_hit(prompt)
        if first is None and not pattern_hit:
            return ScreenResult()
        candidates = []
        cursor: dict[str, int] = {}
        for end, (scenario, level, text, key) in ([first, *found] if first is not None else []):
            # Where the key lies in the aligned prompt: collapsing spaces only moves words left,
            # so it starts at or after its place in ``norm`` (minus the pad); earlier occurrences
            # of the same key come first (the automaton reports by end), hence the cursor.
            at = max(end - len(key) + 1, cursor.get(key, 0))
            m = self._key_pattern(key).search(spaced, at)
            if m is None:  # pragma: no cover - the key is in norm, so it is in the prompt
                continue
            cursor[key] = m.end()
            candidates.append((m.start(), m.end(), scenario, level, text))
        candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
        matches: list[Match] = []
        for start, stop, scenario, level, text in candidates:
            if matches and start < matches[-1].end:
                continue
            matches.append(Match(scenario, level, text, start, stop, prompt[start:stop]))
        if pattern_hit:
            for pattern, scenario, level in self._patterns:
                for m in pattern.finditer(prompt):
                    if not any(x.start <= m.start() < x.end for x in matches):
                        matches.append(Match(scenario, level, pattern.pattern, m.start(), m.end(), m.group()))
            matches.sort(key=lambda m: m.start)
        return ScreenResult(tuple(matches))


def _aligned(prompt: str) -> str | None:
    """The prompt folded for matching, character for character (so offsets still point into the
    prompt), with every non-word character a space; None when folding would change lengths."""
    folded = prompt.casefold()
    if len(folded) != len(prompt):
        return None
    if folded.isascii():
        return _spaced_ascii(folded)
    if _COMBINING.search(prompt):
        return None
    stripped = _COMBINING.sub("", unicodedata.normalize("NFKD", folded.translate(_CONFUSABLES)))
    if len(stripped) != len(prompt):
        return None
    return _NON_WORD_CHAR.sub(" ", stripped)


@lru_cache(maxsize=1)
def default_screen() -> Screen:
    """The screen over the bundled tables."""
    return Screen()


def screen(prompt: str) -> ScreenResult:
    """Screen a prompt against the bundled term tables."""
    return default_screen().screen(prompt)
