"""Principles for answers of providers other than OpenAI, Azure and Google, on wording of our own:

- a 403 that names no key, permission code or suspension, whose message says this request's
  content was refused, is a block (some providers answer their content moderation so); one that
  blocks a whole account, key or team stays ``auth``;
- a risk the content carries ("the input carries high risk") is a safety refusal; a risk said of
  an account is not;
- access to the content limited for safety's sake is a refusal; a key named by its id only says
  who called;
- FastAPI's validation errors (``{loc, msg, type}``), in ``detail`` or alone: ``type`` is the code;
- a finish reason that says a filter stopped what was generating, one per image too;
- an error's ``type`` names it where its ``code`` is only a status number;
- a conversation answered as its messages: the assistant's last message is the answer;
- a model of another maker (Llama, DeepSeek, Claude, ...) named in the answer: filter ``relay``;
- an image task polled to its end, answered as its status and results;
- reasons a moderation gave, listed, say it acted.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_imgsafe import ApiError, classify
from tests.unit.providers.reading import no_verdict

# --- a 403 of the content ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"errors": ["This request was flagged by the content moderation and refused."], "name": "moderated"},
        {"code": "You are not allowed to do this", "error": "The prompt violates the usage policy (check: safety)"},
        {"error": {"message": "Your request was blocked by our safety filter."}},
    ],
)
def test_a_403_saying_the_content_was_refused_is_a_block(body: dict[str, Any]) -> None:
    outcome = classify(403, body, kind="images.generate")
    assert outcome.verdict == "block" and outcome.read_by == "general"


@pytest.mark.parametrize(
    "body",
    [
        {"error": {"message": "Your organization has been blocked for repeated usage policy violations."}},
        {"error": {"message": "This API key was disabled after content policy violations."}},
        {"error": {"message": "The team is suspended: safety policy violations."}},
        {"error": {"message": "Blocked by the safety filter", "code": "invalid_api_key"}},  # a code of its own
        {"error": {"message": "You do not have access to this model."}},
        "Forbidden",
    ],
)
def test_a_403_of_a_whole_account_a_key_or_no_words_stays_auth(body: Any) -> None:
    assert no_verdict(403, body, "images.generate").kind == "auth"


def test_a_401_is_always_the_key() -> None:
    assert no_verdict(401, {"error": {"message": "Your request was blocked by our safety filter."}}).kind == "auth"


# --- risk, limited access, a key's id ------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "Input Exists Risk",
        "The request was rejected because its content was considered high risk",
        "The prompt text poses a risk and was not processed",
        "Access to this content is limited for safety reasons; we have restricted access to this topic",
    ],
)
def test_risk_and_limited_access_worded_of_the_content_are_blocks(message: str) -> None:
    outcome = classify(400, {"error": {"message": message, "type": "invalid_request_error"}}, kind="chat")
    assert outcome.verdict == "block"


@pytest.mark.parametrize(
    "message",
    [
        "Your account is at risk of suspension: update your billing details",
        "Rate limit exceeded: high risk of throttling, retry in 20s",
        "Invalid API key provided",
    ],
)
def test_risk_said_of_an_account_or_a_limit_is_no_verdict(message: str) -> None:
    assert no_verdict(400, {"error": {"message": message}}, "chat").kind != "unreadable"


def test_a_key_named_by_its_id_only_says_who_called() -> None:
    body = {"error": "The prompt violates the usage guidelines. Caller: team-1, API key ID: k-2, check failed"}
    assert classify(400, body, kind="chat").verdict == "block"
    assert no_verdict(400, {"error": "The API key is invalid; blocked by the safety filter"}, "chat")


# --- FastAPI's validation errors -----------------------------------------------------------------

_FLAGGED = {"loc": ["body", "prompt"], "msg": "The prompt was flagged.", "type": "content_policy_violation"}
_MISSING = {"loc": ["body", "size"], "msg": "field required", "type": "value_error.missing"}


@pytest.mark.parametrize("body", [[_FLAGGED], [_MISSING, _FLAGGED], {"detail": [_MISSING, _FLAGGED]}])
def test_a_validation_error_whose_type_is_a_block_code_is_a_block(body: Any) -> None:
    outcome = classify(422, body, kind="images.generate")
    assert (outcome.verdict, outcome.code) == ("block", "content_policy_violation")


@pytest.mark.parametrize("body", [[_MISSING], {"detail": [_MISSING]}])
def test_ordinary_validation_errors_are_a_bad_request_never_a_stream(body: Any) -> None:
    assert no_verdict(422, body, "images.generate").kind == "invalid_request"
    assert no_verdict(200, body, "chat").kind in ("invalid_request", "unreadable")


# --- finish reasons, types --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reasons", "stage"),
    [(["Filtered by: prompt"], "input"), (["CONTENT_FILTERED"], "output"), ([None, "OUTPUT_FILTERED"], "output")],
)
def test_a_finish_reason_that_says_a_filter_stopped_generating_is_a_block(reasons: list[Any], stage: str) -> None:
    outcome = classify(200, {"finish_reasons": reasons}, kind="images.generate")
    assert outcome.label == f"block:{stage}"


@pytest.mark.parametrize("reasons", [["SUCCESS"], ["FILTER_FAILED"], [None], []])
def test_a_finish_reason_naming_no_filter_acting_is_no_verdict(reasons: list[Any]) -> None:
    assert no_verdict(200, {"finish_reasons": reasons}, "images.generate").kind == "unreadable"


def test_an_errors_type_names_it_where_its_code_is_a_status_number() -> None:
    body = {"error": {"code": 400, "message": "Rejected.", "param": "prompt", "type": "content_filter"}}
    assert classify(400, body, kind="chat").label == "block:input"
    own_code = {"error": {"code": "bad_size", "message": "Size is invalid.", "type": "content_filter"}}
    assert no_verdict(400, own_code, "chat").kind == "invalid_request"


# --- a conversation answered as its messages --------------------------------------------------------


def _conversation(*said: tuple[str, str]) -> dict[str, Any]:
    return {"messages": [{"role": role, "content": text} for role, text in said]}


def test_the_assistants_last_message_is_a_text_answer() -> None:
    answer = _conversation(("user", "Describe a harbour"), ("assistant", "Boats rest in a quiet harbour."))
    assert classify(200, answer, kind="chat").verdict == "pass"
    assert no_verdict(200, answer, "images.generate").kind == "unreadable"  # no image


def test_the_assistant_declining_in_the_formula_is_a_refusal() -> None:
    answer = _conversation(("assistant", "Sorry, I can't respond to that."))
    assert classify(200, answer, kind="chat").label == "block:input"


def test_an_assistants_turn_an_error_echoes_is_no_refusal() -> None:
    echoed = {
        "error": {
            "message": "context length exceeded",
            "request": _conversation(("assistant", "I can't respond to that.")),
        }
    }
    assert no_verdict(400, echoed, "chat").kind == "invalid_request"


def test_a_conversation_that_ends_with_the_user_is_no_answer() -> None:
    assert no_verdict(200, _conversation(("assistant", "Hi"), ("user", "Draw a cat")), "chat").kind == "unreadable"


# --- another maker's model ----------------------------------------------------------------------------


def _chat(model: str, content: str = "A quiet harbour at dawn.") -> dict[str, Any]:
    choice = {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
    return {"id": "c1", "object": "chat.completion", "model": model, "choices": [choice]}


@pytest.mark.parametrize(
    "model", ["meta-llama/Llama-3.3-70B-Instruct-Turbo", "deepseek-chat", "claude-sonnet-4", "mistral-large", "glm-4"]
)
def test_an_answer_of_another_makers_model_names_the_relay(model: str) -> None:
    assert classify(200, _chat(model), kind="chat").filter == "relay"
    images = {"model": model, "data": [{"url": "https://img.example/1.png"}]}
    assert classify(200, images, kind="images.generate").filter == "relay"
    refused = {"model": model, "error": {"message": "The prompt was blocked by the content filter."}}
    assert classify(400, refused, kind="chat").filter == "relay"


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-image-1", "gemini-2.5-flash", "my-deployment"])
def test_an_answer_of_a_known_filters_model_or_an_unknown_one_keeps_its_reading(model: str) -> None:
    assert classify(200, _chat(model), kind="chat").filter in ("openai", "gemini")


def test_a_makers_name_in_the_text_is_no_model() -> None:
    answer = _chat("gpt-4o", "We put together a llama and a flux capacitor.")
    assert classify(200, answer, kind="chat").filter == "openai"


# --- a finished image task ------------------------------------------------------------------------


def _task(status: str, results: list[Any]) -> dict[str, Any]:
    return {"request_id": "r1", "output": {"task_id": "t1", "task_status": status, "results": results}}


def test_an_image_task_ended_with_images_is_a_pass() -> None:
    task = _task("SUCCEEDED", [{"url": "https://img.example/a.png"}])
    assert classify(200, task, kind="images.generate").verdict == "pass"


@pytest.mark.parametrize(
    "task",
    [
        _task("RUNNING", [{"url": "https://img.example/a.png"}]),
        _task("SUCCEEDED", []),
        _task("SUCCEEDED", [{"url": ""}, {"code": "DataInspectionFailed"}]),
    ],
)
def test_a_task_running_or_ended_without_an_image_is_no_pass(task: dict[str, Any]) -> None:
    assert no_verdict(200, task, "images.generate").kind == "unreadable"


# --- reasons a moderation gave ----------------------------------------------------------------------


def test_reasons_a_moderation_gave_say_it_acted() -> None:
    body = {"error": {"status": 422, "type": "validation_error", "message": "moderation reasons: [content checker]"}}
    assert classify(422, body, kind="images.generate").verdict == "block"
    setting = {"error": {"message": "moderation_reasons must be a list", "type": "validation_error"}}
    assert no_verdict(422, setting, "images.generate").kind == "invalid_request"


# --- reasons listed, "is sensitive", a task's failure fields --------------------------------------


@pytest.mark.parametrize(
    "details", [{"Moderation Reasons": ["Likeness Filter"]}, {"blockReasons": ["SAFETY", "Other words"]}]
)
def test_a_filters_reasons_listed_under_a_key_that_says_so_are_a_block(details: dict[str, Any]) -> None:
    body = {"error": {"status": 422, "message": "Unprocessable Entity", "details": details}}
    assert classify(422, body, kind="images.edit").verdict == "block"


@pytest.mark.parametrize(
    "details", [{"moderation_reasons": []}, {"moderation_reasons": ["none"]}, {"reasons": ["Likeness Filter"]}]
)
def test_no_reason_or_a_key_naming_no_filter_is_no_verdict(details: dict[str, Any]) -> None:
    body = {"error": {"status": 422, "message": "Unprocessable Entity", "details": details}}
    assert no_verdict(422, body, "images.edit").kind == "invalid_request"


def test_what_was_sent_judged_sensitive_is_a_block() -> None:
    assert classify(400, {"error": {"message": "The input is sensitive."}}).label == "block:input"
    assert no_verdict(400, {"error": {"message": "The name field is case-sensitive."}}).kind == "invalid_request"


def test_a_tasks_failure_message_and_code_under_their_own_names() -> None:
    failed = {
        "data": {"state": "failed", "failCode": "POLICY_BLOCK", "failMsg": "The prompt violates the usage policy"}
    }
    outcome = classify(200, failed, kind="images.generate")
    assert (outcome.label, outcome.code) == ("block:input", "POLICY_BLOCK")
    timed_out = {"data": {"state": "failed", "failCode": "TIMEOUT", "failMsg": "The job timed out"}}
    assert no_verdict(200, timed_out, "images.generate").kind == "unreadable"


# --- a guard model asked to moderate; the formula with an offer of other help ----------------------


@pytest.mark.parametrize(("said", "label", "codes"), [("unsafe\nS1", "block:input", ("S1",)), ("safe", "pass", ())])
def test_a_guard_models_verdict_is_the_moderation(said: str, label: str, codes: tuple[str, ...]) -> None:
    answer = _chat("llama-guard3:8b", said)
    outcome = classify(200, answer, kind="moderation")
    assert (outcome.label, outcome.categories, outcome.filter) == (label, codes, "relay")
    assert classify(200, answer, kind="chat").label == "pass"  # asked as a chat model, it answered


@pytest.mark.parametrize("said", ["The image looks unsafe to me.", "safe and sound", "unsafe\nviolence"])
def test_other_text_asked_as_a_moderation_is_no_verdict(said: str) -> None:
    assert no_verdict(200, _chat("llama-guard3:8b", said), "moderation").kind == "unreadable"


@pytest.mark.parametrize(
    "said",
    [
        "I can't help with that. Is there anything else I can do for you?",
        '{"answer": "I cannot assist with this request. Let me know if you need help with something else."}',
    ],
)
def test_the_formula_followed_by_an_offer_of_other_help_is_a_refusal(said: str) -> None:
    assert classify(200, _chat("meta-llama/Llama-4-Scout", said), kind="chat").label == "block:input"


def test_the_formula_followed_by_an_answer_is_no_refusal() -> None:
    said = "I can't help with that. Here is how to bake bread instead: mix flour and water."
    assert classify(200, _chat("gpt-4o", said), kind="chat").label == "pass"


@pytest.mark.parametrize("status", [200, 400, 403, 422, 451, 500])
@pytest.mark.parametrize(
    "message",
    [
        "Your account was blocked for repeated content policy violations.",
        "This organization has been banned for generating unsafe content.",
        "The team has been disabled for violating the content policy.",
        "Your subscription was cancelled because of repeated moderation flags.",
    ],
)
def test_a_whole_account_blocked_is_never_a_verdict_at_any_status(status: int, message: str) -> None:
    for body in ({"error": {"message": message}}, {"detail": message}, message):
        with pytest.raises(ApiError):
            classify(status, body)


def test_a_prompt_of_a_user_blocked_is_still_this_requests_verdict() -> None:
    assert classify(400, {"error": {"message": "The user's prompt was blocked by the safety system."}}).verdict == (
        "block"
    )


def test_a_guard_saying_safe_beside_categories_is_no_verdict() -> None:
    assert no_verdict(200, _chat("llama-guard3:8b", "safe\nS1"), "moderation").kind == "unreadable"


@pytest.mark.parametrize(
    "message",
    [
        "Your key has been blocked because of content policy violations.",
        "The user has been blocked for content policy violations.",
        "Account under review for safety violations; access restricted.",
    ],
)
def test_an_account_said_blocked_without_a_determiner_is_still_the_account(message: str) -> None:
    for status in (400, 403, 500):
        assert no_verdict(status, {"error": {"message": message}}).kind in ("auth", "invalid_request", "server_error")


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (502, "Access blocked by safety policy of your network administrator."),  # a proxy's page
        (500, {"error": {"message": "Harmful retry loop detected: slow down."}}),
        (403, "Content-Security-Policy violation."),
        (400, {"error": {"message": "Moderation queue is full; request blocked temporarily."}}),
        (400, {"error": {"code": "RequestDisallowedByPolicy", "message": "Access denied by IAM policy."}}),
    ],
)
def test_safety_words_in_another_sense_are_no_verdict(status: int, body: Any) -> None:
    no_verdict(status, body, "images.generate")


@pytest.mark.parametrize("reason", ["x", " ", "0", -1, 99, 1.5])
def test_a_block_reason_that_is_no_enum_name_is_no_reason(reason: Any) -> None:
    assert no_verdict(200, {"promptFeedback": {"blockReason": reason}}, "gemini").kind == "unreadable"
    assert no_verdict(200, {"predictions": [{"raiFilteredReason": reason}]}, "imagen").kind == "unreadable"
    assert (
        classify(200, {"promptFeedback": {"blockReason": "A_REASON_NEVER_SEEN"}}, kind="gemini").label == "block:input"
    )


def test_the_formula_followed_by_gladness_to_help_otherwise_is_the_formula() -> None:
    said = "I can't help with that. But I'm happy to help with other questions!"
    assert classify(200, _chat("gpt-4o", said), kind="chat").label == "block:input"
