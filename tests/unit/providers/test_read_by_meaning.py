"""What an answer's fields and words mean, where a new shape showed the reader did not know it.

Each test stands for one principle, shown on shapes of our own (the cited answers that showed
each miss are in tests/data/answers): a code sent at either stage gives none without its details;
a model that declines the request refuses the input; a model's own words refuse only in the
providers' safety vocabulary; a detection of protected (recited) material judges what was
generated; an event's payload is its ``data``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_imgsafe import ApiError, classify
from tests.unit.providers.reading import no_verdict

# --- a code sent at either stage ------------------------------------------------------------


def images_error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "type": "image_generation_user_error", "param": None, **extra}}


def test_a_code_sent_at_either_stage_gives_no_stage_without_its_details() -> None:
    declined = "This request was declined by our safety system (id 1234abcd)."
    assert classify(400, images_error("moderation_blocked", declined), kind="images.edit").label == "block"
    detailed = images_error("moderation_blocked", declined, moderation_details={"moderation_stage": "output"})
    assert classify(400, detailed, kind="images.edit").label == "block:output"
    # a code of the input stage alone keeps it; wording that names the generated image gives the output
    assert classify(400, images_error("content_policy_violation", declined)).label == "block:input"
    generated = images_error("moderation_blocked", "The generated image was withheld by our safety system.")
    assert classify(400, generated).label == "block:output"
    named = images_error("moderation_blocked", "Your input picture may hold content our safety system does not allow.")
    assert classify(400, named, kind="images.edit").label == "block:input"  # it names what was judged


def test_an_image_calls_error_with_such_a_code_gives_no_stage_either() -> None:
    def response(code: str) -> dict[str, Any]:
        call = {"type": "image_generation_call", "id": "ig_1", "status": "failed"}
        call["error"] = {"code": code, "message": "Declined by the safety system."}
        return {"object": "response", "status": "completed", "output": [call]}

    assert classify(200, response("moderation_blocked"), kind="responses").label == "block"
    assert classify(200, response("image_content_policy_violation"), kind="responses").label == "block:input"


def test_a_relay_that_quotes_such_a_code_gives_no_stage() -> None:
    body = {"error": {"message": "upstream said moderation_blocked: request rejected by the safety system", "code": 1}}
    outcome = classify(400, body, kind="images.generate")
    assert (outcome.label, outcome.code) == ("block", "moderation_blocked")


# --- a model that declines the request ------------------------------------------------------


def gemini_text(text: str) -> dict[str, Any]:
    parts = [{"text": text}]
    return {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}], "modelVersion": "x"}


def chat_text(text: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": text}
    return {"model": "gpt-4.1", "choices": [{"index": 0, "finish_reason": "stop", "message": message}]}


def responses_text(text: str) -> dict[str, Any]:
    content = [{"type": "output_text", "text": text, "annotations": []}]
    return {"object": "response", "status": "completed", "output": [{"type": "message", "content": content}]}


DECLINING = [
    "I'm not able to create that picture, since depicting graphic violence goes against my guidelines.",
    "Sorry \u2014 I won\u2019t make this one: it asks for sexually explicit imagery.",
    '{"caption": "I must decline: producing this would break our usage policies."}',
    "I am afraid I can't do that; the request is for dangerous instructions.",
]
NOT_DECLINING = [
    "I cannot draw, but here is a description of a quiet harbour at dawn.",
    "Here is the storm you asked for: violent waves crash over the pier.",
    "I can't reach the image service right now (rate limit); try again later.",
    "A poster titled 'Our content guidelines', in bold letters.",
    "I can't wait to see this violent storm over the harbour!",
]


@pytest.mark.parametrize("text", DECLINING)
@pytest.mark.parametrize(
    ("build", "kind"),
    [(gemini_text, "gemini"), (chat_text, "chat-image"), (responses_text, "responses"), (chat_text, "chat")],
)
def test_a_model_declining_for_a_safety_reason_blocks_the_input(text: str, build: Any, kind: str) -> None:
    outcome = classify(200, build(text), kind=kind)
    assert (outcome.label, outcome.code, outcome.read_by) == ("block:input", "refusal", "general")


@pytest.mark.parametrize("text", NOT_DECLINING)
@pytest.mark.parametrize(
    ("build", "kind"), [(gemini_text, "gemini"), (chat_text, "chat-image"), (responses_text, "responses")]
)
def test_words_that_decline_nothing_for_safety_stay_no_verdict(text: str, build: Any, kind: str) -> None:
    assert no_verdict(200, build(text), kind).kind == "unreadable"


def test_a_refusal_in_words_beside_an_image_is_no_block() -> None:
    body = gemini_text(DECLINING[0])
    body["candidates"][0]["content"]["parts"].append({"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}})
    assert classify(200, body, kind="gemini").verdict == "pass"


@pytest.mark.parametrize("text", NOT_DECLINING)
def test_a_text_kinds_answer_that_declines_nothing_for_safety_passes(text: str) -> None:
    outcome = classify(200, chat_text(text), kind="chat")  # the describer's kind: text is what it asks for
    assert outcome.verdict == "pass" and outcome.read_by != "general"


# --- an event's payload, whole or in a damaged stream ---------------------------------------

WARNED = {"detail": "Content security notice: the picture may contain unsafe material.", "code": 1301}


def test_an_events_payload_is_its_data_and_done_ends_the_stream() -> None:
    event = {"type": "task:update", "data": {"error": WARNED, "done": True, "task_id": "t-9"}}
    outcome = classify(200, f"data: {json.dumps(event)}\n\n")
    assert (outcome.label, outcome.read_by) == ("block", "general")
    shown = {"type": "task:update", "data": {"content": "A lighthouse at dusk.", "done": True}}
    assert no_verdict(200, f"data: {json.dumps(shown)}\n\n").kind == "unreadable"  # text is no verdict


def test_a_whole_object_inside_a_damaged_stream_is_what_it_says_and_never_a_pass() -> None:
    event = json.dumps({"type": "task:update", "data": {"error": WARNED, "done": True}})
    assert classify(200, f"data: {event[:-1]}\n\n").label == "block"  # its last brace lost where it was quoted
    judged = {"message": "Your request was rejected by the safety system.", "code": "moderation_blocked"}
    judged["moderation_details"] = {"moderation_stage": "output", "categories": ["violence"]}
    assert classify(400, json.dumps({"error": judged})[:-1]).label == "block:output"  # read as the error it is
    image = json.dumps({"type": "task:update", "data": {"created": 1, "data": [{"b64_json": "iVBORw0KGgo="}]}})
    assert no_verdict(200, f"data: {image[:-1]}\n\n", "images.generate").kind == "unreadable"


def test_an_event_that_says_done_is_the_last() -> None:
    deltas = [{"choices": [{"index": 0, "delta": {"content": word}}]} for word in ("A ", "quiet ", "harbour.")]
    last = {"choices": [{"index": 0, "delta": {}}], "done": True}
    stream = "".join(f"data: {json.dumps(e)}\n\n" for e in [*deltas, last])
    assert classify(200, stream, kind="chat").verdict == "pass"
    cut = "".join(f"data: {json.dumps(e)}\n\n" for e in deltas)
    assert no_verdict(200, cut, "chat").kind == "unreadable"  # no last event: cut, never a pass


# --- a detection of what only generated content holds ---------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"result": {"protected_material": {"detected": True, "citation": "a song's lyrics"}}},
        {"copyrightCheck": {"recitationDetected": True}},
        {"analyses": [{"name": "text", "protectedMaterialDetected": True}]},
    ],
)
def test_a_detection_of_protected_material_judges_the_output(body: dict[str, Any]) -> None:
    for kind in ("content-safety", None):
        outcome = classify(200, body, kind=kind)
        assert (outcome.label, outcome.read_by) == ("block:output", "general")


def test_protected_material_not_found_or_only_annotated_is_no_block() -> None:
    annotated = {"protected_material_text": {"filtered": False, "detected": True}}
    assert no_verdict(200, annotated, "content-safety").kind == "unreadable"
    asked = {"promptAnalysis": {"protectedMaterial": {"detected": True}}}  # where the keys say prompt, the input
    assert classify(200, asked).label == "block:input"


# --- more of the providers' words -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I can't make pictures of identifiable individuals.", "block:input"),
        ("I'm sorry, I won't draw a famous figure like that celebrity.", "block:input"),
        ("I cannot reproduce copyrighted characters.", "block:input"),
        ("I cannot find a figure in this photo.", None),  # no policy subject: no refusal of safety
        ("Sorry, I can\u2019t help you with this request.", "block:input"),  # the formula, whole
        ("I can't help with that part, but the rest of the scene follows.", None),
    ],
)
def test_a_model_declining_for_what_image_policies_name(text: str, label: str | None) -> None:
    try:
        got: str | None = classify(200, gemini_text(text), kind="gemini").label
    except ApiError:
        got = None
    assert got == label


def test_a_finish_message_that_names_a_use_policy_blocks_whatever_the_reason() -> None:
    message = "The picture was not returned: it breaks the acceptable use policy."
    body = {"candidates": [{"finishReason": "IMAGE_SOMETHING_NEW", "finishMessage": message}]}
    assert classify(200, body, kind="gemini").label == "block:output"  # a finish reason is the answer's
    bare = {"candidates": [{"finishReason": "IMAGE_SOMETHING_NEW", "finishMessage": "Try again."}]}
    assert no_verdict(200, bare, "gemini").kind == "unreadable"


def test_output_wording_without_a_verb_names_the_output() -> None:
    body = {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "Completion blocked by safety filter"},
    }
    assert classify(400, body).label == "block:output"
    azure = "The response was filtered due to the prompt triggering the content management policy."
    assert classify(400, {"error": {"message": azure, "code": "content_filter"}}).label == "block:input"
    for side, label in (("Output", "block:output"), ("Input", "block:input")):
        inspected = {"code": "DataCheckFailed", "message": f"{side} data may contain inappropriate content."}
        assert classify(400, inspected).label == label


def test_a_chat_answer_names_gemini_by_its_model_where_nothing_of_azure_shows() -> None:
    choice = {"index": 0, "finish_reason": "content_filter", "message": {"role": "assistant", "content": None}}
    gemini = classify(200, {"model": "google/gemini-2.5-flash-image", "choices": [choice]}, kind="chat-image")
    assert (gemini.label, gemini.filter) == ("block:output", "gemini")
    annotated = {**choice, "content_filter_results": {"violence": {"filtered": True, "severity": "high"}}}
    azure = classify(200, {"model": "gemini-2.5-flash-image", "choices": [annotated]}, kind="chat-image")
    assert azure.filter == "azure"  # Azure's annotations name its filter, whatever model it serves
    assert classify(200, {"model": "gpt-4o", "choices": [choice]}, kind="chat-image").filter == "azure"


@pytest.mark.parametrize("message", ["该令牌额度已用尽", "用户余额不足，请充值", "quota used up: 额度不足"])
def test_a_quota_or_balance_used_up_is_quota_whatever_the_status(message: str) -> None:
    for status in (403, 429, 500):
        assert (
            no_verdict(status, {"error": {"message": message, "type": "new_api_error", "code": None}}).kind == "quota"
        )


def test_content_safety_analyses_that_detected_nothing_are_a_pass() -> None:
    shields = {"userPromptAnalysis": {"attackDetected": False}, "documentsAnalysis": [{"attackDetected": False}]}
    for body in (
        shields,
        {"protectedMaterialAnalysis": {"detected": False}},
        {"toneAnalysis": {"insultDetected": False}},
    ):
        outcome = classify(200, body, kind="content-safety")
        assert (outcome.label, outcome.filter, outcome.read_by) == ("pass", "azure", "shape")
        assert no_verdict(200, body, "images.generate").kind == "unreadable"  # no image target's answer
    attacked = {**shields, "documentsAnalysis": [{"attackDetected": False}, {"attackDetected": True}]}
    assert classify(200, attacked, kind="content-safety").label == "block:input"
    assert no_verdict(200, {"userPromptAnalysis": "none"}, "content-safety").kind == "unreadable"


def test_a_filters_reason_message_under_a_key_of_any_name_wherever_it_is() -> None:
    sdk = {"generated_images": [{"rai_filtered_reason": "Both pictures were filtered out by the safety filter."}]}
    outcome = classify(200, sdk, kind="imagen")
    assert (outcome.label, outcome.code, outcome.filter) == ("block:output", "rai_filtered_reason", "imagen")
    asked = {"jobs": [{"blockedReasonMessage": "Your prompt was rejected by the moderation system."}]}
    assert classify(200, asked, kind="images.generate").label == "block:input"
    for message in ("Retry later: the filter service is unavailable.", "Nothing to report."):
        assert no_verdict(200, {"jobs": [{"filter_reason": message}]}, "images.generate").kind == "unreadable"


def test_a_refusal_streamed_in_parts_is_read_as_one_text() -> None:
    pieces = ["I won't render that scene", ", since it shows graphic", " harm to a person."]
    chunks = [{"candidates": [{"content": {"role": "model", "parts": [{"text": piece}]}}]} for piece in pieces]
    chunks[-1]["candidates"][0]["finishReason"] = "STOP"
    stream = "".join(f"data: {json.dumps(chunk)}\r\n\r\n" for chunk in chunks)
    assert classify(200, stream, kind="gemini").label == "block:input"
    content = [{"type": "output_text", "text": piece} for piece in pieces]
    answer = {"object": "response", "status": "completed", "output": [{"type": "message", "content": content}]}
    assert classify(200, answer, kind="responses").label == "block:input"
    harmless = [{"type": "output_text", "text": p} for p in ("I can't wait", " to see the harbour.")]
    calm = {"object": "response", "status": "completed", "output": [{"type": "message", "content": harmless}]}
    assert no_verdict(200, calm, "responses").kind == "unreadable"
