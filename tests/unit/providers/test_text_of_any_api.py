"""A model's text is text, whichever API carried it.

The describer's ``chat`` kind passes on the model's text. A text answer that came back through
Gemini's ``generateContent``, the Responses API or Gemini's Interactions API (a gateway speaking
another dialect, a team's own client) means the same as a chat completion's: a pass, unless the
model declined; for a kind that asks for an image, text alone is no answer. The answers here are
our own, in each API's documented shape.
"""

from __future__ import annotations

import json
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


# -- an answer given by calling a tool --------------------------------------------------------
# A model asked for text that answers by calling a tool (structured output, a forced function)
# has answered: the call's arguments are its text, in each API's shape.

_ARGUMENTS = '{"caption": "a lighthouse at dusk", "mood": "calm"}'


def _chat_call(arguments: str = _ARGUMENTS, name: str = "describe") -> dict[str, Any]:
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return {
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
    }


def _chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    chunk = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(chunk)}\n\n"


CALLED = {
    "chat tool call": _chat_call(),
    "chat function call (legacy)": {
        "choices": [
            {
                "message": {
                    "role": "assistant",
                    "content": None,
                    "function_call": {"name": "describe", "arguments": _ARGUMENTS},
                },
                "finish_reason": "function_call",
            }
        ]
    },
    "responses function call": {
        "object": "response",
        "status": "completed",
        "output": [{"type": "function_call", "call_id": "c1", "name": "describe", "arguments": _ARGUMENTS}],
    },
    "gemini function call": _gemini(
        {"functionCall": {"name": "describe", "args": {"caption": "a lighthouse at dusk"}}}
    ),
    "a call with no arguments: its name": _chat_call(arguments="{}", name="show_the_lighthouse"),
}


@pytest.mark.parametrize("body", CALLED.values(), ids=CALLED.keys())
def test_a_text_kind_passes_on_an_answer_given_as_a_tool_call(body: dict[str, Any]) -> None:
    outcome = classify(200, body, kind="chat")
    assert outcome.label == "pass"
    assert outcome.message and ("lighthouse" in outcome.message)


NO_IMAGE = {**TEXT_ANSWERS, **CALLED}


@pytest.mark.parametrize("body", NO_IMAGE.values(), ids=NO_IMAGE.keys())
@pytest.mark.parametrize("kind", ["gemini", "responses", "images.generate", "chat-image"])
def test_text_or_a_tool_call_alone_is_no_answer_for_an_image_kind(body: dict[str, Any], kind: str) -> None:
    with pytest.raises(ApiError) as info:
        classify(200, body, kind=kind)
    assert info.value.kind == "unreadable"


def test_a_call_with_neither_arguments_nor_name_is_no_answer() -> None:
    with pytest.raises(ApiError) as info:
        classify(200, _chat_call(arguments=" ", name=""), kind="chat")
    assert info.value.kind == "unreadable"


def test_a_streamed_call_is_read_whole_from_its_pieces() -> None:
    first = {
        "role": "assistant",
        "tool_calls": [{"index": 0, "id": "c1", "type": "function", "function": {"name": "describe", "arguments": ""}}],
    }
    pieces = [_chunk(first)] + [
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": part}}]})
        for part in ('{"caption": "a light', 'house at dusk"}')
    ]
    body = "".join(pieces) + _chunk({}, finish="tool_calls") + "data: [DONE]\n\n"
    outcome = classify(200, body.encode(), headers={"content-type": "text/event-stream"}, kind="chat")
    assert outcome.label == "pass"
    assert outcome.message == '{"caption": "a lighthouse at dusk"}'


def test_a_stream_of_one_chunk_is_read_as_a_stream() -> None:
    body = _chunk({"role": "assistant", "content": "A calm lake."}, finish="stop") + "data: [DONE]\n\n"
    outcome = classify(200, body.encode(), headers={"content-type": "text/event-stream"}, kind="chat")
    assert outcome.label == "pass" and outcome.message == "A calm lake."
    called = _chunk(
        {"role": "assistant", "tool_calls": [{"index": 0, "function": {"name": "describe", "arguments": _ARGUMENTS}}]},
        finish="stop",
    )
    assert (
        classify(
            200, (called + "data: [DONE]\n\n").encode(), headers={"content-type": "text/event-stream"}, kind="chat"
        ).label
        == "pass"
    )


def test_arguments_nested_past_what_can_be_written_back_are_still_an_answer() -> None:
    from pytest_imgsafe.providers.known_answers import called_text

    deep: Any = "x"
    for _ in range(5000):
        deep = [deep]
    assert called_text([{"name": "describe", "args": {"caption": deep}}]) == "describe"
    assert called_text([{"name": "describe", "arguments": "y" * 10_000}]) == "y" * 2000  # only the start is kept
