"""The sandbox's safety decisions: a pure function of (prompt, profile, version, endpoint).

The sandbox stands for a provider's classifier, so its policy is its own: the profiles and
thresholds live in ``sandbox/data/policy.yaml`` and what a prompt is about is found by
``judge.py`` from the sandbox's own names and rules. Nothing here reads the product's term
tables, screen or rewrite code: a rewrite that "passes" here passed a judge the product did not
write. No HTTP here either, so the policy is tested without a server.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml

from .judge import Finding, asks_for_realism, find
from .lexicon import compile_pattern
from .memo import text_cache

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


MAX_PROMPT_CHARS = 32_000
"""The longest text the sandbox judges: OpenAI's limit on a gpt-image prompt. Longer text is a
400, as the API answers it, so the cost of judging one request stays bounded."""
MAX_WORD_CHARS = 1_000
"""The longest run of characters without a space the sandbox judges in a prompt over
``LONG_WORD_PROMPT_CHARS``. Its patterns read one word in time that grows with the square of the
word's length; up to that many characters a word costs about two seconds at worst (and Azure AI
Content Safety takes any text of up to 10,000 characters)."""
LONG_WORD_PROMPT_CHARS = 10_000
_LONG_WORD = re.compile(rf"\S{{{MAX_WORD_CHARS + 1}}}")


class PromptTooLong(ValueError):
    """A text over the sandbox's limits; the server answers it with a 400."""


def check_prompt(prompt: str) -> None:
    """Raise :class:`PromptTooLong` for a text the sandbox will not judge (see the limits above)."""
    if len(prompt) > MAX_PROMPT_CHARS:
        raise PromptTooLong(
            f"Invalid 'prompt': string too long. Expected a string with maximum length {MAX_PROMPT_CHARS}, "
            f"but got a string with length {len(prompt)} instead."
        )
    if len(prompt) > LONG_WORD_PROMPT_CHARS and _LONG_WORD.search(prompt):
        raise PromptTooLong(
            f"Invalid 'prompt': a word is longer than {MAX_WORD_CHARS} characters; the sandbox judges words "
            f"of up to {MAX_WORD_CHARS} characters."
        )


@dataclass(frozen=True)
class Decision:
    """What the classifier of one profile says about one prompt."""

    verdict: Literal["pass", "block"]
    stage: Literal["input", "output"] | None
    scenario: str | None
    categories: tuple[str, ...]
    matches: tuple[Finding, ...]
    reason: str


@dataclass(frozen=True)
class Moderation:
    """One result of the moderations endpoint."""

    flagged: bool
    categories: dict[str, bool]
    scores: dict[str, float]


@dataclass(frozen=True)
class Limit:
    """The thresholds of one scenario on one profile: input block and output filter levels."""

    block_at: int | None
    output_at: int | None


def _read(name: str) -> Any:
    return yaml.safe_load((resources.files("pytest_imgsafe.sandbox") / "data" / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def policy_data() -> dict[str, Any]:
    """The parsed ``sandbox/data/policy.yaml``."""
    data: dict[str, Any] = _read("policy.yaml")
    return data


@lru_cache(maxsize=1)
def model_table() -> tuple[tuple[str, str, str], ...]:
    """(pattern, profile, flavour) rows of ``sandbox/data/models.yaml``, first match wins."""
    rows = _read("models.yaml")["models"]
    return tuple((str(r["pattern"]).lower(), str(r["profile"]), str(r["flavour"])) for r in rows)


def profiles() -> tuple[str, ...]:
    """The names of the image profiles, one per row of the strictness table."""
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


def grades(profile: str) -> dict[str, str]:
    """The grade of each column of the strictness table for a profile (``like`` followed)."""
    data = policy_data()["profiles"]
    _check(profile, 1)
    entry = data[profile]
    while "like" in entry:
        entry = data[entry["like"]]
    return {str(k): str(v) for k, v in entry["grades"].items()}


def _check(profile: str, version: int) -> None:
    if profile not in policy_data()["profiles"]:
        raise ValueError(f"unknown profile {profile!r}; known profiles: {', '.join(profiles())}")
    if version not in versions():
        known = ", ".join(str(v) for v in versions())
        raise ValueError(f"unknown policy version {version!r}; known versions: {known}")


@lru_cache(maxsize=64)
def limits(profile: str, version: int = 1) -> dict[str, Limit]:
    """The thresholds per scenario of a profile under a policy version."""
    _check(profile, version)
    data = policy_data()
    result: dict[str, Limit] = {}
    for column, grade in grades(profile).items():
        values = data["grades"][column][grade]
        result[data["columns"][column]] = Limit(values.get("block_at"), values.get("output_at"))
    for step in _version_chain(version):
        overrides = (data["versions"][step].get("profiles") or {}).get(profile) or {}
        for scenario, values in overrides.items():
            old = result[scenario]
            result[scenario] = Limit(values.get("block_at", old.block_at), values.get("output_at", old.output_at))
    return result


def thresholds(profile: str, version: int = 1) -> dict[str, int | None]:
    """Minimum level that blocks at input, per scenario (None: never at input)."""
    return {scenario: limit.block_at for scenario, limit in limits(profile, version).items()}


def _version_chain(version: int) -> list[int]:
    chain: list[int] = []
    step: int | None = version
    while step is not None and step != 1:
        chain.append(step)
        step = policy_data()["versions"][step].get("base")
    return list(reversed(chain))


@lru_cache(maxsize=1)
def _realism() -> re.Pattern[str]:
    return compile_pattern(str(policy_data()["realism"]))


@text_cache(maxsize=4096)
def decide(prompt: str, profile: str, version: int = 1, endpoint: Endpoint = "generate") -> Decision:
    """Decide one image request, as the profile's classifier would.

    Input stage: a finding at or above the profile's ``block_at`` blocks (a conjunctive scenario,
    minors, counts only with its partner: a realism cue or a sexual finding). Output stage: a
    tolerated finding at or above ``output_at``, plus a realism cue, means the image itself is
    filtered. Edits lower every threshold and need no realism cue. A text over the limits raises
    :class:`PromptTooLong`.
    """
    check_prompt(prompt)
    data = policy_data()
    table = limits(profile, version)
    is_edit = endpoint == "edit"
    shift = int(data["edits"]["threshold_shift"]) if is_edit else 0
    findings = find(prompt)
    realism = asks_for_realism(prompt, _realism()) or (is_edit and bool(data["edits"]["output_filter_without_realism"]))
    present = {f.scenario for f in findings}
    active = [f for f in findings if _conjunction_met(f.scenario, present, realism)]
    hard = set(data["hard_prohibited"])

    blocking: list[Finding] = []
    tolerated: list[Finding] = []
    for f in active:
        limit = table.get(f.scenario, Limit(1, None))
        if limit.block_at is not None and f.level >= max(1, limit.block_at - shift):
            blocking.append(f)
        elif limit.output_at is not None and f.level >= max(0, limit.output_at - shift):
            tolerated.append(f)
    if blocking:
        lead = max(blocking, key=lambda f: (f.scenario in hard, f.level))
        return Decision(
            "block",
            "input",
            lead.scenario,
            _error_categories(blocking),
            findings,
            f"{lead.scenario} ({lead.term}: {lead.text!r}, level {lead.level}) blocks at input on {profile}",
        )
    if tolerated and realism:
        lead = max(tolerated, key=lambda f: f.level)
        return Decision(
            "block",
            "output",
            lead.scenario,
            _error_categories(tolerated),
            findings,
            f"a realistic image of {lead.scenario} ({lead.term}: {lead.text!r}) is filtered at output on {profile}",
        )
    return Decision("pass", None, None, (), findings, "nothing blocks")


def _conjunction_met(scenario: str, present: set[str], realism: bool) -> bool:
    needs = policy_data()["conjunctions"].get(scenario)
    if not needs:
        return True
    return any((need == "realism" and realism) or need in present for need in needs)


def _error_categories(findings: list[Finding]) -> tuple[str, ...]:
    names = policy_data()["error_categories"]
    return tuple(sorted({str(names.get(f.scenario, f.scenario)) for f in findings}))


@text_cache(maxsize=4096)
def moderate(prompt: str) -> Moderation:
    """Score one text as omni-moderation would: deterministic, from the sandbox's findings (a
    text over the limits raises :class:`PromptTooLong`)."""
    check_prompt(prompt)
    rules = policy_data()["moderation"]
    findings = find(prompt)
    seed = hashlib.sha256(prompt.encode("utf-8")).digest()
    scores = {cat: round(1e-5 + seed[i] / 255 * 0.004, 6) for i, cat in enumerate(MODERATION_CATEGORIES)}
    flagged_cats: set[str] = set()
    present = {f.scenario for f in findings}
    for f in findings:
        rule = rules["flag"].get(f.scenario)
        if rule is None:
            continue
        if f.level >= int(rule["min_level"]):
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
