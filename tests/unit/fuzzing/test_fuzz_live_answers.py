"""A live target answers a prompt differently from call to call, and a later call can get no
verdict: a fuzz run still ends with the failing example, never with hypothesis's flaky error."""

from __future__ import annotations

from pytest_imgsafe.fuzzing.fuzz import NoVerdict
from pytest_imgsafe.providers.outcome import Outcome
from tests.unit.fuzzing.test_fuzz import BLOCK, PASS, Strict, run, spec


class PassesFirst(Strict):
    """The strict policy, except that a prompt's first answer is a pass (an image the output
    filter let through once)."""

    def __call__(self, prompt: str, kind: str | None) -> Outcome:
        first = prompt not in self.prompts
        outcome = super().__call__(prompt, kind)
        return Outcome(verdict="pass", stage=None, code=None, provider="sandbox") if first else outcome


class FailsThenGoesQuiet(Strict):
    """The strict policy until a few calls after the first mismatch, then no verdict at all."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def __call__(self, prompt: str, kind: str | None) -> Outcome:
        self.calls += 1
        if self.calls > 3:
            raise NoVerdict("429 rate_limited")
        return Outcome(verdict="pass", stage=None, code=None, provider="sandbox")


def test_an_answer_that_changes_on_a_second_call_keeps_the_first_failure() -> None:
    target = PassesFirst()
    result = run(spec(max_examples=5), {"original": BLOCK, "rewritten": PASS}, target)
    assert result.failure is not None and not result.failure.ok
    assert len(target.prompts) == len(set(target.prompts))  # each prompt asked once


def test_no_verdict_after_a_failure_keeps_the_failure() -> None:
    result = run(spec(max_examples=10), {"original": BLOCK, "rewritten": PASS}, FailsThenGoesQuiet())
    assert result.failure is not None and not result.failure.ok
