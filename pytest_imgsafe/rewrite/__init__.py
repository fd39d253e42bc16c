"""Prompt rewriting: the six strategies of the domain notes, as a library.

    >>> from pytest_imgsafe.rewrite import rewrite
    >>> rewrite("A photo of Elon Musk on Mars").text
    'A photo of a tech company founder wearing a suit on Mars'

Helping is an allow-list: a strategy changes only the allowed triggers it recognises (names,
brands, characters, living artists, violent wording); a prompt with none, or in a language the
tables do not speak, comes back unchanged with a reason. Prompts of the hard-prohibited
scenarios raise :class:`RewriteRefused`, whatever the strategy.
"""

from ..base.rewritten import Change, Rewrite, RewriteRefused
from ..base.strategies import STRATEGIES, Strategy
from .core import (
    DESCRIBE_INSTRUCTION,
    EDIT_INSTRUCTION,
    NOTHING_TO_REWRITE,
    REWRITABLE,
    Describer,
    Reading,
    Rewriter,
    default_rewriter,
    describe_reference,
    edit_to_generate,
    ip_to_archetype,
    living_artist_to_style,
    name_to_descriptor,
    rewrite,
    soften_violence,
)
from .refusal import Finding, RefusalDetector, default_detector
from .tables import RewriteTable, RewriteTableError, bundled_tables, load_table_file, merge_tables

__all__ = [
    "DESCRIBE_INSTRUCTION",
    "EDIT_INSTRUCTION",
    "NOTHING_TO_REWRITE",
    "REWRITABLE",
    "STRATEGIES",
    "Change",
    "Describer",
    "Finding",
    "Reading",
    "RefusalDetector",
    "Rewrite",
    "RewriteRefused",
    "RewriteTable",
    "RewriteTableError",
    "Rewriter",
    "Strategy",
    "bundled_tables",
    "default_detector",
    "default_rewriter",
    "describe_reference",
    "edit_to_generate",
    "ip_to_archetype",
    "living_artist_to_style",
    "load_table_file",
    "merge_tables",
    "name_to_descriptor",
    "rewrite",
    "soften_violence",
]
