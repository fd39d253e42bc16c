"""The sandbox's ``/v1/responses`` over real HTTP, through the official openai SDK: the
``image_generation`` tool, streamed and not, its moderation error, a moderated completion, Azure's
path; and ``classify(kind="responses")`` reads every answer it gives."""

from __future__ import annotations

import base64

import openai
import pytest

from pytest_imgsafe import ApiError, classify
from pytest_imgsafe.sandbox import Sandbox
from pytest_imgsafe.sandbox.policy import decide, profile_for_model

TOOL = {"type": "image_generation", "quality": "low", "size": "1024x1024"}
FORCE = {"type": "image_generation"}
PROBES = (
    "A photo of Elon Musk on Mars",
    "A photo of a battlefield",
    "A realistic photo of a sword duel",
    "A beheading",
)


@pytest.fixture
def client(imgsafe_sandbox: Sandbox) -> openai.OpenAI:
    return openai.OpenAI(base_url=imgsafe_sandbox.openai_base_url, api_key="k", max_retries=0)


def probe(stage: str) -> str:
    """A probe the tool's image model (gpt-image-1) blocks at ``stage`` (from the policy's own data)."""
    profile, _ = profile_for_model("gpt-image-1")
    for prompt in PROBES:
        decision = decide(prompt, profile, 1, "generate")
        if decision.verdict == "block" and decision.stage == stage:
            return prompt
    raise AssertionError(f"no probe is blocked at {stage} on {profile}")


def raw(client: openai.OpenAI, prompt: str, **extra: object) -> tuple[int, bytes, dict[str, str]]:
    response = client.responses.with_raw_response.create(
        model="gpt-5",
        input=prompt,
        tools=[TOOL],
        tool_choice=FORCE,
        extra_body=extra or None,  # type: ignore[list-item, arg-type]
    )
    http = response.http_response
    return http.status_code, http.content, dict(http.headers)


def test_a_pass_is_a_completed_image_generation_call(client: openai.OpenAI, imgsafe_sandbox: Sandbox) -> None:
    response = client.responses.create(model="gpt-5", input="A watercolor fox", tools=[TOOL], tool_choice=FORCE)  # type: ignore[list-item, arg-type]
    calls = [item for item in response.output if item.type == "image_generation_call"]
    assert len(calls) == 1 and calls[0].status == "completed"
    assert base64.b64decode(calls[0].result or "").startswith(b"\x89PNG")
    assert response.status == "completed"
    entry = imgsafe_sandbox.requests[-1]
    assert (entry["operation"], entry["endpoint"], entry["verdict"]) == ("responses", "responses", "pass")
    status, body, headers = raw(client, "A watercolor fox")
    outcome = classify(status, body, headers, kind="responses")
    assert (outcome.verdict, outcome.filter, outcome.read_by) == ("pass", "openai", "shape")


@pytest.mark.parametrize("stage", ["input", "output"])
def test_a_block_is_a_failed_call_with_its_moderation_details(client: openai.OpenAI, stage: str) -> None:
    prompt = probe(stage)
    response = client.responses.create(model="gpt-5", input=prompt, tools=[TOOL], tool_choice=FORCE)  # type: ignore[list-item, arg-type]
    (call,) = [item for item in response.output if item.type == "image_generation_call"]
    assert call.status == "failed" and call.result is None
    assert call.error is not None and call.error.code == "moderation_blocked"
    assert call.error.moderation_details is not None and call.error.moderation_details.moderation_stage == stage
    status, body, headers = raw(client, prompt)
    outcome = classify(status, body, headers, kind="responses")
    assert (outcome.verdict, outcome.stage, outcome.code) == ("block", stage, "moderation_blocked")


def test_streamed_with_partial_images_reads_like_the_whole_answer(client: openai.OpenAI) -> None:
    tool = {**TOOL, "partial_images": 2}
    events = list(
        client.responses.create(model="gpt-5", input="A watercolor fox", tools=[tool], tool_choice=FORCE, stream=True)  # type: ignore[list-item, arg-type, call-overload]
    )
    kinds = [event.type for event in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert kinds.count("response.image_generation_call.partial_image") == 2
    assert [e.sequence_number for e in events] == list(range(len(events)))
    status, body, headers = raw(client, "A watercolor fox", stream=True)
    assert headers["content-type"] == "text/event-stream" and body.startswith(b"event: response.created")
    assert classify(status, body, headers, kind="responses").verdict == "pass"
    blocked = raw(client, probe("input"), stream=True)
    assert classify(*blocked, kind="responses").label == "block:input"
    cut = body[: body.index(b"event: response.completed")]
    with pytest.raises(ApiError, match="cut short"):
        classify(status, cut, headers, kind="responses")


def test_a_moderated_completion_carries_its_moderation_object(client: openai.OpenAI) -> None:
    asked = {"model": "omni-moderation-latest"}
    status, body, headers = raw(client, "A watercolor fox", moderation=asked)
    data = __import__("json").loads(body)
    assert data["moderation"]["input"]["type"] == "moderation_result"
    assert data["moderation"]["input"]["flagged"] is False
    assert classify(status, body, headers, kind="responses").verdict == "pass"
    withheld = raw(client, "A beheading", moderation={**asked, "policy": {"input": {"mode": "block"}}})
    answer = __import__("json").loads(withheld[1])
    assert answer["status"] == "incomplete" and answer["incomplete_details"] == {"reason": "content_filter"}
    assert answer["moderation"]["input"]["flagged"] is True
    assert classify(*withheld, kind="responses").label == "block:input"


def test_no_image_tool_is_text_only_and_no_verdict(client: openai.OpenAI) -> None:
    response = client.responses.with_raw_response.create(model="gpt-5", input="A watercolor fox")
    http = response.http_response
    with pytest.raises(ApiError, match="no image and no safety signal"):
        classify(http.status_code, http.content, dict(http.headers), kind="responses")


def test_azure_responses_path(imgsafe_sandbox: Sandbox) -> None:
    azure = openai.AzureOpenAI(
        azure_endpoint=imgsafe_sandbox.base_url, api_key="k", api_version="2025-04-01-preview", max_retries=0
    )
    response = azure.responses.with_raw_response.create(
        model="gpt-4.1-mini",
        input="A watercolor fox",
        tools=[TOOL],
        tool_choice=FORCE,  # type: ignore[list-item, arg-type]
    )
    http = response.http_response
    assert http.request.url.path == "/openai/responses"
    outcome = classify(http.status_code, http.content, dict(http.headers), kind="responses")
    assert (outcome.verdict, outcome.filter) == ("pass", "azure")


def test_missing_input_is_a_400(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.responses.create(model="gpt-5", input=[], tools=[TOOL])  # type: ignore[list-item]
    assert info.value.param == "input"
