"""The exact readers of successful (2xx) answers: the shapes whose meaning is known.

Each reader gives the outcome and the *family* of the answer: ``image`` (an images answer, a chat
or Responses answer, Gemini's ``generateContent``, Imagen's ``predict``), ``text`` (the model's
text and nothing else, in a chat, Responses, Gemini or Interactions answer: a describer's),
``moderation`` (the moderations endpoint) or
``content-safety`` (``text:analyze``). The family is what a kind checks (see ``outcome``): a
moderation body is never an image target's answer.

- OpenAI images, streamed images, the moderations endpoint; chat answers (an image as a Markdown
  data URL or an ``images`` list; ``finish_reason: content_filter``; a ``moderation`` object).
- The Responses API: ``image_generation_call`` items (their result, or their moderation error),
  ``incomplete_details``, the response's ``moderation`` object; Azure's ``content_filters``.
- Azure: the content-filter annotations of a successful answer become the outcome's categories,
  so a pass that was close to a block shows it.
- Gemini (``promptFeedback.blockReason``, safety ``finishReason``s), whole or streamed. Ratings
  alone never block.
- Imagen (``raiFilteredReason``; some images filtered and some returned is a pass that keeps the
  filter's message).
- Azure AI Content Safety ``text:analyze``: severities against a threshold per category.
- An asynchronous operation polled to its end: its ``result``, read as any answer (Azure's DALL-E 2).

An image is image bytes, a URL, or what a recording prints in their place: our placeholder, or
documentation's and other projects' fixtures' (:func:`.body.printed_placeholder`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from ..base.wire import PLACEHOLDER
from .body import listed, printed_placeholder, snippet
from .known_errors import BLOCK_CODES, TWO_STAGE_CODES, Ctx, azure_filtered, flag, no_verdict, violations
from .verdict import ApiError, Filter, Outcome, Stage
from .vocabulary import filter_named, made_elsewhere, names_safety, says_blocked, stage_named

Family = Literal["image", "text", "moderation", "content-safety", "error"]
Read = tuple[Outcome, Family]

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
_DATA_URL = re.compile(r"data:image/[A-Za-z0-9.+-]+;base64,([A-Za-z0-9+/=\s]+|<imgsafe:[^>]+>)")
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\((https?://[^)\s]+|data:[^)\s]+)\)")
_AZURE_URL = re.compile(r"https?://[\w.-]+\.(?:openai|cognitiveservices|services\.ai|models\.ai)\.azure\.com/")
"""An image served from an Azure OpenAI endpoint (not ``*.blob.core.windows.net``: OpenAI's own
DALL-E URLs are there too)."""
_IMAGE_URL = re.compile(r"(?:https?|gs)://[^\s/?#]+")
"""An image's URL: a scheme and a host at least (``https://`` alone locates nothing)."""
_OPERATION_DONE = frozenset({"succeeded", "completed", "success", "done", "finished", "ready"})
"""An asynchronous operation's status when it ended with its result."""
_CALL_FAILED = frozenset({"failed", "incomplete", "cancelled", "canceled"})
_LOW_LEVELS = frozenset({"", "safe", "negligible", "harm_probability_unspecified", "probability_unspecified"})


def read_success(data: Mapping[str, Any], ctx: Ctx, thresholds: Mapping[str, int] | None = None) -> Read:
    """A 2xx answer of a known shape: its outcome and family, or raise a non-verdict. The shapes
    every replayed answer may be are told by a key each; Content Safety's older versions, which
    need a look at every key, only after none of them is."""
    if "categoriesAnalysis" in data or "blocklistsMatch" in data:
        return content_safety_verdict(_analysis(data), thresholds, ctx.request_id), "content-safety"
    if isinstance(data.get("results"), list):
        return _moderation(data, ctx), "moderation"
    if "choices" in data:
        return _chat(data, ctx)
    if data.get("object") == "response" or isinstance(data.get("output"), list):
        return _responses(data, ctx)
    if any(key in data for key in ("promptFeedback", "prompt_feedback", "candidates")):
        return _gemini_native(google_fields(data), ctx)
    if data.get("object") == "interaction" and any(isinstance(data.get(k), list) for k in ("outputs", "steps")):
        return _interaction(data, ctx)
    if "predictions" in data:
        return _imagen_predict(data, ctx), "image"
    said = _assistant_said(data)
    if said:
        return _text_pass(said, ctx.hint, None, (), ctx)
    if _finished_task_images(data):
        return Outcome("pass", None, None, ctx.hint, ctx.request_id, read_by="shape"), "image"
    if "data" in data:
        return _images(data, ctx), "image"
    if isinstance(data.get("images"), list) and data["images"] and all(_usable_b64(i) for i in data["images"]):
        # a gateway's own success (Vercel's AI Gateway image models): the images, as base64 strings
        return Outcome("pass", None, None, ctx.hint, ctx.request_id, read_by="shape"), "image"
    if isinstance(data.get("result"), Mapping) and isinstance(data.get("status"), str):
        return _operation(data, ctx, thresholds)
    analysis = content_safety_fields(data)
    if analysis is not None:
        return content_safety_verdict(analysis, thresholds, ctx.request_id), "content-safety"
    detections = _content_safety_detections(data)
    if detections:
        if any(detections):  # what was detected, and at which stage, is read by principle (general)
            raise unreadable(f"a Content Safety detection: {snippet(data)}", ctx)
        return Outcome("pass", None, None, "azure", ctx.request_id, filter="azure", read_by="shape"), "content-safety"
    raise unreadable(f"a 200 answer of no known shape: {snippet(data)}", ctx)


def _operation(data: Mapping[str, Any], ctx: Ctx, thresholds: Mapping[str, int] | None) -> Read:
    """An asynchronous operation polled to its end (``{"id", "status": "succeeded", "result": {...}}``):
    its ``result`` is its answer, read as any answer is. An operation that has not ended is no
    answer yet (one that failed carries its ``error``, read as an error). An images answer
    delivered so is Azure's: DALL-E 2 ran there as an operation, while OpenAI's images API answers
    at once."""
    status = str(data["status"])
    if status.strip().lower() not in _OPERATION_DONE:
        raise unreadable(f"an operation not ended (status {status}): no answer yet", ctx)
    result: Mapping[str, Any] = data["result"]
    images = isinstance(result.get("data"), list)
    inner = Ctx(ctx.request_id, ctx.headers, ctx.hint or ("azure" if images else None))
    return read_success(result, inner, thresholds)


def _content_safety_detections(data: Mapping[str, Any]) -> list[bool]:
    """The detections of Azure AI Content Safety's other analyses (Prompt Shields'
    ``userPromptAnalysis.attackDetected`` and ``documentsAnalysis[]``, protected material's
    ``protectedMaterialAnalysis.detected``, any ``<name>Analysis`` of the same form): every boolean
    whose name says detected, or none when the answer is not of that form. All false is a pass."""
    found: list[bool] = []
    for key, value in list(data.items())[:64]:  # bounded, as every walk of an answer is
        if not str(key).endswith("Analysis"):
            continue
        for analysis in value[:64] if isinstance(value, list) else [value]:
            if not isinstance(analysis, Mapping):
                return []
            found += [v for k, v in analysis.items() if isinstance(v, bool) and str(k).lower().endswith("detected")]
    return found


def unreadable(message: str, ctx: Ctx) -> ApiError:
    """A 2xx answer with no usable image and no safety signal: never pass, never block."""
    return no_verdict("unreadable", message, 200, None, ctx)


def _moderation(data: Mapping[str, Any], ctx: Ctx) -> Outcome:
    """The moderations endpoint: a block when a result is flagged. No result at all is no verdict
    (nothing was judged), and so is a ``flagged`` that is not a boolean."""
    flagged: list[str] = []
    any_flag = False
    if not data["results"]:
        raise unreadable("moderation answer with no results", ctx)
    for result in data["results"]:
        if not isinstance(result, Mapping) or "flagged" not in result:
            raise unreadable("moderation result without 'flagged'", ctx)
        any_flag = flag(result["flagged"], "the moderation result's 'flagged'", ctx) or any_flag
        flagged.extend(_flagged_categories(result.get("categories")))
    judge = _moderation_judge(data.get("model"))
    provider = "proxy" if judge == "relay" else "openai"
    if any_flag:
        return Outcome(
            "block",
            "input",
            "flagged",
            provider,
            ctx.request_id,
            tuple(dict.fromkeys(flagged)),
            "flagged by the moderation endpoint",
            filter=judge,
            read_by="shape",
        )
    return Outcome("pass", None, None, provider, ctx.request_id, filter=judge, read_by="shape")


def _moderation_judge(model: Any) -> Filter:
    """Who judged a moderation answer: OpenAI's classifier, unless the answer names a model that
    is none of OpenAI's moderation models. Gateways serve their own classifiers (a Llama Guard
    shield, a proxy's word list) in the moderation endpoint's shape, under the model they were
    configured with: then the gateway judged (``relay``). A model routed by name through a
    gateway (``openai/omni-moderation-latest``) is still OpenAI's; no model names no one else."""
    if not isinstance(model, str) or not model.strip():
        return "openai"
    name = model.strip().lower().rsplit("/", 1)[-1]
    return "openai" if name.startswith(("omni-moderation", "text-moderation")) else "relay"


def _flagged_categories(categories: Any) -> list[str]:
    """The categories set true in a moderation result's ``categories``. They name what a verdict
    was about; the verdict itself is ``flagged``, so a category that is not ``true`` (omni-moderation
    answers ``illicit: null``) is simply not set."""
    if not isinstance(categories, Mapping):
        return []
    return [str(k) for k, v in categories.items() if v is True]


def moderation_flags(moderation: Any, ctx: Ctx) -> tuple[bool, bool, tuple[str, ...]]:
    """A chat or Responses answer's ``moderation`` object: (input flagged, output flagged, the
    flagged categories). Its results are one result (Responses) or a list (chat); an ``error``
    result says nothing; a ``flagged`` that is not a boolean is no verdict."""

    def read(side: Any) -> tuple[bool, list[str]]:
        if not isinstance(side, Mapping) or side.get("type") == "error":
            return False, []
        listed = side.get("results")
        results: list[Any] = listed if isinstance(listed, list) else [side]
        hit, names = False, []
        for result in results:
            if isinstance(result, Mapping) and "flagged" in result:
                if flag(result["flagged"], "the answer's moderation 'flagged'", ctx):
                    hit = True
                    names += _flagged_categories(result.get("categories"))
        return hit, names

    if not isinstance(moderation, Mapping):
        return False, False, ()
    flagged_in, names_in = read(moderation.get("input"))
    flagged_out, names_out = read(moderation.get("output"))
    return flagged_in, flagged_out, tuple(dict.fromkeys(names_in + names_out))


def _chat(data: Mapping[str, Any], ctx: Ctx) -> Read:
    choices = [c for c in listed(data.get("choices")) if isinstance(c, Mapping)]
    if not choices:
        raise unreadable("chat answer without choices", ctx)
    choice = choices[0]
    message: Mapping[str, Any] = choice["message"] if isinstance(choice.get("message"), Mapping) else {}
    if not message and isinstance(choice.get("text"), str):
        message = {"content": choice["text"]}  # the legacy completions shape
    finish = _finish_reason(choice)
    native = str(choice.get("native_finish_reason") or "").strip()
    feedback = data.get("promptFeedback") or data.get("prompt_feedback")
    annotated = any(key in data for key in ("prompt_filter_results", "prompt_annotations")) or any(
        "content_filter_results" in c or "content_filter_result" in c for c in choices
    )
    # the answer's own provider field (a gateway's: OpenRouter names who served it) or its model's
    # name names the provider where nothing of Azure's shows (Gemini's OpenAI-compatible answers
    # also finish with content_filter); a native finish reason is Gemini's only where nothing names
    # another (OpenRouter sends one for every provider)
    host = str(data["provider"]) if isinstance(data.get("provider"), str) else ""
    own = filter_named(host) or filter_named(str(data.get("model") or ""))
    # a gateway's answer that names its host, one of no filter known here (OpenRouter's "Anthropic",
    # "DeepSeek"): the gateway is the one party of the answer that can be named
    # ... or a model of another maker (Llama, DeepSeek, Claude): an answer of another party
    elsewhere = own is None and made_elsewhere(data.get("model"))
    relayed = (bool(host.strip()) and filter_named(host) is None or elsewhere) and not annotated and ctx.hint != "azure"
    named = own == "gemini" and not annotated and ctx.hint != "azure"
    gemini = not relayed and (bool(feedback) or named or (bool(native) and own in (None, "gemini")))
    azure = (
        annotated
        or ctx.hint == "azure"
        or own == "azure"
        or (not gemini and any(_finish_reason(c) == "content_filter" for c in choices))
    )
    chat_filter: Filter = "relay" if relayed else "gemini" if gemini else "azure" if azure else "openai"
    provider = ctx.hint or (
        "proxy" if relayed else "azure" if azure else "gemini" if chat_filter == "gemini" else "openai"
    )
    flagged_in, flagged_out, flagged = moderation_flags(data.get("moderation"), ctx)
    if finish == "content_filter" or native.upper() in GEMINI_OUTPUT_REASONS or feedback:
        return _chat_block(data, choice, native, feedback, provider, chat_filter, ctx, flagged_in), "image"
    prompts = (p.get("content_filter_results") for p in _prompt_results(data) if isinstance(p, Mapping))
    annotations = _azure_annotations(
        [*prompts, choice.get("content_filter_results"), choice.get("content_filter_result")]
    ) + tuple(f"{name}:flagged" for name in flagged)
    if has_image(message):
        return Outcome(
            "pass", None, None, provider, ctx.request_id, annotations, filter=chat_filter, read_by="shape"
        ), "image"
    acted = azure_filtered(choice.get("content_filter_results") or choice.get("content_filter_result") or {}, ctx)
    if acted:
        # the filter says it acted on what was generated, though the text came (Azure's
        # asynchronous filter judges a stream after sending it, and the client must withdraw it)
        return Outcome(
            "block",
            "output",
            "content_filter",
            provider,
            ctx.request_id,
            acted,
            "the generated text was filtered after it was sent",
            filter=chat_filter,
            read_by="shape",
        ), "image"
    if flagged_in or flagged_out:
        stage: Stage = "input" if flagged_in else "output"
        return Outcome(
            "block",
            stage,
            "flagged",
            provider,
            ctx.request_id,
            flagged,
            f"flagged by the answer's moderation ({stage})",
            filter=chat_filter,
            read_by="shape",
        ), "image"
    content = message.get("content")
    text = content if isinstance(content, str) and content.strip() else ""
    if not text:  # the model answered by calling a tool: the call's arguments are its answer
        legacy = message.get("function_call")
        text = called_text([*listed(message.get("tool_calls")), *([legacy] if isinstance(legacy, Mapping) else [])])
    if text:
        return Outcome(
            "pass", None, None, provider, ctx.request_id, annotations, text[:200], filter=chat_filter, read_by="shape"
        ), "text"
    raise unreadable(f"chat answer with no image and no safety signal (finish_reason {finish or 'none'})", ctx)


def _finish_reason(choice: Mapping[str, Any]) -> str:
    """A chat choice's finish reason, as one word: its whitespace and case say nothing."""
    return str(choice.get("finish_reason") or "").strip().lower()


def output_judged_clean(data: Any) -> bool:
    """Does a chat answer carry its filter's own judgement of what it returned, and say the filter
    acted on nothing? Azure's ``content_filter_results`` on a finished choice, every category a
    result whose ``filtered`` is ``false`` (none an ``error``: a filter that did not run judged
    nothing), or a ``moderation`` object whose output result is ``flagged: false``. A text answer
    read for no kind is a pass only on that word: the filter judged the text and let it through."""
    if not isinstance(data, Mapping):
        return False
    choices = [c for c in listed(data.get("choices")) if isinstance(c, Mapping)]
    if not choices or not choices[0].get("finish_reason"):
        return False  # no choice, or one not finished (a chunk of a stream): nothing judged whole
    results = choices[0].get("content_filter_results") or choices[0].get("content_filter_result")
    if isinstance(results, Mapping) and results and "error" not in results:
        # a result that says nothing of filtering (a field added to the results) is no judgement
        judged = [v for v in results.values() if isinstance(v, Mapping) and "filtered" in v]
        if judged and all(v["filtered"] is False for v in judged):
            return True
    moderation = data.get("moderation")
    output = moderation.get("output") if isinstance(moderation, Mapping) else None
    if isinstance(output, Mapping) and output.get("type") != "error":
        found = listed(output.get("results")) if "results" in output else [output]
        flags = [r.get("flagged") for r in found if isinstance(r, Mapping)]
        return bool(flags) and all(f is False for f in flags)
    return False


def _prompt_results(data: Mapping[str, Any]) -> list[Any]:
    """Azure's content-filter results of the prompt: ``prompt_filter_results``, or
    ``prompt_annotations`` as older API versions (2023-06-01-preview) name them."""
    for key in ("prompt_filter_results", "prompt_annotations"):
        if isinstance(data.get(key), list):
            return list(data[key])
    return []


def _chat_block(
    data: Mapping[str, Any],
    choice: Mapping[str, Any],
    native: str,
    feedback: Any,
    provider: str,
    chat_filter: Filter,
    ctx: Ctx,
    flagged_in: bool,
) -> Outcome:
    if isinstance(feedback, Mapping) and block_reason(feedback.get("blockReason") or feedback.get("block_reason")):
        reason = block_reason(feedback.get("blockReason") or feedback.get("block_reason"))
        return Outcome(
            "block",
            "input",
            reason,
            provider,
            ctx.request_id,
            (),
            "prompt blocked",
            filter=chat_filter,
            read_by="shape",
        )
    # No prompt feedback: the answer itself was filtered, unless Azure (or a moderation object) says the prompt was.
    categories = azure_filtered(choice.get("content_filter_results") or {}, ctx)
    prompt_hit = flagged_in or any(
        azure_filtered(p.get("content_filter_results") or {}, ctx)
        for p in _prompt_results(data)
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
        read_by="shape",
    )


def _responses(data: Mapping[str, Any], ctx: Ctx) -> Read:
    """A Responses API answer (``object: response``): an ``image_generation_call`` with a result
    is a pass; one that failed with a moderation error, an answer cut short by the content filter,
    or a flagged ``moderation`` object with no image is a block. A finished answer with the
    model's text and nothing else is of the text family, as a chat answer's is."""
    azure = "content_filters" in data or ctx.hint == "azure"
    provider = ctx.hint or ("azure" if azure else "openai")
    the_filter: Filter = "azure" if azure else "openai"
    items = [i for i in listed(data.get("output")) if isinstance(i, Mapping)]
    calls = [i for i in items if i.get("type") == "image_generation_call"]
    flagged_in, flagged_out, flagged = moderation_flags(data.get("moderation"), ctx)
    for call in calls:
        error = call.get("error")
        if isinstance(error, Mapping) and (
            str(error.get("code") or "").lower() in BLOCK_CODES or isinstance(error.get("moderation_details"), Mapping)
        ):
            return _call_block(error, provider, the_filter, ctx), "image"
    categories = tuple(f"{name}:flagged" for name in flagged) + _azure_annotations([data.get("content_filters")])
    if any(_usable_b64(c.get("result")) and _call_done(c, data) for c in calls):
        return Outcome(
            "pass", None, None, provider, ctx.request_id, categories, filter=the_filter, read_by="shape"
        ), "image"
    incomplete = data.get("incomplete_details")
    reason = str(incomplete.get("reason") or "") if isinstance(incomplete, Mapping) else ""
    if reason == "content_filter" or flagged_in or flagged_out:
        stage: Stage = "input" if flagged_in else "output"
        code = "content_filter" if reason == "content_filter" else "flagged"
        message = "the response was cut short by the content filter" if code == "content_filter" else None
        return Outcome(
            "block",
            stage,
            code,
            provider,
            ctx.request_id,
            flagged,
            message or f"flagged by the answer's moderation ({stage})",
            filter=the_filter,
            read_by="shape",
        ), "image"
    status = str(data.get("status") or "none")
    text = _responses_text(items) if status in ("none", "completed", "incomplete") else ""
    if text and not calls:
        return _text_pass(text, provider, the_filter, categories, ctx)
    raise unreadable(
        f"Responses answer (status {status}) with no image and no safety signal "
        f"({len(calls)} image_generation_call item(s))",
        ctx,
    )


def _call_done(call: Mapping[str, Any], response: Mapping[str, Any]) -> bool:
    """Is an image call's result its image? When the call says it completed, or when the response
    it belongs to completed and the call does not say it failed: an item's own status may lag
    (Azure's stream finishes a call still marked ``generating``, with its result)."""
    status = call.get("status")
    if status in (None, "completed"):
        return True
    return status not in _CALL_FAILED and response.get("status") in (None, "completed")


def _call_block(error: Mapping[str, Any], provider: str, the_filter: Filter, ctx: Ctx) -> Outcome:
    """An ``image_generation_call`` that failed on moderation: its stage from ``moderation_details``,
    else the input; for a code sent at either stage, only wording that names what was judged."""
    details = error.get("moderation_details")
    two_stage = str(error.get("code") or "moderation_blocked").lower() in TWO_STAGE_CODES
    stage: Stage | None = stage_named(str(error.get("message") or "")) if two_stage else "input"
    categories: tuple[str, ...] = ()
    if isinstance(details, Mapping):
        raw = details.get("moderation_stage")
        stage = raw if raw in ("input", "output") else None
        categories = tuple(str(c) for c in listed(details.get("categories")))
    message = str(error.get("message") or "") or None
    return Outcome(
        "block",
        stage,
        str(error.get("code") or "moderation_blocked"),
        provider,
        ctx.request_id,
        categories or violations(message or ""),
        message,
        filter=the_filter,
        read_by="shape",
    )


_ENUM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,}")


def block_reason(value: Any) -> str:
    """A block reason as Google sends it: an enum's name (``SAFETY``, ``OTHER``, one this release
    has never seen); "" for anything else (blank, a number, a stray letter: no reason given)."""
    return value.strip() if isinstance(value, str) and _ENUM_NAME.fullmatch(value.strip()) else ""


def _gemini_native(data: Mapping[str, Any], ctx: Ctx) -> Read:
    """Gemini's ``generateContent``: a blocked prompt, an image, a safety finish reason, or the
    model's text and nothing else (the text family: a describer's answer)."""
    feedback = data.get("promptFeedback")
    feedback = feedback if isinstance(feedback, Mapping) else {}
    reason = block_reason(feedback.get("blockReason"))
    candidates = [c for c in listed(data.get("candidates")) if isinstance(c, Mapping)]
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
            read_by="shape",
        ), "image"
    message = str(feedback.get("blockReasonMessage") or "")
    if message and not candidates and (says_blocked(message) or names_safety(message)):
        # no reason set (Google: "if set, the prompt was blocked"), but a message that says so
        return Outcome(
            "block",
            "input",
            "PROMPT_BLOCKED",
            "gemini",
            ctx.request_id,
            _gemini_categories(feedback),
            str(feedback["blockReasonMessage"]),
            filter="gemini",
            read_by="shape",
        ), "image"
    if not candidates:
        raise unreadable("Gemini answer with neither candidates nor a block reason", ctx)
    cand = candidates[0]
    content = cand.get("content")
    parts = (content.get("parts") or []) if isinstance(content, Mapping) else []
    if any(_is_image_part(p) for p in parts):
        return Outcome(
            "pass",
            None,
            None,
            "gemini",
            ctx.request_id,
            _near_misses(cand.get("safetyRatings")),
            filter="gemini",
            read_by="shape",
        ), "image"
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
            read_by="shape",
        ), "image"
    text = _gemini_text(parts) if finish in _GEMINI_TEXT_ENDS else ""
    if text:
        return _text_pass(text, "gemini", "gemini", _near_misses(cand.get("safetyRatings")), ctx)
    raise unreadable(
        f"Gemini answer with no image and no safety signal (finishReason {finish or 'none'}): "
        f"{cand.get('finishMessage') or ''}".rstrip(": "),
        ctx,
    )


_GOOGLE_SNAKE = {
    "prompt_feedback": "promptFeedback",
    "block_reason": "blockReason",
    "block_reason_message": "blockReasonMessage",
    "finish_reason": "finishReason",
    "finish_message": "finishMessage",
    "safety_ratings": "safetyRatings",
}
"""Google's field names as its older SDKs print them (``prompt_feedback { block_reason: SAFETY }``)."""
_FINISH_NUMBERS = {0: "FINISH_REASON_UNSPECIFIED", 1: "STOP", 2: "MAX_TOKENS", 3: "SAFETY", 4: "RECITATION"}
_BLOCK_NUMBERS = {0: "BLOCK_REASON_UNSPECIFIED", 1: "SAFETY", 2: "OTHER"}
"""The reasons as numbers, where a printout keeps the protocol buffer's values (the older
``google-generativeai`` SDK's ``glm.GenerateContentResponse``): only the numbers every version of
the generativelanguage protos agrees on; any other number stays unread (no verdict)."""


def google_fields(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A Gemini answer with Google's JSON names and reason names, whichever way it was printed.
    An answer in Google's own JSON (every answer a target gets) is returned as it is."""
    if not _printed_by_an_older_sdk(data):
        return data

    def named(key: str, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            table = _FINISH_NUMBERS if key == "finishReason" else _BLOCK_NUMBERS if key == "blockReason" else None
            if table is not None:
                return table.get(value, str(value))
        return convert(value)

    def convert(value: Any) -> Any:
        if isinstance(value, Mapping):
            renamed = {_GOOGLE_SNAKE.get(str(k), str(k)): v for k, v in value.items()}
            return {k: named(k, v) for k, v in renamed.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    converted: Mapping[str, Any] = convert(data)
    return converted


def _printed_by_an_older_sdk(data: Mapping[str, Any]) -> bool:
    """Snake-case names, or a reason as a number, at the places a Gemini reader looks."""
    feedback = data.get("promptFeedback")
    if "prompt_feedback" in data or (isinstance(feedback, Mapping) and isinstance(feedback.get("blockReason"), int)):
        return True
    return any(
        isinstance(c, Mapping) and (any(k in c for k in _GOOGLE_SNAKE) or isinstance(c.get("finishReason"), int))
        for c in listed(data.get("candidates"))
    )


def _interaction(data: Mapping[str, Any], ctx: Ctx) -> Read:
    """Gemini's Interactions API (``object: interaction``): the content of its ``model_output``
    steps (or, as earlier versions answered, its ``outputs``: the SDK reads those as one such
    step) are typed items; an ``image`` item with data or a URI is the image; a completed
    interaction whose items are the model's text is of the text family. Anything else says
    nothing of safety on its own: no verdict (the general layer reads a failed one)."""
    items = _interaction_items(data)
    images = [
        o for o in items if o.get("type") == "image" and (_usable_b64(o.get("data")) or _usable_url(o.get("uri")))
    ]
    completed = str(data.get("status") or "completed") == "completed"
    if images and completed:
        return Outcome("pass", None, None, "gemini", ctx.request_id, filter="gemini", read_by="shape"), "image"
    text = _answer_text([o["text"] for o in items if o.get("type") == "text" and isinstance(o.get("text"), str)])
    if completed and text:
        return _text_pass(text, "gemini", "gemini", (), ctx)
    raise unreadable(f"an interaction (status {data.get('status')}) with no image output", ctx)


def _interaction_items(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """An interaction's output items: its ``model_output`` steps' content, else its ``outputs``."""
    steps = [s for s in listed(data.get("steps"))[:64] if isinstance(s, Mapping) and s.get("type") == "model_output"]
    found = [c for step in steps for c in listed(step.get("content"))[:64]] if steps else listed(data.get("outputs"))
    return [item for item in found[:64] if isinstance(item, Mapping)]


_GEMINI_TEXT_ENDS = frozenset({"", "STOP", "MAX_TOKENS", "FINISH_REASON_UNSPECIFIED"})
"""Gemini finish reasons after which a candidate's text is the model's answer: it stopped, ran
out of tokens (a chat answer cut at its length passes too), or has not finished (a stream's
chunk). Any other reason is read by the general layer, by its message."""


_TASK_STATUS_KEYS = ("task_status", "taskStatus", "status", "state")
_TASK_RESULT_KEYS = ("results", "images", "result_images")


def _finished_task_images(data: Mapping[str, Any]) -> bool:
    """An image task polled to its end, answered as its status and results (DashScope's
    ``{"output": {"task_status": "SUCCEEDED", "results": [{"url": ...}]}}``): a status that says it
    ended with its result, and an image in its results (a URL or base64, as the images API gives
    them). A task still running, or ended with no image, is none."""
    for task in (data, data.get("output")):
        if not isinstance(task, Mapping):
            continue
        status = next((task[k] for k in _TASK_STATUS_KEYS if isinstance(task.get(k), str)), "")
        if status.strip().lower() not in _OPERATION_DONE | {"succeed"}:
            continue
        for key in _TASK_RESULT_KEYS:
            for item in listed(task.get(key))[:64]:
                if isinstance(item, Mapping) and (
                    _usable_url(item.get("url")) or any(_usable_b64(item.get(k)) for k in ("b64_json", "b64_image"))
                ):
                    return True
    return False


_GUARD_VERDICT = re.compile(
    r"^\s*(?:(safe)|(unsafe)\s*(?:[\n,:]\s*(S\d{1,2}(?:\s*,\s*S\d{1,2})*))?)\s*[.]?\s*$", re.IGNORECASE
)
"""A guard model's whole answer, as Llama Guard writes it: ``safe``, or ``unsafe`` and the codes of
the categories it found on the next line (``unsafe\nS1,S10``)."""


def guard_verdict(text: str, data: Any, ctx: Ctx) -> Outcome | None:
    """A moderation asked of a guard model served as a chat model (Llama Guard behind an
    OpenAI-compatible endpoint): its answer is its verdict, in its own documented form; any other
    text is none. A block is of the input (the guard judged what it was given)."""
    found = _GUARD_VERDICT.match(text)
    if found is None:
        return None
    model = data.get("model") if isinstance(data, Mapping) else None
    named = filter_named(str(model or "")) or ("relay" if made_elsewhere(model) else None)
    if found.group(1):  # "safe" alone: categories beside it would contradict it
        return Outcome("pass", None, None, ctx.hint, ctx.request_id, filter=named, read_by="shape")
    codes = tuple(c.strip().upper() for c in (found.group(3) or "").split(",") if c.strip())
    return Outcome(
        "block", "input", "unsafe", ctx.hint, ctx.request_id, codes, text.strip(), filter=named, read_by="shape"
    )


def _assistant_said(data: Mapping[str, Any]) -> str:
    """The text of a conversation answered as its messages (``{"messages": [..., {"role":
    "assistant", "content": "..."}]}``, as a guardrails server answers): the last message, the
    assistant's; "" for anything else."""
    said = listed(data.get("messages"))[-1:]
    if not said or not isinstance(said[0], Mapping) or said[0].get("role") != "assistant":
        return ""
    content = said[0].get("content")
    return content.strip() if isinstance(content, str) else ""


def _text_pass(
    text: str, provider: str | None, the_filter: Filter | None, categories: tuple[str, ...], ctx: Ctx
) -> Read:
    """The model's text and nothing else, whichever API carried it: a pass of the text family
    (a kind that asks for text passes on it, unless the model declined; one that asks for an
    image reads it as no answer)."""
    return Outcome(
        "pass", None, None, provider, ctx.request_id, categories, text[:200], filter=the_filter, read_by="shape"
    ), "text"


def _gemini_text(parts: list[Any]) -> str:
    """A candidate's answer text: its text parts joined, its thoughts left out (a thinking
    model's reasoning is not its answer); with no text, the arguments of the functions it called."""
    texts = [
        p["text"]
        for p in parts[:64]
        if isinstance(p, Mapping) and isinstance(p.get("text"), str) and not p.get("thought")
    ]
    return _answer_text(texts) or called_text(
        [p.get("functionCall") or p.get("function_call") for p in parts[:64] if isinstance(p, Mapping)]
    )


def called_text(calls: list[Any]) -> str:
    """What a model answered by calling tools (a chat answer's ``tool_calls`` or
    ``function_call``, a Responses ``function_call`` item, a Gemini ``functionCall`` part): each
    call's arguments, or its name where it has none. A model asked for text that calls a tool
    has answered, as one that writes it out has; ``""`` when no call is there."""
    texts = []
    for call in calls[:64]:
        if not isinstance(call, Mapping):
            continue
        inner = call.get("function")
        function: Mapping[str, Any] = inner if isinstance(inner, Mapping) else call
        arguments = function.get("arguments", function.get("args"))
        if isinstance(arguments, (Mapping, list)) and arguments:
            try:
                texts.append(json.dumps(arguments, ensure_ascii=False, default=str)[:MAX_CALL_TEXT])
            except (RecursionError, ValueError):  # nested past what can be written back: still an answer
                texts.append(str(function.get("name") or "arguments"))
        elif isinstance(arguments, str) and arguments.strip() not in ("", "{}"):
            texts.append(arguments[:MAX_CALL_TEXT])
        elif isinstance(function.get("name"), str) and function["name"].strip():
            texts.append(function["name"])
    return _answer_text(texts)


MAX_CALL_TEXT = 2000
"""How much of one call's arguments is kept as its text (only the start is ever shown)."""


def _answer_text(parts: list[str]) -> str:
    """Text parts as one answer, or ``""`` when they hold only whitespace."""
    text = "".join(parts)
    return text if text.strip() else ""


def _responses_text(items: list[Mapping[str, Any]]) -> str:
    """A Responses answer's message text (``output_text`` parts of its ``message`` items); with
    none, the arguments of the functions it called (``function_call`` items)."""
    texts = [
        c["text"]
        for item in items[:64]
        if item.get("type") == "message"
        for c in listed(item.get("content"))[:64]
        if isinstance(c, Mapping) and c.get("type") == "output_text" and isinstance(c.get("text"), str)
    ]
    return _answer_text(texts) or called_text([item for item in items[:64] if item.get("type") == "function_call"])


def _is_image_part(part: Any) -> bool:
    if not isinstance(part, Mapping):
        return False
    inline = part.get("inlineData") or part.get("inline_data")
    if isinstance(inline, Mapping):
        return _usable_b64(inline.get("data"))
    file_data = part.get("fileData") or part.get("file_data")
    return isinstance(file_data, Mapping) and _usable_url(file_data.get("fileUri") or file_data.get("file_uri"))


def _imagen_predict(data: Mapping[str, Any], ctx: Ctx) -> Outcome:
    predictions = [p for p in listed(data.get("predictions")) if isinstance(p, Mapping)]
    reasons = "; ".join(
        str(p["raiFilteredReason"]).strip()
        for p in predictions
        if isinstance(p.get("raiFilteredReason"), str) and len(p["raiFilteredReason"].strip()) > 2
    )
    if any(_usable_b64(p.get("bytesBase64Encoded")) or _usable_url(p.get("gcsUri")) for p in predictions):
        # Some images filtered and some returned: the user got images, so a pass that keeps the reason.
        return Outcome(
            "pass", None, None, "imagen", ctx.request_id, (), reasons or None, filter="imagen", read_by="shape"
        )
    if reasons:
        return Outcome(
            "block",
            "output",
            "raiFilteredReason",
            "imagen",
            ctx.request_id,
            (),
            reasons,
            filter="imagen",
            read_by="shape",
        )
    raise unreadable("Imagen answer with no image and no filter reason", ctx)


def _images(data: Mapping[str, Any], ctx: Ctx) -> Outcome:
    items = data.get("data")
    if not isinstance(items, list):
        raise unreadable("images answer whose 'data' is not a list", ctx)
    if not any(isinstance(i, Mapping) and (_usable_b64(i.get("b64_json")) or _usable_url(i.get("url"))) for i in items):
        raise unreadable(f"images answer with no usable image ({len(items)} item(s): empty, null or not base64)", ctx)
    annotations = _azure_annotations(
        r
        for i in items
        if isinstance(i, Mapping)
        for r in (i.get("prompt_filter_results"), i.get("content_filter_results"))
    )
    # Some images filtered and some returned (an item that is an error: Azure's DALL-E 2 answers
    # so): the user got images, so a pass that keeps the filter's message, as Imagen's does.
    withheld = [i["error"] for i in items if isinstance(i, Mapping) and isinstance(i.get("error"), Mapping)]
    azure = (
        ctx.hint == "azure"
        or any(
            isinstance(i, Mapping)
            and (
                "content_filter_results" in i
                or "prompt_filter_results" in i
                or _AZURE_URL.match(str(i.get("url") or ""))
            )
            for i in items
        )
        or any(filter_named(str(e.get("code") or "")) == "azure" for e in withheld)
    )
    reasons = "; ".join(dict.fromkeys(str(e.get("message") or e.get("code") or "") for e in withheld)).strip("; ")
    elsewhere = not azure and made_elsewhere(data.get("model"))  # a gateway serving another maker's model
    return Outcome(
        "pass",
        None,
        None,
        ctx.hint or ("azure" if azure else "proxy" if elsewhere else "openai"),
        ctx.request_id,
        annotations,
        reasons or None,
        filter="azure" if azure else "relay" if elsewhere else "openai",
        read_by="shape",
    )


_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")
"""How PNG, JPEG, GIF and TIFF files begin; WebP is ``RIFF....WEBP``, AVIF and HEIF ``....ftyp``."""


def is_image_bytes(data: bytes) -> bool:
    """Do these bytes begin as an image file does? An image target's pass needs an image, not any
    base64 (``aGVsbG8=`` is 'hello')."""
    return data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP") or data[4:8] == b"ftyp"


def _usable_b64(value: Any) -> bool:
    """Base64 of image bytes, or the placeholder a recording (ours, or documentation's and another
    project's fixtures: :func:`.body.printed_placeholder`) puts in their place."""
    if not isinstance(value, str) or not value.strip():
        return False
    if PLACEHOLDER.match(value.strip()) or printed_placeholder(value):
        return True
    try:
        return is_image_bytes(base64.b64decode("".join(value.split()), validate=True))
    except (binascii.Error, ValueError):
        return False


def _usable_url(value: Any) -> bool:
    """An image's URL (http, https, gs, a data URL of image bytes), or what documentation prints in
    its place (``<URL_to_generated_image>``)."""
    if not isinstance(value, str):
        return False
    if printed_placeholder(value):
        return True
    if value.startswith("data:"):
        m = _DATA_URL.match(value)
        return bool(m) and _usable_b64(m.group(1) if m else None)
    return bool(_IMAGE_URL.match(value))


def has_image(message: Mapping[str, Any]) -> bool:
    """Does a chat message carry a usable image (an ``images`` list, a content part, a Markdown image)?"""
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
        for r in listed(obj.get("safetyRatings"))
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


# --- Azure AI Content Safety ----------------------------------------------------------------

CONTENT_SAFETY_CATEGORIES: tuple[str, ...] = ("Hate", "SelfHarm", "Sexual", "Violence")
"""The harm categories of ``text:analyze``, as the API spells them."""
DEFAULT_SEVERITY_THRESHOLD = 4
"""Medium: the severity from which Azure OpenAI's default content filter blocks a prompt."""


def category_key(name: str) -> str:
    """A category name compared loosely: ``SelfHarm``, ``selfharm``, ``self_harm``, ``Self-Harm``."""
    return re.sub(r"[\s_-]+", "", name).lower()


_BLOCKLIST_MATCHES = ("blocklistsMatch", "blocklistsMatchResults", "blocklistMatchResults")
"""A Content Safety answer's blocklist matches, as each API version names them."""


def content_safety_fields(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A Content Safety analysis with the current API's names, whichever version answered, or
    ``None`` when the answer is none. The current version lists ``categoriesAnalysis`` rows and
    ``blocklistsMatch``; the 2023 previews gave a ``<category>Result`` object per category (its
    level as ``severity``, or ``riskLevel`` in the private preview) and ``blocklistsMatchResults``
    (``blockItemText``), and the private previews a list of detections (:func:`_detection_rows`):
    the same analysis under older names. Every name an answer uses is read
    (an answer mixing versions is judged on all it says), and a ``<category>Result`` that is no
    row stays in as one, so the verdict refuses it rather than passing without it."""
    detections = _detection_rows(data)
    if detections is not None:
        return {"categoriesAnalysis": detections}
    current = "categoriesAnalysis" in data or "blocklistsMatch" in data
    if not current and not any(key in data for key in _BLOCKLIST_MATCHES):
        if not any(_is_older_row(str(k), v) and _is_level_row(v) for k, v in list(data.items())[:64]):
            return None
    return _analysis(data)


def _analysis(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """An answer known to be a Content Safety analysis, every version's names read as the current's."""
    older = [(k, v) for k, v in list(data.items())[:64] if _is_older_row(str(k), v)]
    blocklists = [data[key] for key in _BLOCKLIST_MATCHES if key in data]
    rows = data.get("categoriesAnalysis", [])
    if not isinstance(rows, list):
        return data  # the verdict names what is wrong with it
    for _, value in older:
        if isinstance(value, Mapping):
            value = {"category": value.get("category"), "severity": value.get("severity", value.get("riskLevel"))}
        rows = [*rows, value]
    if any(not isinstance(found, list) for found in blocklists):
        return {"categoriesAnalysis": rows, "blocklistsMatch": next(f for f in blocklists if not isinstance(f, list))}
    matches = [
        {**m, "blocklistItemText": m.get("blocklistItemText", m.get("blockItemText"))} if isinstance(m, Mapping) else m
        for found in blocklists
        for m in found[:64]
    ]
    return {"categoriesAnalysis": rows, "blocklistsMatch": matches}


def _is_older_row(key: str, value: Any) -> bool:
    """A 2023 preview's ``<category>Result`` (``hateResult``), whatever its value holds."""
    return key.endswith("Result") and key[:1].islower()


def _is_level_row(value: Any) -> bool:
    """A category and its level, as a preview's ``<category>Result`` gives them: what makes an
    answer a preview's analysis (then every ``<category>Result`` of it is a row)."""
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("category"), str)
        and ("severity" in value or "riskLevel" in value)
    )


def _detection_rows(data: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """A list of detections (``value: [{category, detected, score}]``, Content Safety's
    private-preview ``detect``, one row per category; its earliest preview named the boolean
    ``isHitted``) as rows of the Boolean output type, or ``None`` when the answer is no such list."""
    rows = data.get("value")
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], Mapping):
        return None
    name = next((k for k in _DETECTED_NAMES if k in rows[0]), None)
    if name is None or not all(isinstance(r, Mapping) and isinstance(r.get("category"), str) for r in rows[:64]):
        return None
    return [{"category": r["category"], "detected": r.get(name)} for r in rows[:64]]


_DETECTED_NAMES = ("detected", "isHitted")
"""What a detection row names its verdict, by API version."""


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
            f"a text:analyze answer whose categoriesAnalysis or blocklistsMatch is not a list: {snippet(data)}",
            200,
            None,
            request_id,
            "azure",
        )
    severities: list[tuple[str, int, int]] = []
    detected: list[tuple[str, bool]] = []
    for row in rows:
        severity = row.get("severity") if isinstance(row, Mapping) else None
        if isinstance(row, Mapping) and severity is None and isinstance(row.get("detected"), bool):
            # the Boolean output type (and the previews' lists of detections): the service
            # decided, so detected is over any threshold
            detected.append((str(row.get("category")), row["detected"]))
            continue
        if (
            not isinstance(row, Mapping)
            or not isinstance(row.get("category"), str)
            or isinstance(severity, bool)
            or not isinstance(severity, int)
            or severity < 0
        ):
            raise ApiError(
                "unreadable",
                f"a text:analyze row without a category and a whole-number severity: {snippet(row)}",
                200,
                None,
                request_id,
                "azure",
            )
        name = str(row["category"])
        severities.append((name, severity, limits.get(category_key(name), DEFAULT_SEVERITY_THRESHOLD)))
    lists = [m for m in matches if isinstance(m, Mapping)]
    if not severities and not lists and not detected:
        raise ApiError(
            "unreadable",
            "a text:analyze answer that analyzed no category and matched no blocklist",
            200,
            None,
            request_id,
            "azure",
        )
    over = [f"{name}:{severity}" for name, severity, limit in severities if severity >= limit]
    over += [f"{name}:detected" for name, hit in detected if hit]
    hits = [f"blocklist:{m.get('blocklistName') or '?'}" for m in lists]
    shown = [
        f"{name} {severity} ({'>=' if severity >= limit else '<'} {limit})" for name, severity, limit in severities
    ]
    shown += [f"{name} {'detected' if hit else 'not detected'}" for name, hit in detected]
    shown += [f"blocklist {m.get('blocklistName') or '?'} matched {m.get('blocklistItemText')!r}" for m in lists]
    message = "; ".join(shown)
    if over or hits:
        code = "blocklistsMatch" if hits and not over else "categoriesAnalysis"
        return Outcome(
            "block",
            "input",
            code,
            "azure",
            request_id,
            tuple(dict.fromkeys(over + hits)),
            message,
            filter="azure",
            read_by="shape",
        )
    near = tuple(f"{name}:{severity}" for name, severity, _ in severities if severity > 0)
    return Outcome("pass", None, None, "azure", request_id, near, message, filter="azure", read_by="shape")
