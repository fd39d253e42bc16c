"""A drifted item's story in its failure: since when, and which words.

- **pass -> block**: the words that trigger the new block, found by localization within
  ``--imgsafe-explain-budget`` (``explain``; the item asks for it when ``--imgsafe-explain`` is on,
  and the failure says how to get it when it is off).
- **block -> pass**: the words that triggered the old block, read from the recording's own
  explanation (``cassettes/<target>/<case>@explain.json``, written when the block was explained
  while recording). Its queries are replayed, never sent: localization asks the same questions
  of the same answers, so it finds the same words at no cost. No explanation was recorded: the
  failure says so, and how to record one.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ..calls.recording import derived_cassette_path, legacy_derived_path
from ..calls.runner import Runner

if TYPE_CHECKING:
    from ..collect.corpus import Case
    from ..providers.outcome import Outcome
    from ..providers.target import Target
    from .explain import Explanation


def recorded_explanation(
    runner: Runner, case: Case, target: Target, recorded: Outcome, nodeid: str, budget: int
) -> Explanation | None:
    """The old block's explanation, replayed from its cassette; None when none was recorded."""
    cassettes = runner.settings.cassettes
    paths = (derived_cassette_path, legacy_derived_path)
    if not any(path(cassettes, target.name, case.id, "explain").exists() for path in paths):
        return None
    from .explain import explain

    replay = Runner(dataclasses.replace(runner.settings, live=False, record_mode="none"), runner.env)
    replay._tables = runner.tables  # one set of tables per run (the localizer's index)
    found = explain(replay, case, target, recorded, nodeid, budget=budget)
    return None if found.problem else found


def words(explanation: Explanation) -> str:
    return "; ".join(" + ".join(core) for core in explanation.triggers) or "none found"


def drift_lines(
    now_blocked: bool, new: Explanation | None, old: Explanation | None, explaining: bool, record_command: str
) -> list[str]:
    """The lines a drifted item's failure adds under its ``drift:`` line."""
    if now_blocked:
        if new is not None and not new.problem:
            return [f"  new block:  triggered by {words(new)} ({new.queries} queries, see explain below)"]
        if new is not None:
            return []  # the explain line says why it could not
        if not explaining:
            return ["  new block:  add --imgsafe-explain to find the words that trigger it"]
        return []
    if old is not None:
        return [f"  old block:  was triggered by {words(old)} (from the recording's explanation, replayed)"]
    return [
        "  old block:  no explanation was recorded with it; to keep one with the next recording: "
        f"{record_command} --imgsafe-explain"
    ]
