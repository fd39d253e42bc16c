"""classify(): every provider shape of the reference notes, table-driven."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_imgsafe import ApiError, Outcome, classify

RID = "76fd2cbc-63ee-4e30-8bea-5fc2a2e1faa3"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII="
"""A 1x1 PNG: an image answer must carry bytes that decode."""


def err(message: str, type_: Any, code: Any, param: Any = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code, **extra}}


AZURE_RESULTS = {
    "hate": {"filtered": False, "severity": "safe"},
    "self_harm": {"filtered": False, "severity": "safe"},
    "sexual": {"filtered": True, "severity": "medium"},
    "violence": {"filtered": False, "severity": "safe"},
    "jailbreak": {"detected": False, "filtered": False},
}

VERDICTS: list[tuple[str, int, Any, dict[str, str] | None, tuple[str, str | None, str | None, tuple[str, ...]]]] = [
    (
        "openai gpt-image input block with moderation_details",
        400,
        err(
            f"Your request was rejected by the safety system. ... request ID {RID}. safety_violations=[sexual].",
            "image_generation_user_error",
            "moderation_blocked",
            moderation_details={"moderation_stage": "input", "categories": ["sexual"]},
        ),
        None,
        ("block", "input", "moderation_blocked", ("sexual",)),
    ),
    (
        "openai gpt-image block without details: categories from the message, no stage (sent at both)",
        400,
        err(
            "Your request was rejected by the safety system. safety_violations=[violence,self-harm].",
            "image_generation_user_error",
            "moderation_blocked",
        ),
        None,
        ("block", None, "moderation_blocked", ("violence", "self-harm")),
    ),
    (
        "openai output stage",
        400,
        err(
            "Generated image was filtered as a result of our safety system.",
            "image_generation_user_error",
            "moderation_blocked",
            moderation_details={"moderation_stage": "output", "categories": []},
        ),
        None,
        ("block", "output", "moderation_blocked", ()),
    ),
    (
        "moderation_stage unknown stays unknown",
        400,
        err(
            "Rejected.",
            "image_generation_user_error",
            "moderation_blocked",
            moderation_details={"moderation_stage": "unknown", "categories": ["x"]},
        ),
        None,
        ("block", None, "moderation_blocked", ("x",)),
    ),
    (
        "dall-e content_policy_violation",
        400,
        err(
            "Your request was rejected as a result of our safety system. "
            "Your prompt may contain text that is not allowed by our safety system.",
            "invalid_request_error",
            "content_policy_violation",
        ),
        None,
        ("block", "input", "content_policy_violation", ()),
    ),
    (
        "dall-e older wording",
        400,
        err(
            "This request has been blocked by our content filters.", "invalid_request_error", "content_policy_violation"
        ),
        None,
        ("block", "input", "content_policy_violation", ()),
    ),
    (
        "azure images inner_error",
        400,
        {
            "error": {
                "code": "content_policy_violation",
                "message": "Your request was rejected as a result of our safety system.",
                "type": "invalid_request_error",
                "inner_error": {
                    "code": "ResponsibleAIPolicyViolation",
                    "revised_prompt": "x",
                    "content_filter_results": AZURE_RESULTS,
                },
            }
        },
        {"apim-request-id": RID},
        ("block", "input", "content_policy_violation", ("sexual",)),
    ),
    (
        "azure chat content_filter innererror",
        400,
        {
            "error": {
                "message": "The response was filtered due to the prompt "
                "triggering Azure OpenAI's content management policy.",
                "type": None,
                "param": "prompt",
                "code": "content_filter",
                "status": 400,
                "innererror": {
                    "code": "ResponsibleAIPolicyViolation",
                    "content_filter_result": {
                        "violence": {"filtered": True, "severity": "medium"},
                        "hate": {"filtered": False, "severity": "safe"},
                    },
                },
            }
        },
        None,
        ("block", "input", "content_filter", ("violence",)),
    ),
    (
        "azure filtered output image",
        400,
        {
            "error": {
                "code": "contentFilter",
                "message": "Generated image was filtered as a result of our safety system.",
            }
        },
        None,
        ("block", "output", "contentFilter", ()),
    ),
    (
        "azure chat 200 finish_reason content_filter",
        200,
        {
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "content_filter",
                    "message": {"role": "assistant", "content": None},
                    "content_filter_results": {"sexual": {"filtered": True, "severity": "high"}},
                }
            ],
            "prompt_filter_results": [
                {"prompt_index": 0, "content_filter_results": {"sexual": {"filtered": False, "severity": "safe"}}}
            ],
        },
        None,
        ("block", "output", "content_filter", ("sexual",)),
    ),
    (
        "proxy envelope shell_api_error (the domain notes' example)",
        400,
        {
            "status_code": 400,
            "error": {
                "message": "Your request was rejected by the safety system. If you believe this is an error, "
                f"contact us at Azure support ticket and include the request ID {RID}.",
                "type": "shell_api_error",
                "code": "moderation_blocked",
            },
        },
        None,
        ("block", None, "moderation_blocked", ()),
    ),
    (
        "relay wraps the provider block in its own error",
        502,
        {
            "error": {
                "message": "upstream error",
                "type": "upstream_error",
                "code": "upstream_failed",
                "metadata": {
                    "raw": json.dumps(
                        err(
                            "Your request was rejected by the safety system.",
                            "image_generation_user_error",
                            "moderation_blocked",
                        )
                    )
                },
            }
        },
        None,
        ("block", None, "moderation_blocked", ()),
    ),
    (
        "relay says it in the message only",
        400,
        {
            "error": {
                "message": "Provider returned error: moderation_blocked: "
                "Your request was rejected by the safety system",
                "type": "new_api_error",
                "code": "bad_response",
            }
        },
        None,
        ("block", None, "moderation_blocked", ()),
    ),
    (
        "gemini native prompt block",
        200,
        {
            "promptFeedback": {"blockReason": "PROHIBITED_CONTENT", "safetyRatings": []},
            "usageMetadata": {"promptTokenCount": 12},
        },
        None,
        ("block", "input", "PROHIBITED_CONTENT", ()),
    ),
    (
        "gemini native output IMAGE_SAFETY",
        200,
        {
            "candidates": [
                {
                    "finishReason": "IMAGE_SAFETY",
                    "index": 0,
                    "safetyRatings": [
                        {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "HIGH", "blocked": True}
                    ],
                }
            ]
        },
        None,
        ("block", "output", "IMAGE_SAFETY", ("HARM_CATEGORY_SEXUALLY_EXPLICIT",)),
    ),
    (
        "gemini through a gateway: prompt blocked",
        200,
        {
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "content_filter",
                    "native_finish_reason": "PROHIBITED_CONTENT",
                    "message": {"role": "assistant", "content": None},
                }
            ],
            "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
        },
        None,
        ("block", "input", "PROHIBITED_CONTENT", ()),
    ),
    (
        "gemini through a gateway: image filtered",
        200,
        {
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "content_filter",
                    "native_finish_reason": "IMAGE_SAFETY",
                    "message": {"role": "assistant", "content": ""},
                }
            ]
        },
        None,
        ("block", "output", "IMAGE_SAFETY", ()),
    ),
    (
        "imagen responsible-AI 400, list-wrapped",
        400,
        [
            {
                "error": {
                    "code": 400,
                    "message": "The response is blocked, as it may violate our policies. Error Code: 58061214",
                    "status": "INVALID_ARGUMENT",
                }
            }
        ],
        None,
        ("block", "input", "58061214", ()),
    ),
    (
        "imagen predict raiFilteredReason",
        200,
        {"predictions": [{"raiFilteredReason": "filtered: support code 39322892"}]},
        None,
        ("block", "output", "raiFilteredReason", ()),
    ),
    (
        "moderations flagged",
        200,
        {
            "id": "modr-1",
            "model": "omni-moderation-latest",
            "results": [
                {
                    "flagged": True,
                    "categories": {"violence": True, "hate": False, "illicit": None},
                    "category_scores": {},
                    "category_applied_input_types": {},
                }
            ],
        },
        None,
        ("block", "input", "flagged", ("violence",)),
    ),
    (
        "moderations not flagged",
        200,
        {
            "id": "modr-1",
            "model": "omni-moderation-latest",
            "results": [{"flagged": False, "categories": {"violence": False}}],
        },
        None,
        ("pass", None, None, ()),
    ),
    (
        "images success (b64)",
        200,
        {"created": 1, "data": [{"b64_json": "iVBORw0KGgo="}], "usage": {"total_tokens": 1}},
        None,
        ("pass", None, None, ()),
    ),
    (
        "images success (dall-e url)",
        200,
        {"created": 1, "data": [{"url": "https://x/y.png", "revised_prompt": "p"}]},
        None,
        ("pass", None, None, ()),
    ),
    (
        "chat success with a markdown data URL",
        200,
        {
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": f"![image](data:image/png;base64,{PNG})"},
                }
            ]
        },
        None,
        ("pass", None, None, ()),
    ),
    (
        "chat success with an images list",
        200,
        {
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {
                        "role": "assistant",
                        "content": "",
                        "images": [{"type": "image_url", "image_url": {"url": "https://x"}}],
                    },
                }
            ]
        },
        None,
        ("pass", None, None, ()),
    ),
    (
        "gemini native success",
        200,
        {
            "candidates": [
                {"finishReason": "STOP", "content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": PNG}}]}}
            ]
        },
        None,
        ("pass", None, None, ()),
    ),
]


@pytest.mark.parametrize("status, body, headers, expected", [v[1:] for v in VERDICTS], ids=[v[0] for v in VERDICTS])
def test_verdicts(status: int, body: Any, headers: dict[str, str] | None, expected: tuple[Any, ...]) -> None:
    outcome = classify(status, body, headers)
    assert (outcome.verdict, outcome.stage, outcome.code, outcome.categories) == expected


NON_VERDICTS: list[tuple[str, int, Any, str]] = [
    (
        "rate limit",
        429,
        err("Rate limit reached for gpt-image-1 ...", "requests", "rate_limit_exceeded"),
        "rate_limited",
    ),
    ("quota", 429, err("You exceeded your current quota", "insufficient_quota", "insufficient_quota"), "quota"),
    ("bad key", 401, err("Incorrect API key provided", "invalid_request_error", "invalid_api_key"), "auth"),
    (
        "azure bad key",
        401,
        {"error": {"code": "401", "message": "Access denied due to invalid subscription key"}},
        "auth",
    ),
    (
        "gemini invalid key comes back as 400",
        400,
        {
            "error": {
                "code": 400,
                "message": "API key not valid. Please pass a valid API key.",
                "status": "INVALID_ARGUMENT",
                "details": [{"reason": "API_KEY_INVALID"}],
            }
        },
        "auth",
    ),
    (
        "the trap: image_generation_user_error for a bad size",
        400,
        err("Invalid value: '999x999'.", "image_generation_user_error", "invalid_value", "size"),
        "invalid_request",
    ),
    (
        "unknown model",
        404,
        err("The model does not exist", "invalid_request_error", "model_not_found"),
        "invalid_request",
    ),
    ("server error", 500, err("The server had an error", "server_error", None), "server_error"),
    ("overloaded", 503, err("The engine is currently overloaded", "server_error", None), "server_error"),
    ("html error page", 502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "server_error"),
    ("truncated body", 200, b'{"created": 1, "data": [{"b64_', "unreadable"),
    # A 4xx is the server's word on the request, whatever its body: the request must change.
    ("garbage with 400", 400, "not json at all", "invalid_request"),
    ("a 400 whose JSON was cut", 400, '{"errors":[{"message":"Invalid data for image', "invalid_request"),
    ("200 of no known shape", 200, {"hello": "world"}, "unreadable"),
    ("empty body", 200, b"", "unreadable"),
    ("a JSON string", 200, '"ok"', "unreadable"),
    # No usable image is never pass and never block (the answer says nothing about safety).
    ("images 200 whose data is empty", 200, {"created": 1, "data": []}, "unreadable"),
    (
        "images 200 with a null b64_json and no url",
        200,
        {"created": 1, "data": [{"b64_json": None, "url": None}]},
        "unreadable",
    ),
    (
        "images 200 with base64 that does not decode",
        200,
        {"created": 1, "data": [{"b64_json": "iVBORw0KGgo..."}]},
        "unreadable",
    ),
    (
        "chat 200 with text and no image: no safety signal",
        200,
        {
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "I can't create that image."},
                }
            ]
        },
        "unreadable",
    ),
    (
        "chat 200 whose markdown image is not base64",
        200,
        {
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "![image](data:image/png;base64,iVBOR)"},
                }
            ]
        },
        "unreadable",
    ),
    (
        "gemini STOP with text only",
        200,
        {"candidates": [{"finishReason": "STOP", "content": {"parts": [{"text": "Here you go"}]}}]},
        "unreadable",
    ),
    ("imagen with no predictions", 200, {"predictions": []}, "unreadable"),
    ("a redirect with an HTML page", 302, b"<html><body>Moved</body></html>", "unreadable"),
    ("a redirect even with a success body", 307, {"created": 1, "data": [{"b64_json": PNG}]}, "unreadable"),
    ("an HTML 404 page", 404, b"<html><title>Error 404 (Not Found)!!1</title></html>", "invalid_request"),
    ("a 402 page from a relay", 402, b"Payment Required", "quota"),
]


@pytest.mark.parametrize("status, body, kind", [v[1:] for v in NON_VERDICTS], ids=[v[0] for v in NON_VERDICTS])
def test_non_verdicts_raise_api_error_and_never_count(status: int, body: Any, kind: str) -> None:
    with pytest.raises(ApiError) as info:
        classify(status, body)
    assert info.value.kind == kind


def test_request_id_from_header_then_body() -> None:
    body = err(
        f"Your request was rejected by the safety system ... request ID {RID}.",
        "image_generation_user_error",
        "moderation_blocked",
    )
    assert classify(400, body).request_id == RID
    assert classify(400, body, {"X-Request-Id": "req_123"}).request_id == "req_123"
    assert classify(400, body, {"apim-request-id": "apim-9"}).request_id == "apim-9"


def test_body_may_be_bytes_str_or_dict() -> None:
    body = {"created": 1, "data": [{"b64_json": PNG}]}
    for form in (body, json.dumps(body), json.dumps(body).encode()):
        assert classify(200, form) == Outcome("pass", provider="openai", filter="openai", read_by="shape")


def test_suspension_is_an_auth_error_that_says_so() -> None:
    body = {
        "error": {
            "code": "Forbidden",
            "message": "Your resource has been temporarily blocked because we "
            "detected behavior that may violate our content policy.",
        }
    }
    with pytest.raises(ApiError) as info:
        classify(403, body)
    assert info.value.kind == "auth" and info.value.suspended
    assert "auth, HTTP 403, code Forbidden" in str(info.value)


def test_outcome_label_uses_the_corpus_words() -> None:
    assert Outcome("pass").label == "pass"
    assert Outcome("block", "input").label == "block:input"
    assert Outcome("block").label == "block"


def test_a_recorded_image_placeholder_is_a_usable_image() -> None:
    """Cassettes replace image bytes by their hash; replaying them must still read as a pass."""
    stub = "<imgsafe:sha256=" + "a" * 64 + ";bytes=99>"
    assert classify(200, {"created": 1, "data": [{"b64_json": stub}]}).verdict == "pass"
    chat = {
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": f"![image](data:image/png;base64,{stub})"},
            }
        ]
    }
    assert classify(200, chat).verdict == "pass"


def test_azure_success_annotations_become_the_categories_of_the_pass() -> None:
    """A pass that was close to a block shows it: severities above safe and detections are kept."""
    item = {
        "url": "https://dalle.example/generated_00.png",
        "revised_prompt": "p",
        "prompt_filter_results": {
            "violence": {"severity": "low", "filtered": False},
            "jailbreak": {"detected": True, "filtered": False},
            "hate": {"severity": "safe", "filtered": False},
        },
        "content_filter_results": {
            "sexual": {"severity": "medium", "filtered": False},
            "self_harm": {"severity": "safe", "filtered": False},
        },
    }
    outcome = classify(200, {"created": 1, "data": [item]})
    assert (outcome.verdict, outcome.filter, outcome.provider) == ("pass", "azure", "azure")
    assert outcome.categories == ("violence:low", "jailbreak:detected", "sexual:medium")
    chat = {
        "prompt_filter_results": [
            {"prompt_index": 0, "content_filter_results": {"hate": {"filtered": False, "severity": "low"}}}
        ],
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": f"![i](data:image/png;base64,{PNG})"},
                "content_filter_results": {
                    "violence": {"filtered": False, "severity": "safe"},
                    "error": {"code": "x", "message": "The contents are not filtered"},
                },
            }
        ],
    }
    assert classify(200, chat).categories == ("hate:low", "content_filter:error")


def test_gemini_pass_keeps_ratings_above_negligible() -> None:
    body = {
        "candidates": [
            {
                "finishReason": "STOP",
                "content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": PNG}}]},
                "safetyRatings": [
                    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "MEDIUM"},
                    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
                    {},
                ],
            }
        ]
    }
    outcome = classify(200, body)
    assert (outcome.verdict, outcome.filter, outcome.categories) == (
        "pass",
        "gemini",
        ("HARM_CATEGORY_HARASSMENT:MEDIUM",),
    )


def test_streamed_chat_chunks_are_read_whole() -> None:
    """An Azure chat stream whose last chunk is filtered: the whole stream is one block."""
    chunks = [
        {
            "object": "chat.completion.chunk",
            "choices": [],
            "prompt_filter_results": [
                {"prompt_index": 0, "content_filter_results": {"hate": {"filtered": False, "severity": "safe"}}}
            ],
        },
        {
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": "The"}, "finish_reason": None}],
        },
        {
            "object": "chat.completion.chunk",
            "choices": [
                {
                    "index": 0,
                    "delta": {},
                    "finish_reason": "content_filter",
                    "content_filter_results": {"violence": {"filtered": True, "severity": "high"}},
                }
            ],
        },
    ]
    sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    outcome = classify(200, sse)
    assert (outcome.verdict, outcome.stage, outcome.filter, outcome.categories) == (
        "block",
        "output",
        "azure",
        ("violence",),
    )


def test_a_streamed_image_with_only_partial_images_is_no_verdict() -> None:
    sse = (
        "event: image_generation.partial_image\n"
        f'data: {{"type":"image_generation.partial_image","b64_json":"{PNG}"}}\n\n'
    )
    with pytest.raises(ApiError) as info:
        classify(200, sse)
    assert info.value.kind == "unreadable"


def test_outcome_keeps_its_positional_fields_and_adds_filter_last() -> None:
    """Other modules build Outcome positionally; the filter is a new keyword at the end."""
    outcome = Outcome("block", "input", "screen", "local", None, ("sexual",), "matched", None)
    assert outcome.filter is None and outcome.label == "block:input"
    assert Outcome("pass", filter="relay").filter == "relay"
