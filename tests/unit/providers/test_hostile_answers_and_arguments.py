"""Answers and arguments a hostile or careless caller gives ``classify()`` (found by probes written
by someone who had not read the readers): the answer is a non-verdict, an argument of the wrong
type is a ``TypeError`` or ``ValueError`` that names it; never another exception, never a reading
that poisons the next one."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from pytest_imgsafe import ApiError, classify

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
BLOCK = {"error": {"code": "content_policy_violation", "message": "Your request was rejected by the safety system."}}


def test_a_deep_answer_read_first_in_a_process_leaves_the_next_answer_readable() -> None:
    """In a fresh interpreter the readers' tables load on first use: loaded inside a deep answer's
    reading, running out of stack half-way left them broken for every later answer."""
    script = (
        "from pytest_imgsafe import classify, ApiError\n"
        "try:\n"
        "    classify(400, '{\"error\":' * 120 + '{}' + '}' * 120)\n"
        "except ApiError as err:\n"
        "    print('first', err.kind)\n"
        f"print('then', classify(400, {BLOCK!r}).verdict)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    first, then = done.stdout.splitlines()
    assert first.startswith("first ") and then == "then block"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ('{"candidates": [{"content": {"parts": 7}}]}', "gemini"),
        ({"candidates": [{"content": {"parts": True}, "finishReason": "STOP"}]}, "gemini"),
        (
            {"status": "completed", "output": [{"type": "image_generation_call", "status": [], "result": PNG}]},
            "responses",
        ),
        ({"status": "completed", "output": [{"type": "image_generation_call", "status": {}, "result": PNG}]}, None),
        ({"data": "not a list"}, "images.generate"),
    ],
)
def test_a_known_shape_with_a_field_of_another_type_is_no_verdict(body: Any, kind: str | None) -> None:
    with pytest.raises(ApiError) as info:
        classify(200, body, kind=kind)
    assert info.value.kind == "unreadable"


@pytest.mark.parametrize("status", [0, -1, 99, 100, 103, 199])
def test_no_final_status_is_no_pass(status: int) -> None:
    with pytest.raises(ApiError) as info:
        classify(status, {"data": [{"b64_json": PNG}]}, kind="images.generate")
    assert info.value.kind == "unreadable" and f"HTTP {status}" in info.value.message
    assert classify(200, {"data": [{"b64_json": PNG}]}, kind="images.generate").verdict == "pass"


@pytest.mark.parametrize(
    ("arguments", "error", "names"),
    [
        ({"status_code": "200", "body": {}}, TypeError, "status_code"),
        ({"status_code": None, "body": {}}, TypeError, "status_code"),
        ({"status_code": True, "body": {}}, TypeError, "status_code"),
        ({"status_code": 200, "body": 5}, TypeError, "body"),
        ({"status_code": 200, "body": {1, 2}}, TypeError, "body"),
        ({"status_code": 200, "body": {}, "headers": [("a", "b")]}, TypeError, "headers"),
        ({"status_code": 200, "body": {}, "kind": "images.generat"}, ValueError, "images.generate"),
        ({"status_code": 200, "body": {}, "kind": ["chat"]}, ValueError, "not a target kind"),
    ],
)
def test_a_wrong_argument_is_named(arguments: dict[str, Any], error: type[Exception], names: str) -> None:
    with pytest.raises(error, match=names):
        classify(**arguments)


@pytest.mark.parametrize(
    "text",
    [
        "not blocked by the safety system",
        "The prompt was never filtered by our content policy.",
        "isn't blocked: safety",
        "We recommend reading our safety guidelines; nothing was flagged.",
        "Safety review done: none of the categories were filtered.",
    ],
)
def test_a_refusal_said_not_to_have_happened_is_no_block(text: str) -> None:
    with pytest.raises(ApiError):
        classify(400, {"error": {"message": text}}, kind="images.generate")
    with pytest.raises(ApiError):
        classify(200, text, kind="moderation")


@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.parametrize("text", ["SAFETY", "content_filter", "SAFETY_BLOCK"])
def test_a_servers_one_word_body_is_its_error_not_an_enum_of_a_block(status: int, text: str) -> None:
    with pytest.raises(ApiError) as info:
        classify(status, text, kind="images.generate")
    assert info.value.kind == "server_error"
    assert classify(400, text, kind="images.generate").verdict == "block"  # a 4xx's reason, as Google's ErrorInfo


@pytest.mark.parametrize("text", ["safety", "harmful", "moderation"])
def test_one_word_of_prose_is_no_reason(text: str) -> None:
    # a reason is spelled as a code (SAFETY, content_filter); one lower-case word says nothing whole
    with pytest.raises(ApiError) as info:
        classify(400, text, kind="images.generate")
    assert info.value.kind == "invalid_request"


def test_a_text_of_braces_is_tried_as_json_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each failed try costs as much as the text before it (the parser counts its lines): a text of
    braces alone is tried MAX_JSON_STARTS times, not once per brace (its length squared)."""
    import json

    from pytest_imgsafe.providers import body

    tries: list[int] = []
    real = json.JSONDecoder.raw_decode
    monkeypatch.setattr(json.JSONDecoder, "raw_decode", lambda self, s, idx=0: tries.append(idx) or real(self, s, idx))
    assert body.embedded_json("{" * 20_000) is None
    assert body.without_json("{" * 20_000) == ""  # braces alone are JSON cut short: no words
    assert len(tries) <= 2 * body.MAX_JSON_STARTS
    tries.clear()
    assert body.embedded_json('upstream said: {"error": {"message": "x"}}') == {"error": {"message": "x"}}


_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


@pytest.mark.parametrize(
    "answer",
    [
        {"hateResult": {"category": "Hate", "severity": 0}, "sexualResult": None},
        {"hateResult": {"category": "Hate", "severity": 0}, "sexualResult": "6"},
        {"categoriesAnalysis": [{"category": "Hate", "severity": -6}]},
    ],
    ids=["a null row", "a row that is a string", "a negative severity"],
)
def test_an_analysis_with_a_damaged_row_is_no_pass(answer: dict[str, object]) -> None:
    with pytest.raises(ApiError) as info:
        classify(200, answer, kind="content-safety")
    assert info.value.kind == "unreadable"


@pytest.mark.parametrize(
    "answer",
    [
        {
            "categoriesAnalysis": [{"category": "Hate", "severity": 0}],
            "hateResult": {"category": "Hate", "severity": 6},
        },
        {
            "categoriesAnalysis": [{"category": "Hate", "severity": 0}],
            "blocklistsMatchResults": [{"blocklistName": "L"}],
        },
    ],
    ids=["older rows beside current ones", "an older blocklist beside current rows"],
)
def test_an_analysis_mixing_versions_is_judged_on_all_it_says(answer: dict[str, object]) -> None:
    assert classify(200, answer, kind="content-safety").label == "block:input"


@pytest.mark.parametrize("url", ["https://", "http://", "gs://", "https:// spaced"])
def test_a_url_that_locates_nothing_is_no_image(url: str) -> None:
    with pytest.raises(ApiError):
        classify(200, {"created": 1, "data": [{"url": url}]}, kind="images.generate")


@pytest.mark.parametrize("item", [{"data": "..."}, {"data": "aGVsbG8gd29ybGQ="}, {"uri": "javascript:alert(1)"}])
def test_an_interactions_image_item_must_hold_an_image(item: dict[str, str]) -> None:
    body = {"object": "interaction", "status": "completed", "outputs": [{"type": "image", **item}]}
    with pytest.raises(ApiError):
        classify(200, body, kind="gemini")
    assert classify(200, {**body, "outputs": [{"type": "image", "data": _PNG}]}, kind="gemini").label == "pass"


@pytest.mark.parametrize("text", ['"flagged": true', '"finishReason": "SAFETY"', '"categories": {"sexual": true}'])
def test_members_of_no_error_quoted_without_braces_are_no_verdict(text: str) -> None:
    with pytest.raises(ApiError):
        classify(200, text, {"content-type": "text/plain"}, kind="images.generate")


@pytest.mark.parametrize("status", [204, 205, 206])
def test_a_status_whose_body_is_no_whole_answer_is_no_pass(status: int) -> None:
    with pytest.raises(ApiError) as info:
        classify(status, {"created": 1, "data": [{"b64_json": _PNG}]}, kind="images.generate")
    assert info.value.kind == "unreadable"


# -- round 9's black-box probes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    ["<html>" + "<" * 65536, "<html>" + "<script>" * 8192, "<!DOCTYPE html><body>" + "<style>x" * 8000],
    ids=["a run of <", "scripts never closed", "styles never closed"],
)
@pytest.mark.parametrize("status", [200, 400, 502])
def test_a_page_of_unclosed_markup_is_no_verdict(page: str, status: int) -> None:
    # these took seconds each (a tag or script searched to the page's end from every "<")
    with pytest.raises(ApiError):
        classify(status, page)


def test_a_pages_scripts_and_tags_are_dropped_and_its_words_read() -> None:
    page = (
        "<html><head><title>Blocked</title><script>var a = '<b>blocked</b>';</script>"
        "<STYLE>p {}</STYLE></head><body><h1>Request blocked</h1>"
        "<p>Your prompt was rejected by our content policy.</p></body></html>"
    )
    assert classify(400, page).label == "block:input"


def _wrapped(inner: str, times: int) -> str:
    for _ in range(times):
        inner = json.dumps({"error": {"message": inner}})
    return inner


def test_an_answer_wrapped_many_times_is_read_four_envelopes_deep() -> None:
    refused = json.dumps(
        {"error": {"code": "content_policy_violation", "message": "Your request was rejected by our safety system."}}
    )
    assert classify(500, _wrapped(refused, 3)).verdict == "block"  # a gateway behind a gateway behind one
    # each envelope was read two ways, so every level doubled the work (seconds at 7 levels)
    with pytest.raises(ApiError):
        classify(400, _wrapped(json.dumps({"error": {"message": "x" * 16000}}), 12))


@pytest.mark.parametrize("status", [600, 999, 10**9, 2**63])
def test_a_number_past_every_http_status_is_no_verdict(status: int) -> None:
    body = {"error": {"code": "content_policy_violation", "message": "rejected by the safety system"}}
    with pytest.raises(ApiError) as info:
        classify(status, body, kind="images.generate")
    assert info.value.kind == "unreadable"


@pytest.mark.parametrize("finish", ["CONTENT_FILTER", " content_filter ", "Content_Filter\n"])
def test_a_finish_reason_in_another_case_or_with_spaces_says_the_same(finish: str) -> None:
    body = {"choices": [{"message": {"content": "Here is the story"}, "finish_reason": finish}]}
    assert classify(200, body, kind="chat").verdict == "block"


def test_a_providers_message_is_kept_to_its_words_never_megabytes() -> None:
    """A relay may answer with a page of megabytes: the verdict or non-verdict keeps its start and
    its length (the terminal, the junit XML and the report copy the message)."""
    from pytest_imgsafe.providers.verdict import MESSAGE_CHARS

    huge = "x" * 300_000
    with pytest.raises(ApiError) as info:
        classify(400, {"error": {"message": huge}})
    assert len(info.value.message) < MESSAGE_CHARS + 40 and info.value.message.endswith("(300,000 characters)")
    assert len(str(info.value)) < MESSAGE_CHARS + 100
    outcome = classify(
        400, {"error": {"message": "Rejected by the safety system. " + huge, "code": "moderation_blocked"}}
    )
    assert outcome.verdict == "block" and len(outcome.message or "") < MESSAGE_CHARS + 40


@pytest.mark.parametrize(
    "value",
    [
        "<imgsafe:sha256=zz;bytes=-1>",
        "<imgsafe:sha256=" + "a" * 64 + ";bytes=0>",
        "<imgsafe:image>",
        "<imgsafe:sha256=",
    ],
)
def test_a_damaged_marker_of_stripped_image_bytes_is_no_image(value: str) -> None:
    """A recording keeps ``<imgsafe:sha256=<64 hex>;bytes=<n>>`` for image bytes; anything else in
    that form (a bad hash, no bytes) is no image, never a documentation placeholder's pass."""
    for kind, body in (
        ("images.generate", {"data": [{"b64_json": value}]}),
        (
            "chat-image",
            {
                "choices": [
                    {
                        "finish_reason": "stop",
                        "message": {"images": [{"image_url": {"url": f"data:image/png;base64,{value}"}}]},
                    }
                ]
            },
        ),
    ):
        with pytest.raises(ApiError):
            classify(200, body, kind=kind)
    good = "<imgsafe:sha256=" + "a" * 64 + ";bytes=12>"
    assert classify(200, {"data": [{"b64_json": good}]}, kind="images.generate").verdict == "pass"
