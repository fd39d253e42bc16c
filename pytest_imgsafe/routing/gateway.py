"""The notes' five-layer prompt gateway, composed from configuration (pure; calls come in as ``ask``).

    prompt -> [1] local keyword screen -> [2] moderation pre-check (free) -> [3] rewrite
           -> [4] generate (the first link) -> [5] fallback along the other links -> result

A prompt with a hard signal (a term of the sexual or hate tables, or what the refusal detector
reads as sexual, hate, or a minor depicted realistically or in a sexual or undressed context),
one the moderation endpoint flags for a cause that is not allowed, and one the strategies refuse
for a hard signal are stopped by the gateway itself (a visible block, at the layer that stopped
it) and never reach a model. A minor in an ordinary scene (children at school, at play, with
their family), swimwear, nudity in a work of fine art and a movement of history named to teach
it are no hard signal: the screen lets them through, the strategies do not help them (they are
sent as written), and the models judge them. A moderation flag for an allowed cause (violent
wording) goes on to the rewrite and the chain, as any link's block for such a cause would. The
rest is rewritten where the strategies know how, then sent down the chain, which falls back past
a block only when its cause is allowed (:mod:`.cause`). What a user sees is the gateway's
outcome: that is the block rate the notes claim under 1% for legitimate prompts, which a corpus
with a ``gateway`` target measures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..base.terms import HARD_PROHIBITED
from ..providers.outcome import Outcome
from ..rewrite import Rewriter, RewriteRefused
from .cause import BlockReader
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
    reader: BlockReader | None = None,
) -> GatewayResult:
    """Run one prompt through the layers; ``ask(target, prompt)`` calls a target (ApiError propagates)."""
    steps: list[tuple[str, str]] = []
    if config.screen and screen is not None:
        found = screen.screen(prompt)
        refusal = rewriter.read(prompt).refusal
        # a term of the sexual or hate tables stops the prompt, unless the rewriter's reading found
        # it in a frame that is no hard signal (a movement named in a history lesson); a suggestive
        # term (level 1: swimwear) stops it only where that reading is hard
        judged = refusal is not None and not refusal.hard
        hard = [
            m
            for m in found.matches
            if m.scenario in HARD_PROHIBITED
            and m.scenario != "minors"
            and m.level >= 2
            and not (judged and refusal is not None and m.scenario == refusal.scenario)
        ]
        if hard or (refusal is not None and refusal.hard):
            scenario = hard[0].scenario if hard else refusal.scenario if refusal else ""
            terms = [m.text for m in hard] if hard else list(refusal.terms if refusal else ())
            steps.append(("screen", f"stopped: {scenario} ({', '.join(terms)})"))
            return GatewayResult(
                _stopped("screen", f"the local screen stopped a {scenario} prompt", [scenario]),
                None,
                tuple(steps),
            )
        flagged = "clean" if not found else f"flagged {', '.join(found.scenarios)}: {', '.join(found.terms)}"
        if refusal is not None:
            flagged += f"; not stopped: {refusal.reason}"
        steps.append(("screen", flagged))
    reader = reader or BlockReader(rewriter)
    if config.moderation:
        checked = ask(config.moderation, prompt)
        cause = reader.cause(prompt, checked) if checked.verdict == "block" else None
        if cause is not None and not cause.allowed:
            steps.append(("moderation", f"flagged: {', '.join(checked.categories) or 'yes'}"))
            return GatewayResult(
                _stopped("moderation", "the moderation pre-check flagged the prompt", checked.categories),
                None,
                tuple(steps),
            )
        # a flag for an allowed cause (violent wording) is what the rewrite and the chain are for:
        # the pre-check, like any link, is gone past only for such a cause
        steps.append(("moderation", f"flagged for an allowed cause: {cause.why}" if cause else "not flagged"))
    sent = prompt
    if config.rewrite:
        try:
            rewritten = rewriter.rewrite(prompt)
        except RewriteRefused as refused:
            if refused.hard:
                steps.append(("rewrite", f"refused: {refused.reason}"))
                return GatewayResult(_stopped("rewrite", str(refused), [refused.scenario]), None, tuple(steps))
            steps.append(("rewrite", f"not rewritten, sent as written: {refused.reason}"))
        else:
            sent = rewritten.text
            steps.append(
                ("rewrite", f"{rewritten.strategy}: {sent}" if rewritten.strategy else f"unchanged: {rewritten.reason}")
            )
    chain = run_chain(sent, list(links or config.links), ask, reader=reader, origin=prompt)
    steps.extend(chain.steps)
    return GatewayResult(replace(chain.outcome), sent, tuple(steps))
