"""The sandbox's describer: a deterministic stand-in for a text model's visual description.

The notes' two-step method asks a text model to restate an idea without names, brands or
sensitive words. The sandbox answers for such a model from its own findings (``judge.py``):
each recognized name or graphic phrase is replaced by a neutral one (``data/describer.yaml``),
and an idea in a hard-prohibited scenario is refused. It never uses the product's rewriting
code: the describer belongs to the simulated provider, not to the product under test.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .policy import decide

_ARTICLE = re.compile(r"(?:a|an|the)\s", re.IGNORECASE)
_TRAILING_ARTICLE = re.compile(r"\b(?:a|an|the)\s+$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _config() -> dict[str, Any]:
    text = (resources.files("pytest_imgsafe.sandbox") / "data" / "describer.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def describe_idea(prompt: str) -> str:
    """A plain visual description of ``prompt``, or the refusal a model would give."""
    config = _config()
    decision = decide(prompt, "strict")
    refuse = set(config["refuse"])
    if decision.verdict == "block" and decision.scenario in refuse:
        return str(config["refusal"])
    text = prompt
    for finding in sorted(decision.matches, key=lambda f: f.start, reverse=True):
        if finding.scenario in refuse:
            continue  # tolerated here (a cartoon of children): kept as written
        rule = config["replace"].get(finding.scenario)
        if rule is None:
            continue
        words = str(rule.get(finding.level, "")) if isinstance(rule, dict) else str(rule)
        if words:
            before = text[: finding.start]
            if _ARTICLE.match(words):  # "a Batman logo" -> "an original ... logo", not "a an"
                before = _TRAILING_ARTICLE.sub("", before)
            text = before + words + text[finding.end :]
    cleaned = " ".join(text.split()).strip().rstrip(".")
    return f"{cleaned}, {config['finish']}" if cleaned else str(config["refusal"])
