"""``--imgsafe-explain``: on an unexpected block, which words did it, which scenario, what to do.

The diagnostic flow of the domain notes, automated: the stage comes from the answer; the
triggering words from :func:`pytest_imgsafe.diagnosis.localize.localize`, asking the free moderations
endpoint when it flags the prompt too, else the blocking target itself at its cheapest settings,
within ``--imgsafe-explain-budget`` queries; the scenario from the term tables; the suggestion
from the rewriting strategies (or their refusal). The queries are ordinary calls: recorded in
``cassettes/<target>/<case>@explain.json`` and replayed like any other.
"""

from __future__ import annotations

import dataclasses
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from ..calls.runner import CallSession, ImgsafeError, Runner
from ..collect.corpus import Case
from ..providers.outcome import ApiError, Outcome
from ..providers.target import Target
from ..rewrite import RewriteRefused
from .localize import localize

CHEAPEST = {"quality": "low", "size": "1024x1024", "n": 1}


@dataclass(frozen=True)
class Explanation:
    """What the explain step found (or why it could not)."""

    stage: str | None
    triggers: tuple[tuple[str, ...], ...] = ()
    scenarios: tuple[str, ...] = ()
    oracle: str = ""
    queries: int = 0
    budget_exhausted: bool = False
    suggestion: str | None = None
    strategy: str | None = None
    refused: str | None = None
    problem: str | None = None
    uncertain: tuple[tuple[str, ...], ...] = ()
    """Words the search could not settle (answers that changed, or the budget ran out on them)."""

    def lines(self) -> list[str]:
        """For the failure report."""
        if self.problem:
            return [f"  explain:    {self.problem}"]
        words = "; ".join(" + ".join(core) for core in self.triggers) or "none found"
        out = [
            f"  explain:    triggers {words} (scenario {', '.join(self.scenarios) or 'unknown'}, "
            f"stage {self.stage or 'unknown'}; "
            f"{self.queries} queries to {self.oracle}{', budget ran out' if self.budget_exhausted else ''})"
        ]
        if self.uncertain:
            out.append(
                f"  uncertain:  {'; '.join(' + '.join(core) for core in self.uncertain)} "
                "(the answers about them disagreed or ran out)"
            )
        if self.refused:
            out.append(f"  suggestion: none: {self.refused}")
        elif self.suggestion:
            out.append(f"  suggestion: {self.suggestion}  ({self.strategy})")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            **dataclasses.asdict(self),
            "triggers": [list(core) for core in self.triggers],
            "scenarios": list(self.scenarios),
            "uncertain": [list(core) for core in self.uncertain],
        }


def cheapest(target: Target) -> Target:
    """The target with the cheapest image settings (what a diagnosis should pay for)."""
    if target.kind in ("images.generate", "images.edit"):
        return dataclasses.replace(target, params={**target.params, **CHEAPEST}, name=target.name)
    return target


def explain(
    runner: Runner,
    case: Case,
    target: Target,
    outcome: Outcome,
    nodeid: str,
    *,
    budget: int,
) -> Explanation:
    """Explain why ``case`` was blocked by ``target`` (see the module docstring)."""
    settings = runner.settings
    moderation = next((t for t in settings.targets.values() if t.kind == "moderation"), None)
    item = case.id
    with ExitStack() as sessions:
        return _explain(runner, case, target, outcome, nodeid, item, budget, moderation, sessions)


def _explain(
    runner: Runner,
    case: Case,
    target: Target,
    outcome: Outcome,
    nodeid: str,
    item: str,
    budget: int,
    moderation: Target | None,
    sessions: ExitStack,
) -> Explanation:
    used = 0
    try:
        oracle_name = target.name
        session: CallSession | None = None
        if moderation is not None and moderation.name != target.name and budget > 0:
            mod = sessions.enter_context(runner.session(moderation, item, nodeid, role="explain"))
            used += 1
            if mod.outcome(case.prompt)[0].verdict == "block":
                session, oracle_name = mod, f"{moderation.name} (free)"
        if session is None:
            session = sessions.enter_context(runner.session(cheapest(target), item, nodeid, role="explain"))
        chosen = session

        def is_blocked(text: str) -> bool:
            return chosen.outcome(text, None, case.images, case.mask)[0].verdict == "block"

        # An output-stage block judges a generated image, which differs from call to call: each
        # answer is asked again once, and words whose answers disagree are reported as uncertain.
        found = localize(
            case.prompt,
            is_blocked,
            budget=max(0, budget - used),
            index=runner.tables.index,
            confirm=1 if outcome.stage == "output" else 0,
        )
    except (ImgsafeError, ApiError) as err:
        return Explanation(outcome.stage, problem=f"could not localize the triggers: {err}".replace("\n", " "))
    words = [w for core in found.triggers for w in core]
    scenarios = runner.tables.screen.screen(" ; ".join(words)).scenarios if words else ()
    result = Explanation(
        outcome.stage,
        found.triggers,
        scenarios or tuple(outcome.categories),
        oracle_name,
        found.queries + used,
        found.budget_exhausted,
        uncertain=tuple(found.uncertain),
    )
    try:
        rewritten = runner.tables.rewriter.rewrite(case.prompt)
    except RewriteRefused as refused:
        return dataclasses.replace(result, refused=refused.reason)
    if rewritten.strategy:
        return dataclasses.replace(result, suggestion=rewritten.text, strategy=rewritten.strategy)
    why = f" ({rewritten.reason})" if rewritten.reason else ""
    return dataclasses.replace(
        result, suggestion=None, strategy=f"no strategy applies{why}: try another model (a fallback chain)"
    )
