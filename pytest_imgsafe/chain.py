"""Fallback chains: try targets in order until one produces an image (pure).

The domain notes' downgrade order is gpt-image-2 -> gpt-image-2-all -> Gemini-class models; with
routing, the case's scenario first picks the models the notes' routing table prefers for that
content (``data/routing.yaml``). The outcome says which link produced the image (``pass@link``
in a corpus) and keeps every link's answer; every link called counts in the cost.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

import yaml

from .outcome import Outcome


@dataclass(frozen=True)
class ChainResult:
    """The chain's outcome (``link`` set when a link passed) and each called link's outcome."""

    outcome: Outcome
    answers: tuple[tuple[str, Outcome], ...]


@lru_cache(maxsize=1)
def routing_table() -> dict[str, list[str]]:
    text = (resources.files("pytest_imgsafe") / "data" / "routing.yaml").read_text(encoding="utf-8")
    routes: dict[str, list[str]] = yaml.safe_load(text)["routes"]
    return routes


def route(links: Sequence[str], models: Mapping[str, str], scenario: str | None) -> list[str]:
    """The links in the order to try for a scenario: preferred models first, the rest as configured."""
    patterns = routing_table().get(scenario or "", [])
    ordered: list[str] = []
    for pattern in patterns:
        ordered += [link for link in links if link not in ordered and fnmatch.fnmatchcase(models[link].lower(), pattern)]
    return ordered + [link for link in links if link not in ordered]


def run_chain(prompt: str, links: Sequence[str], ask: Callable[[str, str], Outcome]) -> ChainResult:
    """Ask each link in turn (``ask(link, prompt)``) until one passes; ApiError propagates."""
    answers: list[tuple[str, Outcome]] = []
    for link in links:
        outcome = ask(link, prompt)
        answers.append((link, outcome))
        if outcome.verdict == "pass":
            return ChainResult(replace(outcome, link=link), tuple(answers))
    last = answers[-1][1] if answers else Outcome("block", None, "empty_chain", "chain")
    return ChainResult(replace(last, link=answers[-1][0] if answers else None), tuple(answers))
