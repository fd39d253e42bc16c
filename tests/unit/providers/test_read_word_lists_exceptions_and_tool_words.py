"""Round 7's principles from set L, on answers of our own:

- a word list judges the words of the prompt: "sensitive words", "banned terms" are the input;
- a client's exception class that names the policy it met (``...ContentPolicyViolationError``),
  as a word of a message, is a block; one that names nothing of safety stays a non-verdict;
- a forced tool's arguments are the model's own words: a refusal written there is a refusal;
- a request larger than its window's whole limit is ``quota``: waiting never lets it through.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_imgsafe import classify
from tests.unit.providers.reading import no_verdict


@pytest.mark.parametrize(
    "message",
    [
        "Blocked: the text holds banned terms.",
        "Rejected by the safety filter: sensitive words found.",
        "请求包含敏感词，已拦截",
    ],
)
def test_a_word_lists_block_is_of_the_input(message: str) -> None:
    outcome = classify(400, {"error": {"message": message}}, kind="images.generate")
    assert outcome.label == "block:input"


@pytest.mark.parametrize(
    "text",
    [
        "400 proxylib.ContentPolicyViolationError: upstream said no (Error code: 400)",
        "SafetyBlockedException raised by the image client",
    ],
)
def test_an_exception_named_for_a_policy_is_a_block(text: str) -> None:
    outcome = classify(400, text, kind="images.generate")
    assert outcome.verdict == "block" and outcome.read_by == "general" and outcome.code.endswith(("Error", "Exception"))


@pytest.mark.parametrize(
    "text",
    [
        "400 proxylib.BadRequestError: Error code: 400",
        "proxylib.ContentPolicyViolationError: rate limit reached, try again later",  # another answer named
    ],
)
def test_an_exception_that_names_no_policy_or_another_answer_stays_a_non_verdict(text: str) -> None:
    assert no_verdict(400, text, "images.generate").kind in ("invalid_request", "rate_limited")


def _function_call_answer(arguments: dict[str, str]) -> dict[str, Any]:
    call = {
        "type": "function_call",
        "name": "answer_in_schema",
        "arguments": json.dumps(arguments),
        "status": "completed",
    }
    return {"object": "response", "status": "completed", "output": [call]}


def test_a_refusal_in_a_forced_tools_arguments_is_the_models_refusal() -> None:
    refused = _function_call_answer({"steps": "Sorry, I can't help with that: it asks for dangerous instructions."})
    outcome = classify(200, refused, kind="chat")
    assert (outcome.label, outcome.code) == ("block:input", "refusal")


def test_a_forced_tools_ordinary_arguments_are_no_refusal() -> None:
    ordinary = _function_call_answer({"steps": "Preheat the oven, then bake the bread for forty minutes."})
    # the call's arguments are the model's answer (see test_text_of_any_api): a pass, never a block
    outcome = classify(200, ordinary, kind="chat")
    assert outcome.label == "pass" and outcome.message is not None and "Preheat" in outcome.message


@pytest.mark.parametrize(("limit", "requested", "kind"), [(1000, 4000, "quota"), (30000, 1200, "rate_limited")])
def test_a_request_over_its_windows_whole_limit_is_quota(limit: int, requested: int, kind: str) -> None:
    message = f"Request too large for painter on tokens per min (TPM): Limit {limit}, Requested {requested}."
    body = {"error": {"message": message, "type": "tokens", "code": "rate_limit_exceeded"}}
    assert no_verdict(429, body, "images.generate").kind == kind
