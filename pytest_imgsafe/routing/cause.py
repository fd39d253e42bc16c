"""Why a link blocked a prompt, and whether a chain may go past it (pure).

A fallback chain exists to get legitimate prompts past a strict model's false positives: a name,
a brand, a living artist, violent wording. It must never shop a prohibited prompt around until a
looser model lets it through. So a chain or gateway moves past a *block* only when the block is
attributed to an allowed scenario (the rewritable ones: celebrity, living_artist,
copyrighted_ip, violence):

1. the provider's own word first: the categories and codes the answer carries
   (``safety_violations`` and ``moderation_details`` of OpenAI, Azure's content-filter
   categories, Gemini's block reasons and safety ratings, moderation and Content Safety
   categories), read through ``data/block_causes.yaml``. A hard category (sexual, minors, hate,
   Gemini's ``PROHIBITED_CONTENT``) or another the gateway does not help past (self-harm, a
   jailbreak, a blocklist) stops the chain. Allowed categories let it go on, unless the prompt
   itself reads as hard locally;
2. where the answer names no cause, the local reading (the rewriter's, over the project's
   tables, with the refusal detector as its second line): a prompt with an allowed trigger and
   nothing the rewriter refuses goes on; anything else stops.

A hard or unknown cause is a visible block that says why (:attr:`Cause.why`). Errors and outages
are not blocks: a link that gives no verdict raises ``ApiError`` as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import yaml

from ..base.files import bundled_text
from ..base.terms import HARD_PROHIBITED
from ..providers.outcome import Outcome
from ..rewrite import REWRITABLE, Rewriter

Kind = Literal["allowed", "hard", "unknown"]


@dataclass(frozen=True)
class Cause:
    """What a block is attributed to, by whom, and the sentence a report shows."""

    kind: Kind
    scenarios: tuple[str, ...]
    source: Literal["provider", "prompt", "none"]
    why: str

    @property
    def allowed(self) -> bool:
        """May a chain go past this block to its next link?"""
        return self.kind == "allowed"


def _key(name: str) -> str:
    return re.sub(r"[\s/_-]+", "", name.split(":", 1)[0]).casefold()


@lru_cache(maxsize=1)
def provider_causes() -> tuple[dict[str, str], dict[str, str]]:
    """``data/block_causes.yaml``: categories and codes -> scenario, by loose name."""
    text = bundled_text("data", "block_causes.yaml")
    data = yaml.safe_load(text)
    return (
        {_key(str(k)): str(v) for k, v in data["categories"].items()},
        {_key(str(k)): str(v) for k, v in data["codes"].items()},
    )


def stated(outcome: Outcome) -> tuple[tuple[str, str], ...]:
    """The causes the answer itself states: (what it said, the scenario it names), in order."""
    categories, codes = provider_causes()
    found: list[tuple[str, str]] = []
    for category in outcome.categories:
        scenario = categories.get(_key(category))
        if scenario is None and category.startswith("blocklist:"):
            scenario = "other"
        if scenario is not None:
            found.append((category, scenario))
    if outcome.code and _key(outcome.code) in codes:
        found.append((outcome.code, codes[_key(outcome.code)]))
    return tuple(dict.fromkeys(found))


def _names(pairs: Iterable[tuple[str, str]]) -> str:
    return ", ".join(dict.fromkeys(said for said, _ in pairs))


class BlockReader:
    """Attributes a link's block to a cause, from the answer first and the prompt second."""

    def __init__(self, rewriter: Rewriter) -> None:
        self.rewriter = rewriter

    def cause(self, prompt: str, outcome: Outcome) -> Cause:
        """The cause of ``outcome`` (a block) for ``prompt``."""
        said = stated(outcome)
        reading = self.rewriter.read(prompt)
        refusal = reading.refusal
        if said:
            hard = [(s, sc) for s, sc in said if sc in HARD_PROHIBITED or sc == "prohibited"]
            if hard:
                return Cause(
                    "hard",
                    tuple(dict.fromkeys(sc for _, sc in hard)),
                    "provider",
                    f"the provider attributes the block to {_names(hard)}, a hard-prohibited scenario",
                )
            other = [(s, sc) for s, sc in said if sc not in REWRITABLE]
            if other:
                return Cause(
                    "unknown",
                    (),
                    "provider",
                    f"the provider attributes the block to {_names(other)}, which no fallback helps past",
                )
            if refusal is not None and refusal.hard:
                return Cause(
                    "hard",
                    (refusal.scenario,),
                    "prompt",
                    f"the provider says {_names(said)}, but the prompt reads as {refusal.scenario} "
                    f"({', '.join(refusal.terms)})",
                )
            if reading.declined:
                return Cause(
                    "unknown",
                    ("violence",),
                    "prompt",
                    f"atrocity wording ({', '.join(m.text for m in reading.declined)}) is not helped past a block",
                )
            return Cause(
                "allowed",
                tuple(dict.fromkeys(sc for _, sc in said)),
                "provider",
                f"the provider attributes the block to {_names(said)}",
            )
        if refusal is not None:
            return Cause(
                "hard" if refusal.hard else "unknown",
                (refusal.scenario,),
                "prompt",
                f"the answer names no cause, and the prompt reads as {refusal.scenario} ({', '.join(refusal.terms)})",
            )
        if reading.declined:
            return Cause(
                "unknown",
                ("violence",),
                "prompt",
                f"atrocity wording ({', '.join(m.text for m in reading.declined)}) is not helped past a block",
            )
        allowed = reading.allowed
        if allowed:
            return Cause(
                "allowed",
                tuple(dict.fromkeys(m.scenario for m in allowed)),
                "prompt",
                f"the answer names no cause; the prompt holds {', '.join(m.text for m in allowed)} "
                f"({', '.join(dict.fromkeys(m.scenario for m in allowed))})",
            )
        return Cause(
            "unknown",
            (),
            "none",
            "neither the answer nor the prompt shows an allowed cause (a name, a brand, an artist, violent wording)",
        )


def reader_for(rewriter: Rewriter | None) -> BlockReader:
    """A reader over ``rewriter``'s tables (the bundled ones when None)."""
    if rewriter is None:
        from ..rewrite import default_rewriter

        rewriter = default_rewriter()
    return BlockReader(rewriter)
