"""Round 8's later principles, on answers of our own:

- what a recorder or a documentation page writes over an image it hides (``REDACTED``,
  ``Sanitized``, a mask such as ``XXXXX``), as the whole value of an image's own field, stands for
  the image, as the angle-bracketed placeholders do; anywhere else it is no image;
- an answer that names who served it (a gateway's ``provider`` field, its model's vendor) names
  the filter, before a field that only one provider was thought to send (``native_finish_reason``);
  a host the gateway names that is none of the filters known here leaves the gateway (``relay``);
- Content Safety's Boolean output type (``detected`` in place of a severity) is decided by the
  service: detected blocks whatever the threshold;
- an error's members quoted without their braces (``"code": "moderation_blocked"``) are the error;
- a moderation answer judged under a model that is none of OpenAI's moderation models (a
  gateway's own classifier in the moderation endpoint's shape) was judged by the gateway.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_imgsafe import ApiError, classify
from pytest_imgsafe.providers.outcome import read_answer


@pytest.mark.parametrize("stand_in", ["REDACTED", "Sanitized", "XXXXX", "****", "[redacted]"])
def test_a_hidden_image_url_or_data_stands_for_the_image(stand_in: str) -> None:
    assert classify(200, {"created": 1, "data": [{"url": stand_in}]}, kind="images.generate").label == "pass"
    assert classify(200, {"created": 1, "data": [{"b64_json": stand_in}]}, kind="images.generate").label == "pass"
    gemini = {"candidates": [{"content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": stand_in}}]}}]}
    assert classify(200, gemini, kind="gemini").label == "pass"


@pytest.mark.parametrize("value", ["XX", "redacted image", "AXXX", "", "null"])
def test_what_is_no_whole_stand_in_is_no_image(value: str) -> None:
    with pytest.raises(ApiError) as info:
        classify(200, {"created": 1, "data": [{"b64_json": value}]}, kind="images.generate")
    assert info.value.kind == "unreadable"


def _routed(provider: str | None, model: str, native: str = "stop") -> dict[str, Any]:
    choice = {"index": 0, "finish_reason": "stop", "native_finish_reason": native, "message": {"content": "Paris."}}
    answer: dict[str, Any] = {"object": "chat.completion", "model": model, "choices": [choice]}
    if provider is not None:
        answer["provider"] = provider
    return answer


@pytest.mark.parametrize(
    ("provider", "model", "expected"),
    [
        ("OpenAI", "openai/gpt-4o-mini", "openai"),
        (None, "openai/gpt-4o-mini", "openai"),
        ("Google AI Studio", "google/gemini-2.5-flash", "gemini"),
        (None, "some-model-of-no-known-vendor", "gemini"),
        # a host of no filter known here: the gateway is the one party the answer names
        ("Anthropic", "anthropic/claude-3.5-haiku", "relay"),
        ("OpenInference", "openai/gpt-oss-120b", "relay"),
    ],
)
def test_the_answer_names_who_served_it_before_a_native_finish_reason_does(
    provider: str | None, model: str, expected: str
) -> None:
    assert classify(200, _routed(provider, model), kind="chat").filter == expected


def test_a_native_safety_finish_still_blocks_whoever_served_it() -> None:
    answer = _routed("OpenAI", "openai/gpt-4o-mini", native="SAFETY")
    answer["choices"][0]["finish_reason"] = "content_filter"
    answer["choices"][0]["message"] = {"content": ""}
    assert classify(200, answer, kind="chat").verdict == "block"


def _boolean_rows(**found: bool) -> dict[str, Any]:
    return {"categoriesAnalysis": [{"category": name, "detected": hit} for name, hit in found.items()]}


def test_a_boolean_detection_blocks_whatever_the_threshold() -> None:
    outcome = read_answer(200, _boolean_rows(Violence=True), reads="content-safety", thresholds={"Violence": 6})
    assert (outcome.verdict, outcome.stage, outcome.categories) == ("block", "input", ("Violence:detected",))


def test_boolean_rows_that_detected_nothing_pass() -> None:
    assert classify(200, _boolean_rows(Violence=False, Hate=False), kind="content-safety").label == "pass"


def test_a_row_with_neither_a_severity_nor_a_boolean_is_no_verdict() -> None:
    with pytest.raises(ApiError):
        classify(200, {"categoriesAnalysis": [{"category": "Hate", "detected": "yes"}]}, kind="content-safety")


def test_an_errors_members_quoted_without_braces_are_the_error() -> None:
    outcome = classify(400, '"code": "moderation_blocked"', {"content-type": "text/plain"}, kind="images.edit")
    assert (outcome.verdict, outcome.stage, outcome.code) == ("block", None, "moderation_blocked")


@pytest.mark.parametrize(
    "text", ['"message": "the upstream timed out"', '"a": 1', '"code": "moderation_blocked" and more']
)
def test_members_that_name_no_block_or_do_not_parse_stay_what_their_status_says(text: str) -> None:
    with pytest.raises(ApiError) as info:
        classify(400, text, {"content-type": "text/plain"}, kind="images.edit")
    assert info.value.kind == "invalid_request"


def test_a_fixtures_stand_in_name_between_double_underscores_stands_for_the_image() -> None:
    body = {"object": "interaction", "status": "completed", "outputs": [{"type": "image", "data": "__IMAGE_DATA__"}]}
    assert classify(200, body, kind="gemini").label == "pass"


def test_a_bracketed_tag_opening_a_sentence_is_prose_not_cut_json() -> None:
    text = "[GoogleGenerativeAI Error]: Candidate was blocked due to SAFETY"
    outcome = classify(200, text, {"content-type": "text/plain"}, kind="chat")
    # Google's SDK names the provider; a candidate is what the model generated
    assert (outcome.verdict, outcome.stage, outcome.filter) == ("block", "output", "gemini")


@pytest.mark.parametrize(
    ("status", "text", "kind"),
    [
        (
            429,
            "insufficient_quota: You exceeded your current quota, please check your plan and billing details.",
            "quota",
        ),
        (429, "Too many requests, slow down", "rate_limited"),
        (403, "Your API key is invalid", "auth"),
        (400, "The size parameter must be one of 1024x1024, 1536x1024", "invalid_request"),
    ],
)
def test_a_plain_text_error_is_read_by_its_wording_as_a_message_is(status: int, text: str, kind: str) -> None:
    with pytest.raises(ApiError) as info:
        classify(status, text, {"content-type": "text/plain"}, kind="chat")
    assert info.value.kind == kind


def _moderation(model: str | None, flagged: bool) -> dict[str, Any]:
    result = {"flagged": flagged, "categories": {"Weapons": flagged, "Harassment": False}}
    answer: dict[str, Any] = {"id": "modr-1", "results": [result]}
    if model is not None:
        answer["model"] = model
    return answer


@pytest.mark.parametrize(
    ("model", "judge"),
    [
        ("omni-moderation-2024-09-26", "openai"),
        ("text-moderation-007", "openai"),
        ("openai/omni-moderation-latest", "openai"),  # OpenAI's model, routed by a gateway
        (None, "openai"),
        ("  ", "openai"),
        ("llama-guard-4-12b", "relay"),
        ("meta-llama/Llama-Guard-3-8B", "relay"),
        ("my-proxy/gpt-4o-mini", "relay"),  # a proxy's shield under the model it was set up with
    ],
)
@pytest.mark.parametrize("flagged", [True, False])
def test_a_moderation_answer_is_judged_by_whoever_its_model_names(model: str | None, judge: str, flagged: bool) -> None:
    outcome = classify(200, _moderation(model, flagged), kind="moderation")
    assert outcome.verdict == ("block" if flagged else "pass")
    assert outcome.filter == judge
    assert outcome.provider == ("proxy" if judge == "relay" else "openai")
    if flagged:
        assert outcome.stage == "input" and outcome.categories == ("Weapons",)
