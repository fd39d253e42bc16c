"""A provider's answer body, made readable before anyone judges it.

A body comes as parsed JSON, JSON text, a server-sent-event stream, a JSON array of stream
chunks, an HTML error page or plain text. :func:`read_body` turns each into one
:class:`Body`: the JSON value (a stream merged into one answer), the text, and whether a stream
ended with its last event. A stream without its last event is *cut*: whatever it says, it never
carried a whole image, so it can never be a pass.

:func:`messages` lists the human-readable messages an answer carries wherever the providers and
relays put them (``error.message``, ``errors[]``, ``detail``, ``finishMessage``, an HTML page's
text, ...): what the general layer and a team's rules read.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 64 * 1024
"""Characters of a text body that are read for messages (an HTML page is mostly markup)."""
_DATA_LINE = re.compile(r"^data:", re.MULTILINE)
_EVENT_SPLIT = re.compile(r"\r?\n\s*\r?\n")
_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_MESSAGE_KEYS = (
    "message",
    "msg",
    "error_message",
    "error_msg",
    "errorMessage",
    "detail",
    "details",
    "error_description",
    "description",
    "reason",
    "finishMessage",
    "finish_message",
    "blockReasonMessage",
    "raiFilteredReason",
)


@dataclass(frozen=True)
class Body:
    """An answer body made readable: ``data`` is the JSON value (``None`` when the body is not
    JSON), ``text`` the body as it came when it came as text, ``streamed`` whether it was a stream
    of events or chunks, ``cut`` whether that stream lacks its last event."""

    data: Any
    text: str
    streamed: bool = False
    cut: bool = False


def read_body(body: bytes | str | Mapping[str, Any] | list[Any] | None) -> Body:
    """JSON, the merged events of a stream, or the text of anything else."""
    if isinstance(body, Mapping):
        return Body(body, "")
    if isinstance(body, list):
        return _stream(body, "")
    if body is None:
        return Body(None, "")
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return Body(None, body[:MAX_TEXT].decode("utf-8", "replace"))
    else:
        text = body
    try:
        data = json.loads(text)
    except ValueError:
        events = sse_events(text)
        if events is None:
            return Body(None, text)
        return _stream(events, text, sse=True)
    if isinstance(data, list):
        return _stream(data, text)
    return Body(data, text)


def sse_events(text: str) -> list[Any] | None:
    """The JSON payloads of an SSE stream, read whole (``None`` when the text is not one, or an
    event is not JSON: a stream cut inside an event). A bare JSON object between events counts
    too (Vertex appends its error object to a failed stream without a ``data:`` prefix)."""
    if not _DATA_LINE.search(text):
        return None
    events: list[Any] = []
    for block in _EVENT_SPLIT.split(text):
        lines = block.strip().splitlines()
        data = [ln[5:].strip() for ln in lines if ln.startswith("data:")]
        payload = "\n".join(data) if data else block.strip()
        if not payload or payload == "[DONE]" or all(ln.startswith((":", "event:", "id:", "retry:")) for ln in lines):
            continue
        try:
            events.append(json.loads(payload))
        except ValueError:
            return None
    return events


def _stream(chunks: list[Any], text: str, *, sse: bool = False) -> Body:
    """A list of chunks or events as one answer, and whether the stream reached its end."""
    if not chunks or not all(isinstance(c, Mapping) for c in chunks):
        return Body(chunks if chunks or not sse else None, text, sse, sse and not chunks)
    merged = merge_stream(chunks)
    streamed = sse or len(chunks) > 1
    return Body(merged, text, streamed, streamed and not _ended(chunks))


def _ended(chunks: list[Mapping[str, Any]]) -> bool:
    """Did the stream send its last event: an error, a finish reason, a completed image or response?"""
    for chunk in chunks:
        if isinstance(chunk.get("error"), Mapping) or chunk.get("type") == "error":
            return True
        kind = str(chunk.get("type") or "")
        if kind.endswith(".completed") and kind.startswith(("image_generation.", "image_edit.")):
            return True
        if kind in ("response.completed", "response.failed", "response.incomplete"):
            return True
        feedback = chunk.get("promptFeedback")
        if isinstance(feedback, Mapping) and feedback.get("blockReason"):
            return True
        for candidate in chunk.get("candidates") or ():
            if isinstance(candidate, Mapping) and candidate.get("finishReason"):
                return True
        for choice in chunk.get("choices") or ():
            if isinstance(choice, Mapping) and choice.get("finish_reason"):
                return True
    return False


def merge_stream(chunks: list[Mapping[str, Any]]) -> Any:
    """One answer from a list of chunks: an error chunk wins, Gemini, chat and Responses chunks
    are merged, OpenAI image events become an images answer, a one-element list is its element."""
    for chunk in chunks:
        if isinstance(chunk.get("error"), Mapping):
            return chunk
        if chunk.get("type") == "error":  # the Responses API's error event: its fields are the error
            return {"error": {k: v for k, v in chunk.items() if k not in ("type", "sequence_number")}}
    if len(chunks) == 1 and not str(chunks[0].get("type") or "").startswith("response."):
        return chunks[0]
    if all(_is_gemini(c) for c in chunks):
        return _merge_gemini(chunks)
    kinds = [str(c.get("type") or "") for c in chunks]
    if any(k.startswith("response.") for k in kinds):
        return _merge_responses(chunks)
    if any(k.startswith(("image_generation.", "image_edit.")) for k in kinds):
        return {
            "data": [
                {"b64_json": c.get("b64_json")} for c, k in zip(chunks, kinds, strict=True) if k.endswith(".completed")
            ]
        }
    if all("choices" in c for c in chunks):
        return _merge_chat(chunks)
    return chunks


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


def _merge_responses(chunks: list[Mapping[str, Any]]) -> dict[str, Any]:
    """A streamed Responses answer read whole: the last ``response`` object the events carried,
    with the output items the stream finished (``response.output_item.done``) when that object
    lists none. Partial images are previews, never the image."""
    response: dict[str, Any] = {"object": "response"}
    items: dict[int, Any] = {}
    for chunk in chunks:
        if isinstance(chunk.get("response"), Mapping):
            response = dict(chunk["response"])
        if chunk.get("type") == "response.output_item.done" and isinstance(chunk.get("item"), Mapping):
            index = chunk.get("output_index")
            items[index if isinstance(index, int) else len(items)] = chunk["item"]
    if not response.get("output") and items:
        response["output"] = [items[i] for i in sorted(items)]
    return response


# --- messages -------------------------------------------------------------------------------


def html_text(text: str) -> str:
    """The visible text of an HTML page (title and body), markup and scripts dropped."""
    return " ".join(html.unescape(_TAG.sub(" ", text[:MAX_TEXT])).split())


def looks_html(text: str) -> bool:
    head = text[:512].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in head


def embedded_json(text: str) -> Any:
    """An answer inside a text (``HTTP 400: [relay] [400]: {...} (reset after 5s)``): the first
    JSON object, or array of objects, that parses there; ``None`` when there is none."""
    decoder = json.JSONDecoder()
    for m in re.finditer(r"[\[{]", text[:MAX_TEXT]):
        try:
            value, _ = decoder.raw_decode(text, m.start())
        except ValueError:
            continue
        if (isinstance(value, Mapping) and value) or (
            isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value)
        ):
            return value
    return None


def looks_cut(text: str) -> bool:
    """Is this text JSON or an event stream that did not parse (cut short, or damaged)? Then it is
    no message: its keys and half-values are not words anyone meant to say."""
    head = text.lstrip()[:16]
    return head[:1] in ("{", "[") or head.startswith(("data:", "event:", "id:", ":"))


def without_json(text: str) -> str:
    """A message with the JSON it quotes left out: a relay's "litellm.BadRequestError: {...}" is
    read for its own words, never for the keys and values of the answer it wraps (which the
    envelope reading reads whole)."""
    if "{" not in text and "[" not in text:
        return text
    decoder = json.JSONDecoder()
    out: list[str] = []
    index = 0
    for m in re.finditer(r"[\[{]", text[:MAX_TEXT]):
        if m.start() < index:
            continue
        try:
            _, end = decoder.raw_decode(text, m.start())
        except ValueError:
            continue
        out.append(text[index : m.start()])
        index = end
    out.append(text[index:])
    return " ".join("".join(out).split())


def messages(data: Any, text: str = "") -> list[str]:
    """Every human-readable message of an answer, outermost first: the error object's message,
    a list of errors, FastAPI's ``detail``, Google's reasons, finish and filter messages; the
    visible text of a body that is not JSON (nothing of a JSON or stream body that did not parse)."""
    found: list[str] = []
    if data is None:
        if text.strip() and not looks_cut(text):
            found.append(html_text(text) if looks_html(text) else " ".join(text[:MAX_TEXT].split()))
        return found
    for value in _message_values(data, 0):
        value = " ".join(value.split())
        if value and value not in found:
            found.append(value)
    return found


def _message_values(value: Any, depth: int) -> Iterator[str]:
    if depth > 6:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value[:32]:
            yield from _message_values(item, depth + 1)
    elif isinstance(value, Mapping):
        for key in ("error", "errors"):
            if key in value and value[key] is not None and not isinstance(value[key], bool):
                yield from _message_values(value[key], depth + 1)
        for key in _MESSAGE_KEYS:
            if key in value:
                yield from _message_values(value[key], depth + 1)
        metadata = value.get("metadata")
        if isinstance(metadata, Mapping) and isinstance(metadata.get("raw"), str):
            yield metadata["raw"]


def snippet(body: Any, limit: int = 160) -> str:
    """A short, one-line excerpt of a body for a message (never the whole of it)."""
    text = body[:4096].decode("utf-8", "replace") if isinstance(body, bytes) else str(body)[:4096]
    text = " ".join(text.split())
    return text[:limit] + ("…" if len(text) > limit else "")
