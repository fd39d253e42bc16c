"""The general layer: reading an answer by principle when no exact reader knows its shape.

The exact readers (:mod:`.known_errors`, :mod:`.known_answers`) know the providers' shapes one
by one; a new field value, a relay's new envelope or a message with no envelope at all is no
verdict to them. Under them, this layer reads what every safety answer shares, in order:

1. **The envelope.** A provider's answer a relay nests as JSON inside a string (one-api /
   new-api's message, OpenRouter's ``metadata.raw``, a log line, an HTML error page) is read
   again, whole. A pass found inside an envelope is never a pass: the relay did not hand the
   image over, so only a block counts.
2. **The provider's own fields.** A finish or block reason this version has not seen is read by
   its own tokens (``IMAGE_PROHIBITED_CONTENT_V2``) or by its ``finishMessage``; a content
   filter's ``filtered: true`` or a moderation's ``flagged: true`` says block where no image came.
3. **The message text**, in an error envelope, a list of errors, FastAPI's ``detail``, Google's
   reasons, a plain-text or HTML body: it must name safety and a refusal in the providers' own
   vocabulary (``data/answer_vocabulary.yaml``), and nothing that makes it another answer.

Stage follows the wording of what carried the verdict (generated-image wording: output; prompt,
request, task wording: input; neither: unknown). A verdict found here is marked
``read_by="general"``, so a report shows the shapes worth adding. What this layer cannot read
stays a non-verdict: it never guesses, and it never reads a pass.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from .body import MAX_TEXT, Body, embedded_json, html_text, looks_cut, looks_html, messages, without_json
from .known_errors import BLOCK_CODES, Ctx, request_id_in, violations
from .verdict import ApiError, Outcome, Stage
from .vocabulary import filter_named, names_policy, policy_enums, says_blocked, stage_in, stage_of_enum

NestedReader = Callable[[int, Any], Outcome]
"""Reads a nested answer with every reader (exact, then general); raises ApiError for none."""

_FINISH_KEYS = ("finishReason", "finish_reason", "native_finish_reason")
_BLOCK_KEYS = ("blockReason", "block_reason")
_FLAG_KEYS = ("filtered", "blocked", "flagged")
_INPUT_PATH = frozenset({"prompt", "prompts", "input", "inputs", "request"})
_OUTPUT_PATH = frozenset(
    {"output", "outputs", "candidate", "candidates", "choice", "choices", "completion", "generation"}
)
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_IMAGE_KEYS = ("b64_json", "bytesBase64Encoded", "result", "image", "images", "data", "url", "fileUri", "gcsUri")
_URL = re.compile(r"^(https?|gs)://|^data:image/")
_BASE64 = re.compile(r"^(?:<imgsafe:sha256=|[A-Za-z0-9+/]{8,}={0,2}$)")


def read_generally(status: int, body: Body, ctx: Ctx, read: NestedReader) -> Outcome | None:
    """A block read by principle, or ``None`` (the answer stays the non-verdict it was)."""
    found = _nested(status, body, ctx, read) or _fields(body.data, ctx) or _wording(status, body, ctx)
    return replace(found, read_by="general") if found is not None else None


# --- 1. the envelope ------------------------------------------------------------------------


def _nested(status: int, body: Body, ctx: Ctx, read: NestedReader) -> Outcome | None:
    """A block inside an envelope. The nested answer is read as it came (a success a relay wraps
    in an error is a pass it did not hand over: no verdict at all), then as the error its envelope
    says it is."""
    for inner in _inner_answers(body):
        for inner_status in (200, max(status, 400)):
            try:
                outcome = read(inner_status, inner)
            except ApiError:
                continue
            if outcome.verdict != "block":
                return None
            return replace(outcome, provider="proxy", request_id=ctx.request_id or outcome.request_id)
    return None


def _inner_answers(body: Body) -> Iterator[Any]:
    """Answers nested inside this one: JSON in its messages, or in a text or HTML body."""
    if body.data is None:
        if looks_cut(body.text):
            return  # JSON or a stream that did not parse: what is inside is a part, never an answer
        text = html_text(body.text) if looks_html(body.text) else body.text[:MAX_TEXT]
        inner = embedded_json(text)
        if inner is not None:
            yield inner
        return
    for message in messages(body.data):
        if "{" in message or "[" in message:
            inner = embedded_json(message)
            if inner is not None and inner != body.data:
                yield inner


# --- 2. the provider's own fields -----------------------------------------------------------


def _fields(data: Any, ctx: Ctx) -> Outcome | None:
    """Finish and block reasons of any value, content-filter and moderation flags, where no image
    came. Every hit is collected first, so the reading never depends on the order of keys: a block
    reason (the prompt) comes before a finish reason (the output), and flags before neither."""
    if not isinstance(data, Mapping) or _carries_image(data, 0):
        return None
    reasons: list[tuple[int, str, Stage | None, Mapping[str, Any]]] = []
    flags: list[tuple[tuple[str, ...], str, Mapping[str, Any]]] = []
    for path, node in _walk(data, ()):
        for key in _BLOCK_KEYS:
            value = node.get(key)
            if isinstance(value, str) and value and _reason_blocks(value, node):
                reasons.append((0, value, "input", node))
        for key in _FINISH_KEYS:
            value = node.get(key)
            if isinstance(value, str) and value and _reason_blocks(value, node):
                reasons.append((1, value, stage_of_enum(value) or _message_stage(node) or "output", node))
        flags.extend((path, key, node) for key in _FLAG_KEYS if node.get(key) is True)
    if reasons:
        _, value, reason_stage, node = min(reasons, key=lambda r: (r[0], r[1]))
        return _field_block(value, reason_stage, node, ctx)
    if flags:
        # a moderation's flag with nothing around it is about the text it was given: the input
        stages = {_path_stage(path) or ("input" if key == "flagged" else None) for path, key, _ in flags}
        stage: Stage | None = "input" if "input" in stages else "output" if "output" in stages else None
        categories = tuple(sorted({path[-1] for path, _, _ in flags if path}))
        path, key, node = min(flags, key=lambda f: (f[0], f[1]))
        return _field_block(key, stage, node, ctx, categories=categories)
    return None


def _reason_blocks(value: str, node: Mapping[str, Any]) -> bool:
    """A reason names a policy by its tokens, or its message says safety blocked."""
    message = _node_message(node)
    return names_policy(value) or bool(message and says_blocked(message))


def _node_message(node: Mapping[str, Any]) -> str:
    for key in ("finishMessage", "finish_message", "blockReasonMessage", "message"):
        if isinstance(node.get(key), str):
            return str(node[key])
    return ""


def _message_stage(node: Mapping[str, Any]) -> Stage | None:
    message = _node_message(node)
    return stage_in(message) if message else None


def _path_stage(path: tuple[str, ...]) -> Stage | None:
    """The stage the keys leading to a flag name (``prompt_filter_results``, ``promptFeedback``:
    input; ``choices``, ``candidates``, ``output``: output)."""
    words = {w.lower() for part in path for w in _WORD.findall(part)}
    if words & _INPUT_PATH:
        return "input"
    if words & _OUTPUT_PATH:
        return "output"
    return None


def _field_block(
    code: str, stage: Stage | None, node: Mapping[str, Any], ctx: Ctx, *, categories: tuple[str, ...] = ()
) -> Outcome:
    message = _node_message(node) or None
    return Outcome(
        "block", stage, code, ctx.hint, ctx.request_id, categories, message, filter=filter_named(_marker_text(node))
    )


def _walk(value: Any, path: tuple[str, ...], depth: int = 0) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any]]]:
    """Every object in a JSON value, with the keys that lead to it (breadth is bounded)."""
    if depth > 8:
        return
    if isinstance(value, Mapping):
        yield path, value
        for key, child in list(value.items())[:64]:
            if isinstance(child, (Mapping, list)):
                yield from _walk(child, (*path, str(key)), depth + 1)
    elif isinstance(value, list):
        for child in value[:64]:
            yield from _walk(child, path, depth + 1)


def _carries_image(value: Any, depth: int) -> bool:
    """Does an answer of unknown shape hold something that looks like an image (base64 or a URL
    under an image key, a data URL anywhere)? Then flags are ambiguous (a score on a delivered
    image), so none is read."""
    if depth > 8:
        return False
    if isinstance(value, Mapping):
        for key, child in list(value.items())[:64]:
            if key in _IMAGE_KEYS and isinstance(child, str) and (_URL.match(child) or _BASE64.match(child)):
                return True
            if _carries_image(child, depth + 1):
                return True
    elif isinstance(value, list):
        return any(_carries_image(child, depth + 1) for child in value[:64])
    elif isinstance(value, str) and "data:image/" in value:
        return True
    return False


# --- 3. the message text --------------------------------------------------------------------


def _wording(status: int, body: Body, ctx: Ctx) -> Outcome | None:
    texts = messages(body.data, body.text)
    marker = _marker_text(body.data) if body.data is not None else " ".join(texts)
    for text in texts:
        prose = without_json(text)
        if says_blocked(prose):
            return _worded_block(text, stage_in(prose), body.data, marker, ctx)
        if status >= 400 and " " not in text and names_policy(text):  # Google's ErrorInfo reason, an enum
            return _worded_block(text, stage_of_enum(text), body.data, marker, ctx, code=text)
    return None


def _worded_block(
    text: str, stage: Stage | None, data: Any, marker: str, ctx: Ctx, *, code: str | None = None
) -> Outcome:
    error = data.get("error") if isinstance(data, Mapping) else None
    error_code = error.get("code") if isinstance(error, Mapping) else None
    lower = text.lower()
    code = (
        code
        or next((c for c in sorted(BLOCK_CODES) if re.search(rf"\b{c}\b", lower)), None)
        or next(iter(policy_enums(text)), None)
        or (str(error_code) if isinstance(error_code, str) and error_code and not error_code.isdigit() else None)
    )
    return Outcome(
        "block",
        stage,
        code,
        ctx.hint,
        ctx.request_id or request_id_in(text),
        violations(text),
        text[:500],
        filter=filter_named(marker),
    )


def _marker_text(data: Any) -> str:
    """What the filter is told by: the answer's field names and words, bounded."""
    try:
        return json.dumps(data, ensure_ascii=False)[:MAX_TEXT]
    except (TypeError, ValueError):
        return str(data)[:MAX_TEXT]
