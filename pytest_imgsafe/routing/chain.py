"""Fallback chains: try targets in order until one produces an image (pure).

The domain notes' downgrade order is gpt-image-2 -> gpt-image-2-all -> Gemini-class models. With
routing, the chain first tries the models the notes' routing table (``data/routing.yaml``) prefers
for what the prompt is: :func:`content` reads it from the prompt itself (the local screen's main
scenario, a poster with text in a CJK script), then from the case's declared scenario, then from
the request (batch or fast work: ``n`` > 1, or ``quality = "low"``). The outcome says which link
produced the image (``pass@link`` in a corpus) and keeps every link's answer; every link called
counts in the cost.

A chain goes past a block only when the block's cause is allowed (:mod:`.cause`): the provider's
own categories first, the prompt's local reading second. A block whose cause is hard-prohibited
or unknown stops the chain at that link, and :attr:`ChainResult.stopped` says why. Routing holds
to the same rule: a prompt that reads as hard has no route, so it meets the configured (strictest)
order and is stopped at its first block.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import yaml

from ..base.files import bundled_text
from ..providers.outcome import Outcome

if TYPE_CHECKING:
    from .cause import BlockReader, Cause
    from .screen import Screen


@dataclass(frozen=True)
class ChainResult:
    """The chain's outcome (``link`` set when a link passed) and each called link's outcome."""

    outcome: Outcome
    answers: tuple[tuple[str, Outcome], ...]
    stopped: Cause | None = None
    """Why the chain did not go past a block to its next link (None when it passed, or when every
    link was tried)."""

    @property
    def steps(self) -> tuple[tuple[str, str], ...]:
        """Each link's answer, and why the chain stopped early, as a report shows them."""
        steps = tuple((f"generate:{link}", outcome.label) for link, outcome in self.answers)
        if self.stopped is not None:
            link = self.answers[-1][0]
            steps += (("fallback", f"stopped at {link}: {self.stopped.why}"),)
        return steps


@lru_cache(maxsize=1)
def routing_table() -> dict[str, list[str]]:
    """Route name -> the model patterns it tries first (``data/routing.yaml``)."""
    text = bundled_text("data", "routing.yaml")
    routes: dict[str, list[str]] = yaml.safe_load(text)["routes"]
    return routes


def route(
    links: Sequence[str],
    models: Mapping[str, str],
    scenario: str | None,
    *,
    prompt: str | None = None,
    params: Mapping[str, Any] | None = None,
    screen: Screen | None = None,
) -> list[str]:
    """The links in the order to try: the models the route of the content prefers first, the rest
    as configured. Without ``prompt`` the declared ``scenario`` is the route (the old behaviour)."""
    key = content(prompt, scenario, params, screen) if prompt is not None else (scenario or "")
    patterns = routing_table().get(key, [])
    ordered: list[str] = []
    for pattern in patterns:
        ordered += [
            link for link in links if link not in ordered and fnmatch.fnmatchcase(models[link].lower(), pattern)
        ]
    return ordered + [link for link in links if link not in ordered]


# Kana, CJK ideographs (with extension A and compatibility ones) and Hangul.
_CJK_CHARS = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u1100-\u11ff\uac00-\ud7af]"
_CJK = re.compile(_CJK_CHARS + "{2,}")
_QUOTED_CJK = re.compile(r"[\"'“”‘’「」『』《》〈〉【】]\s*" + _CJK_CHARS)
_TEXT_CUES = re.compile(
    r"\b(?:posters?|signs?|signage|banners?|flyers?|billboards?|titles?|captions?|lettering|headlines?|slogans?|"
    r"calligraphy|menus?|labels?|logos?|covers?|text|typography|words?|characters?|reading|says|saying)\b"
    r"|海报|标语|招牌|横幅|文字|标题|書道|书法|ポスター|看板|포스터|간판|글자",
    re.IGNORECASE,
)


def content(
    prompt: str, scenario: str | None = None, params: Mapping[str, Any] | None = None, screen: Screen | None = None
) -> str:
    """The routing key of a prompt, most telling first.

    1. the main scenario the local screen finds in the prompt, or a hard one the refusal
       detector reads (a hard-prohibited one has no route: it keeps the configured order, the
       strictest model first, never the loosest);
    2. ``cjk_text``: a poster, sign or title whose text is in a CJK script (quoted, or next to a
       word that asks for text);
    3. the case's declared scenario, when the prompt says nothing the screen knows;
    4. ``batch``: batch or fast work, from the request: ``n`` > 1 images, or ``quality = "low"``;
    5. ``benign``.
    """
    from ..rewrite import default_detector
    from .screen import default_screen

    found = (screen or default_screen()).screen(prompt).scenario
    if found is not None:
        return found
    hard = default_detector().find(prompt)
    if hard is not None and hard.hard:
        return hard.scenario  # the second line reads it as hard: no route, the strictest model first
    if _CJK.search(prompt) and (_QUOTED_CJK.search(prompt) or _TEXT_CUES.search(prompt)):
        return "cjk_text"
    if scenario and scenario != "benign":
        return scenario
    if is_batch(params or {}):
        return "batch"
    return "benign"


def is_batch(params: Mapping[str, Any]) -> bool:
    """Batch or fast work: several images per request, or the low (draft) quality."""
    n = params.get("n", 1)
    return (isinstance(n, int) and not isinstance(n, bool) and n > 1) or str(params.get("quality", "")).lower() == "low"


def run_chain(
    prompt: str,
    links: Sequence[str],
    ask: Callable[[str, str], Outcome],
    *,
    reader: BlockReader | None = None,
    origin: str | None = None,
) -> ChainResult:
    """Ask each link in turn (``ask(link, prompt)``) until one passes, going past a block only
    when ``reader`` (the bundled tables' by default) attributes it to an allowed cause; ApiError
    propagates. ``origin``: the prompt as the user wrote it, when ``prompt`` is its rewrite (the
    gateway's): the block's cause is read from what the user asked for."""
    from .cause import reader_for

    reader = reader or reader_for(None)
    answers: list[tuple[str, Outcome]] = []
    for i, link in enumerate(links):
        outcome = ask(link, prompt)
        answers.append((link, outcome))
        if outcome.verdict == "pass":
            return ChainResult(replace(outcome, link=link), tuple(answers))
        if i < len(links) - 1:
            cause = reader.cause(origin or prompt, outcome)
            if not cause.allowed:
                return ChainResult(replace(outcome, link=link), tuple(answers), cause)
    last = answers[-1][1] if answers else Outcome("block", None, "empty_chain", "chain")
    return ChainResult(replace(last, link=answers[-1][0] if answers else None), tuple(answers))
