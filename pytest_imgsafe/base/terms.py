"""Term tables and whole-word matching: the one source of truth for what a scenario is.

The tables are YAML files in ``pytest_imgsafe/data/terms/`` (one per scenario). The sandbox's
policy, the local screen and the rewriting strategies all read them through this module, so a
name added to a table changes all three at once.

Matching is whole-word, case-insensitive, accent- and punctuation-insensitive: the prompt is cut
into word tokens (runs of letters and digits), each token is folded (casefold, accents dropped,
common Unicode confusables mapped to ASCII), and a term matches a run of consecutive tokens.
"Spider-Man", "spider man" and "SPIDER—MAN" all match the term ``Spider-Man``; "Spidermanic"
does not. Spans always point into the original prompt.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from . import table_files
from .patterns import backtracking_problem
from .text import excerpt

SCENARIOS: tuple[str, ...] = (
    "celebrity",
    "living_artist",
    "copyrighted_ip",
    "violence",
    "sexual",
    "minors",
    "hate",
)
"""The seven trigger scenarios of the domain notes, most frequent first."""

ALL_SCENARIOS: tuple[str, ...] = (*SCENARIOS, "benign")
"""The scenarios a corpus case may name: the seven, plus benign controls."""

HARD_PROHIBITED: frozenset[str] = frozenset({"sexual", "minors", "hate"})
"""Scenarios that are never rewritten and must stay blocked (design.md, responsible use)."""

# A word: letters and digits, with the combining marks of the main blocks inside it (so a
# decomposed "Poke\u0301mon" is one word, whose accent the folding then drops).
_TOKEN = re.compile(r"(?:[^\W_]|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])+")

# Letters from other scripts that look like ASCII letters, as used to dodge keyword filters.
_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "һ": "h",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "к": "k",
        "м": "m",
        "т": "t",
        "в": "b",
        "н": "h",
        "α": "a",
        "ο": "o",
        "ρ": "p",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ɑ": "a",
        "ı": "i",
        "ȷ": "j",
        "ℓ": "l",
        "ß": "ss",
    }
)


def fold(token: str) -> str:
    """Fold one token for matching: casefold, map confusables, drop accents."""
    folded = token.casefold().translate(_CONFUSABLES)
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Cut text into folded word tokens with their spans in the original text."""
    return [(fold(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def term_key(term: str) -> tuple[str, ...]:
    """The folded token sequence a term matches."""
    return tuple(tok for tok, _, _ in tokenize(term))


@dataclass(frozen=True)
class Term:
    """One entry of a table: the text as written, its scenario and level."""

    text: str
    scenario: str
    level: int


class Match(NamedTuple):
    """A term found in a prompt; ``start``/``end`` index the original prompt.

    A named tuple rather than a dataclass: the screen makes one per hit, and it is 2.5 times
    cheaper to build.
    """

    scenario: str
    level: int
    term: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class TermTable:
    """One scenario's table, as loaded from its YAML file."""

    scenario: str
    terms: tuple[Term, ...]
    patterns: tuple[tuple[re.Pattern[str], int], ...] = ()
    levels: dict[int, str] = field(default_factory=dict)
    hard_prohibited: bool = False
    not_triggers: dict[str, tuple[str, ...]] = field(default_factory=dict)


class TermIndex:
    """Finds every term of a set of tables in a prompt, longest match first.

    The index maps a term's first folded token to its candidates, longest first, so a prompt of
    n tokens costs about n dictionary look-ups plus a short scan where a first token matches.
    """

    def __init__(
        self,
        terms: Iterable[Term],
        patterns: Iterable[tuple[re.Pattern[str], str, int]] = (),
    ) -> None:
        by_first: dict[str, list[tuple[tuple[str, ...], Term]]] = {}
        seen: dict[tuple[str, ...], Term] = {}
        for term in terms:
            key = term_key(term.text)
            if not key:
                raise ValueError(f"term {term.text!r} ({term.scenario}) has no letters or digits")
            previous = seen.get(key)
            if previous is not None and previous.level >= term.level:
                continue
            seen[key] = term
        for key, term in seen.items():
            by_first.setdefault(key[0], []).append((key, term))
        for candidates in by_first.values():
            candidates.sort(key=lambda kt: -len(kt[0]))
        self._by_first = by_first
        self._patterns = tuple(patterns)
        self.size = len(seen)

    def find(self, text: str) -> list[Match]:
        """Every match in ``text``, in order; overlapping terms keep the longest."""
        tokens = tokenize(text)
        words = [tok for tok, _, _ in tokens]
        matches: list[Match] = []
        i, n = 0, len(words)
        while i < n:
            found = None
            for key, term in self._by_first.get(words[i], ()):
                size = len(key)
                if tuple(words[i : i + size]) == key:
                    found = (size, term)
                    break
            if found is None:
                i += 1
                continue
            size, term = found
            start, end = tokens[i][1], tokens[i + size - 1][2]
            matches.append(Match(term.scenario, term.level, term.text, start, end, text[start:end]))
            i += size
        for pattern, scenario, level in self._patterns:
            for m in pattern.finditer(text):
                if not any(x.start <= m.start() < x.end for x in matches):
                    matches.append(Match(scenario, level, pattern.pattern, m.start(), m.end(), m.group()))
        matches.sort(key=lambda m: m.start)
        return matches


def _pattern(text: str, level: int, source: str) -> re.Pattern[str]:
    """A table's pattern, compiled; one that is no regular expression, or that could backtrack
    without end on a prompt, is a ``ValueError`` naming the table, the level and the fix."""
    try:
        compiled = re.compile(text, re.IGNORECASE)
    except re.error as err:
        raise ValueError(
            f"{source}: pattern {excerpt(text)} (level {level}) is not a valid regular expression: {err}"
        ) from None
    problem = backtracking_problem(text)
    if problem:
        raise ValueError(f"{source}: pattern {excerpt(text)} (level {level}) {problem}: the screen would hang on it")
    return compiled


def _parse_table(data: Any, source: str) -> TermTable:
    if not isinstance(data, dict) or "scenario" not in data or "terms" not in data:
        raise ValueError(f"{source}: a term table needs 'scenario' and 'terms'")
    scenario = str(data["scenario"])
    terms: list[Term] = []
    for level, names in data["terms"].items():
        for text in names:
            if not isinstance(text, str):
                # YAML reads 007 as the number 7, yes as true: a table must quote such terms
                raise ValueError(f"{source}: term {excerpt(text)} (level {level}) is not text; quote it")
            terms.append(Term(text, scenario, int(level)))
    patterns = tuple(
        (_pattern(str(p), int(level), source), int(level))
        for level, items in (data.get("patterns") or {}).items()
        for p in items
    )
    not_triggers = {str(k): tuple(map(str, v)) for k, v in (data.get("not_triggers") or {}).items()}
    return TermTable(
        scenario=scenario,
        terms=tuple(terms),
        patterns=patterns,
        levels={int(k): str(v) for k, v in (data.get("levels") or {}).items()},
        hard_prohibited=bool(data.get("hard_prohibited", False)),
        not_triggers=not_triggers,
    )


def load_table_file(path: Path) -> TermTable:
    """Load one user-supplied table (same format as the bundled ones), within the bounds of
    :mod:`~pytest_imgsafe.base.yaml_bounds`; a bad file is a ``ValueError`` naming it."""
    return table_files.user_table(
        path,
        _parse_table,
        what="term table",
        shape="write 'scenario: NAME', 'terms: {LEVEL: [term, ...]}' and optionally 'patterns: {LEVEL: [regex, ...]}'",
    )


@lru_cache(maxsize=1)
def bundled_tables() -> dict[str, TermTable]:
    """The package's own tables, one per scenario."""
    return table_files.bundled_tables("terms", SCENARIOS, _parse_table)


def merge_tables(base: dict[str, TermTable], extra: Sequence[TermTable]) -> dict[str, TermTable]:
    """Add user tables to the bundled ones (terms of the same scenario are appended)."""
    merged = dict(base)
    for table in extra:
        old = merged.get(table.scenario)
        if old is None:
            merged[table.scenario] = table
        else:
            merged[table.scenario] = TermTable(
                scenario=old.scenario,
                terms=old.terms + table.terms,
                patterns=old.patterns + table.patterns,
                levels={**old.levels, **table.levels},
                hard_prohibited=old.hard_prohibited or table.hard_prohibited,
                not_triggers={**old.not_triggers, **table.not_triggers},
            )
    return merged


def build_index(tables: dict[str, TermTable]) -> TermIndex:
    """One index over all the given tables."""
    return TermIndex(
        (term for table in tables.values() for term in table.terms),
        ((p, table.scenario, level) for table in tables.values() for p, level in table.patterns),
    )


@lru_cache(maxsize=1)
def default_index() -> TermIndex:
    """The index over the bundled tables, built once per process."""
    return build_index(bundled_tables())
