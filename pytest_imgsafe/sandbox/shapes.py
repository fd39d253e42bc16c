"""Answer bodies in the real providers' shapes (see the README's sandbox section).

Functions return a body or ``(status, body)``; the server adds headers. The shapes follow the
reference notes: OpenAI's error envelope and ``moderation_blocked``; dall-e's
``content_policy_violation``; Azure's ``inner_error`` (images) and ``innererror`` (chat);
Gemini-class answers through an OpenAI-compatible gateway; the relay envelope
(``shell_api_error`` with ``status_code`` in the body); Google's native Gemini
(``generateContent``) and Imagen (``:predict``) answers and ``google.rpc.Status`` errors; Azure
AI Content Safety's ``text:analyze``.

Chat image answers: OpenAI-compatible gateways have no standard field for an image in a chat
answer. Two conventions dominate: a Markdown data-URL image in ``message.content`` (reverse
proxies of ChatGPT image models) and an ``images`` list of ``image_url`` parts on the message
(OpenRouter and gateways that copy it). The sandbox sends both, so a client written for either
works, and ``classify`` reads either.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import time
import zlib
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .policy import IMAGE_CAPABLE, MODERATION_CATEGORIES, Decision, Moderation

Body = dict[str, Any] | list[Any]

INPUT_MESSAGE = (
    "Your request was rejected by the safety system. If you believe this is an error, "
    "contact us at {contact} and include the request ID {request_id}."
)
OUTPUT_MESSAGE = (
    "Generated image was filtered as a result of our safety system. If you believe this is an "
    "error, contact us at {contact} and include the request ID {request_id}."
)
DALLE_MESSAGE = (
    "Your request was rejected as a result of our safety system. Your prompt may contain text "
    "that is not allowed by our safety system."
)
IMAGEN_MESSAGE = (
    "The response is blocked, as it may violate our policies. If you believe this is an error, "
    "please send feedback to your account team. Error Code: {code}"
)
IMAGEN_CODES = {
    "celebrity": "29310472",
    "living_artist": "72817394",
    "copyrighted_ip": "72817394",
    "violence": "62263041",
    "sexual": "90789179",
    "minors": "17301594",
    "hate": "57734940",
}
AZURE_CATEGORIES = ("hate", "self_harm", "sexual", "violence")
_AZURE_OF = {"sexual": "sexual", "sexual_minors": "sexual", "violence": "violence", "hate": "hate"}


def png(seed: str, size: int = 32) -> bytes:
    """A small valid PNG of one colour drawn from ``seed``: an image that is really there."""
    r, g, b = hashlib.sha256(seed.encode("utf-8")).digest()[:3]
    row = b"\x00" + bytes((r, g, b)) * size
    raw = row * size

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def b64_png(seed: str) -> str:
    """Base64 of :func:`png`."""
    return base64.b64encode(png(seed)).decode("ascii")


@lru_cache(maxsize=1)
def _token_table() -> dict[str, Any]:
    text = (resources.files("pytest_imgsafe") / "data" / "image_tokens.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def image_usage(prompt: str, quality: str | None, size: str | None, n: int = 1) -> dict[str, Any]:
    """``usage`` for a GPT image answer: text tokens of the prompt, image tokens per image."""
    table = _token_table()
    q = quality if quality in table["output_tokens"] else table["default_quality"]
    row = table["output_tokens"][q]
    per_image = int(row.get(size or "", row[table["default_size"]]))
    text_tokens = max(1, round(len(prompt.split()) * 1.3))
    out = per_image * n
    return {
        "total_tokens": text_tokens + out,
        "input_tokens": text_tokens,
        "output_tokens": out,
        "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": 0},
        "output_tokens_details": {"image_tokens": out, "text_tokens": 0},
    }


def openai_error(
    message: str, type_: str | None, code: str | None, param: str | None = None, **extra: Any
) -> dict[str, Any]:
    """OpenAI's error envelope: ``{"error": {message, type, param, code, ...}}``."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code, **extra}}


# --- images -------------------------------------------------------------------------------


def images_ok(prompt: str, params: dict[str, Any], model: str, flavour: str) -> tuple[int, Body]:
    """A successful images answer: one small PNG per requested image."""
    n = int(params.get("n") or 1)
    quality = params.get("quality")
    size = params.get("size")
    if model.startswith("dall-e"):
        item: dict[str, Any] = {"revised_prompt": prompt if model == "dall-e-3" else None}
        if params.get("response_format") == "b64_json":
            item["b64_json"] = b64_png(prompt)
        else:
            item["url"] = f"https://sandbox.invalid/images/{hashlib.sha256(prompt.encode()).hexdigest()[:24]}.png"
        return 200, {"created": int(time.time()), "data": [dict(item) for _ in range(n)]}
    data = [{"b64_json": b64_png(f"{prompt}#{i}")} for i in range(n)]
    return 200, {
        "created": int(time.time()),
        "data": data,
        "background": "opaque",
        "output_format": params.get("output_format") or "png",
        "size": size if size and size != "auto" else "1024x1024",
        "quality": quality if quality and quality != "auto" else "medium",
        "usage": image_usage(prompt, quality, size, n),
    }


def images_blocked(
    decision: Decision, flavour: str, request_id: str, prompt: str, params: dict[str, Any]
) -> tuple[int, Body]:
    """A blocked images answer in the flavour's shape (input or output stage)."""
    output = decision.stage == "output"
    if flavour == "dalle":
        message = OUTPUT_MESSAGE.format(contact="help.openai.com", request_id=request_id) if output else DALLE_MESSAGE
        return 400, openai_error(message, "invalid_request_error", "content_policy_violation")
    if flavour == "gemini":
        if output:
            # Imagen drops filtered images; behind an OpenAI-compatible relay an answer with no
            # image says nothing, so this relay passes Imagen's filter reason on as the error.
            return 400, openai_error(
                "Generated image was filtered: raiFilteredReason: Your current safety filter threshold filtered out "
                "1 generated image. You will not be charged for blocked images.",
                "invalid_request_error",
                "IMAGE_SAFETY",
            )
        code = IMAGEN_CODES.get(decision.scenario or "", "58061214")
        return 400, [
            {"error": {"code": 400, "message": IMAGEN_MESSAGE.format(code=code), "status": "INVALID_ARGUMENT"}}
        ]
    if flavour == "proxy":
        return 400, proxy_error(decision, request_id)
    template = OUTPUT_MESSAGE if output else INPUT_MESSAGE
    message = template.format(contact="help.openai.com", request_id=request_id)
    if decision.categories:
        message += f" safety_violations=[{','.join(decision.categories)}]."
    body: dict[str, Any] = openai_error(
        message,
        "image_generation_user_error",
        "moderation_blocked",
        moderation_details={"moderation_stage": decision.stage, "categories": list(decision.categories)},
    )
    if output:
        body["usage"] = image_usage(prompt, params.get("quality"), params.get("size"), int(params.get("n") or 1))
    return 400, body


def proxy_error(decision: Decision, request_id: str) -> dict[str, Any]:
    """The relay envelope from the domain notes: status_code in the body, type shell_api_error."""
    template = OUTPUT_MESSAGE if decision.stage == "output" else INPUT_MESSAGE
    return {
        "status_code": 400,
        "error": {
            "message": template.format(contact="Azure support ticket", request_id=request_id),
            "type": "shell_api_error",
            "code": "moderation_blocked",
        },
    }


def azure_filter_results(decision: Decision | None) -> dict[str, Any]:
    """Azure's per-category ``{filtered, severity}`` block, plus custom blocklists."""
    hit = {_AZURE_OF[c] for c in (decision.categories if decision else ()) if c in _AZURE_OF}
    results: dict[str, Any] = {
        cat: {"filtered": cat in hit, "severity": "high" if cat in hit else "safe"} for cat in AZURE_CATEGORIES
    }
    results["jailbreak"] = {"filtered": False, "detected": False}
    results["profanity"] = {"filtered": False, "detected": False}
    others = [c for c in (decision.categories if decision else ()) if c not in _AZURE_OF]
    if others:
        results["custom_blocklists"] = {
            "filtered": True,
            "details": [{"filtered": True, "id": name} for name in others],
        }
    return results


def azure_images_blocked(decision: Decision, request_id: str) -> tuple[int, Body]:
    """Azure images: ``content_policy_violation`` with ``inner_error`` (input) or ``contentFilter`` (output)."""
    if decision.stage == "output":
        return 400, {
            "error": {
                "code": "contentFilter",
                "message": "Generated image was filtered as a result of our safety system.",
                "type": "invalid_request_error",
                "param": None,
            }
        }
    return 400, {
        "error": {
            "code": "content_policy_violation",
            "message": INPUT_MESSAGE.format(contact="Azure support ticket", request_id=request_id),
            "type": "invalid_request_error",
            "param": "prompt",
            "inner_error": {
                "code": "ResponsibleAIPolicyViolation",
                "content_filter_results": azure_filter_results(decision),
            },
        }
    }


# --- chat ---------------------------------------------------------------------------------


def _chat(
    model: str, message: dict[str, Any], finish_reason: str, extra_choice: dict[str, Any] | None = None, **top: Any
) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": finish_reason}
    choice.update(extra_choice or {})
    return {
        "id": f"chatcmpl-{hashlib.sha256(repr((model, message)).encode()).hexdigest()[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": {"prompt_tokens": 12, "completion_tokens": 1290, "total_tokens": 1302},
        **top,
    }


def chat_ok(prompt: str, model: str, azure: bool = False) -> tuple[int, Body]:
    """A chat answer that carries an image, in both gateway conventions."""
    url = f"data:image/png;base64,{b64_png(prompt)}"
    message = {
        "role": "assistant",
        "content": f"![image]({url})",
        "images": [{"type": "image_url", "image_url": {"url": url}}],
    }
    if azure:
        return 200, _chat(
            model,
            message,
            "stop",
            {"content_filter_results": azure_filter_results(None)},
            prompt_filter_results=[{"prompt_index": 0, "content_filter_results": azure_filter_results(None)}],
        )
    return 200, _chat(model, message, "stop")


def chat_blocked(
    decision: Decision,
    flavour: str,
    model: str,
    request_id: str,
    prompt: str,
    params: dict[str, Any],
    azure: bool = False,
) -> tuple[int, Body]:
    """A blocked chat image answer in the flavour's shape."""
    if azure:
        if decision.stage == "output":
            return 200, _chat(
                model,
                {"role": "assistant", "content": None},
                "content_filter",
                {"content_filter_results": azure_filter_results(decision)},
                prompt_filter_results=[{"prompt_index": 0, "content_filter_results": azure_filter_results(None)}],
            )
        return 400, {
            "error": {
                "message": (
                    "The response was filtered due to the prompt triggering Azure OpenAI's content "
                    "management policy. Please modify your prompt and retry."
                ),
                "type": None,
                "param": "prompt",
                "code": "content_filter",
                "status": 400,
                "innererror": {
                    "code": "ResponsibleAIPolicyViolation",
                    "content_filter_result": azure_filter_results(decision),
                },
            }
        }
    if flavour == "gemini":
        if decision.stage == "output":
            return 200, _chat(
                model, {"role": "assistant", "content": ""}, "content_filter", {"native_finish_reason": "IMAGE_SAFETY"}
            )
        return 200, _chat(
            model,
            {"role": "assistant", "content": None},
            "content_filter",
            {"native_finish_reason": "PROHIBITED_CONTENT"},
            promptFeedback={"blockReason": "PROHIBITED_CONTENT"},
        )
    return images_blocked(decision, flavour, request_id, prompt, params)


# --- describers (text chat models) ---------------------------------------------------------

SCENES = (
    "a wooden table by a sunlit window with a ceramic vase",
    "a city street at dusk with warm shop lights and wet pavement",
    "a green hillside under a cloudy sky with a small stone cottage",
    "a person in a blue jacket standing on a pier at sunrise",
    "a cluttered artist's studio with canvases leaning on a brick wall",
    "a white t-shirt laid flat on a light gray background",
)


def describer_answer(prompt: str, images: list[str], model: str) -> tuple[int, Body]:
    """A text model's plain visual description: of the image if one is sent, else of the idea.

    Deterministic stand-in for the notes' two-step rewrite: the idea is described by the
    sandbox's own describer (``describe.py``: what the sandbox's classifier recognizes as a name,
    an artist, a brand or graphic wording is replaced, a hard-prohibited idea refused), never by
    the product's rewriting code; an image is described as one of a few plain scenes chosen by
    its hash.
    """
    from .describe import describe_idea

    if images:
        digest = hashlib.sha256("".join(images).encode()).digest()
        text = f"A photo of {SCENES[digest[0] % len(SCENES)]}, natural light, centered composition."
    else:
        text = describe_idea(prompt)
    body = _chat(model, {"role": "assistant", "content": text}, "stop")
    body["usage"] = {
        "prompt_tokens": len(prompt.split()) + 40,
        "completion_tokens": len(text.split()),
        "total_tokens": len(prompt.split()) + 40 + len(text.split()),
    }
    return 200, body


# --- moderations --------------------------------------------------------------------------


def moderation_result(result: Moderation, image: bool = False) -> dict[str, Any]:
    """One ``results[]`` entry with the full omni-moderation category list."""
    applied = {
        cat: (["text", "image"] if image and cat in IMAGE_CAPABLE else ["text"]) for cat in MODERATION_CATEGORIES
    }
    return {
        "flagged": result.flagged,
        "categories": dict(result.categories),
        "category_scores": dict(result.scores),
        "category_applied_input_types": applied,
    }


def moderation_ok(results: list[dict[str, Any]], model: str, seed: str) -> tuple[int, Body]:
    """The moderations answer: ``id``, resolved ``model``, ``results``."""
    resolved = "omni-moderation-2024-09-26" if model in ("", "omni-moderation-latest") else model
    return 200, {
        "id": f"modr-{hashlib.sha256(seed.encode()).hexdigest()[:32]}",
        "model": resolved,
        "results": results,
    }


# --- errors of every provider -------------------------------------------------------------

GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    # google.rpc has no code for a wrong HTTP method; UNIMPLEMENTED ("not supported by this
    # service") is the nearest, and the HTTP status stays 405.
    405: "UNIMPLEMENTED",
    # Google answers an oversized payload with INVALID_ARGUMENT ("Request payload size exceeds
    # the limit"); the sandbox keeps HTTP 413 so every provider's path reads alike.
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
"""HTTP status -> google.rpc.Code name, as Google's JSON errors carry both."""


def google_error(status: int, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Google's error envelope: ``{"error": {code, message, status[, details]}}`` (google.rpc.Status)."""
    error: dict[str, Any] = {"code": status, "message": message, "status": GOOGLE_STATUS.get(status, "UNKNOWN")}
    if details:
        error["details"] = details
    return {"error": error}


def azure_error(code: str, message: str) -> dict[str, Any]:
    """The envelope of Azure's API gateway and Cognitive Services: ``{"error": {code, message}}``."""
    return {"error": {"code": code, "message": message}}


def error_for(provider: str, status: int, message: str, code: str | None = None) -> dict[str, Any]:
    """A plain error (bad route, method, size or body) in the envelope of the provider a path belongs to."""
    if provider == "google":
        return google_error(status, message)
    if provider in ("azure", "contentsafety"):
        return azure_error(code or str(status), message)
    return openai_error(message, "invalid_request_error" if status < 500 else "server_error", code)


# --- Google: Gemini generateContent and Imagen predict -------------------------------------
#
# Shapes follow the Gemini API reference (GenerateContentResponse, PromptFeedback, Candidate,
# SafetyRating) and google-genai's own converters (models.py: candidates, promptFeedback,
# usageMetadata; Imagen's predictions[].bytesBase64Encoded / raiFilteredReason). A safety block
# is never an HTTP error on generateContent: it is a 200 whose prompt feedback or candidate says so.

GEMINI_IMAGE_TOKENS = 1290
"""Output tokens of one 1024x1024 image of Gemini's image models (the Gemini API pricing page)."""

GEMINI_HARM_CATEGORIES = (
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
)
_GEMINI_HARM_OF = {
    "sexual": "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "minors": "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "hate": "HARM_CATEGORY_HATE_SPEECH",
    "violence": "HARM_CATEGORY_DANGEROUS_CONTENT",
}
# The sandbox's own reading of Gemini's enums: hard-prohibited content is PROHIBITED_CONTENT, a
# harm category over its threshold is SAFETY (with the blocked rating), people and brands are
# OTHER (no harm category covers them); generated images: IMAGE_PROHIBITED_CONTENT,
# IMAGE_RECITATION for look-alikes of protected works, IMAGE_SAFETY for the rest.
_GEMINI_PROMPT_REASON = {
    "sexual": "PROHIBITED_CONTENT",
    "minors": "PROHIBITED_CONTENT",
    "hate": "PROHIBITED_CONTENT",
    "violence": "SAFETY",
}
_GEMINI_IMAGE_REASON = {
    "sexual": "IMAGE_PROHIBITED_CONTENT",
    "minors": "IMAGE_PROHIBITED_CONTENT",
    "copyrighted_ip": "IMAGE_RECITATION",
}
GEMINI_THRESHOLDS: dict[str, int | None] = {
    "HARM_BLOCK_THRESHOLD_UNSPECIFIED": 2,
    "BLOCK_LOW_AND_ABOVE": 1,
    "BLOCK_MEDIUM_AND_ABOVE": 2,
    "BLOCK_ONLY_HIGH": 3,
    "BLOCK_NONE": None,
    "OFF": None,
}
"""A ``safetySettings`` threshold -> the lowest probability it blocks (1 LOW, 2 MEDIUM, 3 HIGH; None: never)."""
GEMINI_SETTING_CATEGORIES = (
    *GEMINI_HARM_CATEGORIES,
    "HARM_CATEGORY_CIVIC_INTEGRITY",
    "HARM_CATEGORY_JAILBREAK",
    "HARM_CATEGORY_IMAGE_HATE",
    "HARM_CATEGORY_IMAGE_DANGEROUS_CONTENT",
    "HARM_CATEGORY_IMAGE_HARASSMENT",
    "HARM_CATEGORY_IMAGE_SEXUALLY_EXPLICIT",
)


def gemini_configurable(scenario: str | None) -> str | None:
    """The harm category a request's ``safetySettings`` can tune for this scenario: only what the
    sandbox blocks as ``SAFETY`` (a harm category over its threshold). ``PROHIBITED_CONTENT`` and
    ``OTHER`` blocks are not configurable, as Google documents for its own."""
    if _GEMINI_PROMPT_REASON.get(scenario or "") != "SAFETY":
        return None
    return _GEMINI_HARM_OF.get(scenario or "")


IMAGEN_FILTERED_MESSAGE = (
    "Unable to show generated images. All images were filtered out because they violated the usage "
    "guidelines. You will not be charged for blocked images. Try rephrasing the prompt. If you think "
    "this was an error, send feedback. Support codes: {code}"
)


def _text_tokens(prompt: str) -> int:
    return max(1, round(len(prompt.split()) * 1.3))


def gemini_safety_ratings(decision: Decision | None) -> list[dict[str, Any]]:
    """``safetyRatings`` of the four harm categories: NEGLIGIBLE, or HIGH and blocked for the one hit."""
    hit = _GEMINI_HARM_OF.get(decision.scenario or "") if decision is not None and decision.verdict == "block" else None
    ratings: list[dict[str, Any]] = []
    for category in GEMINI_HARM_CATEGORIES:
        rating: dict[str, Any] = {"category": category, "probability": "HIGH" if category == hit else "NEGLIGIBLE"}
        if category == hit:
            rating["blocked"] = True
        ratings.append(rating)
    return ratings


def _gemini_envelope(model: str, request_id: str, usage: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        **fields,
        "usageMetadata": usage,
        "modelVersion": model,
        "responseId": hashlib.sha256(request_id.encode()).hexdigest()[:22],
    }


def gemini_ok(prompt: str, model: str, modalities: list[str], request_id: str) -> dict[str, Any]:
    """A generateContent answer carrying an image (and a line of text unless only IMAGE was asked)."""
    parts: list[dict[str, Any]] = []
    if not modalities or "TEXT" in modalities:
        parts.append({"text": "Here is the image you asked for."})
    parts.append({"inlineData": {"mimeType": "image/png", "data": b64_png(prompt)}})
    prompt_tokens = _text_tokens(prompt)
    text_tokens = 8 if len(parts) > 1 else 0
    usage = {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": GEMINI_IMAGE_TOKENS + text_tokens,
        "totalTokenCount": prompt_tokens + GEMINI_IMAGE_TOKENS + text_tokens,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
        "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": GEMINI_IMAGE_TOKENS}]
        + ([{"modality": "TEXT", "tokenCount": text_tokens}] if text_tokens else []),
    }
    candidate = {"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}
    return _gemini_envelope(model, request_id, usage, candidates=[candidate])


def gemini_text(text: str, model: str, prompt: str, request_id: str) -> dict[str, Any]:
    """A generateContent answer of a text model: one text part."""
    prompt_tokens, out = _text_tokens(prompt), max(1, len(text.split()))
    usage = {"promptTokenCount": prompt_tokens, "candidatesTokenCount": out, "totalTokenCount": prompt_tokens + out}
    candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP", "index": 0}
    return _gemini_envelope(model, request_id, usage, candidates=[candidate])


def gemini_blocked(decision: Decision, model: str, prompt: str, request_id: str) -> dict[str, Any]:
    """A blocked generateContent answer, still HTTP 200.

    Input stage: ``promptFeedback.blockReason`` and no ``candidates``. Output stage: one candidate
    without content whose ``finishReason`` names the image filter (the generated image was billed
    as output tokens, as the Gemini API bills a filtered image).
    """
    prompt_tokens = _text_tokens(prompt)
    scenario = decision.scenario or ""
    if decision.stage == "output":
        usage = {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": GEMINI_IMAGE_TOKENS,
            "totalTokenCount": prompt_tokens + GEMINI_IMAGE_TOKENS,
        }
        candidate = {
            "finishReason": _GEMINI_IMAGE_REASON.get(scenario, "IMAGE_SAFETY"),
            "finishMessage": "Unable to show the generated image. "
            "The image was filtered out because it violated the usage guidelines.",
            "index": 0,
            "safetyRatings": gemini_safety_ratings(decision),
        }
        return _gemini_envelope(model, request_id, usage, candidates=[candidate])
    usage = {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens}
    feedback = {
        "blockReason": _GEMINI_PROMPT_REASON.get(scenario, "OTHER"),
        "safetyRatings": gemini_safety_ratings(decision),
    }
    return _gemini_envelope(model, request_id, usage, promptFeedback=feedback)


def gemini_chunks(body: dict[str, Any]) -> list[dict[str, Any]]:
    """A generateContent answer as streamGenerateContent sends it: text first, then the image
    with the finish reason and the usage; a block is one chunk."""
    candidates = body.get("candidates") or []
    parts = ((candidates[0].get("content") or {}).get("parts") or []) if candidates else []
    if len(parts) < 2:
        return [body]
    first = {
        "candidates": [{"content": {"role": "model", "parts": parts[:1]}, "index": 0}],
        "usageMetadata": {
            "promptTokenCount": body["usageMetadata"]["promptTokenCount"],
            "totalTokenCount": body["usageMetadata"]["promptTokenCount"],
        },
        "modelVersion": body["modelVersion"],
        "responseId": body["responseId"],
    }
    rest = dict(body)
    rest["candidates"] = [{**candidates[0], "content": {"role": "model", "parts": parts[1:]}}]
    return [first, rest]


def sse(chunks: list[dict[str, Any]]) -> bytes:
    """Server-sent events as ``?alt=sse`` streams them: one ``data:`` line per chunk, a blank line after each."""
    return b"".join(b"data: " + json.dumps(chunk).encode("utf-8") + b"\r\n\r\n" for chunk in chunks)


def imagen_ok(prompt: str, n: int) -> dict[str, Any]:
    """Imagen's ``:predict`` answer: one prediction per image."""
    return {
        "predictions": [{"bytesBase64Encoded": b64_png(f"{prompt}#{i}"), "mimeType": "image/png"} for i in range(n)]
    }


def imagen_blocked(decision: Decision, include_rai_reason: bool) -> tuple[int, Body]:
    """A blocked Imagen answer.

    Input stage: HTTP 400 ``INVALID_ARGUMENT`` with a support code in the message (epam/ai-dial-
    adapter-vertexai issue 66). Output stage: a 200 whose images are gone: with
    ``includeRaiReason`` one prediction that carries ``raiFilteredReason``, without it an empty
    object (proto3 JSON leaves out an empty list, so there is no ``predictions`` key at all).
    """
    code = IMAGEN_CODES.get(decision.scenario or "", "58061214")
    if decision.stage != "output":
        return 400, google_error(400, IMAGEN_MESSAGE.format(code=code))
    if include_rai_reason:
        return 200, {"predictions": [{"raiFilteredReason": IMAGEN_FILTERED_MESSAGE.format(code=code)}]}
    return 200, {}


# --- Azure AI Content Safety: text:analyze -------------------------------------------------
#
# POST {endpoint}/contentsafety/text:analyze?api-version=2024-09-01 with
# {"text", "categories"?, "blocklistNames"?, "haltOnBlocklistHit"?, "outputType"?} answers
# {"blocklistsMatch": [...], "categoriesAnalysis": [{"category", "severity"}]} (Azure REST API
# reference, Content Safety "Text Operations - Analyze Text"; azure-ai-contentsafety's
# AnalyzeTextResult). Severities are 0, 2, 4, 6 with FourSeverityLevels (the default) and 0-7 with
# EightSeverityLevels; Azure's own filters treat 4 (medium) and up as harmful by default.

CONTENT_SAFETY_CATEGORIES = ("Hate", "SelfHarm", "Sexual", "Violence")
CONTENT_SAFETY_OUTPUT_TYPES = ("FourSeverityLevels", "EightSeverityLevels")
CONTENT_SAFETY_MAX_TEXT = 10_000
"""Characters per request (the service's documented input limit)."""
_CS_OF_MODERATION = {
    "hate": "Hate",
    "hate/threatening": "Hate",
    "harassment": "Hate",
    "harassment/threatening": "Hate",
    "self-harm": "SelfHarm",
    "self-harm/intent": "SelfHarm",
    "self-harm/instructions": "SelfHarm",
    "sexual": "Sexual",
    "sexual/minors": "Sexual",
    "violence": "Violence",
    "violence/graphic": "Violence",
    "illicit/violent": "Violence",
}
_CS_OF_SCENARIO = {"hate": "Hate", "sexual": "Sexual", "minors": "Sexual", "violence": "Violence"}


def content_safety_severities(moderation: Moderation, decision: Decision) -> dict[str, int]:
    """Eight-level severities (0-7) per category, derived from the sandbox's own classifier.

    The moderation scores give the level (score x 8, capped at 7); a prompt that the strict image
    profile blocks for a harm scenario is at least medium (4) when it blocks at input and low
    (2) when only the generated image is filtered, so both endpoints of the sandbox agree.
    People, artists and brands are not Content Safety categories and score nothing.
    """
    levels = dict.fromkeys(CONTENT_SAFETY_CATEGORIES, 0)
    for category, score in moderation.scores.items():
        name = _CS_OF_MODERATION.get(category)
        if name is not None:
            levels[name] = max(levels[name], min(7, int(float(score) * 8)))
    name = _CS_OF_SCENARIO.get(decision.scenario or "") if decision.verdict == "block" else None
    if name is not None:
        levels[name] = max(levels[name], 4 if decision.stage == "input" else 2)
    return levels


def content_safety_analysis(severities: dict[str, int], categories: list[str], output_type: str) -> dict[str, Any]:
    """The text:analyze answer for the asked categories, in the asked severity scale."""
    four = output_type == "FourSeverityLevels"
    return {
        "blocklistsMatch": [],
        "categoriesAnalysis": [
            {"category": c, "severity": severities[c] - severities[c] % 2 if four else severities[c]}
            for c in categories
        ],
    }


# --- OpenAI Responses API with the image_generation tool -----------------------------------
#
# Shapes follow openai-python's types (types/responses/response.py: Response, its moderation
# object and incomplete_details; response_output_item.py: ImageGenerationCall, whose error
# carries moderation_details; the stream events response.created ... response.completed) and the
# Vercel AI SDK fixtures recorded from the API (openai-image-generation-tool.1.json and
# .1.chunks.txt, azure-image-generation-tool.1.json: Azure adds a top-level content_filters).
# A call the image filter refuses is a *failed* image_generation_call with the moderation error;
# the response itself completes, with the model's short apology.

RESPONSES_REFUSAL = "I can't create that image because it may violate the usage policies."


def _response_id(prefix: str, request_id: str) -> str:
    return f"{prefix}_{hashlib.sha256(f'{prefix}{request_id}'.encode()).hexdigest()[:48]}"


def responses_moderation(result: Moderation, image: bool = False) -> dict[str, Any]:
    """One side of a response's ``moderation`` object (a ``moderation_result``)."""
    body = moderation_result(result, image)
    return {"type": "moderation_result", "model": "omni-moderation-latest", **body}


def responses_answer(
    decision: Decision | None,
    prompt: str,
    model: str,
    tool: dict[str, Any] | None,
    request_id: str,
    *,
    azure: bool = False,
    moderation: dict[str, Any] | None = None,
    withheld: bool = False,
) -> dict[str, Any]:
    """A completed Responses answer: the image_generation_call (its image, or its moderation
    error) and the assistant's message. ``tool`` is None when the request offered no image tool
    (the model answers in text only); ``withheld``: a moderation policy in ``block`` mode stopped
    the input before the model ran (an incomplete answer cut short by the content filter)."""
    output: list[dict[str, Any]] = []
    text = "Here is the image you asked for."
    if withheld:
        status, incomplete = "incomplete", {"reason": "content_filter"}
    else:
        status, incomplete = "completed", None
        if tool is None:
            text = "I can describe the scene in words, but no image tool was offered."
        elif decision is None or decision.verdict == "pass":
            output.append(
                {
                    "id": _response_id("ig", request_id),
                    "type": "image_generation_call",
                    "status": "completed",
                    "background": "opaque",
                    "output_format": tool.get("output_format") or "png",
                    "quality": tool.get("quality") if tool.get("quality") not in (None, "auto") else "medium",
                    "result": b64_png(prompt),
                    "revised_prompt": prompt,
                    "size": tool.get("size") if tool.get("size") not in (None, "auto") else "1024x1024",
                }
            )
        else:
            template = OUTPUT_MESSAGE if decision.stage == "output" else INPUT_MESSAGE
            message = template.format(contact="help.openai.com", request_id=request_id)
            output.append(
                {
                    "id": _response_id("ig", request_id),
                    "type": "image_generation_call",
                    "status": "failed",
                    "result": None,
                    "error": {
                        "code": "moderation_blocked",
                        "message": message,
                        "param": None,
                        "type": "image_generation_user_error",
                        "moderation_details": {
                            "moderation_stage": decision.stage or "unknown",
                            "categories": list(decision.categories),
                        },
                    },
                }
            )
            text = RESPONSES_REFUSAL
        output.append(
            {
                "id": _response_id("msg", request_id),
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}],
            }
        )
    tokens = _text_tokens(prompt)
    body: dict[str, Any] = {
        "id": _response_id("resp", request_id),
        "object": "response",
        "created_at": int(time.time()),
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": incomplete,
        "instructions": None,
        "max_output_tokens": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": {"type": "image_generation"} if tool is not None else "auto",
        "tools": [tool] if tool is not None else [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 12,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": tokens + 12,
        },
        "user": None,
        "metadata": {},
    }
    if moderation is not None:
        body["moderation"] = moderation
    if azure:
        body["content_filters"] = None
    return body


def responses_events(body: dict[str, Any], partial_images: int = 0) -> list[dict[str, Any]]:
    """A Responses answer as its stream sends it: created, in_progress, each output item added
    (an image call generating, its partial images) and done, then completed (or incomplete)."""
    shell = {**body, "status": "in_progress", "output": [], "incomplete_details": None, "usage": None}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": shell},
        {"type": "response.in_progress", "response": shell},
    ]
    for index, item in enumerate(body["output"]):
        events.append(
            {
                "type": "response.output_item.added",
                "output_index": index,
                "item": {"id": item["id"], "type": item["type"], "status": "in_progress"},
            }
        )
        if item["type"] == "image_generation_call":
            base = {"output_index": index, "item_id": item["id"]}
            events.append({"type": "response.image_generation_call.in_progress", **base})
            events.append({"type": "response.image_generation_call.generating", **base})
            if item["status"] == "completed":
                for n in range(partial_images):
                    events.append(
                        {
                            "type": "response.image_generation_call.partial_image",
                            **base,
                            "partial_image_index": n,
                            "partial_image_b64": b64_png(f"partial {n} {item['id']}"),
                        }
                    )
                events.append({"type": "response.image_generation_call.completed", **base})
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    final = "response.incomplete" if body["status"] == "incomplete" else "response.completed"
    events.append({"type": final, "response": body})
    return [{**event, "sequence_number": n} for n, event in enumerate(events)]


def typed_sse(events: list[dict[str, Any]]) -> bytes:
    """Server-sent events with their type on an ``event:`` line, as the Responses API streams them."""
    return b"".join(
        f"event: {event['type']}\n".encode() + b"data: " + json.dumps(event).encode("utf-8") + b"\n\n"
        for event in events
    )
