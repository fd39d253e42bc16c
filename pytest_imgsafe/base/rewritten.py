"""What a rewrite gives: the rewritten prompt and its changes, or the refusal.

Plain result types, apart from the rewriter that makes them (``rewrite.core``): a fuzz item
replays the rewrites its recording noted without loading the rewriter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class RewriteRefused(Exception):
    """The prompt (or what a rewrite would make of it) falls in a scenario that is never rewritten.

    ``hard``: the prompt carries a hard-prohibited signal (sexual content, hate, a minor in a
    sexual or undressed context), and the gateway stops it before any model. False when the
    library only declines to help: a prompt that mentions or shows a minor in an ordinary scene,
    atrocity wording, a describer that would not describe it. Those a model still judges.
    """

    def __init__(self, scenario: str, terms: Iterable[str], reason: str = "", *, hard: bool = True) -> None:
        self.scenario = scenario
        self.terms = tuple(dict.fromkeys(terms))
        self.reason = reason or f"prompts in the {scenario} scenario are never rewritten (responsible use)"
        self.hard = hard
        super().__init__(f"rewrite refused: {self.reason}; matched: {', '.join(self.terms)}")


@dataclass(frozen=True)
class Change:
    """One replaced span of the original prompt."""

    start: int
    end: int
    original: str
    replacement: str


@dataclass(frozen=True)
class Rewrite:
    """The result of a rewrite; ``strategy`` is None when there was nothing to rewrite."""

    original: str
    text: str
    strategy: str | None
    changes: tuple[Change, ...] = ()
    endpoint: str | None = None
    """``generate`` when the rewrite is meant for the generations endpoint (edit_to_generate)."""
    reason: str | None = None
    """Why a prompt comes back unchanged: nothing the strategy rewrites, or a language the tables
    do not speak."""

    @property
    def changed(self) -> bool:
        return self.text != self.original
