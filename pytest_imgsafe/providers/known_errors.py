"""The exact readers of error answers: the envelopes whose shape is known.

- OpenAI (``moderation_blocked`` with or without ``moderation_details``; dall-e's
  ``content_policy_violation``; the Responses API's ``image_content_policy_violation``).
- Azure (``content_policy_violation`` with ``inner_error``, ``content_filter`` with
  ``innererror``, LiteLLM's ``provider_specific_fields``).
- Imagen (Responsible-AI ``INVALID_ARGUMENT`` with a support code).
- Relays' own filters (new-api's ``sensitive_words_detected``, OpenRouter's moderation
  ``metadata``), and a provider's error nested in a relay's known sub-objects.
- Every other error: its kind (``quota``, ``rate_limited``, ``auth``, ``server_error``,
  ``invalid_request``), codes and phrases first, the status last.

Traps: OpenAI's ``image_generation_user_error`` type is used for bad parameters too, so the
``code`` decides, never the ``type``; the moderation stage comes from ``moderation_details``,
never from the message (the output stage uses the input wording), so without them it is unknown;
``quota`` appears in Azure's
rate-limit link, so only quota phrases count.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .body import listed
from .verdict import ApiError, ErrorKind, Filter, Outcome, Stage
from .vocabulary import blocks_whole_account, filter_named, normal, says_blocked, stage_in, stage_named, tokens

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
TWO_STAGE_CODES = frozenset({"moderation_blocked"})
"""Block codes a provider sends at either stage with the same message ("Your request was rejected by
the safety system" also when the generated image was judged): ``moderation_details`` gives their
stage, or wording that names the prompt, the input image or the generated image itself; else it is
unknown. The other block codes are the input stage's unless their wording names the output."""
WORDED_STAGE_CODES = frozenset({"contentfilter"})
"""Block codes sent at either stage with wording that says which: Azure's image filter answers
``contentFilter`` with "Your task failed as a result of our safety system" for a prompt and
"Generated image was filtered ..." for an output. Their stage is their wording's (prompt, request
or task: input; the generated image: output), else unknown."""
RELAY_BLOCK_CODES = frozenset({"sensitive_words_detected", "prompt_blocked"})
"""Error codes (lower-cased) a relay uses when its own filter stops a prompt."""
QUOTA_CODES = frozenset(
    {
        "insufficient_quota",
        "insufficient_user_quota",
        "billing_hard_limit_reached",
        "insufficient_credits",
        "pre_consume_token_quota_failed",
    }
)
_BILLING_PHRASES = (
    "quota is not enough",
    "insufficient credits",
    "billing hard limit",
    "out of call volume quota",  # Azure AI services (Content Safety's F0 tier), sent as a 403
    "only accessible to billed users",
    "额度不足",
)
"""Wording that says the account must pay or change plan: retrying never helps (quota)."""
_BILLING_WORDING = re.compile(
    r"\b(?:credit balance|out of credits|no credits|credits? (?:exhausted|used up)|insufficient (?:balance|funds)"
    r"|billing (?:is not active|not active)|spending (?:limit|cap)|(?:unpaid|overdue|past[ -]due|past) invoices?"
    r"|fail(?:ure|ed)? to pay)\b|(?:额度|余额).{0,4}(?:不足|用尽|用完|耗尽)",
    re.IGNORECASE,
)
"""The same, in wording that is no exact phrase ("Your credit balance is too low", a quota or
balance used up: 额度已用尽, 余额不足; an account suspended for "reaching the monthly spending
limit or failure to pay past invoices"): quota, even with a 429 or a suspension, since paying is
the way on."""
_PAY_TO_GO_ON = re.compile(r"\b(?:add|update) (?:a )?payment method|\bupgrade (?:your|to a paid) plan\b", re.IGNORECASE)
"""A suggestion to pay: quota only when no rate-limit signal came first (OpenAI's per-minute 429
also says "add a payment method to increase your rate limit")."""
_BILLING_TOKENS = frozenset({"BILLING", "BILLED", "CREDIT", "CREDITS", "PAYMENT", "BALANCE", "INSUFFICIENT", "BUDGET"})
"""Tokens of a code or type that say the same (``billing_not_active``, ``insufficient_credits``,
a gateway's ``budget_exceeded``: a spending budget used up)."""
_QUOTA_WORDING = re.compile(
    r"exceeded (?:your |the )?(?:current )?quota|quota (?:has been |was )?(?:exceeded|exhausted)", re.IGNORECASE
)
"""A quota exceeded: which quota decides the kind (a window that passes, or none at all)."""
_ZERO_LIMIT = re.compile(r"\blimit\s*[:=]?\s*0\b(?![.,]\d)", re.IGNORECASE)
_OVER_THE_LIMIT = re.compile(r"\blimit\s*[:=]?\s*(\d+)\s*,\s*requested\s*[:=]?\s*(\d+)", re.IGNORECASE)
"""OpenAI's "Request too large ... (TPM): Limit 30000, Requested 41000": one request larger than
the whole window never fits in it, however long one waits (quota)."""
_WAITING_HELPS = re.compile(
    r"\bper\s*(?:second|minute|hour)|PerMinute|PerSecond|PerHour|\b(?:rpm|tpm|rps)\b|/\s*1?\s*min\b"
    r"|\bretry (?:in|after)\b|\btry again in\b|RetryInfo|retryDelay|RATE_LIMIT",
    re.IGNORECASE,
)
"""A quota of a short window, or a time to retry: waiting helps (rate_limited, not quota)."""
_LONG_WINDOW = re.compile(r"PerDay|PerMonth|\bper\s*(?:day|month)\b|\b(?:daily|monthly)\b", re.IGNORECASE)
"""A quota of a day or a month among those exceeded: the longest window decides, and waiting a
minute does not help (quota, even beside a per-minute quota and a ``RetryInfo``)."""
_NO_ACCESS = re.compile(
    r"\baccess to [\w./-]+ (?:is |has been )?(?:currently )?(?:restricted|denied|not (?:allowed|granted))\b"
    r"|\bcontact (?:support|us|sales) (?:for|to (?:get|request)) access\b",
    re.IGNORECASE,
)
"""Access to a model or service withheld from this account ("Access to nanobanana is currently
restricted. Please contact support for access."): auth, whatever status a relay gives it (the
account has to change, not the prompt; a retry gets the same). Never where the message says,
in the providers' words, that safety refused: that stays an answer the general layer reads."""
_SERVER_TOKENS = frozenset({"SERVER", "INTERNAL", "OVERLOADED", "UNAVAILABLE", "CAPACITY", "TIMEOUT"})
_SERVER_WORDING = re.compile(
    r"\boverloaded\b|\bat (?:full )?capacity\b|\b(?:internal|server) error\b|\bserver (?:had|encountered) an error\b"
    r"|\btemporarily unavailable\b"
    r"|\bservice unavailable\b|\bbad gateway\b|\bgateway time-?out\b",
    re.IGNORECASE,
)
"""The provider's side failed (overloaded, at capacity, an internal error): server_error, whatever
status an error inside a stream or a 2xx answer was given."""
_QUOTED_STATUS = re.compile(
    r"\b(?:HTTP(?: Error)?|status(?: code)?|error code)\s*:?\s*(4\d\d)\b|\[(4\d\d)\]", re.IGNORECASE
)
"""An upstream's client-error status quoted in a relay's message (``HTTP Error 400: ...``)."""
_AZURE_WORDING = ("azure openai", "azure support", "content management policy")
_RELAY_TYPES = frozenset({"new_api_error", "one_api_error", "shell_api_error", "upstream_error", "throttling_error"})
_GOOGLE_SERVER = frozenset({"UNAVAILABLE", "INTERNAL", "CANCELLED", "DEADLINE_EXCEEDED", "UNKNOWN"})
_REQUEST_ID = re.compile(r"request id:?\s*([0-9a-zA-Z][0-9a-zA-Z_-]{7,})", re.IGNORECASE)
_VIOLATIONS = re.compile(r"safety_violations=\[([^\]]*)\]", re.IGNORECASE)
_SUPPORT_CODE = re.compile(r"(?:error code|support codes?):\s*(\d+)", re.IGNORECASE)
_SUSPENDED = ("suspended", "temporarily blocked", "deactivated", "has been disabled", "account is not active")


@dataclass(frozen=True)
class Ctx:
    """What every reader needs besides the body: the request id, headers and a provider hint."""

    request_id: str | None
    headers: Mapping[str, str]
    hint: str | None


Reader = Callable[[int, Any], Outcome]
"""Reads a nested answer (a status and a body) with the same readers: raises ApiError for none."""


def error_object(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The error of an error answer: ``error``, else the answer itself when it carries a message,
    else the first of FastAPI's validation errors (``detail: [{loc, msg, type}]``: its ``type`` is
    its code, its ``loc`` the field it names), one whose type is a block code first."""
    error = data.get("error")
    if isinstance(error, Mapping):
        return error
    if isinstance(data.get("message"), str):
        return data
    items = [i for i in listed(data.get("detail"))[:32] if isinstance(i, Mapping) and isinstance(i.get("msg"), str)]
    if items:
        item = next((i for i in items if str(i.get("type")).lower() in BLOCK_CODES), items[0])
        return {"code": item.get("type"), "message": item["msg"], "param": item.get("loc")}
    if _quoted_violation(data):  # Azure's inner error quoted alone, without the error around it
        return {"code": "content_filter", "message": "", "innererror": data}
    return {}


def _quoted_violation(data: Mapping[str, Any]) -> bool:
    """Azure's inner error on its own: its policy-violation code, or filter results of which one
    filtered (results that filtered nothing are a success's annotations, never an error)."""
    if not _is_azure_inner(data):
        return False
    if data.get("code") == "ResponsibleAIPolicyViolation":
        return True
    results = data.get("content_filter_result") or data.get("content_filter_results")
    return isinstance(results, Mapping) and any(
        isinstance(r, Mapping) and r.get("filtered") is True for r in results.values()
    )


def read_error(status: int, data: Mapping[str, Any], ctx: Ctx, read: Reader) -> Outcome:
    """An error answer of a known shape: its verdict, or raise :class:`ApiError` of its kind."""
    error = error_object(data)
    message = normal(str(error.get("message") or data.get("message") or ""))
    code = error.get("code")
    code_s = str(code) if code is not None else None
    ctx = Ctx(ctx.request_id or request_id_in(message), ctx.headers, ctx.hint or _provider_of(error, message))
    verdict = _error_verdict(error, code_s, message, ctx, read)
    if verdict is not None:
        return replace(verdict, read_by=verdict.read_by or "shape")
    raise no_verdict(error_kind(status, error, code_s, message), message or f"HTTP {status}", status, code_s, ctx)


def _error_verdict(error: Mapping[str, Any], code: str | None, message: str, ctx: Ctx, read: Reader) -> Outcome | None:
    if is_suspension(message):
        return None  # a suspended account or resource refuses every prompt: no verdict on this one, whatever the code
    lower_code = (code or "").lower()
    if lower_code in BLOCK_CODES or azure_inner(error) is not None:
        return _block_from_error(error, code, message, ctx)
    if lower_code in RELAY_BLOCK_CODES or _relay_moderation(error):
        return _relay_block(error, code, message, ctx)
    if _is_imagen_block(error, message):
        code = support_code(message) or "RAI_BLOCKED"
        return Outcome("block", "input", code, "imagen", ctx.request_id, (), message, filter="imagen")
    return _nested_block(error, ctx, read)


def _block_from_error(error: Mapping[str, Any], code: str | None, message: str, ctx: Ctx) -> Outcome:
    details = error.get("moderation_details")
    stage: Stage | None = None
    categories: tuple[str, ...] = ()
    if isinstance(details, Mapping):
        raw_stage = details.get("moderation_stage")
        stage = raw_stage if raw_stage in ("input", "output") else None
        categories = tuple(str(c) for c in listed(details.get("categories")))
    code = code if code and code.lower() in BLOCK_CODES else "content_filter"
    if stage is None and code.lower() in TWO_STAGE_CODES and not isinstance(details, Mapping):
        stage = stage_named(message)  # only wording that names the prompt or the image itself
    if stage is None and code.lower() in WORDED_STAGE_CODES:
        stage = stage_in(message)  # "Your task failed ..." (the prompt), "Generated image was filtered ..."
    if stage is None and stage_in(message) == "output":
        stage = "output"  # Azure's output filter says so by its wording
    if (
        stage is None
        and code.lower() not in TWO_STAGE_CODES | WORDED_STAGE_CODES
        and (not isinstance(details, Mapping) or details.get("moderation_stage") != "unknown")
    ):
        stage = "input"
    categories = categories or violations(message)
    inner = azure_inner(error)
    if inner is not None:
        results = inner.get("content_filter_results") or inner.get("content_filter_result")
        categories = categories or (azure_filtered(results, ctx) if isinstance(results, Mapping) else ())
    provider = ctx.hint or ("azure" if inner is not None else "openai")
    return Outcome(
        "block",
        stage,
        code,
        provider,
        ctx.request_id,
        categories,
        message or None,
        filter=_filter_of(message, ctx, inner, code),
    )


def _filter_of(message: str, ctx: Ctx, inner: Mapping[str, Any] | None, code: str) -> Filter:
    """Azure when Azure's annotations, header, wording or its own spelling of the code
    (``contentFilter``: OpenAI's image codes are ``content_policy_violation`` and
    ``moderation_blocked``) show through, also behind a relay; else OpenAI."""
    lower = message.lower()
    if inner is not None or "apim-request-id" in ctx.headers or any(w in lower for w in _AZURE_WORDING):
        return "azure"
    return "azure" if filter_named(code) == "azure" else "openai"


def azure_inner(error: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Azure's inner error (``inner_error`` for images, ``innererror`` for chat, or kept by LiteLLM)."""
    extra = error.get("provider_specific_fields")
    for inner in (
        error.get("inner_error"),
        error.get("innererror"),
        extra.get("innererror") if isinstance(extra, Mapping) else None,
    ):
        if isinstance(inner, Mapping) and _is_azure_inner(inner):
            return inner
    return None


def _is_azure_inner(inner: Mapping[str, Any]) -> bool:
    return (
        inner.get("code") == "ResponsibleAIPolicyViolation"
        or "content_filter_result" in inner
        or "content_filter_results" in inner
    )


def _relay_moderation(error: Mapping[str, Any]) -> bool:
    """OpenRouter's own moderation: ``metadata`` with ``reasons`` / ``flagged_input``."""
    metadata = error.get("metadata")
    return isinstance(metadata, Mapping) and ("flagged_input" in metadata or "reasons" in metadata)


def _relay_block(error: Mapping[str, Any], code: str | None, message: str, ctx: Ctx) -> Outcome:
    metadata = error.get("metadata")
    reasons = metadata.get("reasons") if isinstance(metadata, Mapping) else None
    categories = tuple(str(r) for r in reasons) if isinstance(reasons, list) else ()
    code = code if code and not code.isdigit() else "moderation"
    return Outcome("block", "input", code, "relay", ctx.request_id, categories, message or None, filter="relay")


def _nested_block(error: Mapping[str, Any], ctx: Ctx, read: Reader) -> Outcome | None:
    """A provider's block a relay keeps in one of its known sub-objects (``upstream_error``, ...)."""
    for inner in _inner_answers(error):
        try:
            outcome = read(400, inner)
        except ApiError:
            continue
        if outcome.verdict != "block":
            continue
        return replace(outcome, provider="proxy", request_id=ctx.request_id or outcome.request_id)
    return None


def _inner_answers(error: Mapping[str, Any]) -> Iterable[Any]:
    """Provider answers a relay nests in its error's known sub-objects."""
    for key in ("error", "upstream_error", "provider_error", "inner"):
        if isinstance(error.get(key), Mapping):
            yield {"error": error[key]}


def _is_imagen_block(error: Mapping[str, Any], message: str) -> bool:
    lower = message.lower()
    return error.get("status") == "INVALID_ARGUMENT" and (
        "violate our policies" in lower or "responsible ai" in lower or ("blocked" in lower and "error code" in lower)
    )


def error_kind(status: int, error: Mapping[str, Any], code: str | None, message: str) -> ErrorKind:
    """The kind of a non-verdict, read from the code, the wording and the status together.

    - **quota**: a code or type that names billing (``billing_not_active``, ``insufficient_quota``),
      a 402, billing wording, or a quota exceeded whose limit is zero or names no window: paying
      or changing plan is the only way on;
    - **rate_limited**: a quota of a short window (per minute, ``RetryInfo``, "retry in 20s"), a
      429, ``RESOURCE_EXHAUSTED``: waiting helps; a quota of a day or a month among those exceeded
      is **quota** (the longest window decides);
    - **auth**: a key, a permission, a suspension, access to a model withheld from the account;
    - **server_error**: the provider's side (5xx, ``server_error``, overloaded, at capacity), unless
      a relay's 5xx quotes its upstream's 4xx (``HTTP Error 400: ...``): then that status decides,
      since the request has to change; an upstream's 401 or 403 so quoted is the relay's own
      credential refused (the relay accepted the caller's key and answered), so still the
      provider's side;
    - **invalid_request**: everything else the request got wrong.
    """
    lower = message.lower()
    err_type = str(error.get("type") or "").lower()
    google = str(error.get("status") or "")
    names = tokens(code or "") | tokens(err_type)
    details = _details_text(error)
    if (
        (code or "").lower() in QUOTA_CODES
        or err_type in QUOTA_CODES
        or names & _BILLING_TOKENS
        or status == 402
        or any(p in lower for p in _BILLING_PHRASES)
        or _BILLING_WORDING.search(message)
    ):
        return "quota"
    if status >= 500:
        quoted = _QUOTED_STATUS.search(message)
        upstream = int(quoted.group(1) or quoted.group(2)) if quoted else None
        if upstream in (401, 403):
            return "server_error"  # the relay's own key was refused upstream: the caller's was accepted
        if upstream is not None:
            return error_kind(upstream, {}, None, message)
    if _QUOTA_WORDING.search(message):
        if _ZERO_LIMIT.search(message):
            return "quota"  # a limit of 0 is no quota at all: waiting does not help
        if _LONG_WINDOW.search(message) or _LONG_WINDOW.search(details):
            return "quota"
        return "rate_limited" if _WAITING_HELPS.search(message) or _WAITING_HELPS.search(details) else "quota"
    over = _OVER_THE_LIMIT.search(message)
    if over is not None and int(over.group(2)) > int(over.group(1)):
        return "quota"  # waiting does not help: the request alone is over the window's limit
    if status == 429 or code in ("rate_limit_exceeded", "429") or google == "RESOURCE_EXHAUSTED":
        return "rate_limited"
    if _PAY_TO_GO_ON.search(message):
        return "quota"
    if (
        status in (401, 403)
        or code in ("invalid_api_key", "401", "403")
        or google in ("PERMISSION_DENIED", "UNAUTHENTICATED")
        or is_suspension(message)  # a relay may pass a suspension on with any status
    ):
        return "auth"
    if _gemini_bad_key(error, message) or "organization must be verified" in lower:
        return "auth"
    if _NO_ACCESS.search(message) and not says_blocked(message):
        return "auth"
    if status >= 500 or status == 408 or google in _GOOGLE_SERVER or names & _SERVER_TOKENS:
        return "server_error"
    if _SERVER_WORDING.search(message):
        return "server_error"
    return "invalid_request"


def _details_text(error: Mapping[str, Any]) -> str:
    """Google's error details (``QuotaFailure``, ``RetryInfo``, ``ErrorInfo``) as text, bounded."""
    details = error.get("details")
    if not isinstance(details, list):
        return ""
    return json.dumps(details, ensure_ascii=False, default=str)[:4096]


def is_suspension(message: str) -> bool:
    """An account, key or resource suspended or blocked as a whole: no verdict on this request."""
    lower = message.lower()
    return any(s in lower for s in _SUSPENDED) or blocks_whole_account(message)


def _gemini_bad_key(error: Mapping[str, Any], message: str) -> bool:
    if "api key not valid" in message.lower() or "api_key_invalid" in message.lower():
        return True
    for detail in listed(error.get("details")):
        if isinstance(detail, Mapping) and detail.get("reason") in ("API_KEY_INVALID", "API_KEY_EXPIRED"):
            return True
    return False


def no_verdict(kind: ErrorKind, message: str, status: int | None, code: str | None, ctx: Ctx) -> ApiError:
    """The :class:`ApiError` of an answer that is no verdict (with the answer's retry hint)."""
    suspended = kind == "auth" and status == 403 and is_suspension(message)
    retry_after = ctx.headers.get("retry-after-ms") or ctx.headers.get("retry-after")
    return ApiError(kind, message, status, code, ctx.request_id, ctx.hint, suspended, retry_after)


def support_code(message: str) -> str | None:
    """The code a message gives itself (Google's "Support codes: 61493863", "error code: 17")."""
    m = _SUPPORT_CODE.search(message)
    return m.group(1) if m else None


def request_id_in(message: str) -> str | None:
    m = _REQUEST_ID.search(message)
    return m.group(1).rstrip(".") if m else None


def violations(message: str) -> tuple[str, ...]:
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


def azure_filtered(results: Mapping[str, Any], ctx: Ctx) -> tuple[str, ...]:
    """The categories Azure's content-filter results say were filtered (a ``filtered`` that is not
    a boolean is no verdict: see :func:`flag`)."""
    names: list[str] = []
    for name, value in results.items():
        if not isinstance(value, Mapping):
            continue
        if name == "custom_blocklists":
            names.extend(
                str(d.get("id"))
                for d in listed(value.get("details"))
                if isinstance(d, Mapping) and "filtered" in d and flag(d["filtered"], "a blocklist's 'filtered'", ctx)
            )
        elif "filtered" in value and flag(value["filtered"], f"'{name}.filtered'", ctx):
            names.append(name)
    return tuple(names)


def flag(value: Any, field: str, ctx: Ctx) -> bool:
    """A boolean a verdict is read from. Anything else (``null``, ``"true"``, ``1``) is not a
    verdict: read by truth it would turn a garbled answer into a silent pass or block, so it is an
    ``unreadable`` error that names the field."""
    if isinstance(value, bool):
        return value
    shown = json.dumps(value)[:40] if isinstance(value, (str, int, float, type(None))) else type(value).__name__
    raise no_verdict("unreadable", f"{field} is {shown}, not true or false: no verdict", 200, None, ctx)
