"""Four principles of the general reading, each on answers made up for the class they stand for
(not the cited answers that showed them missing):

- an error's own code names a policy in whatever casing the provider spells it, and gives the
  stage by its own words before the message does;
- the safety settings a content *violated* are the measure of a verdict, not a settings error;
- the answer's field names name its filter before its words do;
- a text answer read for no kind passes only on its filter's own word that it judged the
  finished text and acted on nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_imgsafe import classify
from pytest_imgsafe.providers.vocabulary import says_blocked, tokens
from tests.unit.providers.reading import no_verdict

SOME = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def spelled(words: list[str], style: str) -> str:
    """One code in one provider's casing."""
    if style == "camel":
        return "".join(w.capitalize() for w in words)
    if style == "upper":
        return "_".join(w.upper() for w in words)
    if style == "kebab":
        return "-".join(w.lower() for w in words)
    return "_".join(w.lower() for w in words)


# --- an error's own code, in any casing ------------------------------------------------------

STAGE_WORDS = {"Output": "output", "Generated": "output", "Input": "input", "Prompt": "input"}
POLICY_WORDS = ["Sensitive", "Unsafe", "Nsfw", "Prohibited", "Moderation", "Harmful"]
NEUTRAL = "The call could not be completed."  # names no safety, no stage, nothing else


def test_a_code_is_read_by_its_words_in_any_casing() -> None:
    assert tokens("GeneratedVideoHarmfulContentFound") >= {"GENERATED", "VIDEO", "HARMFUL", "CONTENT", "FOUND"}
    assert tokens("image_content_policy") == {"IMAGE", "CONTENT", "POLICY"}


@SOME
@given(
    stage_word=st.sampled_from(sorted(STAGE_WORDS)),
    policy=st.sampled_from(POLICY_WORDS),
    tail=st.sampled_from(["Content", "Detected", "Blocked", "Violation"]),
    style=st.sampled_from(["camel", "upper", "kebab", "snake"]),
    streamed=st.booleans(),
)
def test_an_error_code_that_names_a_policy_blocks_at_the_stage_it_names(
    stage_word: str, policy: str, tail: str, style: str, streamed: bool
) -> None:
    code = spelled([stage_word, "Picture", policy, tail], style)
    error = {"code": code, "message": NEUTRAL}
    if streamed:  # one event of a batch stream that failed, at 200
        status, body = 200, f"data: {json.dumps({'type': 'picture.batch_failed', 'error': error})}\n\n"
    else:
        status, body = 422, json.dumps({"error": error})
    outcome = classify(status, body)
    assert (outcome.verdict, outcome.stage, outcome.code) == ("block", STAGE_WORDS[stage_word], code)
    assert outcome.read_by == "general"


def test_a_code_without_a_stage_takes_the_stage_of_its_wording() -> None:
    said = {"error": {"code": "UnsafeContentRejected", "message": "Please change the prompt and retry."}}
    assert classify(400, said).label == "block:input"
    drawn = {"error": {"code": "UnsafeContentRejected", "message": "The generated picture was withheld."}}
    assert classify(400, drawn).label == "block:output"
    assert classify(400, {"error": {"code": "UnsafeContentRejected", "message": NEUTRAL}}).label == "block"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("InvalidPictureSize", "invalid_request"),  # names no policy
        ("SensitiveContentSettingsInvalid", "invalid_request"),  # the request's settings, not its content
        ("42", "invalid_request"),
        ("ModerationServiceUnavailable", "server_error"),  # the filter did not run: the provider's side
        ("SafetyCheckTimeout", "server_error"),
    ],
)
def test_a_code_that_names_no_verdict_stays_a_non_verdict(code: str, kind: str) -> None:
    assert no_verdict(400, {"error": {"code": code, "message": NEUTRAL}}).kind == kind


def test_a_policy_code_beside_words_of_another_answer_stays_a_non_verdict() -> None:
    limited = {"error": {"code": "OutputPictureUnsafe", "message": "Rate limit reached, try again later."}}
    assert no_verdict(400, limited).kind in ("invalid_request", "rate_limited")


# --- the settings a content violated ---------------------------------------------------------


def gemini_stopped(reason: str, message: str) -> dict[str, Any]:
    return {"candidates": [{"index": 0, "finishReason": reason, "finishMessage": message}]}


@pytest.mark.parametrize(
    "message",
    [
        "The answer breaks the configured safety settings (Dangerous Content).",
        "Generation was stopped due to your project's safety settings.",
        "This candidate goes against the safety settings of the deployment.",
    ],
)
def test_safety_settings_that_were_violated_measure_a_verdict(message: str) -> None:
    assert says_blocked(message)
    outcome = classify(200, gemini_stopped("CONTENT_GUARD", message), kind="gemini")
    assert (outcome.label, outcome.read_by, outcome.filter) == ("block:output", "general", "gemini")


@pytest.mark.parametrize(
    "message",
    [
        "Invalid safety settings: a threshold was blocked for this model.",
        "safety_settings must be a list; the request was rejected.",
        "The request violated nothing, but safety settings are not supported for this model.",
    ],
)
def test_safety_settings_the_request_got_wrong_are_no_verdict(message: str) -> None:
    assert not says_blocked(message)
    body = {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}
    assert no_verdict(400, body, "gemini").kind == "invalid_request"


# --- the fields name the filter before the words ---------------------------------------------


def test_the_answers_fields_name_its_filter_before_its_words() -> None:
    # Gemini's own fields, in words Imagen uses too: Gemini's filter, without asking the kind
    worded = gemini_stopped("ARMOR_GATE", "The response violated Responsible AI practices.")
    outcome = classify(200, worded)
    assert (outcome.label, outcome.filter) == ("block:output", "gemini")
    # the same words with no field of anyone's: the words decide
    plain = {"error": {"message": "The prompt violated Google's Responsible AI practices."}}
    assert classify(400, plain).filter == "imagen"


# --- a text answer on its filter's own word --------------------------------------------------

CLEAN = {"filtered": False, "severity": "safe"}


def annotated_chat(
    results: dict[str, Any] | None = None, *, finish: str | None = "stop", moderation: Any = None
) -> dict[str, Any]:
    choice: dict[str, Any] = {
        "index": 0,
        "finish_reason": finish,
        "message": {"role": "assistant", "content": "A lighthouse at dusk."},
    }
    if results is not None:
        choice["content_filter_results"] = results
    body: dict[str, Any] = {"id": "chatcmpl-x", "object": "chat.completion", "model": "m", "choices": [choice]}
    if moderation is not None:
        body["moderation"] = moderation
    return body


def test_a_text_answer_its_filter_judged_clean_passes_when_no_kind_asks() -> None:
    outcome = classify(200, annotated_chat({"violence": CLEAN, "hate": {"filtered": False, "severity": "low"}}))
    assert (outcome.verdict, outcome.filter, outcome.categories) == ("pass", "azure", ("hate:low",))
    output_clean = {"output": {"flagged": False, "categories": {}}}
    assert classify(200, annotated_chat(moderation=output_clean)).verdict == "pass"


def test_a_result_that_says_nothing_of_filtering_changes_no_judgement() -> None:
    # a field added to the results (a newer category's status, a vendor's note) is no verdict of
    # its own: the categories that say whether they filtered judge the text
    results = {"violence": CLEAN, "hate": CLEAN, "x_review": {"note": 1}, "ungrounded": {"details": []}}
    assert classify(200, annotated_chat(results)).verdict == "pass"
    assert no_verdict(200, annotated_chat({"x_review": {"note": 1}})).kind == "unreadable"  # nothing judged


@pytest.mark.parametrize(
    "body",
    [
        annotated_chat(),  # no judgement at all
        annotated_chat({"violence": CLEAN, "error": {"code": "x", "message": "The contents are not filtered"}}),
        annotated_chat({"violence": CLEAN}, finish=None),  # a chunk: nothing judged whole
        annotated_chat({"violence": {"filtered": "false"}}),  # not a boolean: no word at all
        annotated_chat({}),
        annotated_chat(moderation={"output": {"type": "error", "message": "moderation failed"}}),
        annotated_chat(moderation={"input": {"flagged": False}}),  # the prompt judged, not the text
    ],
)
def test_a_text_answer_without_its_filters_word_stays_no_verdict(body: dict[str, Any]) -> None:
    assert no_verdict(200, body).kind == "unreadable"


def test_a_judged_text_is_still_no_pass_for_a_kind_that_needs_an_image() -> None:
    body = annotated_chat({"violence": CLEAN})
    assert no_verdict(200, body, "chat-image").kind == "unreadable"
    assert classify(200, body, kind="chat").verdict == "pass"


def test_a_judged_text_cut_short_in_a_stream_is_never_a_pass() -> None:
    head = {"id": "c", "choices": [{"index": 0, "delta": {"content": "A light"}, "finish_reason": None}]}
    tail = {
        "id": "c",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop", "content_filter_results": {"hate": CLEAN}}],
    }
    whole = "".join(f"data: {json.dumps(e)}\n\n" for e in (head, tail)) + "data: [DONE]\n\n"
    assert classify(200, whole).verdict == "pass"
    cut = f"data: {json.dumps(head)}\n\n"
    assert no_verdict(200, cut).kind == "unreadable"


def test_a_lone_annotation_chunk_of_an_asynchronous_filter_is_no_verdict() -> None:
    chunk = {
        "choices": [
            {
                "index": 0,
                "finish_reason": None,
                "content_filter_results": {"hate": CLEAN, "violence": CLEAN},
                "content_filter_offsets": {"check_offset": 10, "start_offset": 10, "end_offset": 90},
            }
        ]
    }
    assert no_verdict(200, f"data: {json.dumps(chunk)}\n\n").kind == "unreadable"
    assert no_verdict(200, chunk).kind == "unreadable"
