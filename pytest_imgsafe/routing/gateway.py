"""The notes' five-layer prompt gateway, composed from configuration (pure; calls come in as ``ask``).

    prompt -> [1] local keyword screen -> [2] moderation pre-check (free) -> [3] rewrite
           -> [4] generate (the first link) -> [5] fallback along the other links -> result

A prompt the screen puts in a hard-prohibited scenario, one the moderation endpoint flags, and
one the strategies refuse to rewrite are stopped by the gateway itself (a visible block, at the
layer that stopped it) and never reach a model; the rest is rewritten where the strategies know
how, then sent down the chain. What a user sees is the gateway's outcome: that is the block rate
the notes claim under 1% for legitimate prompts, which a corpus with a ``gateway`` target measures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..base.terms import HARD_PROHIBITED
from ..providers.outcome import Outcome
from ..rewrite import Rewriter, RewriteRefused
from .chain import run_chain
from .screen import Screen


@dataclass(frozen=True)
class GatewayConfig:
    """Which layers run, and the targets behind them."""

    links: tuple[str, ...]
    moderation: str | None = None
    screen: bool = True
    rewrite: bool = True


@dataclass(frozen=True)
class GatewayResult:
    """What the user sees, the prompt that was sent, and each layer's word."""

    outcome: Outcome
    sent: str | None
    steps: tuple[tuple[str, str], ...]


def _stopped(layer: str, message: str, categories: Sequence[str] = ()) -> Outcome:
    return Outcome("block", "input", f"gateway:{layer}", "gateway", None, tuple(categories), message, link=None)


def run_gateway(
    prompt: str,
    config: GatewayConfig,
    ask: Callable[[str, str], Outcome],
    *,
    rewriter: Rewriter,
    screen: Screen | None,
    links: Sequence[str] | None = None,
) -> GatewayResult:
    """Run one prompt through the layers; ``ask(target, prompt)`` calls a target (ApiError propagates)."""
    steps: list[tuple[str, str]] = []
    if config.screen and screen is not None:
        found = screen.screen(prompt)
        hard = [m for m in found.matches if m.scenario in HARD_PROHIBITED]
        if hard:
            steps.append(("screen", f"stopped: {hard[0].scenario} ({', '.join(m.text for m in hard)})"))
            return GatewayResult(
                _stopped("screen", f"the local screen stopped a {hard[0].scenario} prompt", [hard[0].scenario]),
                None,
                tuple(steps),
            )
        steps.append(
            ("screen", "clean" if not found else f"flagged {', '.join(found.scenarios)}: {', '.join(found.terms)}")
        )
    if config.moderation:
        checked = ask(config.moderation, prompt)
        if checked.verdict == "block":
            steps.append(("moderation", f"flagged: {', '.join(checked.categories) or 'yes'}"))
            return GatewayResult(
                _stopped("moderation", "the moderation pre-check flagged the prompt", checked.categories),
                None,
                tuple(steps),
            )
        steps.append(("moderation", "not flagged"))
    sent = prompt
    if config.rewrite:
        try:
            rewritten = rewriter.rewrite(prompt)
        except RewriteRefused as refused:
            steps.append(("rewrite", f"refused: {refused.reason}"))
            return GatewayResult(_stopped("rewrite", str(refused), [refused.scenario]), None, tuple(steps))
        sent = rewritten.text
        steps.append(("rewrite", f"{rewritten.strategy}: {sent}" if rewritten.strategy else "unchanged"))
    chain = run_chain(sent, list(links or config.links), ask)
    for link, outcome in chain.answers:
        steps.append((f"generate:{link}", outcome.label))
    return GatewayResult(replace(chain.outcome), sent, tuple(steps))
