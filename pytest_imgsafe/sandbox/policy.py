"""The sandbox's safety decisions: a pure function of (prompt, profile, version, endpoint).

Everything that decides lives in ``data/policy.yaml`` and the term tables; this module only
applies them. No HTTP here, so the policy is tested without a server.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml

from ..terms import HARD_PROHIBITED, Match, Term, TermIndex, default_index

Endpoint = Literal["generate", "edit", "chat"]

MODERATION_CATEGORIES: tuple[str, ...] = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
"""omni-moderation's 13 categories, in the order the API lists them."""

IMAGE_CAPABLE: frozenset[str] = frozenset(
    {"self-harm", "self-harm/intent", "self-harm/instructions", "sexual", "violence", "violence/graphic"}
)
"""The categories omni-moderation also applies to images."""


@dataclass(frozen=True)
class Decision:
    """What the classifier of one profile says about one prompt."""

    verdict: Literal["pass", "block"]
    stage: Literal["input", "output"] | None
    scenario: str | None
    categories: tuple[str, ...]
    matches: tuple[Match, ...]
    reason: str


@dataclass(frozen=True)
class Moderation:
    """One result of the moderations endpoint."""

    flagged: bool
    categories: dict[str, bool]
    scores: dict[str, float]


@lru_cache(maxsize=1)
def policy_data() -> dict[str, Any]:
    """The parsed ``data/policy.yaml``."""
    text = (resources.files("pytest_imgsafe") / "data" / "policy.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@lru_cache(maxsize=1)
def model_table() -> tuple[tuple[str, str, str], ...]:
    """(pattern, profile, flavour) rows of ``data/models.yaml``, first match wins."""
    text = (resources.files("pytest_imgsafe") / "data" / "models.yaml").read_text(encoding="utf-8")
    rows = yaml.safe_load(text)["models"]
    return tuple((str(r["pattern"]).lower(), str(r["profile"]), str(r["flavour"])) for r in rows)


def profiles() -> tuple[str, ...]:
    """The names of the image profiles (strict, medium, loose)."""
    return tuple(policy_data()["profiles"])


def versions() -> tuple[int, ...]:
    """The policy versions the sandbox knows."""
    return tuple(int(v) for v in policy_data()["versions"])


def profile_for_model(model: str) -> tuple[str, str]:
    """(profile, flavour) for a model name, from the model table."""
    name = model.lower()
    for pattern, profile, flavour in model_table():
        if fnmatch.fnmatchcase(name, pattern):
            return profile, flavour
    return "strict", "openai"


@lru_cache(maxsize=64)
def thresholds(profile: str, version: int = 1) -> dict[str, int | None]:
    """Minimum level that blocks at input, per scenario, for a profile under a policy version."""
    data = policy_data()
    if profile not in data["profiles"]:
        known = ", ".join(data["profiles"])
        raise ValueError(f"unknown profile {profile!r}; known profiles: {known}")
    if version not in versions():
        known = ", ".join(str(v) for v in versions())
        raise ValueError(f"unknown policy version {version!r}; known versions: {known}")
    result: dict[str, int | None] = dict(data["profiles"][profile]["block_at"])
    for step in _version_chain(version):
        override = (data["versions"][step].get("profiles") or {}).get(profile) or {}
        result.update(override.get("block_at") or {})
    return result


def _version_chain(version: int) -> list[int]:
    chain: list[int] = []
    step: int | None = version
    while step is not None and step != 1:
        chain.append(step)
        step = policy_data()["versions"][step].get("base")
    return list(reversed(chain))


@lru_cache(maxsize=1)
def realism_index() -> TermIndex:
    """An index of the realism cues ("photo", "photorealistic", "close-up", ...)."""
    return TermIndex(Term(str(cue), "realism", 0) for cue in policy_data()["realism_cues"])


def decide(prompt: str, profile: str, version: int = 1, endpoint: Endpoint = "generate") -> Decision:
    """Decide one image request, as the profile's classifier would.

    Input stage: a term at or above the profile's threshold blocks (conjunctive scenarios such
    as minors count only with their partner: a realism cue or a sexual term). Output stage: a
    tolerated term of a scenario in the profile's ``output_filter`` plus a realism cue means the
    image itself is filtered. Edits lower every threshold and need no realism cue.
    """
    data = policy_data()
    limits = thresholds(profile, version)
    is_edit = endpoint == "edit"
    shift = int(data["edits"]["threshold_shift"]) if is_edit else 0
    matches = tuple(default_index().find(prompt))
    realism = bool(realism_index().find(prompt)) or (
        is_edit and bool(data["edits"]["output_filter_without_realism"])
    )
    present = {m.scenario for m in matches}
    active = [m for m in matches if _conjunction_met(m.scenario, present, realism)]

    blocking: list[Match] = []
    for m in active:
        limit = limits.get(m.scenario)
        if limit is not None and m.level >= max(1, limit - shift):
            blocking.append(m)
    if blocking:
        lead = max(blocking, key=lambda m: (m.scenario in HARD_PROHIBITED, m.level))
        return Decision(
            "block",
            "input",
            lead.scenario,
            _error_categories(blocking),
            matches,
            f"{lead.scenario} term {lead.text!r} (level {lead.level}) blocks at input on {profile}",
        )
    output_filter = set(data["profiles"][profile].get("output_filter") or ())
    tolerated = [m for m in active if m.scenario in output_filter]
    if tolerated and realism:
        lead = max(tolerated, key=lambda m: m.level)
        return Decision(
            "block",
            "output",
            lead.scenario,
            _error_categories(tolerated),
            matches,
            f"realistic depiction of {lead.scenario} term {lead.text!r} is filtered at output on {profile}",
        )
    return Decision("pass", None, None, (), matches, "no term blocks")


def _conjunction_met(scenario: str, present: set[str], realism: bool) -> bool:
    needs = policy_data()["conjunctions"].get(scenario)
    if not needs:
        return True
    return any((need == "realism" and realism) or need in present for need in needs)


def _error_categories(matches: list[Match]) -> tuple[str, ...]:
    names = policy_data()["error_categories"]
    return tuple(sorted({str(names.get(m.scenario, m.scenario)) for m in matches}))


def moderate(prompt: str) -> Moderation:
    """Score one text as omni-moderation would: deterministic, from the term tables."""
    rules = policy_data()["moderation"]
    matches = default_index().find(prompt)
    seed = hashlib.sha256(prompt.encode("utf-8")).digest()
    scores = {cat: round(1e-5 + seed[i] / 255 * 0.004, 6) for i, cat in enumerate(MODERATION_CATEGORIES)}
    flagged_cats: set[str] = set()
    present = {m.scenario for m in matches}
    for m in matches:
        rule = rules["flag"].get(m.scenario)
        if rule is None:
            continue
        if m.level >= int(rule["min_level"]):
            flagged_cats.update(rule["categories"])
        else:
            for cat in rule["categories"]:
                scores[cat] = max(scores[cat], float(rules["tolerated_score"]))
    if "minors" in present and "sexual" in present:
        flagged_cats.update(rules["minors_with_sexual"])
    for i, cat in enumerate(sorted(flagged_cats)):
        scores[cat] = round(0.9 + seed[(i + 13) % len(seed)] / 255 * 0.09, 6)
    categories = {cat: cat in flagged_cats for cat in MODERATION_CATEGORIES}
    return Moderation(bool(flagged_cats), categories, scores)
