"""Round 8's principles, on answers of our own:

- an analysis service's older API versions say the same under other names: Content Safety's 2023
  previews (a ``<category>Result`` per category, its level as ``severity`` or ``riskLevel``,
  ``blocklistsMatchResults``) and a list of detections (``value: [{category, detected}]``);
- a jailbreak is an attack written into the input;
- a filter that says it acted on what was generated blocks the output, even when the text was
  already streamed (Azure's asynchronous filter annotates a stretch of text after sending it);
- a message that lists its ``safety_violations=[...]`` is the moderation that sends the same
  words at both stages: only wording that names what was judged gives a stage;
- Gemini's ``promptFeedback`` without a ``blockReason`` is a block only where its message says so.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_imgsafe import ApiError, classify


def _preview(level_name: str = "severity", **levels: int) -> dict[str, Any]:
    answer: dict[str, Any] = {"blocklistsMatchResults": []}
    for category, level in levels.items():
        answer[f"{category[0].lower()}{category[1:]}Result"] = {"category": category, level_name: level}
    return answer


@pytest.mark.parametrize("level_name", ["severity", "riskLevel"])
def test_a_preview_analysis_under_its_threshold_passes(level_name: str) -> None:
    outcome = classify(200, _preview(level_name, Hate=2, Violence=0), kind="content-safety")
    assert outcome.label == "pass"


@pytest.mark.parametrize("level_name", ["severity", "riskLevel"])
def test_a_preview_analysis_at_its_threshold_blocks_the_input(level_name: str) -> None:
    outcome = classify(200, _preview(level_name, Hate=0, Sexual=6), kind="content-safety")
    assert outcome.label == "block:input"
    assert outcome.categories == ("Sexual:6",)


def test_a_preview_blocklist_match_blocks_whatever_the_levels() -> None:
    answer = _preview(Hate=0)
    answer["blocklistsMatchResults"] = [{"blocklistName": "OurList", "blockItemId": "1", "blockItemText": "w*rd"}]
    outcome = classify(200, answer, kind="content-safety")
    assert outcome.label == "block:input"
    assert "blocklist:OurList" in outcome.categories


def test_a_preview_analysis_takes_the_targets_thresholds() -> None:
    from pytest_imgsafe.providers.outcome import read_answer

    outcome = read_answer(200, _preview(Hate=2), reads="content-safety", thresholds={"Hate": 2})
    assert outcome.verdict == "block"


def test_a_preview_row_without_a_whole_level_is_no_verdict() -> None:
    with pytest.raises(ApiError) as info:
        classify(200, {"hateResult": {"category": "Hate", "severity": "high"}}, kind="content-safety")
    assert info.value.kind == "unreadable"


def _detections(**found: Any) -> dict[str, Any]:
    return {"value": [{"category": name, "detected": hit, "score": 0.5} for name, hit in found.items()]}


def test_a_detection_in_a_list_of_detections_blocks_the_input() -> None:
    outcome = classify(200, _detections(Violence=True, Sexual=False), kind="content-safety")
    assert outcome.label == "block:input"
    assert outcome.categories == ("Violence:detected",)


def test_a_list_of_detections_that_found_nothing_passes() -> None:
    assert classify(200, _detections(Violence=False, Sexual=False), kind="content-safety").label == "pass"


def test_a_detection_that_is_no_boolean_is_no_verdict() -> None:
    with pytest.raises(ApiError):
        classify(200, _detections(Violence="yes"), kind="content-safety")


def test_a_jailbreak_detected_is_of_the_input() -> None:
    assert classify(200, {"jailbreakAnalysis": {"detected": True}}, kind="content-safety").label == "block:input"


def _chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> str:
    choice: dict[str, Any] = {"index": 0, "finish_reason": finish, **extra}
    if delta is not None:
        choice["delta"] = delta
    return "data: " + json.dumps({"object": "chat.completion.chunk", "choices": [choice]}) + "\n\n"


def _late_filtered_stream(*annotations: dict[str, Any]) -> bytes:
    offsets = {"check_offset": 0, "start_offset": 0, "end_offset": 40}
    events = [_chunk({"content": "A quiet harbour "}), _chunk({"content": "at dawn."}), _chunk({}, "stop")]
    events += [_chunk(content_filter_offsets=offsets, content_filter_results=a) for a in annotations]
    return ("".join(events) + "data: [DONE]\n\n").encode()


_SAFE = {"hate": {"filtered": False, "severity": "safe"}, "violence": {"filtered": False, "severity": "safe"}}
_HEADERS = {"content-type": "text/event-stream"}


def test_a_filter_acting_after_the_text_was_streamed_blocks_the_output() -> None:
    acted = {**_SAFE, "violence": {"filtered": True, "severity": "medium"}}
    outcome = classify(200, _late_filtered_stream(acted), _HEADERS, kind="chat")
    assert outcome.label == "block:output"
    assert outcome.categories == ("violence",)


def test_a_later_annotation_of_other_filters_does_not_undo_an_earlier_action() -> None:
    blocklist = {"custom_blocklists": {"filtered": True, "details": [{"filtered": True, "id": "OurList"}]}}
    later = {"protected_material_text": {"filtered": False, "detected": False}}
    outcome = classify(200, _late_filtered_stream({**_SAFE, **blocklist}, later), _HEADERS, kind="chat")
    assert outcome.label == "block:output"
    assert outcome.categories == ("OurList",)


def test_late_annotations_that_acted_on_nothing_leave_the_text_a_pass() -> None:
    later = {"protected_material_text": {"filtered": False, "detected": False}}
    assert classify(200, _late_filtered_stream(_SAFE, later), _HEADERS, kind="chat").label == "pass"


_LISTED = "Your request was rejected by our moderation. safety_violations=[violence]."


def test_a_message_listing_its_violations_names_no_stage_by_request_wording() -> None:
    outcome = classify(400, _LISTED, {"content-type": "text/plain"}, kind="images.generate")
    assert (outcome.verdict, outcome.stage) == ("block", None)
    assert outcome.categories == ("violence",)


def test_a_message_listing_its_violations_takes_the_stage_it_names() -> None:
    text = "The generated image was rejected by our moderation. safety_violations=[violence]."
    outcome = classify(400, text, {"content-type": "text/plain"}, kind="images.generate")
    assert outcome.label == "block:output"


def _feedback_only(message: str) -> dict[str, Any]:
    return {"candidates": [], "promptFeedback": {"blockReasonMessage": message}}


def test_prompt_feedback_without_a_reason_and_with_a_message_that_says_nothing_is_no_verdict() -> None:
    with pytest.raises(ApiError) as info:
        classify(200, _feedback_only("Message"), kind="gemini")
    assert info.value.kind == "unreadable"


def test_prompt_feedback_without_a_reason_whose_message_says_blocked_for_safety_is_a_block() -> None:
    outcome = classify(
        200, _feedback_only("The prompt was blocked because it violates our safety policy."), kind="gemini"
    )
    assert outcome.label == "block:input"


def test_the_earliest_previews_is_hitted_is_a_detection() -> None:
    rows = [{"category": "SelfHarm", "isHitted": True, "score": 0.8}, {"category": "Sexual", "isHitted": False}]
    outcome = classify(200, {"value": rows}, kind="content-safety")
    assert outcome.label == "block:input"
    assert outcome.categories == ("SelfHarm:detected",)
    assert classify(200, {"value": [{**rows[1]}]}, kind="content-safety").label == "pass"


def test_a_comma_after_the_last_member_leaves_the_answer_what_it_is() -> None:
    text = '{"results": [{"flagged": true, "categories": {"violence": true, "hate": false,},},],}'
    outcome = classify(200, text, {"content-type": "application/json"}, kind="moderation")
    assert outcome.label == "block:input"
    assert "violence" in outcome.categories


def test_a_comma_inside_a_string_is_the_strings_own() -> None:
    from pytest_imgsafe.providers.body import printed_json

    assert printed_json('{"message": "blocked, ]", "list": [1, 2,],}') == {"message": "blocked, ]", "list": [1, 2]}
    escaped = '{"message": "a \\"quote\\",}", "list": [1,],}'  # an escaped quote does not end the string
    assert printed_json(escaped) == {"message": 'a "quote",}', "list": [1]}
    hostile = "{" + '"\\' * 20_000  # an unending string of escapes: nothing to take out, in one pass
    assert printed_json(hostile) is None
