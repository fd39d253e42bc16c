"""``classify()``: the one place that reads a provider's answer.

Every answer becomes either an :class:`Outcome` (a safety verdict: ``pass`` or ``block``) or an
:class:`ApiError` (anything that is not a verdict: rate limits, quota, auth, bad parameters,
server errors, garbage, an answer with no usable image). A non-verdict is never counted as pass or
block: that is the rule the rest of the product leans on.

The rules are about the providers' shapes, checked against a table of real answers collected from
public sources (``tests/data/answers``):

- OpenAI images (``moderation_blocked`` with or without ``moderation_details``; dall-e's
  ``content_policy_violation``), the moderations endpoint, streamed images (server-sent events).
- Azure (``content_policy_violation`` with ``inner_error``, ``content_filter`` with ``innererror``,
  200 chat answers with ``finish_reason: content_filter``); the content-filter annotations of a
  successful answer become the outcome's categories, so a pass that was close to a block shows it.
- Gemini (``promptFeedback.blockReason``, safety ``finishReason``s), whole or streamed: SSE lines
  or a JSON array of chunks are merged into one answer before reading. Ratings alone never block.
- Imagen (Responsible-AI 400s with support codes, ``raiFilteredReason``; some images filtered and
  some returned is a pass that keeps the filter's message).
- Azure AI Content Safety ``text:analyze`` (``categoriesAnalysis`` severities, ``blocklistsMatch``):
  read against a severity threshold per category (:func:`content_safety_verdict`; 4, medium, when
  none is given), a block at the input stage.
- Relays (new-api / one-api / LiteLLM / OpenRouter envelopes): a provider's block passed through
  keeps the provider's filter; the relay's own filter (sensitive words, OpenRouter moderation) is
  the ``relay`` filter; credits and quota codes are ``quota`` whatever the status.

Traps: OpenAI's ``image_generation_user_error`` type is used for bad parameters too, so the
``code`` decides, never the ``type``; the moderation stage comes from ``moderation_details``, never
from the message (the output stage uses the input wording); ``quota`` appears in Azure's rate-limit
link, so only quota phrases count.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..base.wire import PLACEHOLDER

Verdict = Literal["pass", "block"]
Stage = Literal["input", "output"]
ErrorKind = Literal["rate_limited", "quota", "auth", "invalid_request", "server_error", "unreadable"]
Filter = Literal["openai", "azure", "gemini", "imagen", "relay"]

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
"""Error codes (lower-cased) that are a provider's safety verdict."""

RELAY_BLOCK_CODES = frozenset({"sensitive_words_detected", "prompt_blocked"})
"""Error codes (lower-cased) a relay uses when its own filter stops a prompt."""

GEMINI_OUTPUT_REASONS = frozenset(
    {
        "SAFETY",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "RECITATION",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
    }
)
"""Gemini finish reasons that name a policy: with no image, the output was blocked. ``OTHER``,
``IMAGE_OTHER``, ``NO_IMAGE`` and ``MAX_TOKENS`` name none, so they are not verdicts."""

QUOTA_CODES = frozenset(
    {
        "insufficient_quota",
        "insufficient_user_quota",
        "billing_hard_limit_reached",
        "insufficient_credits",
        "pre_consume_token_quota_failed",
    }
)
_QUOTA_PHRASES = (
    "exceeded your current quota",
    "quota is not enough",
    "insufficient credits",
    "billing hard limit",
    "out of call volume quota",  # Azure AI services (Content Safety's F0 tier), sent as a 403
    "only accessible to billed users",
    "额度不足",
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
_AZURE_WORDING = ("azure openai", "azure support", "content management policy")
_RELAY_TYPES = frozenset({"new_api_error", "one_api_error", "shell_api_error", "upstream_error", "throttling_error"})
_GOOGLE_SERVER = frozenset({"UNAVAILABLE", "INTERNAL", "CANCELLED", "DEADLINE_EXCEEDED", "UNKNOWN"})
_REQUEST_ID = re.compile(r"request id:?\s*([0-9a-zA-Z][0-9a-zA-Z_-]{7,})", re.IGNORECASE)
_VIOLATIONS = re.compile(r"safety_violations=\[([^\]]*)\]")
_SUPPORT_CODE = re.compile(r"(?:error code|support codes?):\s*(\d+)", re.IGNORECASE)
_DATA_URL = re.compile(r"data:image/[A-Za-z0-9.+-]+;base64,([A-Za-z0-9+/=\s]+|<imgsafe:[^>]+>)")
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\((https?://[^)\s]+|data:[^)\s]+)\)")
_SUSPENDED = ("suspended", "temporarily blocked", "deactivated", "has been disabled", "account is not active")
_LOW_LEVELS = frozenset({"", "safe", "negligible", "harm_probability_unspecified", "probability_unspecified"})


@dataclass(frozen=True)
class Outcome:
    """A safety verdict read from one answer.

    ``categories`` are the flagged categories of a block; on a pass they are the annotations above
    the lowest level (``violence:low``, ``HARM_CATEGORY_HARASSMENT:MEDIUM``), so a near miss shows.
    ``filter`` names the classifier that answered (``openai``, ``azure``, ``gemini``, ``imagen``,
    ``relay``): a relay that passes Azure's filter through says ``azure``, since that decides how
    strict the channel is, while ``provider`` says who sent the answer.
    """

    verdict: Verdict
    stage: Stage | None = None
    code: str | None = None
    provider: str | None = None
    request_id: str | None = None
    categories: tuple[str, ...] = ()
    message: str | None = None
    link: str | None = None
    """For chain and gateway targets: the link that gave this outcome."""
    filter: str | None = None
    """The safety filter that answered (see the class docstring); ``None`` when not read from an answer."""

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


@dataclass(frozen=True)
class _Ctx:
    """What every reader needs besides the body: the request id, headers and a provider hint."""

    request_id: str | None
    headers: Mapping[str, str]
    hint: str | None


def classify(
    status_code: int,
    body: bytes | str | Mapping[str, Any] | list[Any] | None,
    headers: Mapping[str, str] | None = None,
    *,
    thresholds: Mapping[str, int] | None = None,
) -> Outcome:
    """Read one answer: an :class:`Outcome`, or raise :class:`ApiError` for a non-verdict.

    ``thresholds`` (severity per category) apply to Azure AI Content Safety answers only; without
    them every category blocks at 4 (see :func:`content_safety_verdict`)."""
    header_map = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    request_id = header_map.get("x-request-id") or header_map.get("apim-request-id")
    ctx = _Ctx(request_id, header_map, "azure" if "apim-request-id" in header_map else None)
    if 300 <= status_code < 400:
        raise ApiError(
            "unreadable",
            f"HTTP {status_code} is a redirect, not the API's answer: {_snippet(body)}",
            status_code,
            None,
            request_id,
        )
    data = _merge_stream(_parse(body))
    if data is _UNPARSED:
        raise _non_json(status_code, body, request_id)
    if not isinstance(data, Mapping):
        raise ApiError("unreadable", f"answer is not a JSON object: {_snippet(body)}", status_code, None, request_id)
    status_code, ctx = _envelope_status(status_code, data, ctx)
    if status_code >= 400:
        return _classify_error(status_code, data, ctx)
    if "categoriesAnalysis" in data or "blocklistsMatch" in data:
        return content_safety_verdict(data, thresholds, ctx.request_id)
    return _classify_success(data, ctx)


def _envelope_status(status: int, data: Mapping[str, Any], ctx: _Ctx) -> tuple[int, _Ctx]:
    """The real status of an answer: a relay's ``status_code`` field, or an error inside a 2xx."""
    if isinstance(data.get("status_code"), int) and "error" in data:
        return int(data["status_code"]), _Ctx(ctx.request_id, ctx.headers, "proxy")
    error = data.get("error")
    if isinstance(error, Mapping) and status < 400:
        code = error.get("code")
        return (code if isinstance(code, int) and code >= 400 else 400), ctx
    return status, ctx


# --- reading the body: JSON, SSE, arrays of chunks ---------------------------------------


class _Unparsed:
    pass


_UNPARSED = _Unparsed()


def _parse(body: Any) -> Any:
    """JSON, or the JSON events of a server-sent-event stream (a list), or ``_UNPARSED``."""
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
        events = _sse_events(str(body))
        return events if events else _UNPARSED


def _sse_events(text: str) -> list[Any]:
    """The JSON payloads of an SSE stream, read whole; a bare JSON object between events counts too
    (Vertex appends its error object to a failed stream without a ``data:`` prefix)."""
    if not re.search(r"^data:", text, re.MULTILINE):
        return []
    events: list[Any] = []
    for block in re.split(r"\r?\n\s*\r?\n", text):
        lines = block.strip().splitlines()
        data = [ln[5:].strip() for ln in lines if ln.startswith("data:")]
        payload = "\n".join(data) if data else block.strip()
        if not payload or payload == "[DONE]" or all(ln.startswith((":", "event:", "id:", "retry:")) for ln in lines):
            continue
        try:
            events.append(json.loads(payload))
        except ValueError:
            return []
    return events


def _merge_stream(data: Any) -> Any:
    """One answer from a list: an error chunk wins, Gemini chunks and chat chunks are merged,
    OpenAI image events become an images answer, a one-element list is its element."""
    if not isinstance(data, list) or not data or not all(isinstance(d, Mapping) for d in data):
        return data
    errors = [d for d in data if "error" in d and isinstance(d["error"], Mapping)]
    if errors:
        return errors[0]
    if len(data) == 1:
        return data[0]
    if all(_is_gemini(d) for d in data):
        return _merge_gemini(data)
    if any(str(d.get("type", "")).startswith(("image_generation.", "image_edit.")) for d in data):
        return {
            "data": [{"b64_json": d.get("b64_json")} for d in data if str(d.get("type", "")).endswith(".completed")]
        }
    if all("choices" in d for d in data):
        return _merge_chat(data)
    return data


def _is_gemini(chunk: Mapping[str, Any]) -> bool:
    return any(k in chunk for k in ("candidates", "promptFeedback", "usageMetadata"))


def _merge_gemini(chunks: list[Mapping[str, Any]]) -> dict[str, Any]:
    """A streamed Gemini answer read whole: parts concatenated, the last finish reason and ratings."""
    parts: list[Any] = []
    candidate: dict[str, Any] = {}
    feedback: Any = None
    for chunk in chunks:
        if isinstance(chunk.get("promptFeedback"), Mapping) and (
            feedback is None or chunk["promptFeedback"].get("blockReason")
        ):
            feedback = chunk["promptFeedback"]
        for cand in (chunk.get("candidates") or [])[:1]:
            if not isinstance(cand, Mapping):
                continue
            content = cand.get("content")
            parts.extend((content.get("parts") or []) if isinstance(content, Mapping) else [])
            candidate.update({k: v for k, v in cand.items() if k != "content" and v})
    merged: dict[str, Any] = {}
    if feedback is not None:
        merged["promptFeedback"] = feedback
    if candidate or parts:
        merged["candidates"] = [{**candidate, "content": {"parts": parts}}]
    return merged


def _merge_chat(chunks: list[Mapping[str, Any]]) -> dict[str, Any]:
    """A streamed chat answer read whole: the deltas joined into one message."""
    text: list[str] = []
    images: list[Any] = []
    choice: dict[str, Any] = {}
    top: dict[str, Any] = {}
    for chunk in chunks:
        top.update({k: v for k, v in chunk.items() if k != "choices" and v})
        for ch in (chunk.get("choices") or [])[:1]:
            if not isinstance(ch, Mapping):
                continue
            delta = ch.get("delta") or ch.get("message") or {}
            if isinstance(delta, Mapping):
                text.append(str(delta.get("content") or ""))
                images.extend(delta.get("images") or ())
            choice.update({k: v for k, v in ch.items() if k not in ("delta", "message") and v})
    choice["message"] = {"role": "assistant", "content": "".join(text), **({"images": images} if images else {})}
    return {**top, "choices": [choice]}


# --- errors ------------------------------------------------------------------------------


def _error_object(data: Mapping[str, Any]) -> Mapping[str, Any]:
    error = data.get("error")
    if isinstance(error, Mapping):
        return error
    return data if isinstance(data.get("message"), str) else {}


def _classify_error(status: int, data: Mapping[str, Any], ctx: _Ctx) -> Outcome:
    error = _error_object(data)
    message = str(error.get("message") or data.get("message") or "").strip()
    code = error.get("code")
    code_s = str(code) if code is not None else None
    ctx = _Ctx(ctx.request_id or _request_id_in(message), ctx.headers, ctx.hint or _provider_of(error, message))
    verdict = _error_verdict(error, code_s, message, ctx)
    if verdict is not None:
        return verdict
    return _raise(_error_kind(status, error, code_s, message), message or f"HTTP {status}", status, code_s, ctx)


def _error_verdict(error: Mapping[str, Any], code: str | None, message: str, ctx: _Ctx) -> Outcome | None:
    """A safety verdict carried by an error answer, or ``None``."""
    lower_code = (code or "").lower()
    if lower_code in BLOCK_CODES or _azure_inner(error) is not None:
        return _block_from_error(error, code, message, ctx)
    if lower_code in RELAY_BLOCK_CODES or _relay_moderation(error):
        return _relay_block(error, code, message, ctx)
    if _is_imagen_block(error, message):
        m = _SUPPORT_CODE.search(message)
        return Outcome(
            "block", "input", m.group(1) if m else "RAI_BLOCKED", "imagen", ctx.request_id, (), message, filter="imagen"
        )
    if _is_suspension(message):
        return None
    return _wrapped_block(error, message, ctx)


def _block_from_error(error: Mapping[str, Any], code: str | None, message: str, ctx: _Ctx) -> Outcome:
    details = error.get("moderation_details")
    stage: Stage | None = None
    categories: tuple[str, ...] = ()
    if isinstance(details, Mapping):
        raw_stage = details.get("moderation_stage")
        stage = raw_stage if raw_stage in ("input", "output") else None
        categories = tuple(str(c) for c in details.get("categories") or ())
    lower = message.lower()
    code = code if code and code.lower() in BLOCK_CODES else "content_filter"
    if stage is None and (code.lower() == "contentfilter" or any(h in lower for h in _OUTPUT_HINTS)):
        stage = "output"
    if stage is None and (not isinstance(details, Mapping) or details.get("moderation_stage") != "unknown"):
        stage = "input"
    categories = categories or _violations(message)
    inner = _azure_inner(error)
    if inner is not None:
        results = inner.get("content_filter_results") or inner.get("content_filter_result")
        categories = categories or (_azure_filtered(results) if isinstance(results, Mapping) else ())
    provider = ctx.hint or ("azure" if inner is not None else "openai")
    return Outcome(
        "block",
        stage,
        code,
        provider,
        ctx.request_id,
        categories,
        message or None,
        filter=_filter_of(message, ctx, inner),
    )


def _filter_of(message: str, ctx: _Ctx, inner: Mapping[str, Any] | None) -> Filter:
    """Azure when Azure's annotations, header or wording show through (also behind a relay), else OpenAI."""
    lower = message.lower()
    if inner is not None or "apim-request-id" in ctx.headers or any(w in lower for w in _AZURE_WORDING):
        return "azure"
    return "openai"


def _azure_inner(error: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Azure's inner error (``inner_error`` for images, ``innererror`` for chat, or kept by LiteLLM)."""
    extra = error.get("provider_specific_fields")
    for inner in (
        error.get("inner_error"),
        error.get("innererror"),
        extra.get("innererror") if isinstance(extra, Mapping) else None,
    ):
        if isinstance(inner, Mapping) and (
            inner.get("code") == "ResponsibleAIPolicyViolation"
            or "content_filter_result" in inner
            or "content_filter_results" in inner
        ):
            return inner
    return None


def _relay_moderation(error: Mapping[str, Any]) -> bool:
    """OpenRouter's own moderation: ``metadata`` with ``reasons`` / ``flagged_input``."""
    metadata = error.get("metadata")
    return isinstance(metadata, Mapping) and ("flagged_input" in metadata or "reasons" in metadata)


def _relay_block(error: Mapping[str, Any], code: str | None, message: str, ctx: _Ctx) -> Outcome:
    metadata = error.get("metadata")
    reasons = metadata.get("reasons") if isinstance(metadata, Mapping) else None
    categories = tuple(str(r) for r in reasons) if isinstance(reasons, list) else ()
    code = code if code and not code.isdigit() else "moderation"
    return Outcome("block", "input", code, "relay", ctx.request_id, categories, message or None, filter="relay")


def _wrapped_block(error: Mapping[str, Any], message: str, ctx: _Ctx) -> Outcome | None:
    """A relay's own error around a provider's block: look inside, then at the message."""
    for inner in _inner_answers(error, message):
        try:
            outcome = classify(400, inner)
        except ApiError:
            continue
        return Outcome(
            outcome.verdict,
            outcome.stage,
            outcome.code,
            "proxy",
            ctx.request_id or outcome.request_id,
            outcome.categories,
            outcome.message,
            filter=outcome.filter,
        )
    lower = message.lower()
    if any(phrase in lower for phrase in _BLOCK_PHRASES):
        code = next((c for c in ("moderation_blocked", "content_policy_violation") if c in lower), None)
        stage: Stage = "output" if any(h in lower for h in _OUTPUT_HINTS) or "image_safety" in lower else "input"
        return Outcome(
            "block",
            stage,
            code or str(error.get("code") or "wrapped_block"),
            ctx.hint or "proxy",
            ctx.request_id,
            _violations(message),
            message,
            filter=_filter_of(message, ctx, None),
        )
    return None


def _inner_answers(error: Mapping[str, Any], message: str) -> Iterable[Any]:
    """Provider answers a relay nests in its error: sub-objects, ``metadata.raw``, a JSON message."""
    for key in ("error", "upstream_error", "provider_error", "inner"):
        if isinstance(error.get(key), Mapping):
            yield {"error": error[key]}
    metadata = error.get("metadata")
    raw = metadata.get("raw") if isinstance(metadata, Mapping) else None
    if isinstance(raw, (str, Mapping)):
        yield raw
    if message.startswith(("{", "[")):
        yield message


def _is_imagen_block(error: Mapping[str, Any], message: str) -> bool:
    lower = message.lower()
    return error.get("status") == "INVALID_ARGUMENT" and (
        "violate our policies" in lower or "responsible ai" in lower or ("blocked" in lower and "error code" in lower)
    )


def _error_kind(status: int, error: Mapping[str, Any], code: str | None, message: str) -> ErrorKind:
    """The kind of a non-verdict: codes and phrases first, the status last."""
    lower = message.lower()
    err_type = str(error.get("type") or "").lower()
    google = str(error.get("status") or "")
    if (
        (code or "").lower() in QUOTA_CODES
        or err_type in QUOTA_CODES
        or status == 402
        or any(p in lower for p in _QUOTA_PHRASES)
    ):
        return "quota"
    if status == 429 or code in ("rate_limit_exceeded", "429") or google == "RESOURCE_EXHAUSTED":
        return "rate_limited"
    if (
        status in (401, 403)
        or code in ("invalid_api_key", "401", "403")
        or google in ("PERMISSION_DENIED", "UNAUTHENTICATED")
    ):
        return "auth"
    if _gemini_bad_key(error, message) or "organization must be verified" in lower:
        return "auth"
    if status >= 500 or google in _GOOGLE_SERVER:
        return "server_error"
    return "invalid_request"


def _is_suspension(message: str) -> bool:
    lower = message.lower()
    return any(s in lower for s in _SUSPENDED)


def _gemini_bad_key(error: Mapping[str, Any], message: str) -> bool:
    if "api key not valid" in message.lower() or "api_key_invalid" in message.lower():
        return True
    for detail in error.get("details") or ():
        if isinstance(detail, Mapping) and detail.get("reason") in ("API_KEY_INVALID", "API_KEY_EXPIRED"):
            return True
    return False


def _raise(kind: ErrorKind, message: str, status: int | None, code: str | None, ctx: _Ctx) -> Outcome:
    suspended = kind == "auth" and status == 403 and _is_suspension(message)
    retry_after = ctx.headers.get("retry-after-ms") or ctx.headers.get("retry-after")
    raise ApiError(kind, message, status, code, ctx.request_id, ctx.hint, suspended, retry_after)


def _non_json(status: int, body: Any, request_id: str | None) -> ApiError:
    """A body that is neither JSON nor an SSE stream (an HTML page, plain text): the status decides."""
    snippet = _snippet(body)
    kinds: dict[int, ErrorKind] = {
        429: "rate_limited",
        402: "quota",
        401: "auth",
        403: "auth",
        404: "invalid_request",
        405: "invalid_request",
        413: "invalid_request",
        414: "invalid_request",
    }
    kind: ErrorKind = "server_error" if status >= 500 else kinds.get(status, "unreadable")
    hint = "" if kind != "unreadable" else " (truncated, or an HTML page?)"
    return ApiError(kind, f"HTTP {status} with a body that is not JSON{hint}: {snippet}", status, None, request_id)


# --- successes ---------------------------------------------------------------------------


def _classify_success(data: Mapping[str, Any], ctx: _Ctx) -> Outcome:
    if isinstance(data.get("results"), list):
        return _moderation(data, ctx)
    if "choices" in data:
        return _chat(data, ctx)
    if "promptFeedback" in data or "candidates" in data:
        return _gemini_native(data, ctx)
    if "predictions" in data:
        return _imagen_predict(data, ctx)
    if "data" in data:
        return _images(data, ctx)
    raise _no_verdict(f"a 200 answer of no known shape: {_snippet(data)}", ctx)


def _no_verdict(message: str, ctx: _Ctx) -> ApiError:
    """A 2xx answer with no usable image and no safety signal: never pass, never block."""
    return ApiError("unreadable", message, 200, None, ctx.request_id, ctx.hint)


def _images(data: Mapping[str, Any], ctx: _Ctx) -> Outcome:
    items = data.get("data")
    if not isinstance(items, list):
        raise _no_verdict("images answer whose 'data' is not a list", ctx)
    if not any(isinstance(i, Mapping) and (_usable_b64(i.get("b64_json")) or _usable_url(i.get("url"))) for i in items):
        raise _no_verdict(f"images answer with no usable image ({len(items)} item(s): empty, null or not base64)", ctx)
    annotations = _azure_annotations(
        r
        for i in items
        if isinstance(i, Mapping)
        for r in (i.get("prompt_filter_results"), i.get("content_filter_results"))
    )
    azure = ctx.hint == "azure" or any(
        isinstance(i, Mapping) and ("content_filter_results" in i or "prompt_filter_results" in i) for i in items
    )
    return Outcome(
        "pass",
        None,
        None,
        ctx.hint or ("azure" if azure else "openai"),
        ctx.request_id,
        annotations,
        filter="azure" if azure else "openai",
    )


def _usable_b64(value: Any) -> bool:
    """Base64 that decodes to bytes, or the placeholder a recording puts in its place."""
    if not isinstance(value, str) or not value.strip():
        return False
    if PLACEHOLDER.match(value.strip()):
        return True
    try:
        return bool(base64.b64decode("".join(value.split()), validate=True))
    except (binascii.Error, ValueError):
        return False


def _usable_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if value.startswith("data:"):
        m = _DATA_URL.match(value)
        return bool(m) and _usable_b64(m.group(1) if m else None)
    return value.startswith(("https://", "http://", "gs://"))


def _moderation(data: Mapping[str, Any], ctx: _Ctx) -> Outcome:
    flagged: list[str] = []
    any_flag = False
    for result in data["results"]:
        if not isinstance(result, Mapping) or "flagged" not in result:
            raise _no_verdict("moderation result without 'flagged'", ctx)
        any_flag = any_flag or bool(result["flagged"])
        flagged.extend(k for k, v in (result.get("categories") or {}).items() if v)
    if any_flag:
        return Outcome(
            "block",
            "input",
            "flagged",
            "openai",
            ctx.request_id,
            tuple(dict.fromkeys(flagged)),
            "flagged by the moderation endpoint",
            filter="openai",
        )
    return Outcome("pass", None, None, "openai", ctx.request_id, filter="openai")


def _chat(data: Mapping[str, Any], ctx: _Ctx) -> Outcome:
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        raise _no_verdict("chat answer without choices", ctx)
    choice = choices[0]
    message: Mapping[str, Any] = choice["message"] if isinstance(choice.get("message"), Mapping) else {}
    finish = str(choice.get("finish_reason") or "")
    native = str(choice.get("native_finish_reason") or "")
    feedback = data.get("promptFeedback") or data.get("prompt_feedback")
    azure = "prompt_filter_results" in data or "content_filter_results" in choice
    chat_filter: Filter = "gemini" if (native or feedback) else "azure" if azure else "openai"
    provider = ctx.hint or ("azure" if azure else "gemini" if chat_filter == "gemini" else "openai")
    if finish == "content_filter" or native.upper() in GEMINI_OUTPUT_REASONS or feedback:
        return _chat_block(data, choice, native, feedback, provider, chat_filter, ctx)
    if _has_image(message):
        prompts = (
            p.get("content_filter_results") for p in data.get("prompt_filter_results") or () if isinstance(p, Mapping)
        )
        annotations = _azure_annotations([*prompts, choice.get("content_filter_results")])
        return Outcome("pass", None, None, provider, ctx.request_id, annotations, filter=chat_filter)
    content = message.get("content")
    text = content if isinstance(content, str) else ""
    raise _no_verdict(
        f"chat answer with no image and no safety signal (finish_reason {finish or 'none'}): {text[:200]}", ctx
    )


def _chat_block(
    data: Mapping[str, Any],
    choice: Mapping[str, Any],
    native: str,
    feedback: Any,
    provider: str,
    chat_filter: Filter,
    ctx: _Ctx,
) -> Outcome:
    if isinstance(feedback, Mapping) and (feedback.get("blockReason") or feedback.get("block_reason")):
        reason = str(feedback.get("blockReason") or feedback.get("block_reason"))
        return Outcome("block", "input", reason, provider, ctx.request_id, (), "prompt blocked", filter=chat_filter)
    # No prompt feedback: the answer itself was filtered, unless Azure says the prompt was.
    categories = _azure_filtered(choice.get("content_filter_results") or {})
    prompt_hit = any(
        _azure_filtered(p.get("content_filter_results") or {})
        for p in data.get("prompt_filter_results") or ()
        if isinstance(p, Mapping)
    )
    stage: Stage = "input" if prompt_hit else "output"
    return Outcome(
        "block",
        stage,
        native or "content_filter",
        provider,
        ctx.request_id,
        categories,
        "answer filtered",
        filter=chat_filter,
    )


def _gemini_native(data: Mapping[str, Any], ctx: _Ctx) -> Outcome:
    feedback = data.get("promptFeedback")
    feedback = feedback if isinstance(feedback, Mapping) else {}
    reason = str(feedback.get("blockReason") or "")
    candidates = [c for c in data.get("candidates") or () if isinstance(c, Mapping)]
    if reason and reason != "BLOCK_REASON_UNSPECIFIED":
        return Outcome(
            "block",
            "input",
            reason,
            "gemini",
            ctx.request_id,
            _gemini_categories(feedback),
            feedback.get("blockReasonMessage") or "prompt blocked",
            filter="gemini",
        )
    if feedback.get("blockReasonMessage") and not candidates:
        return Outcome(
            "block",
            "input",
            "PROMPT_BLOCKED",
            "gemini",
            ctx.request_id,
            _gemini_categories(feedback),
            str(feedback["blockReasonMessage"]),
            filter="gemini",
        )
    if not candidates:
        raise _no_verdict("Gemini answer with neither candidates nor a block reason", ctx)
    cand = candidates[0]
    content = cand.get("content")
    parts = (content.get("parts") or []) if isinstance(content, Mapping) else []
    if any(_is_image_part(p) for p in parts):
        return Outcome(
            "pass", None, None, "gemini", ctx.request_id, _near_misses(cand.get("safetyRatings")), filter="gemini"
        )
    finish = str(cand.get("finishReason") or "")
    if finish in GEMINI_OUTPUT_REASONS:
        return Outcome(
            "block",
            "output",
            finish,
            "gemini",
            ctx.request_id,
            _gemini_categories(cand),
            cand.get("finishMessage"),
            filter="gemini",
        )
    raise _no_verdict(
        f"Gemini answer with no image and no safety signal (finishReason {finish or 'none'}): "
        f"{cand.get('finishMessage') or ''}".rstrip(": "),
        ctx,
    )


def _is_image_part(part: Any) -> bool:
    if not isinstance(part, Mapping):
        return False
    inline = part.get("inlineData") or part.get("inline_data")
    if isinstance(inline, Mapping):
        return _usable_b64(inline.get("data"))
    file_data = part.get("fileData") or part.get("file_data")
    return isinstance(file_data, Mapping) and _usable_url(file_data.get("fileUri") or file_data.get("file_uri"))


def _imagen_predict(data: Mapping[str, Any], ctx: _Ctx) -> Outcome:
    predictions = [p for p in data.get("predictions") or () if isinstance(p, Mapping)]
    reasons = "; ".join(str(p["raiFilteredReason"]) for p in predictions if p.get("raiFilteredReason"))
    if any(_usable_b64(p.get("bytesBase64Encoded")) or _usable_url(p.get("gcsUri")) for p in predictions):
        # Some images filtered and some returned: the user got images, so a pass that keeps the reason.
        return Outcome("pass", None, None, "imagen", ctx.request_id, (), reasons or None, filter="imagen")
    if reasons:
        return Outcome("block", "output", "raiFilteredReason", "imagen", ctx.request_id, (), reasons, filter="imagen")
    raise _no_verdict("Imagen answer with no image and no filter reason", ctx)


# --- Azure AI Content Safety ----------------------------------------------------------------

CONTENT_SAFETY_CATEGORIES: tuple[str, ...] = ("Hate", "SelfHarm", "Sexual", "Violence")
"""The harm categories of ``text:analyze``, as the API spells them."""
DEFAULT_SEVERITY_THRESHOLD = 4
"""Medium: the severity from which Azure OpenAI's default content filter blocks a prompt."""


def category_key(name: str) -> str:
    """A category name compared loosely: ``SelfHarm``, ``selfharm``, ``self_harm``, ``Self-Harm``."""
    return re.sub(r"[\s_-]+", "", name).lower()


def content_safety_verdict(
    data: Mapping[str, Any], thresholds: Mapping[str, int] | None = None, request_id: str | None = None
) -> Outcome:
    """A ``text:analyze`` answer against a severity threshold per category (pure).

    A block at the input stage when any category's severity reaches its threshold (a category
    without one: :data:`DEFAULT_SEVERITY_THRESHOLD`) or any blocklist matched; a pass otherwise.
    The thresholds are on the answer's scale (0, 2, 4, 6 with FourSeverityLevels; 0-7 with
    EightSeverityLevels). ``categories`` are ``Name:severity``: on a block the categories that
    reached their threshold and ``blocklist:NAME`` for each matched list, on a pass every category
    above 0, so a near miss shows; ``message`` gives every severity against its threshold. An
    answer with a row that has no whole-number severity, or that analyzed nothing and matched no
    blocklist, is no verdict.
    """
    limits = {category_key(str(k)): int(v) for k, v in (thresholds or {}).items()}
    rows = data.get("categoriesAnalysis")
    rows = [] if rows is None else rows
    matches = data.get("blocklistsMatch")
    matches = [] if matches is None else matches
    if not isinstance(rows, list) or not isinstance(matches, list):
        raise ApiError(
            "unreadable",
            f"a text:analyze answer whose categoriesAnalysis or blocklistsMatch is not a list: {_snippet(data)}",
            200,
            None,
            request_id,
            "azure",
        )
    severities: list[tuple[str, int, int]] = []
    for row in rows:
        severity = row.get("severity") if isinstance(row, Mapping) else None
        if (
            not isinstance(row, Mapping)
            or not isinstance(row.get("category"), str)
            or isinstance(severity, bool)
            or not isinstance(severity, int)
        ):
            raise ApiError(
                "unreadable",
                f"a text:analyze row without a category and a whole-number severity: {_snippet(row)}",
                200,
                None,
                request_id,
                "azure",
            )
        name = str(row["category"])
        severities.append((name, severity, limits.get(category_key(name), DEFAULT_SEVERITY_THRESHOLD)))
    lists = [m for m in matches if isinstance(m, Mapping)]
    if not severities and not lists:
        raise ApiError(
            "unreadable",
            "a text:analyze answer that analyzed no category and matched no blocklist",
            200,
            None,
            request_id,
            "azure",
        )
    over = [f"{name}:{severity}" for name, severity, limit in severities if severity >= limit]
    hits = [f"blocklist:{m.get('blocklistName') or '?'}" for m in lists]
    shown = [
        f"{name} {severity} ({'>=' if severity >= limit else '<'} {limit})" for name, severity, limit in severities
    ]
    shown += [f"blocklist {m.get('blocklistName') or '?'} matched {m.get('blocklistItemText')!r}" for m in lists]
    message = "; ".join(shown)
    if over or hits:
        code = "blocklistsMatch" if hits and not over else "categoriesAnalysis"
        return Outcome(
            "block", "input", code, "azure", request_id, tuple(dict.fromkeys(over + hits)), message, filter="azure"
        )
    near = tuple(f"{name}:{severity}" for name, severity, _ in severities if severity > 0)
    return Outcome("pass", None, None, "azure", request_id, near, message, filter="azure")


# --- helpers -----------------------------------------------------------------------------


def _snippet(body: Any) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    text = " ".join(text.split())
    return text[:160] + ("…" if len(text) > 160 else "")


def _request_id_in(message: str) -> str | None:
    m = _REQUEST_ID.search(message)
    return m.group(1).rstrip(".") if m else None


def _violations(message: str) -> tuple[str, ...]:
    m = _VIOLATIONS.search(message)
    return tuple(c.strip() for c in m.group(1).split(",") if c.strip()) if m else ()


def _provider_of(error: Mapping[str, Any], message: str) -> str | None:
    """Who sent an error: ``proxy`` for relay envelopes, ``azure`` for Azure's inner errors."""
    if str(error.get("type") or "") in _RELAY_TYPES or "metadata" in error or "provider_specific_fields" in error:
        return "proxy"
    if message.startswith(("litellm.", "Provider returned error")):
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
            names.extend(
                str(d.get("id")) for d in value.get("details") or () if isinstance(d, Mapping) and d.get("filtered")
            )
        elif value.get("filtered"):
            names.append(name)
    return tuple(names)


def _azure_annotations(results: Iterable[Any]) -> tuple[str, ...]:
    """Azure's annotations on a successful answer as categories: ``name:severity`` above safe,
    ``name:detected`` for the binary detectors, ``content_filter:error`` when the filter failed."""
    found: list[str] = []
    for result in results:
        if not isinstance(result, Mapping):
            continue
        for name, value in result.items():
            if not isinstance(value, Mapping):
                continue
            if name == "error":
                found.append("content_filter:error")
            elif str(value.get("severity") or "").lower() not in _LOW_LEVELS:
                found.append(f"{name}:{value['severity']}")
            elif value.get("detected"):
                found.append(f"{name}:detected")
    return tuple(dict.fromkeys(found))


def _gemini_categories(obj: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(
        str(r.get("category"))
        for r in obj.get("safetyRatings") or ()
        if isinstance(r, Mapping)
        and r.get("category")
        and (r.get("blocked") or r.get("probability") in ("HIGH", "MEDIUM"))
    )


def _near_misses(ratings: Any) -> tuple[str, ...]:
    """Gemini ratings above NEGLIGIBLE on a pass, as ``CATEGORY:PROBABILITY``."""
    return tuple(
        f"{r['category']}:{r['probability']}"
        for r in ratings or ()
        if isinstance(r, Mapping) and r.get("category") and str(r.get("probability") or "").lower() not in _LOW_LEVELS
    )


def _has_image(message: Mapping[str, Any]) -> bool:
    images = message.get("images")
    if isinstance(images, list) and any(_image_entry(i) for i in images):
        return True
    content = message.get("content")
    if isinstance(content, str):
        return any(_usable_url(url) for url in _MARKDOWN_IMAGE.findall(content))
    if isinstance(content, list):
        return any(
            isinstance(p, Mapping) and p.get("type") in ("image_url", "output_image", "image") and _image_entry(p)
            for p in content
        )
    return False


def _image_entry(item: Any) -> bool:
    """A chat image part: ``{"image_url": {"url": ...}}`` (or a bare url / b64 field) that is usable."""
    if not isinstance(item, Mapping):
        return False
    url = item.get("image_url")
    url = url.get("url") if isinstance(url, Mapping) else url
    return _usable_url(url) or _usable_b64(item.get("b64_json")) or _usable_url(item.get("url"))
