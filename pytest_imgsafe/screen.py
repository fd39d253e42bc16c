"""The local keyword screen: the gateway's first layer, from the same term tables as everything else.

``screen(prompt)`` says which scenarios a prompt touches, with the matched terms and their spans.
Matching is the term tables' (``pytest_imgsafe.terms``): whole words, case-, punctuation-,
accent- and confusable-insensitive, so "SPIDER—MAN", "spider man" and "ѕpider-man" all hit
``Spider-Man`` and "spidermanic" does not.

Speed comes from one Aho-Corasick automaton (pyahocorasick) over the folded terms, each padded
with spaces so that only whole words match, scanned once over the prompt folded the same way,
character for character (casefold; look-alike letters and accents through a per-character table
for the few non-ASCII characters; every non-word character a space; runs of spaces collapsed):
a few C-level passes. Most prompts hit nothing and cost only that. The digits are keys of the
automaton too, so a prompt without any skips the tables' age patterns. A hit is located in the
original prompt by a whole-token pattern of its key, searched from where the automaton saw it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .terms import HARD_PROHIBITED, SCENARIOS, Match, Term, TermIndex, TermTable, _CONFUSABLES, build_index, bundled_tables, term_key

# Every ASCII character that is not a letter or a digit becomes a space, by bytes.translate: one
# C pass. On UTF-8 it only touches ASCII bytes (every byte of a multi-byte character is >= 0x80),
# so the character count, hence every offset, stays the same.
_ASCII_SPACES = bytes(32 if c < 128 and not chr(c).isalnum() else c for c in range(256))
_NON_WORD = re.compile(r"[\W_]+")
_NON_WORD_CHAR = re.compile(r"[\W_]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_UNALIGNED = "\x00"  # what a character folds to when its fold is not one character
_DIGIT = object()  # the automaton's value for a digit key


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
        for key, term in best.items():
            automaton.add_word(key, (term.scenario, term.level, term.text, key))
        patterns = [(p, table.scenario, level) for table in tables.values() for p, level in table.patterns]
        self._patterns = patterns
        self._any_pattern = re.compile("|".join(f"(?:{p.pattern})" for p, _, _ in patterns), re.IGNORECASE) if patterns else None
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
        digits = not self._patterns_need_digit
        for _, value in self._automaton.iter(normalize(prompt)):
            if value is not _DIGIT:
                return True
            digits = True
        return digits and self._pattern_hit(prompt)

    def _pattern_hit(self, prompt: str) -> bool:
        return self._any_pattern is not None and self._any_pattern.search(prompt) is not None

    def screen(self, prompt: str) -> ScreenResult:
        """Every term of the tables in the prompt, with spans in the original text."""
        spaced = _aligned(prompt)
        if spaced is None:
            # a fold that changes lengths (ß, ligatures, stray combining marks): the term index
            # folds token by token and keeps exact spans (slower, and rare)
            return ScreenResult(tuple(self.index.find(prompt))) if self.hit(prompt) else _NOTHING
        digits = not self._patterns_need_digit
        hits = []
        for hit in self._automaton.iter(_collapsed(spaced)):
            if hit[1] is _DIGIT:
                digits = True
            else:
                hits.append(hit)
        if len(hits) == 1 and not digits:  # the usual hit: one term, no digit for the age patterns
            end, (scenario, level, text, key) = hits[0]
            m = self._key_pattern(key).search(spaced, end - len(key) + 1)
            if m is not None:
                start, stop = m.span()
                return ScreenResult((Match(scenario, level, text, start, stop, prompt[start:stop]),))
        candidates = []
        cursor: dict[str, int] = {}
        for end, (scenario, level, text, key) in hits:
            # Where the key lies in the aligned prompt: collapsing spaces only moves words left,
            # so it starts at or after its place in the collapsed text (minus the pad); earlier
            # occurrences of the same key come first (the automaton reports by end), hence the cursor.
            m = self._key_pattern(key).search(spaced, max(end - len(key) + 1, cursor.get(key, 0)))
            if m is None:  # pragma: no cover - the key is in the collapsed text, so it is in the prompt
                continue
            cursor[key] = m.end()
            candidates.append((m.start(), m.end(), scenario, level, text))
        pattern_hit = digits and self._pattern_hit(prompt)
        if not candidates and not pattern_hit:
            return _NOTHING
        candidates.sort(key=lambda c: (c[0], c[0] - c[1]))
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


_NOTHING = ScreenResult()


def _aligned(prompt: str) -> str | None:
    """The prompt folded for matching, character for character (so offsets still point into the
    prompt), with every non-word character a space; None when folding would change lengths."""
    folded = prompt.casefold()
    if len(folded) != len(prompt):
        return None
    if not folded.isascii():
        folded = _NON_ASCII.sub(_fold_match, folded)
        if _UNALIGNED in folded:
            return None
    return folded.encode().translate(_ASCII_SPACES).decode()


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    """One casefolded non-ASCII character folded as the term tables fold it (look-alike letters,
    accents), a space if that is not a word character, ``_UNALIGNED`` if it is not one character."""
    decomposed = unicodedata.normalize("NFKD", char.translate(_CONFUSABLES))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    if len(folded) != 1:
        return _UNALIGNED
    return " " if _NON_WORD_CHAR.match(folded) else folded


def _fold_match(match: re.Match[str]) -> str:
    return _fold_char(match.group())


@lru_cache(maxsize=1)
def default_screen() -> Screen:
    """The screen over the bundled tables."""
    return Screen()


def screen(prompt: str) -> ScreenResult:
    """Screen a prompt against the bundled term tables."""
    return default_screen().screen(prompt)
