"""Principles of round 5, each on answers made up for the class they stand for (not the cited
answers that showed them missing):

- what documentation or a fixture prints in place of an image (``<URL_to_generated_image>``,
  ``<redacted image data; length=N>``) stands for the image; a tag or any other text does not;
- an asynchronous operation's ``result`` is its answer once the operation says it ended, and an
  images answer delivered so is Azure's;
- a block code sent at either stage (Azure's ``contentFilter``) takes its stage from its wording,
  and the code's own spelling names its filter;
- an images answer with some images filtered and some returned is a pass that keeps the filter's
  message;
- an account suspended for its spending limit or unpaid invoices is quota, not auth;
- Imagen's refusal with an error status is of the request, with or without its envelope;
- a relay's 5xx that quotes its upstream's 401 or 403 is the relay's own side;
- a flag under the request's parameters, as an answer echoes them, is no verdict.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_imgsafe import ApiError, classify
from pytest_imgsafe.providers.body import printed_placeholder
from tests.unit.providers.reading import no_verdict

SOME = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 24).decode("ascii")


# --- a printed placeholder stands for the image ----------------------------------------------

PLACEHOLDERS = st.builds(
    lambda what, rest: f"<{what}{rest}>",
    st.sampled_from(["URL of the picture", "redacted picture data", "BASE64_BYTES", "image omitted", "b64 elided"]),
    st.sampled_from(["", "; length=52811", " (truncated)", "_HERE"]),
)


@SOME
@given(placeholder=PLACEHOLDERS, field=st.sampled_from(["url", "b64_json"]))
def test_a_printed_placeholder_for_an_images_item_is_its_image(placeholder: str, field: str) -> None:
    assert printed_placeholder(placeholder)
    outcome = classify(200, {"created": 1, "data": [{field: placeholder}]}, kind="images.generate")
    assert outcome.label == "pass"


@SOME
@given(placeholder=PLACEHOLDERS)
def test_a_printed_placeholder_for_a_gemini_image_part_is_its_image(placeholder: str) -> None:
    part = {"inlineData": {"mimeType": "image/png", "data": placeholder}}
    answer = {"candidates": [{"content": {"parts": [part], "role": "model"}, "finishReason": "STOP"}]}
    assert classify(200, answer, kind="gemini").label == "pass"


@pytest.mark.parametrize("value", ["<html>", "<b>bold</b>", '<img src="x.png">', "<>", "redacted image", "<mystery>"])
def test_a_tag_or_any_other_text_is_no_image(value: str) -> None:
    assert not printed_placeholder(value)
    assert no_verdict(200, {"created": 1, "data": [{"url": value}]}, "images.generate").kind == "unreadable"


def test_flags_beside_a_printed_image_are_not_read_as_a_block() -> None:
    # an answer of no known shape that delivered its image (printed so): its nsfw score is an annotation
    answer = {"image": "<redacted image bytes>", "nsfw": True}
    assert no_verdict(200, answer).kind == "unreadable"


# --- an operation's result is its answer ------------------------------------------------------


@pytest.mark.parametrize("status", ["succeeded", "Succeeded", "completed", "done"])
def test_an_ended_operations_result_is_read_as_its_answer(status: str) -> None:
    operation = {"id": "op-7", "status": status, "result": {"created": 1, "data": [{"b64_json": PNG}]}}
    outcome = classify(200, operation, kind="images.generate")
    assert (outcome.label, outcome.filter) == ("pass", "azure")  # OpenAI's images API answers at once


@pytest.mark.parametrize("status", ["running", "notRunning", "queued"])
def test_an_operation_not_ended_is_no_answer_yet(status: str) -> None:
    operation = {"id": "op-7", "status": status, "result": {"created": 1, "data": [{"b64_json": PNG}]}}
    assert no_verdict(200, operation, "images.generate").kind == "unreadable"


def test_an_operation_whose_result_is_no_image_is_no_pass() -> None:
    operation = {"id": "op-7", "status": "succeeded", "result": {"data": []}}
    assert no_verdict(200, operation, "images.generate").kind == "unreadable"


# --- a code of either stage: its wording gives the stage, its spelling the filter -------------


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("Your task failed as a result of our safety system.", "block:input"),
        ("The prompt was stopped by the safety system.", "block:input"),
        ("Generated image was filtered as a result of our safety system.", "block:output"),
        ("The call ended as a result of the safety system.", "block"),  # names neither: unknown
    ],
)
@pytest.mark.parametrize("code", ["contentFilter", "ContentFilter"])
@pytest.mark.parametrize("as_operation", [False, True])
def test_a_code_of_either_stage_takes_its_wordings_and_names_azure(
    message: str, label: str, code: str, as_operation: bool
) -> None:
    error = {"code": code, "message": message}
    operation = {"id": "op-7", "status": "failed", "error": error}  # polled at 200: it failed
    outcome = classify(*((200, operation) if as_operation else (400, {"error": error})), kind="images.generate")
    assert (outcome.label, outcome.filter) == (label, "azure")


def test_openais_own_image_code_still_names_openai() -> None:
    error = {"code": "content_policy_violation", "message": "Your task failed as a result of our safety system."}
    outcome = classify(400, {"error": error}, kind="images.generate")
    assert (outcome.label, outcome.filter) == ("block:input", "openai")


# --- some images filtered, some returned --------------------------------------------------------


def test_a_partly_filtered_images_answer_is_a_pass_that_keeps_the_filters_message() -> None:
    withheld = {"code": "contentFilter", "message": "Generated image was filtered as a result of our safety system."}
    answer = {"created": 1, "data": [{"b64_json": PNG}, {"error": withheld}]}
    outcome = classify(200, answer, kind="images.generate")
    assert (outcome.label, outcome.filter) == ("pass", "azure")
    assert outcome.message is not None and "filtered" in outcome.message


def test_every_image_filtered_is_no_pass() -> None:
    withheld = {"code": "contentFilter", "message": "Generated image was filtered as a result of our safety system."}
    answer = {"created": 1, "data": [{"error": withheld}, {"error": withheld}]}
    with pytest.raises(ApiError):
        assert classify(200, answer, kind="images.generate").verdict != "pass"


# --- a suspension for billing is quota --------------------------------------------------------


@pytest.mark.parametrize("status", [403, 412, 429, 400])
@pytest.mark.parametrize(
    "why",
    [
        "possibly due to reaching the monthly spending limit",
        "because of unpaid invoices",
        "after a failure to pay past invoices",
    ],
)
def test_an_account_suspended_for_billing_is_quota(status: int, why: str) -> None:
    body = {"error": {"message": f"Account acme is suspended, {why}.", "code": "PRECONDITION_FAILED"}}
    assert no_verdict(status, body).kind == "quota"


def test_an_account_suspended_for_no_billing_reason_stays_auth() -> None:
    body = {"error": {"message": "Account acme is suspended for abuse of the terms.", "code": "FORBIDDEN"}}
    assert no_verdict(403, body).kind == "auth"


def test_a_suspension_for_billing_wrapped_twice_by_a_relay_is_quota() -> None:
    upstream = json.dumps({"error": {"message": "Account x is suspended due to the spending limit.", "code": "X"}})
    relay = {"success": False, "error": {"message": f"Upstream provider error: {upstream}", "code": "UNKNOWN_ERROR"}}
    assert no_verdict(412, relay).kind == "quota"


# --- Imagen's refusal with an error status is of the request ----------------------------------

IMAGEN_WORDS = "The response is blocked, as it may violate our policies. Error Code: 12345678"


@pytest.mark.parametrize("wrapped", [False, True])
def test_imagens_refusal_with_an_error_status_is_of_the_request_with_or_without_its_envelope(wrapped: bool) -> None:
    body: Any = IMAGEN_WORDS
    if wrapped:
        body = json.dumps({"error": {"code": 400, "message": IMAGEN_WORDS, "status": "INVALID_ARGUMENT"}})
    outcome = classify(400, body)  # no kind: the eight-digit support code names Imagen
    assert (outcome.label, outcome.filter) == ("block:input", "imagen")


def test_imagens_text_that_names_the_generated_image_keeps_the_output_stage() -> None:
    text = "The generated image was blocked, as it may violate our policies. Error Code: 12345678"
    assert classify(400, text).label == "block:output"


def test_imagens_filtered_output_in_a_success_is_still_the_output() -> None:
    answer = {"predictions": [{"raiFilteredReason": IMAGEN_WORDS}]}
    assert classify(200, answer, kind="imagen").label == "block:output"


def test_a_refusal_with_no_stage_from_another_filter_keeps_no_stage() -> None:
    text = "Request blocked by the safety system."  # "request" wording: input, any filter
    assert classify(400, text).label == "block:input"
    assert classify(400, "Blocked by the safety system.").label == "block"


# --- a relay's 5xx quoting its upstream's 401 or 403 ------------------------------------------


@pytest.mark.parametrize("upstream", [401, 403])
def test_a_relays_5xx_quoting_an_upstream_auth_failure_is_its_own_side(upstream: int) -> None:
    body = {"error": {"message": f'HTTP error! status: {upstream}, body: {{"detail":"Unauthorized"}}', "code": "E"}}
    assert no_verdict(500, body).kind == "server_error"


def test_a_relays_5xx_quoting_an_upstream_bad_request_still_says_the_request_must_change() -> None:
    body = {"error": {"message": 'HTTP error! status: 400, body: {"detail":"bad size"}', "code": "E"}}
    assert no_verdict(500, body).kind == "invalid_request"


# --- a flag under the request's echoed parameters ---------------------------------------------


@pytest.mark.parametrize("echo", ["requestParameters", "params", "request_options", "arguments"])
def test_a_flag_under_the_requests_echoed_parameters_is_no_verdict(echo: str) -> None:
    inner = {"error": "Internal Server Error", "message": "Job failed.", echo: {"prompt": "a cat", "safe": False}}
    body = {"success": False, "error": {"message": json.dumps(inner), "code": "INTERNAL_ERROR"}}
    assert no_verdict(500, body).kind == "server_error"


def test_the_same_flag_as_the_answers_own_still_blocks() -> None:
    answer = {"status": "done", "moderation": {"safe": False}}
    assert classify(200, answer).label.startswith("block")
