"""A model's text is text, whichever API carried it.

The describer's ``chat`` kind passes on the model's text. A text answer that came back through
Gemini's ``generateContent``, the Responses API or Gemini's Interactions API (a gateway speaking
another dialect, a team's own client) means the same as a chat completion's: a pass, unless the
model declined; for a kind that asks for an image, text alone is no answer. The answers here are
our own, in each API's documented shape.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_imgsafe import ApiError, classify

_SENTENCE = "A lighthouse on a rocky shore at dusk, its beam sweeping over calm water."
_DECLINE = "I'm sorry, but I can't create that picture: it goes against my content guidelines."


def _gemini(*parts: dict[str, Any], finish: str = "STOP") -> dict[str, Any]:
    return {"candidates": [{"content": {"role": "model", "parts": list(parts)}, "finishReason": finish}]}


def _responses(text: str, status: str = "completed") -> dict[str, Any]:
    message = {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}
    return {"object": "response", "status": status, "output": [message]}


def _interaction(*content: dict[str, Any]) -> dict[str, Any]:
    steps = [{"type": "thought", "signature": "c2ln"}, {"type": "model_output", "content": list(content)}]
    return {"object": "interaction", "status": "completed", "steps": steps}


TEXT_ANSWERS = {
    "gemini": _gemini({"text": _SENTENCE}),
    "gemini cut at its length": _gemini({"text": _SENTENCE}, finish="MAX_TOKENS"),
    "responses": _responses(_SENTENCE),
    "interaction steps": _interaction({"type": "text", "text": _SENTENCE}),
    "interaction outputs": {
        "object": "interaction",
        "status": "completed",
        "outputs": [{"type": "text", "text": "ok"}],
    },
}


@pytest.mark.parametrize("body", TEXT_ANSWERS.values(), ids=TEXT_ANSWERS.keys())
def test_text_of_any_api_passes_for_a_text_kind(body: dict[str, Any]) -> None:
    outcome = classify(200, body, kind="chat")
    assert outcome.label == "pass"
    assert outcome.message and outcome.message[:2] in (_SENTENCE[:2], "ok")


@pytest.mark.parametrize("body", TEXT_ANSWERS.values(), ids=TEXT_ANSWERS.keys())
@pytest.mark.parametrize("kind", ["gemini", "responses", "images.generate"])
def test_text_alone_is_no_answer_for_an_image_kind(body: dict[str, Any], kind: str) -> None:
    with pytest.raises(ApiError) as info:
        classify(200, body, kind=kind)
    assert info.value.kind == "unreadable"


@pytest.mark.parametrize(
    "body",
    [_gemini({"text": _DECLINE}), _responses(_DECLINE), _interaction({"type": "text", "text": _DECLINE})],
    ids=["gemini", "responses", "interaction"],
)
def test_the_model_declining_in_any_api_is_a_block_of_the_input(body: dict[str, Any]) -> None:
    assert classify(200, body, kind="chat").label == "block:input"


def test_a_thinking_models_thoughts_are_not_its_answer() -> None:
    body = _gemini({"text": "Let me think about the lighthouse.", "thought": True})
    with pytest.raises(ApiError) as info:
        classify(200, body, kind="chat")
    assert info.value.kind == "unreadable"
    assert classify(200, _gemini({"text": "thinking", "thought": True}, {"text": _SENTENCE}), kind="chat").label == (
        "pass"
    )


@pytest.mark.parametrize("finish", ["OTHER", "MALFORMED_FUNCTION_CALL", "A_REASON_NOT_YET_DOCUMENTED"])
def test_text_beside_a_finish_that_is_no_stop_is_not_read_as_a_pass(finish: str) -> None:
    # a reason that names no stop and no policy leaves the text unexplained: read by the general
    # layer by its message, else no verdict (never a pass on text the model may not have finished)
    with pytest.raises(ApiError):
        classify(200, _gemini({"text": _SENTENCE}, finish=finish), kind="chat")


@pytest.mark.parametrize("status", ["failed", "cancelled", "in_progress"])
def test_a_response_that_did_not_finish_is_no_pass(status: str) -> None:
    with pytest.raises(ApiError):
        classify(200, _responses(_SENTENCE, status=status), kind="chat")


def test_an_interaction_image_in_its_steps_is_an_image() -> None:
    body = _interaction({"type": "image", "mime_type": "image/png", "data": "iVBORw0KGgoAAAANSUhEUg=="})
    assert classify(200, body, kind="gemini").label == "pass"


def test_a_safety_finish_still_blocks_beside_text() -> None:
    body = _gemini({"text": "Here is"}, finish="SAFETY")
    assert classify(200, body, kind="chat").label == "block:output"
