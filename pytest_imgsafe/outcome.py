"""``classify()``: the one place that reads a provider's answer.

Every answer becomes either an :class:`Outcome` (a safety verdict: ``pass`` or ``block``) or an
:class:`ApiError` (anything that is not a verdict: rate limits, quota, auth, bad parameters,
server errors, garbage). A non-verdict is never counted as pass or block: that is the rule the
rest of the product leans on.

Shapes handled (see the reference notes): OpenAI images (``moderation_blocked`` with or without
``moderation_details``; dall-e ``content_policy_violation``; output-stage "Generated image was
filtered"), the moderations endpoint, Azure (``content_policy_violation`` with ``inner_error``,
``content_filter`` with ``innererror``, ``contentFilter`` for filtered output, 200 chat answers
with ``finish_reason: content_filter``), Gemini (native ``promptFeedback.blockReason`` and
safety ``finishReason``; the same signals passed through an OpenAI-compatible gateway), Imagen
(Responsible-AI 400s, ``raiFilteredReason``, filtered images dropped from ``data``), relay
envelopes (``shell_api_error`` with ``status_code`` in the body; relays that wrap a provider's
block in their own error) and 200 answers with no image at all.

A trap: OpenAI's ``image_generation_user_error`` type is used for bad parameters too, so the
``code`` decides, never the ``type``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["pass", "block"]
Stage = Literal["input", "output"]
ErrorKind = Literal["rate_limited", "quota", "auth", "invalid_request", "server_error", "unreadable"]

BLOCK_CODES = frozenset(
    {
        "moderation_blocked",
        "content_policy_violation",
        "content_filter",
        "contentfilter",
        "image_content_policy_violation",
        "responsibleaipolicyviolation",
    }
)
"""Error codes (lower-cased) that are safety verdicts."""

GEMINI_OUTPUT_REASONS = frozenset(
    {"SAFETY", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "RECITATION", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_OTHER", "IMAGE_RECITATION"}
)
_OUTPUT_HINTS = ("generated image was filtered", "output was filtered", "image was filtered")
_BLOCK_PHRASES = (
    "moderation_blocked",
    "content_policy_violation",
    "rejected by the safety system",
    "rejected as a result of our safety system",
    "content management policy",
    "responsibleaipolicyviolation",
    "generated image was filtered",
    "image_safety",
    "prohibited_content",
    "may violate our policies",
)
_REQUEST_ID = re.compile(r"request id:?\s*([0-9a-zA-Z][0-9a-zA-Z_-]{7,})", re.IGNORECASE)
_VIOLATIONS = re.compile(r"safety_violations=\[([^\]]*)\]")
_ERROR_CODE = re.compile(r"Error Code:\s*(\d+)")
_SUSPENDED = ("suspended", "temporarily blocked", "deactivated", "has been disabled", "account is not active")


@dataclass(frozen=True)
class Outcome:
    """A safety verdict read from one answer."""

    verdict: Verdict
    stage: Stage | None = None
    code: str | None = None
    provider: str | None = None
    request_id: str | None = None
    categories: tuple[str, ...] = ()
    message: str | None = None
    link: str | None = None
    """For chain and gateway targets: the link that gave this outcome."""

    @property
    def label(self) -> str:
        """``pass``, ``block``, ``block:input`` or ``block:output`` (``pass@LINK`` from a chain): the corpus's words."""
        if self.verdict == "block":
            return f"block:{self.stage}" if self.stage else "block"
        return f"pass@{self.link}" if self.link else "pass"


@dataclass
class ApiError(Exception):
    """An answer that is not a safety verdict; ``kind`` says what it is."""

    kind: ErrorKind
    message: str
    status_code: int | None = None
    code: str | None = None
    request_id: str | None = None
    provider: str | None = None
    suspended: bool = False
    retry_after: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [f"{self.kind}"]
        if self.status_code is not None:
            parts.append(f"HTTP {self.status_code}")
        if self.code:
            parts.append(f"code {self.code}")
        text = ", ".join(parts) + f": {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


def classify(status_code: int, body: bytes | str | Mapping[str, Any] | list[Any] | None, headers: Mapping[str, str] | None = None) -> Outcome:
    """Read one answer: an :class:`Outcome`, or raise :class:`ApiError` for a non-verdict."""
    header_map = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    request_id = header_map.get("x-request-id") or header_map.get("apim-request-id")
    provider_hint = "azure" if "apim-request-id" in header_map else None
    data = _parse(body)
    if data is _UNPARSED:
        raise _non_json(status_code, body, request_id, header_map)
    if isinstance(data, list) and data and isinstance(data[0], Mapping) and "error" in data[0]:
        data = data[0]  # Google APIs sometimes wrap the error object in a list
    if isinstance(data, Mapping) and isinstance(data.get("status_code"), int) and "error" in data:
        status_code = int(data["status_code"])  # relay envelope: the body's status is the real one
        provider_hint = "proxy"
    if isinstance(data, Mapping) and "error" in data and isinstance(data["error"], Mapping) and status_code < 400:
        status_code = 400  # a relay that answers 200 with an error inside
    if not isinstance(data, Mapping):
        raise ApiError("unreadable", f"answer is not a JSON object: {_snippet(body)}", status_code, None, request_id)
    if status_code >= 400:
        return _classify_error(status_code, data, request_id, provider_hint, header_map)
    return _classify_success(data, request_id, provider_hint)


# --- errors -------------------------------------------------------------------------------


def _classify_error(status: int, data: Mapping[str, Any], request_id: str | None, hint: str | None, headers: Mapping[str, str]) -> Outcome:
    error = data.get("error")
    if not isinstance(error, Mapping):
        error = data if isinstance(data.get("message"), str) else {}
    message = str(error.get("message") or data.get("message") or "").strip()
    code = error.get("code")
    code_s = str(code) if code is not None else None
    err_type = str(error.get("type") or "")
    request_id = request_id or _request_id_in(message)
    provider = hint or _provider_of(error)
    retry_after = headers.get("retry-after-ms") or headers.get("retry-after")

    if code_s is not None and code_s.lower() in BLOCK_CODES:
        return _block_from_error(error, code_s, message, request_id, provider, data)
    if _is_imagen_block(error, message):
        m = _ERROR_CODE.search(message)
        return Outcome("block", "input", m.group(1) if m else "RAI_BLOCKED", "imagen", request_id, (), message)
    wrapped = _wrapped_block(error, message, request_id, provider)
    if wrapped is not None:
        return wrapped

    lower = message.lower()
    if status == 429 or code_s in ("rate_limit_exceeded", "insufficient_quota", "429"):
        quota = "insufficient_quota" in (code_s or "", err_type) or "quota" in lower
        return _raise("quota" if quota else "rate_limited", message, status, code_s, request_id, provider, retry_after=retry_after)
    if status in (401, 403) or code_s in ("invalid_api_key", "401", "403", "PERMISSION_DENIED") or _gemini_bad_key(error, message):
        suspended = status == 403 and any(s in lower for s in _SUSPENDED)
        return _raise("auth", message, status, code_s, request_id, provider, suspended=suspended)
    if status >= 500:
        return _raise("server_error", message or f"HTTP {status}", status, code_s, request_id, provider, retry_after=retry_after)
    return _raise("invalid_request", message or f"HTTP {status}", status, code_s, request_id, provider)


def _block_from_error(error: Mapping[str, Any], code: str, message: str, request_id: str | None, provider: str | None, data: Mapping[str, Any]) -> Outcome:
    details = error.get("moderation_details")
    stage: Stage | None = None
    categories: tuple[str, ...] = ()
    if isinstance(details, Mapping):
        raw_stage = details.get("moderation_stage")
        stage = raw_stage if raw_stage in ("input", "output") else None
        categories = tuple(str(c) for c in details.get("categories") or ())
    lower = message.lower()
    if stage is None and (code.lower() == "contentfilter" or any(h in lower for h in _OUTPUT_HINTS)):
        stage = "output"
    if stage is None and (details is None or details.get("moderation_stage") != "unknown"):
        stage = "input"
    if not categories:
        m = _VIOLATIONS.search(message)
        if m:
            categories = tuple(c.strip() for c in m.group(1).split(",") if c.strip())
    inner = error.get("inner_error") or error.get("innererror")
    if isinstance(inner, Mapping):
        provider = provider or "azure"
        results = inner.get("content_filter_results") or inner.get("content_filter_result")
        if not categories and isinstance(results, Mapping):
            categories = _azure_filtered(results)
    return Outcome("block", stage, code, provider or "openai", request_id, categories, message or None)


def _wrapped_block(error: Mapping[str, Any], message: str, request_id: str | None, provider: str | None) -> Outcome | None:
    """A relay's own error around a provider's block: look inside, then at the message."""
    for key in ("error", "upstream_error", "provider_error", "inner"):
        inner = error.get(key)
        if isinstance(inner, Mapping):
            try:
                return classify(400, {"error": inner})
            except ApiError:
                pass
    metadata = error.get("metadata")
    raw = metadata.get("raw") if isinstance(metadata, Mapping) else None
    if isinstance(raw, str):
        try:
            return classify(400, raw)
        except ApiError:
            pass
    lower = message.lower()
    if any(phrase in lower for phrase in _BLOCK_PHRASES):
        code = next((c for c in ("moderation_blocked", "content_policy_violation") if c in lower), None)
        stage: Stage = "output" if any(h in lower for h in _OUTPUT_HINTS) or "image_safety" in lower else "input"
        m = _VIOLATIONS.search(message)
        categories = tuple(c.strip() for c in m.group(1).split(",")) if m else ()
        return Outcome("block", stage, code or str(error.get("code") or "wrapped_block"), provider or "proxy", request_id, categories, message)
    return None


def _is_imagen_block(error: Mapping[str, Any], message: str) -> bool:
    lower = message.lower()
    return error.get("status") == "INVALID_ARGUMENT" and (
        "violate our policies" in lower or "responsible ai" in lower or "blocked" in lower and "error code" in lower
    )


def _gemini_bad_key(error: Mapping[str, Any], message: str) -> bool:
    if "api key not valid" in message.lower() or "api_key_invalid" in message.lower():
        return True
    for detail in error.get("details") or ():
        if isinstance(detail, Mapping) and detail.get("reason") in ("API_KEY_INVALID", "API_KEY_EXPIRED"):
            return True
    return False


def _raise(kind: ErrorKind, message: str, status: int | None, code: str | None, request_id: str | None, provider: str | None, *, suspended: bool = False, retry_after: str | None = None) -> Outcome:
    raise ApiError(kind, message, status, code, request_id, provider, suspended, retry_after)


def _non_json(status: int, body: Any, request_id: str | None, headers: Mapping[str, str]) -> ApiError:
    snippet = _snippet(body)
    if status == 429:
        return ApiError("rate_limited", f"HTTP 429 with a body that is not JSON: {snippet}", status, None, request_id)
    if status in (401, 403):
        return ApiError("auth", f"HTTP {status} with a body that is not JSON: {snippet}", status, None, request_id)
    if status >= 500:
        return ApiError("server_error", f"HTTP {status} with a body that is not JSON: {snippet}", status, None, request_id)
    return ApiError("unreadable", f"HTTP {status} with a body that is not JSON (truncated, or an HTML page?): {snippet}", status, None, request_id)


# --- successes ----------------------------------------------------------------------------


def _classify_success(data: Mapping[str, Any], request_id: str | None, hint: str | None) -> Outcome:
    if isinstance(data.get("results"), list):
        return _moderation(data, request_id)
    if "choices" in data:
        return _chat(data, request_id, hint)
    if "promptFeedback" in data or "candidates" in data:
        return _gemini_native(data, request_id)
    if "predictions" in data:
        return _imagen_predict(data, request_id)
    if "data" in data:
        items = data.get("data")
        if not isinstance(items, list):
            raise ApiError("unreadable", "images answer whose 'data' is not a list", 200, None, request_id)
        if any(isinstance(i, Mapping) and (i.get("b64_json") or i.get("url")) for i in items):
            return Outcome("pass", None, None, hint or "openai", request_id)
        return Outcome("block", "output", "no_image", hint or "openai", request_id, (), "the answer carries no image (every image was filtered)")
    raise ApiError("unreadable", f"a 200 answer of no known shape: {_snippet(data)}", 200, None, request_id)


def _moderation(data: Mapping[str, Any], request_id: str | None) -> Outcome:
    flagged: list[str] = []
    any_flag = False
    for result in data["results"]:
        if not isinstance(result, Mapping) or "flagged" not in result:
            raise ApiError("unreadable", "moderation result without 'flagged'", 200, None, request_id)
        any_flag = any_flag or bool(result["flagged"])
        flagged.extend(k for k, v in (result.get("categories") or {}).items() if v)
    if any_flag:
        return Outcome("block", "input", "flagged", "openai", request_id, tuple(dict.fromkeys(flagged)), "flagged by the moderation endpoint")
    return Outcome("pass", None, None, "openai", request_id)


def _chat(data: Mapping[str, Any], request_id: str | None, hint: str | None) -> Outcome:
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        raise ApiError("unreadable", "chat answer without choices", 200, None, request_id)
    choice = choices[0]
    message: Mapping[str, Any] = choice["message"] if isinstance(choice.get("message"), Mapping) else {}
    finish = str(choice.get("finish_reason") or "")
    native = str(choice.get("native_finish_reason") or "")
    feedback = data.get("promptFeedback") or data.get("prompt_feedback")
    provider = hint or ("azure" if "prompt_filter_results" in data or "content_filter_results" in choice else None)
    if native or feedback:
        provider = provider or "gemini"
    if finish == "content_filter" or native.upper() in GEMINI_OUTPUT_REASONS or feedback:
        if isinstance(feedback, Mapping) and (feedback.get("blockReason") or feedback.get("block_reason")):
            reason = str(feedback.get("blockReason") or feedback.get("block_reason"))
            return Outcome("block", "input", reason, provider, request_id, (), "prompt blocked")
        # No prompt feedback: the answer itself was filtered, unless Azure says the prompt was.
        categories = _azure_filtered(choice.get("content_filter_results") or {})
        prompt_hit = any(
            _azure_filtered(p.get("content_filter_results") or {})
            for p in data.get("prompt_filter_results") or ()
            if isinstance(p, Mapping)
        )
        stage: Stage = "input" if prompt_hit else "output"
        return Outcome("block", stage, native or "content_filter", provider or "openai", request_id, categories, "answer filtered")
    if _has_image(message):
        return Outcome("pass", None, None, provider or "openai", request_id)
    text = message.get("content") if isinstance(message.get("content"), str) else None
    return Outcome("block", None, "no_image", provider or "openai", request_id, (), (text or "the answer carries no image")[:300])


def _gemini_native(data: Mapping[str, Any], request_id: str | None) -> Outcome:
    feedback = data.get("promptFeedback")
    if isinstance(feedback, Mapping) and feedback.get("blockReason"):
        return Outcome("block", "input", str(feedback["blockReason"]), "gemini", request_id, _gemini_categories(feedback), "prompt blocked")
    candidates = data.get("candidates") or []
    if not candidates:
        raise ApiError("unreadable", "Gemini answer with neither candidates nor a block reason", 200, None, request_id)
    cand = candidates[0]
    parts = ((cand.get("content") or {}).get("parts")) or []
    if any(isinstance(p, Mapping) and (p.get("inlineData") or p.get("inline_data")) for p in parts):
        return Outcome("pass", None, None, "gemini", request_id)
    reason = str(cand.get("finishReason") or "")
    if reason in GEMINI_OUTPUT_REASONS:
        return Outcome("block", "output", reason, "gemini", request_id, _gemini_categories(cand), cand.get("finishMessage"))
    return Outcome("block", None, reason or "NO_IMAGE", "gemini", request_id, (), cand.get("finishMessage") or "no image in the answer")


def _imagen_predict(data: Mapping[str, Any], request_id: str | None) -> Outcome:
    predictions = data.get("predictions") or []
    if any(isinstance(p, Mapping) and p.get("bytesBase64Encoded") for p in predictions):
        return Outcome("pass", None, None, "imagen", request_id)
    reasons = [str(p["raiFilteredReason"]) for p in predictions if isinstance(p, Mapping) and p.get("raiFilteredReason")]
    return Outcome("block", "output", "raiFilteredReason" if reasons else "no_image", "imagen", request_id, (), "; ".join(reasons) or None)


# --- helpers ------------------------------------------------------------------------------


class _Unparsed:
    pass


_UNPARSED = _Unparsed()


def _parse(body: Any) -> Any:
    if isinstance(body, (Mapping, list)):
        return body
    if body is None:
        return _UNPARSED
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return _UNPARSED
    try:
        return json.loads(body)
    except ValueError:
        return _UNPARSED


def _snippet(body: Any) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    text = " ".join(text.split())
    return text[:160] + ("…" if len(text) > 160 else "")


def _request_id_in(message: str) -> str | None:
    m = _REQUEST_ID.search(message)
    return m.group(1).rstrip(".") if m else None


def _provider_of(error: Mapping[str, Any]) -> str | None:
    if error.get("type") == "shell_api_error":
        return "proxy"
    if "inner_error" in error or "innererror" in error:
        return "azure"
    return None


def _azure_filtered(results: Mapping[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for name, value in results.items():
        if not isinstance(value, Mapping):
            continue
        if name == "custom_blocklists":
            names.extend(str(d.get("id")) for d in value.get("details") or () if isinstance(d, Mapping) and d.get("filtered"))
        elif value.get("filtered"):
            names.append(name)
    return tuple(names)


def _gemini_categories(obj: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(
        str(r.get("category"))
        for r in obj.get("safetyRatings") or ()
        if isinstance(r, Mapping) and (r.get("blocked") or r.get("probability") in ("HIGH", "MEDIUM"))
    )


def _has_image(message: Mapping[str, Any]) -> bool:
    images = message.get("images")
    if isinstance(images, list) and images:
        return True
    content = message.get("content")
    if isinstance(content, str):
        return "data:image/" in content or bool(re.search(r"!\[[^\]]*\]\((https?://|data:)", content))
    if isinstance(content, list):
        return any(isinstance(p, Mapping) and p.get("type") in ("image_url", "output_image", "image") for p in content)
    return False
