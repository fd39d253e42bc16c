"""Reading one answer: the one place a provider's answer becomes a verdict or a non-verdict.

Every answer becomes either an :class:`Outcome` (a safety verdict: ``pass`` or ``block``) or an
:class:`ApiError` (anything that is not a verdict: rate limits, quota, auth, bad parameters,
server errors, garbage, an answer with no usable image). A non-verdict is never counted as pass or
block: that is the rule the rest of the product leans on.

:func:`read_answer` reads in three layers, first match wins:

1. a team's ``[[tool.imgsafe.answers]]`` rules (:mod:`.rules`), for its own gateway's shapes;
2. the exact readers of the known shapes (:mod:`.known_errors`, :mod:`.known_answers`), checked
   against a table of real, cited answers (``tests/data/answers``);
3. the general layer (:mod:`.general`), by principle (status and envelope, the provider's own
   fields, its safety wording), for an answer the exact readers found no verdict in. It only
   ever reads a block, and marks it ``read_by="general"``.

What the answer must be depends on who asked: a kind's ``reads`` (``image``, ``moderation``,
``content-safety``, ``text``) says which family of answer can be its verdict, so a moderation body
replayed for an image target is no verdict, and an image target never passes without an image.
Asked by no kind, a text answer passes only on its filter's own word that it judged the finished
text and acted on nothing (:func:`.known_answers.output_judged_clean`).
A stream that lacks its last event (cut) is never a pass. The kinds call this through the
registry (``providers.registry.classify`` and each kind's ``read``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from .body import MAX_TEXT, Body, looks_cut, looks_html, messages, read_body, snippet
from .general import model_refusal, read_generally
from .known_answers import (
    CONTENT_SAFETY_CATEGORIES,
    DEFAULT_SEVERITY_THRESHOLD,
    GEMINI_OUTPUT_REASONS,
    Family,
    Read,
    category_key,
    content_safety_verdict,
    guard_verdict,
    output_judged_clean,
    read_success,
)
from .known_errors import BLOCK_CODES, QUOTA_CODES, RELAY_BLOCK_CODES, Ctx, error_kind, is_suspension, read_error
from .rules import AnswerRule, read_by_rules
from .verdict import ApiError, ErrorKind, Outcome, Reads

__all__ = [
    "BLOCK_CODES",
    "CONTENT_SAFETY_CATEGORIES",
    "DEFAULT_SEVERITY_THRESHOLD",
    "GEMINI_OUTPUT_REASONS",
    "QUOTA_CODES",
    "RELAY_BLOCK_CODES",
    "ApiError",
    "Outcome",
    "category_key",
    "content_safety_verdict",
    "read_answer",
]

GENERAL_KINDS: frozenset[ErrorKind] = frozenset({"invalid_request", "unreadable", "server_error"})
"""The non-verdicts the general layer looks under: a generic status whose message may still name
the safety filter. Rate limits, quota and auth stay what they are."""
_NO_WHOLE_BODY = {204: "no content", 205: "reset content", 206: "part of a content"}
"""2xx statuses whose body is no answer: none by definition, or a range of one."""
_AZURE_HEADERS = ("apim-request-id", "x-ms-", "azureml-")
_FITS: dict[Reads | None, frozenset[Family]] = {
    None: frozenset({"image", "moderation", "content-safety", "error"}),
    "image": frozenset({"image", "error"}),
    "text": frozenset({"text", "image", "error"}),
    "moderation": frozenset({"moderation", "error"}),
    "content-safety": frozenset({"content-safety", "error"}),
}
_FAMILY_WORDS = {
    "image": "an image answer",
    "text": "a text answer",
    "moderation": "a moderation answer (results[].flagged)",
    "content-safety": "a Content Safety analysis (categoriesAnalysis)",
}


def read_answer(
    status_code: int,
    body: bytes | str | Mapping[str, Any] | list[Any] | None,
    headers: Mapping[str, str] | None = None,
    *,
    reads: Reads | None = None,
    default_filter: str | None = None,
    thresholds: Mapping[str, int] | None = None,
    rules: Sequence[AnswerRule] = (),
    provider: str | None = None,
) -> Outcome:
    """Read one answer: an :class:`Outcome`, or raise :class:`ApiError` for a non-verdict.

    ``reads``: the family of answer that can be a verdict for the asking kind (``None``: any of
    image, moderation, Content Safety, and text its filter judged clean); ``default_filter``: the
    filter a verdict names when the answer itself does not say (the kind's); ``thresholds``
    (severity per category) apply to Azure AI Content Safety answers only (without them every
    category blocks at 4); ``rules``: a team's rules, checked first; ``provider``: the provider
    the asking target is configured for (``azure`` for an Azure endpoint), for an answer that does
    not name its own.
    """
    try:
        return _read_whole(status_code, body, headers, reads, default_filter, thresholds, rules, provider)
    except RecursionError:  # JSON nested deeper than any answer is (a hostile or damaged body)
        raise ApiError(
            "unreadable", "the answer is nested too deep to be read: no verdict", status_code, None, None
        ) from None
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as err:
        # A known shape with a field of another type (``"parts": 1``, a list where a status
        # goes): no reader can say what it means, so it is no verdict, never a traceback.
        raise ApiError(
            "unreadable",
            f"the answer has a field of an unexpected type ({type(err).__name__}: {str(err)[:120]}): no verdict",
            status_code,
            None,
            None,
        ) from None


def _read_whole(
    status_code: int,
    body: bytes | str | Mapping[str, Any] | list[Any] | None,
    headers: Mapping[str, str] | None,
    reads: Reads | None,
    default_filter: str | None,
    thresholds: Mapping[str, int] | None,
    rules: Sequence[AnswerRule],
    provider: str | None,
) -> Outcome:
    header_map = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    request_id = header_map.get("x-request-id") or header_map.get("apim-request-id")
    parsed = read_body(body)
    ctx = Ctx(request_id, header_map, provider_named(header_map) or provider)
    if status_code < 200 or status_code > 599:  # 1xx is no final answer; outside 100-599 no HTTP status at all
        raise ApiError(
            "unreadable",
            f"HTTP {status_code} is no final answer: neither pass nor block",
            status_code,
            None,
            request_id,
        )
    if status_code in _NO_WHOLE_BODY:
        raise ApiError(
            "unreadable",
            f"HTTP {status_code} carries no whole answer ({_NO_WHOLE_BODY[status_code]}): neither pass nor block",
            status_code,
            None,
            request_id,
        )
    if 300 <= status_code < 400:
        raise ApiError(
            "unreadable",
            f"HTTP {status_code} is a redirect, not the API's answer: {snippet(body)}",
            status_code,
            None,
            request_id,
        )
    outcome = read_by_rules(rules, status_code, parsed, request_id) if rules else None
    if outcome is None:
        outcome = _read(status_code, parsed, ctx, reads, thresholds, header_map)
    if parsed.cut and outcome.verdict == "pass":
        raise ApiError(
            "unreadable",
            "the stream ended before its last event (cut short): whatever came, no whole image did",
            status_code,
            None,
            ctx.request_id,
            ctx.hint,
        )
    return replace(outcome, filter=default_filter) if outcome.filter is None and default_filter else outcome


def _forbidden_by_status_alone(err: ApiError, parsed: Body) -> bool:
    """A 403 the exact readers call ``auth`` by its status alone (no code, no key or suspension in
    its words), whose messages may still say this request's content was refused: Stability answers
    its content moderation so, xAI a failed safety check (its ``code`` a sentence, gRPC's words for
    a permission denied, no code of its own). The general layer reads it; a block only, and never
    where any message blocks a whole account, key or team."""
    if err.kind != "auth" or err.status_code != 403 or err.suspended or (err.code and " " not in err.code.strip()):
        return False
    texts = messages(parsed.data, parsed.text, quoted=True)
    return not any(is_suspension(text) for text in texts)


def provider_named(headers: Mapping[str, str]) -> str | None:
    """``azure`` when the answer's headers are those only Azure's front door sends
    (``apim-request-id``, ``x-ms-region``, ``azureml-model-session``, ...); ``None`` otherwise. (An
    image URL on an Azure endpoint names Azure too: the images reader looks.)"""
    return "azure" if any(name.startswith(_AZURE_HEADERS) for name in headers) else None


def _read(
    status: int,
    parsed: Body,
    ctx: Ctx,
    reads: Reads | None,
    thresholds: Mapping[str, int] | None,
    headers: Mapping[str, str],
) -> Outcome:
    """The exact readers, the kind's check, then the general layer under what they could not read."""

    def nested(inner_status: int, inner: Any) -> Outcome:  # an answer inside this one: the same target's
        return read_answer(inner_status, inner, headers, reads=reads)

    try:
        outcome, family = _exact(status, parsed, ctx, thresholds, nested)
    except ApiError as err:
        forbidden = err.kind not in GENERAL_KINDS
        if forbidden and not _forbidden_by_status_alone(err, parsed):
            raise
        found = read_generally(status, parsed, ctx, nested)
        if found is None or (forbidden and found.verdict != "block"):
            raise
        return found
    if family == "text" and reads == "text" and outcome.verdict == "pass":
        # text passes for a kind that asks for text, unless it is the model declining the request
        refused = model_refusal(parsed.data, ctx)
        if refused is not None:
            return refused
    if family not in _FITS[reads]:
        if family == "text" and reads == "moderation":  # a guard model asked to moderate answers as text
            judged = guard_verdict(outcome.message or "", parsed.data, ctx)
            if judged is not None:
                return judged
        if family == "text":  # the model's text and nothing else (any API's), for a kind that needs more
            found = read_generally(status, parsed, ctx, nested)
            if found is not None:
                return found
            if reads is None and output_judged_clean(parsed.data):
                return outcome  # asked by no kind: the provider's filter judged the text and let it through
            raise ApiError(
                "unreadable",
                f"a text answer with no image and no safety signal: {snippet(outcome.message or '')}",
                status,
                None,
                ctx.request_id,
                ctx.hint,
            )
        raise ApiError(
            "unreadable",
            f"{_FAMILY_WORDS[family]} is no answer of a target that needs "
            f"{_FAMILY_WORDS[reads] if reads else 'a verdict'}: neither pass nor block "
            "(was the cassette recorded for another kind of target?)",
            status,
            None,
            ctx.request_id,
            ctx.hint,
        )
    return outcome


def _exact(
    status: int,
    parsed: Body,
    ctx: Ctx,
    thresholds: Mapping[str, int] | None,
    nested: Any,
) -> Read:
    data = parsed.data
    if data is None:
        raise _non_json(status, parsed.text, ctx)
    if not isinstance(data, Mapping):
        raise ApiError(
            "unreadable", f"answer is not a JSON object: {snippet(parsed.text or data)}", status, None, ctx.request_id
        )
    status, ctx = _envelope_status(status, data, ctx)
    if status >= 400:
        return read_error(status, data, ctx, nested), "error"
    return read_success(data, ctx, thresholds)


def _envelope_status(status: int, data: Mapping[str, Any], ctx: Ctx) -> tuple[int, Ctx]:
    """The real status of an answer: a relay's ``status_code`` field, or an error inside a 2xx
    (an ``error`` object, or an answer that says it is one: ``type: error`` with a message, as a
    task's status or an event does). An error inside a 2xx has no status of its own: its code and
    wording decide its kind (``error_kind``)."""
    if isinstance(data.get("status_code"), int) and "error" in data:
        return int(data["status_code"]), Ctx(ctx.request_id, ctx.headers, "proxy")
    error = data.get("error")
    if isinstance(error, Mapping) and status < 400:
        code = error.get("code")
        return (code if isinstance(code, int) and code >= 400 else 400), ctx
    if status < 400 and data.get("type") == "error" and isinstance(data.get("message"), str):
        return 400, ctx
    return status, ctx


def _non_json(status: int, text: str, ctx: Ctx) -> ApiError:
    """A body that is neither JSON nor an SSE stream (an HTML page, plain text, JSON cut short):
    the status decides, as the server's own word on the request (a 4xx: the request was wrong,
    whatever the page says); only a 2xx that cannot be read is ``unreadable``."""
    kinds: dict[int, ErrorKind] = {429: "rate_limited", 402: "quota", 401: "auth", 403: "auth", 408: "server_error"}
    kind: ErrorKind = (
        "server_error" if status >= 500 else kinds.get(status, "invalid_request" if status >= 400 else "unreadable")
    )
    if status >= 400 and text.strip() and not looks_cut(text) and not looks_html(text):
        # plain text is the server's message: read as an error's message is (its code and
        # wording with the status: "insufficient_quota: ... billing details" at a 429 is quota)
        kind = error_kind(status, {}, None, " ".join(text[:MAX_TEXT].split()))
    hint = "" if kind != "unreadable" else " (truncated, or an HTML page?)"
    return ApiError(
        kind, f"HTTP {status} with a body that is not JSON{hint}: {snippet(text)}", status, None, ctx.request_id
    )
