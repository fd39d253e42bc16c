"""When a stream has ended: a filter that judges the text after it was streamed may still stop it
past the finish reason, and a field that should be a list never breaks the merge of a stream."""

from __future__ import annotations

import json

import pytest

from pytest_imgsafe import ApiError, classify


def _sse(events: list[object], done: bool) -> str:
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events) + ("data: [DONE]\n\n" if done else "")


SAFE = {category: {"filtered": False, "severity": "safe"} for category in ("hate", "sexual", "violence", "self_harm")}
STREAM = [
    {"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]},
    {"choices": [{"index": 0, "delta": {"content": "A quiet harbour."}, "finish_reason": None}]},
    # the asynchronous filter's verdicts come behind the text, and its last one after the finish reason
    {"choices": [{"index": 0, "content_filter_results": SAFE, "content_filter_offsets": {"check_offset": 0}}]},
    {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    {"choices": [{"index": 0, "content_filter_results": SAFE, "content_filter_offsets": {"check_offset": 16}}]},
]


def test_a_stream_judged_behind_its_text_ends_only_with_done() -> None:
    assert classify(200, _sse(STREAM, done=True), {"content-type": "text/event-stream"}, kind="chat").verdict == "pass"
    cut = _sse(STREAM[:4], done=False)  # after the finish reason, before the filter had its last say
    with pytest.raises(ApiError):
        classify(200, cut, {"content-type": "text/event-stream"}, kind="chat")


def test_a_stream_without_a_filter_behind_it_ends_with_its_finish_reason() -> None:
    plain = _sse([STREAM[0], STREAM[1], STREAM[3]], done=False)
    assert classify(200, plain, {"content-type": "text/event-stream"}, kind="chat").verdict == "pass"


@pytest.mark.parametrize("field", ["choices", "candidates"])
@pytest.mark.parametrize("value", [None, 1, True, "text", {"a": 1}])
def test_a_list_field_of_another_type_in_a_stream_is_no_items(field: str, value: object) -> None:
    body = json.dumps([{field: None}, {field: value}])
    with pytest.raises(ApiError):  # no image, no verdict: never a TypeError, never a pass
        classify(200, body, {}, kind="chat-image")


def test_a_cut_error_that_names_a_suspension_is_never_read_again_as_a_verdict() -> None:
    """A relay's error quoting moderation words around a suspended resource: cut anywhere, it is
    the auth error it says it is, or no reading at all, never a block read from its wording."""
    body = json.dumps(
        {
            "ok": False,
            "error": {
                "message": "Rejected by content moderation: the generated image was flagged. (Upstream: "
                '{"error":{"code":"Forbidden","message":"Your resource has been temporarily blocked '
                'because we detected behavior that may violate our content policy."}})',
                "code": "content_policy_violation",
            },
        }
    )
    for end in range(1, len(body) + 1):
        try:
            outcome = classify(422, body[:end], {}, kind="images.generate")
        except ApiError:
            continue
        raise AssertionError(f"cut at {end} read as {outcome.verdict}:{outcome.stage}")
