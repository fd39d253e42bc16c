"""An answer read for its kind, and the general layer: shapes the exact readers do not know, read
by status and envelope, the provider's own fields and its safety wording; marked so, never a guess.

The answers here are shapes, not cited answers (those are in tests/data/answers): each stands for
one of the misses the issue lists, built from a cited answer with the one thing changed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_imgsafe import ApiError, Outcome, classify
from tests.unit.providers.reading import no_verdict

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
MODERATION_PASS = {"id": "modr-1", "model": "omni-moderation-latest", "results": [{"flagged": False, "categories": {}}]}
MODERATION_FLAGGED = {"id": "modr-2", "model": "m", "results": [{"flagged": True, "categories": {"violence": True}}]}
IMAGES = {"created": 1, "data": [{"b64_json": PNG}]}
CHAT_TEXT = {"choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "A fox."}}]}
GEMINI_IMAGE_SAFETY = {"candidates": [{"finishReason": "IMAGE_SAFETY", "index": 0}]}
ANALYSIS = {"categoriesAnalysis": [{"category": "Hate", "severity": 0}]}


# --- the kind decides which family of answer is a verdict -----------------------------------


@pytest.mark.parametrize("kind", ["images.generate", "images.edit", "chat-image", "responses", "gemini", "imagen"])
def test_a_moderation_body_is_no_image_answer(kind: str) -> None:
    assert classify(200, MODERATION_PASS).verdict == "pass"  # read without a kind, as before
    for body in (MODERATION_PASS, MODERATION_FLAGGED, ANALYSIS):
        error = no_verdict(200, body, kind)
        assert error.kind == "unreadable" and "is no answer of a target that needs an image answer" in error.message


def test_an_image_answer_is_no_moderation_verdict() -> None:
    for body in (IMAGES, GEMINI_IMAGE_SAFETY):
        assert no_verdict(200, body, "moderation").kind == "unreadable"
    assert classify(200, MODERATION_FLAGGED, kind="moderation").label == "block:input"
    assert no_verdict(200, MODERATION_PASS, "content-safety").kind == "unreadable"


def test_text_passes_only_for_the_describers_kind() -> None:
    assert classify(200, CHAT_TEXT, kind="chat").verdict == "pass"
    assert "no image and no safety signal" in no_verdict(200, CHAT_TEXT, "chat-image").message
    assert no_verdict(200, CHAT_TEXT).kind == "unreadable"


def test_an_error_envelope_is_read_for_every_kind() -> None:
    body = {"error": {"message": "Your request was rejected by the safety system.", "code": "moderation_blocked"}}
    for kind in ("images.generate", "moderation", "chat", "responses", "gemini", "content-safety"):
        assert classify(400, body, kind=kind).label == "block"  # moderation_blocked names no stage without details


def test_the_kind_names_the_filter_when_the_answer_does_not() -> None:
    reason = {
        "error": {"code": 400, "message": "x", "status": "INVALID_ARGUMENT", "details": [{"reason": "UNSAFE_PROMPT"}]}
    }
    assert classify(400, reason, kind="imagen").filter == "imagen"
    assert classify(400, reason, kind="gemini").filter == "gemini"
    assert classify(400, reason).filter is None


# --- the general layer: the misses the issue lists ------------------------------------------


def general(status: int, body: Any, kind: str | None = None) -> Outcome:
    outcome = classify(status, body, kind=kind)
    assert outcome.read_by == "general", outcome
    return outcome


def test_a_finish_reason_added_later_is_read_by_its_message() -> None:
    body = {
        "candidates": [
            {
                "finishReason": "IMAGE_OTHER_POLICY",
                "finishMessage": "Unable to show the generated image: it violated the usage guidelines.",
                "index": 0,
            }
        ]
    }
    assert general(200, body, "gemini").label == "block:output"
    body["candidates"][0]["finishReason"] = "IMAGE_PROHIBITED_CONTENT_V2"  # its own tokens name a policy
    del body["candidates"][0]["finishMessage"]
    assert general(200, body, "gemini").label == "block:output"


def test_a_generic_invalid_argument_whose_message_names_the_safety_filter() -> None:
    body = {
        "error": {
            "code": 400,
            "message": "The prompt was blocked by the safety filter. Please rephrase it.",
            "status": "INVALID_ARGUMENT",
        }
    }
    outcome = general(400, body, "gemini")
    assert (outcome.label, outcome.filter) == ("block:input", "gemini")


def test_a_message_with_no_envelope() -> None:
    text = "Your request was rejected by the safety system. If you believe this is an error, contact us."
    assert general(400, text, "images.generate").label == "block:input"
    page = (
        "<html><head><title>Blocked</title></head>"
        "<body><p>Generated image was filtered by our safety system</p></body></html>"
    )
    assert general(400, page, "images.generate").label == "block:output"


def test_a_list_of_errors_instead_of_an_error_object() -> None:
    body = {"errors": [{"code": "E_POLICY", "message": "Request blocked: the prompt violates the content policy"}]}
    assert general(400, body, "chat-image").label == "block:input"


def test_a_filter_code_whose_stage_is_given_by_its_wording() -> None:
    body = {"error": {"code": "content_safety_violation", "message": "The generated image was flagged as unsafe."}}
    assert general(400, body, "images.generate").label == "block:output"


def test_a_relays_json_in_a_string() -> None:
    inner = {"error": {"message": "Your request was rejected by the safety system.", "code": "moderation_blocked"}}
    body = {"error": {"message": json.dumps(inner), "type": "upstream_error", "code": None}}
    outcome = general(400, body, "images.generate")
    assert (outcome.label, outcome.code, outcome.provider) == ("block", "moderation_blocked", "proxy")
    logged = f"HTTP 400: [codex/gpt-image] [400]: {json.dumps(inner)} (reset after 5s)"
    assert general(400, {"detail": logged}, "images.generate").label == "block"


def test_flags_where_no_image_came() -> None:
    body = {"id": "x", "prompt_filter_results": [{"content_filter_results": {"violence": {"filtered": True}}}]}
    outcome = general(200, body, "chat-image")
    assert (outcome.label, outcome.categories) == ("block:input", ("violence",))


# --- and what it never reads ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (429, {"error": {"message": "Rate limit reached for the safety system; requests blocked for 20s"}}),
        (400, {"error": {"message": "Invalid value for safety_settings: must be a list", "code": "invalid_value"}}),
        (400, {"error": {"message": "The 'moderation' parameter is not supported with this model."}}),
        (503, {"error": {"message": "The content filter is unavailable; the request was not processed"}}),
        (
            200,
            {
                "choices": [
                    {
                        "message": {"content": "done"},
                        "content_filter_result": {"error": {"message": "The contents are not filtered"}},
                    }
                ]
            },
        ),
        (400, '{"error": {"message": "Your request was rejected by the safety sys'),  # a cut JSON body is no message
        (
            200,
            {"images": [{"url": "https://cdn.example/a.png"}], "moderation": {"flagged": True}},
        ),  # a score on an image
        (400, {"error": {"message": "Blocked: your IP is not allowed by the firewall"}}),
    ],
)
def test_never_a_guess(status: int, body: Any) -> None:
    with pytest.raises(ApiError):
        classify(status, body, kind="images.generate")


def moderated(flagged_in: bool, flagged_out: bool) -> dict[str, Any]:
    def side(flagged: bool) -> dict[str, Any]:
        result = {"flagged": flagged, "categories": {"violence": flagged}, "category_scores": {}, "model": "m"}
        return {"type": "moderation_results", "model": "omni-moderation-latest", "results": [result]}

    return {"input": side(flagged_in), "output": side(flagged_out)}


def test_a_chat_answers_moderation_object() -> None:
    """Chat completions with moderated completions: a flagged input or output with no image is a
    block at that stage; with an image it is a pass that names the flag."""
    empty = {"choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": ""}}]}
    assert classify(200, {**empty, "moderation": moderated(True, False)}, kind="chat-image").label == "block:input"
    assert classify(200, {**empty, "moderation": moderated(False, True)}, kind="chat-image").label == "block:output"
    drawn = {
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": f"![img](data:image/png;base64,{PNG})"},
            }
        ],
        "moderation": moderated(False, True),
    }
    outcome = classify(200, drawn, kind="chat-image")
    assert (outcome.verdict, outcome.categories) == ("pass", ("violence:flagged",))
    with pytest.raises(ApiError):
        classify(200, {**empty, "moderation": moderated(False, False)}, kind="chat-image")


def test_a_responses_answers_moderation_object_and_content_filter() -> None:
    base = {"object": "response", "status": "completed", "output": [], "error": None}
    flagged = {"input": {"type": "moderation_result", "flagged": True, "categories": {"hate": True}}}
    assert classify(200, {**base, "moderation": flagged}, kind="responses").label == "block:input"
    cut = {**base, "status": "incomplete", "incomplete_details": {"reason": "content_filter"}}
    assert classify(200, cut, kind="responses").label == "block:output"
    failed = {
        "type": "image_generation_call",
        "id": "ig_1",
        "status": "failed",
        "error": {
            "code": "moderation_blocked",
            "message": "x",
            "type": "image_generation_user_error",
            "moderation_details": {"moderation_stage": "output", "categories": ["sexual"]},
        },
    }
    outcome = classify(200, {**base, "output": [failed]}, kind="responses")
    assert (outcome.label, outcome.categories) == ("block:output", ("sexual",))


# --- shapes read since the fourth fresh set of answers ---------------------------------------


def test_google_fields_as_an_older_sdk_prints_them_read_as_googles_own() -> None:
    """Snake-case names and the protocol buffer's numbers mean what the JSON names mean; a
    number no version of the protos agrees on stays unread."""
    printed = {"candidates": [{"finish_reason": 3, "index": 0, "safety_ratings": []}]}
    assert classify(200, printed, kind="gemini").label == "block:output"
    assert classify(200, {"prompt_feedback": {"block_reason": 1}}, kind="gemini").label == "block:input"
    stopped = {"candidates": [{"finish_reason": 1, "content": {"parts": [{"inline_data": {"data": PNG}}]}}]}
    assert classify(200, stopped, kind="gemini").verdict == "pass"
    assert no_verdict(200, {"candidates": [{"finish_reason": 42, "index": 0}]}, "gemini").kind == "unreadable"


def test_a_protocol_buffer_printed_as_text_is_read_as_its_fields() -> None:
    text = "block_reason: OTHER\nsafety_ratings {\n  category: HARM_CATEGORY_HATE_SPEECH\n  probability: HIGH\n}\n"
    outcome = classify(200, text, kind="gemini")
    assert (outcome.verdict, outcome.stage) == ("block", "input")
    # a line of plain text, or text that is not fields and braces, stays text
    assert no_verdict(200, "Forbidden: denied", "gemini").kind == "unreadable"
    assert no_verdict(200, "block_reason: SAFETY\nand then some prose", "gemini").kind == "unreadable"
    assert no_verdict(200, "finish_reason {\n  stop: 1\n", "gemini").kind == "unreadable"  # never closed


def test_an_interaction_with_an_image_output_is_a_pass_and_without_one_no_verdict() -> None:
    image = {"type": "image", "mime_type": "image/png", "data": PNG}
    done = {"object": "interaction", "status": "completed", "outputs": [{"type": "thought"}, image]}
    outcome = classify(200, done, kind="gemini")
    assert (outcome.verdict, outcome.filter) == ("pass", "gemini")
    talk = {"object": "interaction", "status": "completed", "outputs": [{"type": "text", "text": "A fox."}]}
    assert no_verdict(200, talk, "gemini").kind == "unreadable"
    assert no_verdict(200, {**done, "status": "in_progress"}, "gemini").kind == "unreadable"


def test_a_gateways_list_of_base64_images_is_a_pass() -> None:
    outcome = classify(200, {"images": [PNG], "warnings": []}, kind="images.generate")
    assert (outcome.verdict, outcome.filter) == ("pass", "openai")
    assert no_verdict(200, {"images": ["not an image"]}, "images.generate").kind == "unreadable"
    assert no_verdict(200, {"images": []}, "images.generate").kind == "unreadable"


def test_azures_inner_error_quoted_alone_is_its_filters_block() -> None:
    inner = {
        "code": "ResponsibleAIPolicyViolation",
        "content_filter_result": {"violence": {"filtered": True, "severity": "high"}, "hate": {"filtered": False}},
    }
    outcome = classify(400, inner, kind="chat")
    assert (outcome.verdict, outcome.stage, outcome.filter) == ("block", "input", "azure")
    assert "violence" in " ".join(outcome.categories)


def test_a_block_that_names_no_stage_takes_it_from_the_prose_beside_it() -> None:
    body = {"error": {"message": "Content Moderation Block", "param": "Your prompt was refused as high risk"}}
    assert classify(400, body, kind="chat").label == "block:input"
    generated = {"error": {"message": "Moderation Block", "detail": "the generated image was found unsafe"}}
    assert classify(400, generated, kind="images.generate").label == "block:output"


def test_a_relays_own_block_code_in_plain_text_is_its_block_whatever_the_status() -> None:
    text = "Upstream call failed\nDetails: InternalServerError - prompt_blocked (request id: 42)"
    outcome = classify(502, text, kind="chat")
    assert (outcome.verdict, outcome.stage, outcome.filter, outcome.code) == (
        "block",
        "input",
        "relay",
        "prompt_blocked",
    )
    # the code as part of another word, or a plain server error, is no block
    assert no_verdict(502, "Internal error: unprompt_blockedness", "chat").kind == "server_error"
    assert no_verdict(500, "Internal Server Error", "chat").kind == "server_error"
