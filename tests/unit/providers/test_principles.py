"""Each principle the reader reads by, shown on a whole class of answers rather than on the cited
answer that showed it was missing (tests/data/answers): hypothesis draws the variants, or a family
of made-up variants stands for the class.

- streams are read by the form of their events (terminal events of any name, an ``event:`` line,
  deltas of any field, one event given alone), and an image call's status lags its response;
- JSON as documentation and logs print it (line breaks in strings, a Python dict's repr);
- a model's own refusal is a block of the input by that provider;
- flags of any name beside no image, never an annotation, never a setting;
- a task that failed with a reason that names safety;
- the kind of a non-verdict from code, wording and status together;
- an answer that names its provider (Azure's headers and endpoints), or its target's provider.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pytest_imgsafe import ApiError, Outcome, classify
from pytest_imgsafe.base.wire import Answer
from pytest_imgsafe.providers.body import read_body, sse_events
from pytest_imgsafe.providers.registry import kind_of as registry_kind
from pytest_imgsafe.providers.target import Target
from pytest_imgsafe.providers.vocabulary import says_blocked, vocabulary
from tests.unit.providers.test_classify_real_answers import ENTRIES, kind_of

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
SOME = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
words = st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=10)


def sse(events: list[dict[str, Any]], *, named: bool = False) -> str:
    lines = []
    for event in events:
        head = f"event: {event.get('type')}\n" if named else ""
        lines.append(f"{head}data: {json.dumps(event)}\n\n")
    return "".join(lines)


def reading(status: int, body: Any, kind: str | None = None, **kw: Any) -> Outcome | str:
    """The outcome, or the kind of the non-verdict."""
    try:
        return classify(status, body, kw.pop("headers", None), kind=kind, **kw)
    except ApiError as err:
        return err.kind


# --- streams by the form of their events ----------------------------------------------------


@pytest.mark.slow
@SOME
@given(words, st.sampled_from(sorted({"completed", "done", "failed", "incomplete", "cancelled"})), st.data())
def test_a_two_part_terminal_event_of_any_name_ends_a_stream(obj: str, end: str, data: st.DataObject) -> None:
    middle = data.draw(st.lists(st.tuples(words, words), max_size=4))
    events = [{"type": f"{obj}.{a}.{b}"} for a, b in middle]  # item events, of three parts, end nothing
    events += [{"type": f"{obj}.{data.draw(words.filter(lambda w: w not in vocabulary_ends()))}"}]
    assert read_body(sse(events)).cut
    assert not read_body(sse([*events, {"type": f"{obj}.{end}"}])).cut
    assert read_body(sse([*events, {"type": f"{obj}.output_item.{end}"}])).cut  # an item's end is not the stream's


def vocabulary_ends() -> set[str]:
    return {"completed", "done", "failed", "incomplete", "cancelled", "canceled", "error"}


def image_call(status: str) -> dict[str, Any]:
    return {"id": "ig_1", "type": "image_generation_call", "status": status, "result": PNG}


def response(status: str, output: list[Any]) -> dict[str, Any]:
    return {"id": "resp_1", "object": "response", "status": status, "output": output, "content_filters": None}


@pytest.mark.parametrize("lagging", ["generating", "in_progress", "partial", None])
def test_an_image_calls_status_lags_its_completed_response(lagging: str | None) -> None:
    """Azure's Responses stream finishes an image call still marked ``generating``: the response's
    ``completed`` decides. Without it the stream is cut (never a pass); a call that says it failed
    is never an image."""
    call = image_call(lagging) if lagging else {k: v for k, v in image_call("x").items() if k != "status"}
    events = [
        {"type": "response.created", "response": response("in_progress", [])},
        {"type": "response.output_item.done", "output_index": 0, "item": call},
    ]
    done = {"type": "response.completed", "response": response("completed", [call])}
    outcome = classify(200, sse([*events, done]), kind="responses")
    assert (outcome.verdict, outcome.filter) == ("pass", "azure")  # content_filters: Azure's field
    assert reading(200, sse(events), "responses") == "unreadable"
    failed = {**done, "response": response("completed", [image_call("failed")])}
    assert reading(200, sse([*events[:1], failed]), "responses") == "unreadable"
    if lagging:  # a call still in progress in a response still in progress: no image yet
        assert reading(200, response("in_progress", [call]), "responses") == "unreadable"


@pytest.mark.slow
@SOME
@given(st.text(min_size=1, max_size=60).filter(str.strip), st.data())
def test_chat_deltas_of_any_field_are_joined(text: str, data: st.DataObject) -> None:
    field = data.draw(st.sampled_from(["content", "refusal", "reasoning_content"]))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=5)))
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    chunks = [{"choices": [{"index": 0, "delta": {"role": "assistant", field: ""}}]}]
    chunks += [{"choices": [{"index": 0, "delta": {field: p}}]} for p in pieces]
    chunks += [{"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}]
    message = read_body(sse(chunks)).data["choices"][0]["message"]
    assert message[field] == text and message["role"] == "assistant"


def test_an_event_line_names_a_payload_that_does_not_name_itself() -> None:
    body = 'event: response.failed\ndata: {"response": {"error": {"message": "The server had an error."}}}\n\n'
    parsed = read_body(body)
    assert not parsed.cut
    assert reading(200, body, "responses") == "server_error"


def test_one_event_given_alone_reads_as_its_stream() -> None:
    failed = {"type": "response.failed", "response": {**response("failed", []), "error": {"code": "server_error"}}}
    assert reading(200, failed, "responses") == "server_error"
    done = {"type": "response.completed", "response": response("completed", [image_call("completed")])}
    assert reading(200, done, "responses").verdict == "pass"  # type: ignore[union-attr]


STREAMED = [e for e in ENTRIES if isinstance(e["body"], str) and sse_events(e["body"])]


@SOME
@given(st.sampled_from(STREAMED))
def test_a_stream_sent_as_json_lines_reads_as_the_same_stream(entry: dict[str, Any]) -> None:
    events = sse_events(entry["body"]) or []
    lines = "\n".join(json.dumps(event) for event in events) + "\n"
    assume(len(events) > 1)
    assert same(entry, lines) == same(entry, entry["body"]), entry["id"]
    last = json.dumps(events[-1])
    cut = lines.rstrip()[: -(len(last) // 2 + 1)]  # cut inside its last line: never a pass
    assert same(entry, cut)[0] != "pass", entry["id"]


# --- JSON as documentation and logs print it ------------------------------------------------


def _plain(value: Any) -> bool:
    """JSON's own types only (what a printed answer can hold)."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


PRINTABLE = [e for e in ENTRIES if isinstance(e["body"], dict) and _plain(e["body"])]


def same(entry: dict[str, Any], body: Any) -> tuple[Any, ...]:
    got = reading(entry["status"], body, kind_of(entry), headers=entry.get("headers"), provider=entry.get("provider"))
    return (got.verdict, got.stage, got.filter) if isinstance(got, Outcome) else (got,)


@SOME
@given(st.sampled_from(PRINTABLE))
def test_an_answer_printed_as_a_python_dict_reads_the_same(entry: dict[str, Any]) -> None:
    assert same(entry, repr(entry["body"])) == same(entry, entry["body"]), entry["id"]


@SOME
@given(st.sampled_from(PRINTABLE), st.randoms(use_true_random=False))
def test_line_breaks_inside_an_answers_strings_read_the_same(entry: dict[str, Any], rng: Any) -> None:
    """Documentation wraps long messages over lines, inside the JSON string: still the answer."""
    mark = "\x00"

    def wrap(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: (wrap(v) if k not in ("message", "detail") or not isinstance(v, str) else broken(v))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [wrap(v) for v in value]
        return value

    def broken(text: str) -> str:
        if "{" in text:
            return text
        return "".join(mark if ch == " " and rng.random() < 0.3 else ch for ch in text)

    printed = json.dumps(wrap(entry["body"]), indent=2).replace("\\u0000", "\n          ")
    assume("\n          " in printed)
    assert same(entry, printed) == same(entry, entry["body"]), entry["id"]


# --- a model's own refusal ------------------------------------------------------------------

REFUSALS = ["I'm sorry, but I can't help with that.", "I can't assist with that request.", "No."]


def refusal_answers(text: str) -> list[Any]:
    chat = {
        "id": "chatcmpl-1",
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": None, "refusal": text}}
        ],
    }
    streamed = sse(
        [{"model": "gpt-4o", "choices": [{"index": 0, "delta": {"refusal": w + " "}}]} for w in text.split()]
        + [{"model": "gpt-4o", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}]
    )
    responses = response("completed", [{"type": "message", "content": [{"type": "refusal", "refusal": text}]}])
    stop_reason = {"model": "some-model", "stop_reason": "refusal", "content": [{"type": "text", "text": text}]}
    return [chat, streamed, responses, {**responses, "model": "gpt-5"}, stop_reason]


@pytest.mark.parametrize("text", REFUSALS)
@pytest.mark.parametrize("kind", ["chat", "chat-image", "responses", None])
def test_a_models_refusal_is_a_block_of_the_input(text: str, kind: str | None) -> None:
    for body in refusal_answers(text):
        outcome = classify(200, body, kind=kind)
        assert (outcome.label, outcome.code, outcome.read_by) == ("block:input", "refusal", "general")
    assert classify(200, refusal_answers(text)[0], kind=kind).filter == "openai"  # the model names its provider


def test_a_refusal_beside_an_image_or_empty_is_none() -> None:
    drawn = {
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"content": f"![a](data:image/png;base64,{PNG})", "refusal": "I can't add the text."},
            }
        ]
    }
    assert classify(200, drawn, kind="chat-image").verdict == "pass"
    for empty in ("", "  ", None):
        body = {"choices": [{"index": 0, "finish_reason": "stop", "message": {"content": None, "refusal": empty}}]}
        assert reading(200, body, "chat-image") == "unreadable"


# --- flags of any name ----------------------------------------------------------------------


def key(parts: list[str], camel: bool) -> str:
    return parts[0] + "".join(p.capitalize() for p in parts[1:]) if camel else "_".join(parts)


flag_keys = st.builds(
    lambda prefix, word, camel: key([*prefix, word], camel),
    st.sampled_from([[], ["is"], ["was"], ["has"], ["content"], ["prompt"], ["output"]]),
    st.sampled_from(sorted({"filtered", "blocked", "flagged", "rejected", "moderated", "nsfw", "unsafe"})),
    st.booleans(),
)


@SOME
@given(
    flag_keys, st.sampled_from([True, [True], [False, True]]), st.sampled_from(["content-safety", "chat-image", None])
)
def test_a_flag_of_any_name_where_no_image_came_is_a_block(name: str, value: Any, kind: str | None) -> None:
    outcome = classify(200, {"id": "x", "analysis": {name: value}}, kind=kind)
    assert (outcome.verdict, outcome.read_by) == ("block", "general")
    assert reading(200, {"id": "x", "analysis": {name: False}}, kind) == "unreadable"
    with_image = {"id": "x", "data": [{"b64_json": PNG}], "analysis": {name: value}}
    assert reading(200, with_image, kind) in ("unreadable",) or reading(200, with_image, kind).verdict == "pass"  # type: ignore[union-attr]


@SOME
@given(st.sampled_from(["attack", "jailbreak", "injection", "nsfw"]), st.booleans(), words)
def test_a_detection_counts_where_it_names_a_threat_and_the_filter_did_not_say_otherwise(
    threat: str, in_key: bool, other: str
) -> None:
    body = {f"{threat}Detected": True} if in_key else {threat: {"detected": True}}
    assert classify(200, {"id": "x", "userPromptAnalysis": body}, kind="content-safety").label == "block:input"
    annotated = {
        "id": "x",
        "prompt_filter_results": [{"content_filter_results": {threat: {"filtered": False, "detected": True}}}],
    }
    assert reading(200, annotated, "chat-image") == "unreadable"  # detected, not filtered: an annotation
    assume(other not in vocabulary().threat_words and other not in vocabulary().harm_words)
    assert reading(200, {"id": "x", other: {"detected": True}}, "chat-image") == "unreadable"  # language.detected


@pytest.mark.parametrize(
    ("body", "label"),
    [
        ({"is_safe": False}, "block"),
        ({"result": {"isSafe": False}}, "block"),
        ({"prompt": {"safe": False}}, "block:input"),
        ({"safe_mode": False}, None),
        ({"allow_nsfw": True}, None),
        ({"params": {"enable_safety_checker": True, "return_filtered": True}}, None),
        ({"moderation_level": "low", "nsfw_count": 1}, None),
        ({"safe_search": False}, None),
        ({"is_safe": True}, None),
        ({"not_blocked": True}, None),
        ({"output": {"blocked": True}}, "block:output"),
        ({"candidates": [{"filtered": True}]}, "block:output"),
    ],
)
def test_safe_false_is_a_block_only_where_the_key_says_nothing_else(body: dict[str, Any], label: str | None) -> None:
    got = reading(200, {"id": "x", **body}, "images.generate")
    assert (got.label if isinstance(got, Outcome) else None) == label


@pytest.mark.parametrize(
    ("source", "label"), [("prompt", "block:input"), ("completion", "block:output"), (None, "block")]
)
def test_a_flagged_object_that_names_what_it_was_about_gives_the_stage(source: str | None, label: str) -> None:
    """Azure's Responses ``content_filters``: ``blocked`` with ``source_type`` prompt or completion."""
    entry: dict[str, Any] = {"blocked": True, "content_filter_results": {"violence": {"filtered": True}}}
    if source:
        entry["source_type"] = source
    answer = {"object": "response", "status": "incomplete", "output": [], "content_filters": [entry]}
    outcome = classify(200, answer, kind="responses")
    assert (outcome.label, outcome.filter, outcome.categories) == (label, "azure", ("violence",))


def test_a_flags_categories_name_what_was_found_where() -> None:
    body = {"userPromptAnalysis": {"attackDetected": True}, "documentsAnalysis": [{"attackDetected": True}]}
    outcome = classify(200, body, kind="content-safety")
    assert (outcome.code, outcome.categories, outcome.filter) == (
        "attackDetected",
        ("userPromptAttack", "documentAttack"),
        "azure",
    )
    snake = classify(200, {"prompt_analysis": {"attack_detected": True}}, kind="content-safety")
    assert snake.categories == ("prompt_attack",)
    rated = classify(200, {"ratings": [{"category": "HARM_CATEGORY_X", "blocked": True}]}, kind="gemini")
    assert rated.categories == ("HARM_CATEGORY_X",)


# --- a task that failed ---------------------------------------------------------------------

SAFETY_REASONS = [
    ("NSFW content detected in the prompt", "input"),
    ("Content moderated", None),
    ("The output image was flagged by our safety system", "output"),
    ("Request rejected: it violates our content policy", "input"),
    ("sensitive content", None),
]
OTHER_REASONS = ["Internal error", "Timed out after 300s", "Invalid safety_settings: must be a list", "Out of memory"]


@SOME
@given(
    st.sampled_from(sorted({"failed", "FAILED", "Failure", "rejected", "error", "cancelled", "moderated"})),
    st.sampled_from(["error", "failure_reason", "failReason", "message", "reason", "status_message"]),
    st.sampled_from(SAFETY_REASONS),
    st.sampled_from(["status", "state"]),
)
def test_a_task_that_failed_for_safety_is_a_block(status: str, field: str, reason: Any, status_key: str) -> None:
    text, stage = reason
    outcome = classify(200, {"id": "task_1", status_key: status, field: text})
    assert (outcome.verdict, outcome.stage, outcome.read_by) == ("block", stage, "general")
    for other in OTHER_REASONS:
        assert isinstance(reading(200, {"id": "task_1", status_key: status, field: other}), str)
    if not says_blocked(text):  # a reason that only names safety needs the failed status to be a refusal
        for running in ("succeeded", "processing", "queued", "FAILED_PRECONDITION"):
            assert isinstance(reading(200, {"id": "task_1", status_key: running, field: text}), str)


@pytest.mark.parametrize("cause", ["as a result of", "because of", "due to"])
@pytest.mark.parametrize("verb", ["failed", "was stopped", "was cancelled", "was aborted"])
def test_a_task_stopped_by_safety_wording(cause: str, verb: str) -> None:
    body = {"type": "error", "message": f"Your task {verb} {cause} our safety system.", "code": "task_failed_x"}
    outcome = classify(200, body)
    assert (outcome.label, outcome.code, outcome.filter) == ("block:input", "task_failed_x", "openai")
    broken = {"type": "error", "message": "Your task failed: the safety system failed to run.", "code": "x"}
    assert isinstance(reading(200, broken), str)


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("Unsafe content detected in your prompt.", "block:input"),
        ("NSFW content detected in the generated image.", "block:output"),
        ("Your prompt contains sensitive words.", "block:input"),
        ("The request includes potentially harmful content.", "block:input"),
        ("系统检测到输入或生成内容可能包含不安全或敏感内容，请您避免输入易产生敏感内容的提示语", "block"),
        ("Unusual activity detected: rate limit exceeded.", None),
        ("Language detected: en. The size must be one of 1024x1024.", None),
        ("The safety filter detected nothing: it failed to run.", None),
    ],
)
@pytest.mark.parametrize("status", [400, 422, 451])
def test_an_error_that_reports_a_detection_of_unsafe_content(message: str, label: str | None, status: int) -> None:
    """An error's own reason is its refusal when it reports unsafe content found: "detected",
    "contains sensitive ..." (检测到, 包含...敏感), beside the safety vocabulary."""
    for body in (err(message, "1301"), {"errors": [{"message": message}]}, message):
        got = reading(status, body, "images.generate")
        assert (got.label if isinstance(got, Outcome) else None) == label, body


@pytest.mark.parametrize(
    ("body", "label"),
    [
        ({"id": "t", "status": "Request Moderated", "result": None}, "block:input"),
        ({"id": "t", "status": "Content Moderated", "details": {"Moderation Reasons": ["Sexual"]}}, "block"),
        ({"id": "t", "state": "blocked_by_policy"}, "block"),
        ({"id": "t", "status": "Request Moderated", "error": "Out of memory"}, None),
        ({"id": "t", "status": "Ready", "result": None}, None),
        ({"id": "t", "status": "Task not found"}, None),
    ],
)
def test_a_status_that_names_the_safety_step_that_stopped_it(body: dict[str, Any], label: str | None) -> None:
    got = reading(200, body, "images.generate")
    assert (got.label if isinstance(got, Outcome) else None) == label


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("Prompt failed the safety check.", "block:input"),
        ("One or more prompts contains filtered words.", "block:input"),
        ("Banned prompt detected", "block:input"),
        ("Guardrail intervened: the request was blocked.", "block:input"),
        ("The safety check failed to run.", None),
        ("The safety check failed.", None),
    ],
)
def test_more_of_the_providers_words_for_a_refusal(message: str, label: str | None) -> None:
    for body in (err(message), {"detail": [{"loc": ["body", "x"], "msg": message}]}, {"errors": [message]}):
        got = reading(400, body, "images.generate")
        assert (got.label if isinstance(got, Outcome) else None) == label, body
    intervened = {"output": {"message": {"role": "assistant", "content": []}}, "stopReason": "guardrail_intervened"}
    assert classify(200, intervened, kind="chat-image").verdict == "block"


# --- which non-verdict ----------------------------------------------------------------------


def err(message: str, code: Any = None, kind: Any = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": code, **extra}}


@SOME
@given(
    st.sampled_from(
        ["billing_not_active", "insufficient_balance", "billing_hard_limit", "PAYMENT_REQUIRED", "no_credits"]
    ),
    st.sampled_from([400, 403, 429, 503]),
    st.sampled_from(["当前分组负载已饱和，请稍后再试", "Please try again later.", "Rate limit reached."]),
)
def test_a_code_that_names_billing_is_quota_whatever_else(code: str, status: int, message: str) -> None:
    assert reading(status, err(message, code)) == "quota"
    assert reading(status, err(message, kind=code)) == "quota"


@pytest.mark.parametrize(
    ("message", "details", "kind"),
    [
        ("You exceeded your current quota, please check your plan.", [{"retryDelay": "34s"}], "rate_limited"),
        ("Quota exceeded for metric requests per minute.", None, "rate_limited"),
        ("You exceeded your current quota. Please retry in 20.5s.", None, "rate_limited"),
        ("Quota exceeded for metric: free_tier_requests, limit: 0. Please retry in 20s.", None, "quota"),
        ("You exceeded your current quota, please check your plan and billing details.", None, "quota"),
        ("Quota exhausted.", None, "quota"),
        ("Your credit balance is too low to access the API.", None, "quota"),
        ("You have run out of credits. Upgrade your plan.", None, "quota"),
    ],
)
@pytest.mark.parametrize("status", [429, 400, 403])
def test_a_quota_exceeded_is_rate_limited_when_waiting_helps(
    message: str, details: Any, kind: str, status: int
) -> None:
    extra = {"details": details} if details else {}
    assert reading(status, err(message, **extra)) == kind


def test_a_rate_limit_that_suggests_paying_is_still_a_rate_limit() -> None:
    message = "Rate limit reached for images per min. Limit: 1/1min. Add a payment method to increase your rate limit."
    assert reading(429, err(message, "rate_limit_exceeded")) == "rate_limited"
    assert reading(400, err("Your credit balance is too low.")) == "quota"


@pytest.mark.parametrize(
    ("quoted", "kind"),
    [
        ("HTTP Error 400: Request contains an invalid argument.", "invalid_request"),
        ("upstream status code 422: bad size", "invalid_request"),
        ("Error code: 429 - {'error': {'message': 'slow down'}}", "rate_limited"),
        ("[404] model not found", "invalid_request"),
        ("upstream failed: connection reset", "server_error"),
        ("HTTP Error 503: unavailable", "server_error"),
    ],
)
@pytest.mark.parametrize("relay_status", [500, 502, 503])
def test_a_relays_5xx_takes_the_status_of_the_upstream_it_quotes(quoted: str, kind: str, relay_status: int) -> None:
    assert (
        reading(relay_status, err(f"生成失败: Flow API request failed: {quoted}", "generation_failed", "server_error"))
        == kind
    )
    flat = {"message": quoted, "type": "server_error", "code": "generation_failed", "status_code": relay_status}
    assert reading(relay_status, flat) == kind


SERVER_WORDS = [
    "Selected model is at capacity. Please try a different model.",
    "The engine is currently overloaded.",
    "An internal error occurred.",
    "The service is temporarily unavailable.",
]


@pytest.mark.parametrize("message", SERVER_WORDS)
def test_an_error_inside_a_2xx_is_read_by_its_wording(message: str) -> None:
    """A stream's error event, a failed response, an error object at 200: no status of its own."""
    for body in (
        sse([{"type": "response.failed", "response": {"error": {"message": message}}}]),
        sse([{"type": "error", "message": message, "code": None}]),
        {"object": "response", "status": "failed", "error": {"message": message, "code": None}, "output": []},
        {"error": {"message": message}},
    ):
        assert reading(200, body, "responses") == "server_error", body
    assert reading(200, {"error": {"message": "Unknown parameter: 'size'."}}, "responses") == "invalid_request"
    assert reading(200, {"error": {"message": "x", "code": "rate_limit_exceeded"}}, "responses") == "rate_limited"
    assert reading(200, {"error": {"message": "x", "code": "server_error"}}, "responses") == "server_error"


@SOME
@given(
    st.integers(400, 499).filter(lambda s: s not in (401, 402, 403, 408, 429)), st.sampled_from(["html", "text", "cut"])
)
def test_a_4xx_body_that_is_not_json_is_a_bad_request(status: int, form: str) -> None:
    """A 4xx is the server's word on the request (401/403 auth, 402 quota, 408 a timeout: the
    server's side, 429 rate_limited), whatever its body."""
    body = {
        "html": f"<html><body><h1>{status} Bad Request</h1></body></html>",
        "text": "bad request",
        "cut": '{"errors":[{"message":"Invalid data for image - reason expected',
    }[form]
    assert reading(status, body) == "invalid_request"
    assert reading(200, body) == "unreadable"
    assert reading(408, body) == "server_error"


# --- the provider an answer names -----------------------------------------------------------

IMAGES = {"created": 1, "data": [{"b64_json": PNG}]}


@pytest.mark.parametrize(
    "headers",
    [
        {"apim-request-id": "a-1"},
        {"x-ms-region": "East US"},
        {"azureml-model-session": "d-1"},
        {"X-MS-Client-Request-Id": "c"},
    ],
)
def test_an_azure_header_names_azure(headers: dict[str, str]) -> None:
    assert classify(200, IMAGES, headers, kind="images.edit").filter == "azure"
    chat = {"choices": [{"index": 0, "finish_reason": "stop", "message": {"content": "A fox."}}]}
    assert classify(200, chat, headers, kind="chat").filter == "azure"


def test_an_azure_endpoint_in_the_answer_names_azure_and_a_blob_does_not() -> None:
    at_azure = {"created": 1, "data": [{"url": "https://my-res.openai.azure.com/openai/deployments/d/images/1.png"}]}
    assert classify(200, at_azure, kind="images.generate").filter == "azure"
    openai_blob = {"created": 1, "data": [{"url": "https://oaidalleapiprodscus.blob.core.windows.net/private/img.png"}]}
    assert classify(200, openai_blob, kind="images.generate").filter == "openai"
    assert classify(200, IMAGES, kind="images.edit").filter == "openai"


def test_an_azure_target_reads_an_answer_that_names_no_provider_as_azure() -> None:
    assert classify(200, IMAGES, kind="images.edit", provider="azure").filter == "azure"
    target = Target(name="t", kind="images.edit", model="gpt-image-1", azure_endpoint="https://r.openai.azure.com")
    answer = Answer(200, {}, IMAGES, "test")
    assert registry_kind("images.edit").read(target, answer).filter == "azure"
    plain = Target(name="t", kind="images.edit", model="gpt-image-1")
    assert registry_kind("images.edit").read(plain, answer).filter == "openai"
