"""Round 7's principles, on answers of our own:

- "this query" names the request: a refusal worded so is of the input;
- a quota exceeded is read by its longest window: a day's or a month's among those exceeded is
  ``quota`` (waiting a minute does not help), even beside a per-minute one and a retry delay;
- access to a model withheld from the account is ``auth``, whatever status a relay gives it;
- a text kind (the describer's ``chat``) passes on text, except the model's own refusal.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_imgsafe import classify
from tests.unit.providers.reading import no_verdict


def test_a_refusal_of_this_query_is_of_the_input() -> None:
    text = "This query breaks the content policy on graphic violence, so it was blocked."
    assert classify(400, {"error": {"message": text}}, kind="images.generate").label == "block:input"


def _google_quota(*quota_ids: str, retry: bool = True) -> dict[str, Any]:
    details: list[dict[str, Any]] = [
        {
            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
            "violations": [{"quotaId": q, "quotaMetric": "requests"} for q in quota_ids],
        }
    ]
    if retry:
        details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "31s"})
    message = "You exceeded your current quota. Please wait or change your plan."
    return {"error": {"code": 429, "message": message, "status": "RESOURCE_EXHAUSTED", "details": details}}


def test_a_minute_window_alone_is_a_rate_limit() -> None:
    assert no_verdict(429, _google_quota("RequestsPerMinutePerProject"), "gemini").kind == "rate_limited"


@pytest.mark.parametrize(
    "quota_ids",
    [("RequestsPerMinutePerProject", "RequestsPerDayPerProject"), ("ImagesPerMonthPerAccount",)],
)
def test_a_day_or_month_window_among_those_exceeded_is_quota(quota_ids: tuple[str, ...]) -> None:
    assert no_verdict(429, _google_quota(*quota_ids), "gemini").kind == "quota"


def test_a_daily_limit_in_words_is_quota() -> None:
    body = {"error": {"message": "Quota exceeded: daily image limit reached, retry after midnight."}}
    assert no_verdict(429, body, "images.generate").kind == "quota"


@pytest.mark.parametrize("status", [403, 500, 503])
def test_access_to_a_model_withheld_is_auth(status: int) -> None:
    message = "Access to painter-xl is currently restricted. Contact support for access."
    body = {"error": "Server Error", "message": message}
    assert no_verdict(status, body, "images.generate").kind == "auth"


def test_a_server_error_that_withholds_nothing_stays_a_server_error() -> None:
    body = {"error": "Server Error", "message": "The painter-xl workers are busy; the job could not start."}
    assert no_verdict(500, body, "images.generate").kind == "server_error"


def _chat(content: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": content}
    return {"object": "chat.completion", "choices": [{"index": 0, "finish_reason": "stop", "message": message}]}


def test_the_text_kind_blocks_on_the_models_own_refusal_and_passes_on_a_description() -> None:
    refused = classify(200, _chat("Sorry, I can't help with that: it asks for explicit content."), kind="chat")
    assert (refused.label, refused.code, refused.read_by) == ("block:input", "refusal", "general")
    described = classify(200, _chat("A red fox asleep in the snow under pine trees."), kind="chat")
    assert described.verdict == "pass"


def test_access_withheld_for_a_safety_reason_stays_a_verdict() -> None:
    message = "Access to painter-xl is restricted for this request: the prompt was blocked by our content policy."
    assert classify(400, {"error": {"message": message}}, kind="images.generate").label == "block:input"
