"""One set of tables per project: the trigger terms and the replacement tables.

The bundled tables plus the project's own (``[tool.imgsafe] term_tables`` and
``rewrite_tables``) are loaded once, into one :class:`Tables`, and every part that reads terms is
handed this object: the local screen (as a target, in the gateway, for routing), the rewriting
strategies, trigger localization and explain. A user's brand added to ``term_tables`` is then
screened, routed, rewritten and explained alike.

Pure: no pytest here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..base.terms import TermIndex, TermTable
    from ..rewrite import Rewriter
    from ..rewrite.tables import RewriteTable
    from .screen import Screen


@dataclass
class Tables:
    """The project's trigger terms and replacements, and what is built from them (lazily, once)."""

    term_files: tuple[Path, ...] = ()
    rewrite_files: tuple[Path, ...] = ()

    @classmethod
    def of(cls, term_files: Sequence[Path] = (), rewrite_files: Sequence[Path] = ()) -> Tables:
        """The bundled tables with these files of the project's on top."""
        return cls(tuple(term_files), tuple(rewrite_files))

    @cached_property
    def terms(self) -> dict[str, TermTable]:
        """Trigger terms by scenario: bundled, plus ``term_tables``."""
        from ..base.terms import bundled_tables, load_table_file, merge_tables

        return merge_tables(bundled_tables(), [load_table_file(p) for p in self.term_files])

    @cached_property
    def replacements(self) -> dict[str, RewriteTable]:
        """Replacement tables by strategy: bundled, plus ``rewrite_tables``."""
        from ..rewrite import bundled_tables, load_table_file, merge_tables

        return merge_tables(bundled_tables(), [load_table_file(p) for p in self.rewrite_files])

    @cached_property
    def index(self) -> TermIndex:
        """The term index that localize and the strategies match with."""
        from ..base.terms import build_index, default_index

        return default_index() if not self.term_files else build_index(self.terms)

    @cached_property
    def screen(self) -> Screen:
        """The local screen over these terms."""
        from .screen import Screen, default_screen

        return default_screen() if not self.term_files else Screen(self.terms)

    @cached_property
    def rewriter(self) -> Rewriter:
        """The six strategies over these terms and replacements."""
        from ..rewrite import Rewriter

        return Rewriter(index=self.index, tables=self.replacements)
