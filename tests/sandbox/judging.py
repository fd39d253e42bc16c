"""What the sandbox's policy makes of a prompt, as the policy tests ask it: one place for the
helpers every round of those tests reads with."""

from __future__ import annotations

from pytest_imgsafe.sandbox import judge, policy


def scenarios(prompt: str) -> set[str]:
    """The scenarios of every finding, whatever its level."""
    return {f.scenario for f in judge.find(prompt)}


def flagged_scenarios(prompt: str) -> set[str]:
    """The scenarios of the findings at level 1 or above (what a profile can block on)."""
    return {f.scenario for f in judge.find(prompt) if f.level >= 1}


def verdict(prompt: str, profile: str = "strict") -> str:
    return policy.decide(prompt, profile, 1).verdict


def verdicts(prompt: str) -> set[str]:
    """The verdicts of every profile."""
    return {policy.decide(prompt, profile, 1).verdict for profile in policy.profiles()}
