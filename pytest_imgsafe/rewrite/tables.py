"""The rewriting strategies' replacement tables: YAML data, bundled and user-supplied.

One file per table strategy in ``pytest_imgsafe/data/rewrite/``. A table maps trigger terms (the
same terms as ``data/terms/``, matched the same way: by their folded token sequence) to the text
that replaces them, either one by one (``map``) or in groups that share a replacement
(``groups``). ``default`` replaces a term of the scenario that the table does not list (a name a
user added to the trigger tables, say); ``decline`` lists terms the strategy refuses to rewrite.

Users add or override entries with their own files in the same format, listed in
``[tool.imgsafe] rewrite_tables``; a user entry wins over a bundled one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..base import table_files
from ..base.terms import term_key

TABLE_STRATEGIES: dict[str, str] = {
    "name_to_descriptor": "celebrity",
    "living_artist_to_style": "living_artist",
    "ip_to_archetype": "copyrighted_ip",
    "soften_violence": "violence",
}
"""The strategies driven by a replacement table, and the scenario each one rewrites."""


class RewriteTableError(ValueError):
    """A replacement table that cannot be used; the message names the file and the fix."""


@dataclass(frozen=True)
class RewriteTable:
    """One strategy's replacements, keyed by the folded token sequence of the term."""

    strategy: str
    scenario: str
    default: str
    entries: Mapping[tuple[str, ...], str] = field(default_factory=dict)
    decline: frozenset[tuple[str, ...]] = frozenset()

    def replacement(self, term: str) -> str:
        """The text that replaces ``term`` (the table's default if it is not listed)."""
        return self.entries.get(term_key(term), self.default)

    def declines(self, term: str) -> bool:
        """Does the strategy refuse to rewrite this term?"""
        return term_key(term) in self.decline


def parse_table(data: Any, source: str) -> RewriteTable:
    """Validate one table's parsed YAML; ``source`` names it in errors."""
    if not isinstance(data, dict):
        raise RewriteTableError(
            f"{source}: a rewrite table is a mapping with 'strategy', 'default' and 'map' or 'groups'"
        )
    strategy = data.get("strategy")
    if strategy not in TABLE_STRATEGIES:
        raise RewriteTableError(f"{source}: 'strategy' must be one of {', '.join(TABLE_STRATEGIES)} (got {strategy!r})")
    entries: dict[tuple[str, ...], str] = {}
    mapping = data.get("map") or {}
    if not isinstance(mapping, dict):
        raise RewriteTableError(f"{source}: 'map' must be a mapping of term -> replacement")
    for term, replacement in mapping.items():
        entries[_key(term, source)] = _text(replacement, f"{source}: the replacement of {term!r}")
    for index, group in enumerate(data.get("groups") or []):
        if not isinstance(group, dict) or not isinstance(group.get("terms"), list):
            raise RewriteTableError(f"{source}: group #{index + 1} needs 'replacement: <text>' and 'terms: [...]'")
        replacement = _text(group.get("replacement"), f"{source}: group #{index + 1}'s replacement")
        for term in group["terms"]:
            entries[_key(term, source)] = replacement
    # a user's overlay may leave out 'default' (the bundled table's stays)
    default = _text(data["default"], f"{source}: 'default'") if data.get("default") is not None else ""
    decline = frozenset(_key(term, source) for term in data.get("decline") or [])
    return RewriteTable(str(strategy), TABLE_STRATEGIES[str(strategy)], default, entries, decline)


def _key(term: Any, source: str) -> tuple[str, ...]:
    if not isinstance(term, str):
        # YAML reads 007 as a number and yes as a boolean: such terms must be quoted
        raise RewriteTableError(f"{source}: term {term!r} is not text; quote it")
    key = term_key(term)
    if not key:
        raise RewriteTableError(f"{source}: term {term!r} has no letters or digits")
    return key


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RewriteTableError(f"{what} must be non-empty text")
    return value.strip()


def load_table_file(path: Path) -> RewriteTable:
    """Load a user's table file."""
    return table_files.user_table(path, parse_table, RewriteTableError, what="rewrite table")


@lru_cache(maxsize=1)
def bundled_tables() -> dict[str, RewriteTable]:
    """The package's tables, by strategy name."""
    return table_files.bundled_tables("rewrite", TABLE_STRATEGIES, parse_table)


def merge_tables(base: Mapping[str, RewriteTable], extra: Iterable[RewriteTable]) -> dict[str, RewriteTable]:
    """Overlay user tables on the bundled ones: their entries win, their declines add up."""
    merged = dict(base)
    for table in extra:
        old = merged.get(table.strategy)
        if old is None:
            merged[table.strategy] = table
            continue
        merged[table.strategy] = RewriteTable(
            strategy=old.strategy,
            scenario=old.scenario,
            default=table.default or old.default,
            entries={**old.entries, **table.entries},
            decline=old.decline | table.decline,
        )
    return merged
