"""A provider's answer body, made readable before anyone judges it.

A body comes as parsed JSON, JSON text, a server-sent-event stream, newline-delimited JSON
events, a JSON array of stream chunks, one event of a stream, an HTML error page or plain text.
:func:`read_body` turns each into one :class:`Body`: the JSON value (a stream merged into one
answer), the text, and whether a stream ended with its last event. A stream without its last
event is *cut*: whatever it says, it never carried a whole image, so it can never be a pass.

JSON as documentation and logs print it is still JSON: line breaks inside a string (a message
wrapped for reading) and a Python dict's repr (an SDK's exception printed) are read as the
answer they print. JSON that is cut short is not: it stays text, and never a verdict of its own.
What they print in place of what they leave out (``<URL_to_generated_image>``, ``<redacted live
image data; length=439196>``) stands for it: :func:`printed_placeholder`.

Streams are read by the form of their events, not by a list of the event types known today:
``<object>.completed``, ``.done``, ``.failed``, ``.incomplete``, ``.cancelled``, ``error`` and
an event that says ``"done": true`` end a stream (``response.output_item.done`` is an item's,
not the stream's); an SSE ``event:`` line names a payload that does not name itself; an event's
``data`` object is its payload; a chat stream's deltas are joined field by field (``content``,
``refusal``, ...), whatever the fields.

:func:`messages` lists the human-readable messages an answer carries wherever the providers and
relays put them (``error.message``, ``errors[]``, ``detail``, ``finishMessage``, an HTML page's
text, ...): what the general layer and a team's rules read.
"""

from __future__ import annotations

import ast
import html
import itertools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 64 * 1024
"""Characters of a text body that are read for messages (an HTML page is mostly markup)."""
MAX_JSON_STARTS = 256
"""Braces and brackets of a text tried as the start of the JSON it quotes: a relay quotes its
upstream's answer once or a few times, and each failed try costs as much as the text before it
(the parser counts lines for its error), so a text of braces alone would cost its length squared."""
_DATA_LINE = re.compile(r"^data:", re.MULTILINE)
_DONE_LINE = re.compile(r"^data:\s*\[DONE\]\s*$", re.M)
_TERMINAL = frozenset({"completed", "done", "failed", "incomplete", "cancelled", "canceled", "error"})
"""The second part of a two-part event type that ends a stream (``response.completed``)."""
_PRINTED_PLACEHOLDER = re.compile(
    r"^<[^<>\"']{0,200}\b(?:url|image|data|base64|b64|bytes|redacted|omitted|elided|truncated|placeholder)"
    r"[^<>\"']{0,200}>$"
    r"|^__\w{0,100}(?:url|image|data|base64|b64|bytes|redacted|omitted|elided|truncated|placeholder)\w{0,100}__$",
    re.IGNORECASE,
)
_REDACTION = re.compile(r"^(?:\[?(?:redacted|sanitized|removed|omitted|elided)\]?|([Xx*])\1{2,})$", re.IGNORECASE)
"""What a recorder or a documentation page writes over a value it hides, as the whole value: a
redaction word (``REDACTED``; ``Sanitized``, as the Azure SDK's test proxy writes), or a mask of
one character repeated (``XXXXX``, ``****``)."""
_EVENT_SPLIT = re.compile(r"\r?\n\s*\r?\n")
_TAG = re.compile(r"<[^<>]*>")
"""A tag: it holds no ``<`` (so a run of ``<`` is scanned once, never once per ``<``)."""
_HIDDEN_OPEN = re.compile(r"<(script|style)\b", re.IGNORECASE)
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
    "failure_reason",
    "failureReason",
    "fail_reason",
    "failReason",
    "fail_msg",
    "failMsg",
    "fail_message",
    "failMessage",
    "status_message",
    "statusMessage",
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
        return Body(merge_stream([body]) if _is_event(body) else body, "")
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
            events = json_lines(text)
        if events is not None:
            return _stream(events, text, sse=True)
        data = printed_json(text)
        if data is None:
            data = protobuf_text(text)
        if data is None:
            return Body(None, text)
    if isinstance(data, list):
        return _stream(data, text)
    if isinstance(data, Mapping) and _is_event(data):
        return Body(merge_stream([data]), text)
    return Body(data, text)


def validation_errors(items: list[Any]) -> bool:
    """A list of FastAPI's validation errors (``{loc, msg, type}`` each): one error answer, no stream."""
    return bool(items) and all(isinstance(i, Mapping) and {"loc", "msg", "type"} <= i.keys() for i in items[:32])


_PROTO_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*(.+?)|(\{))\s*$")
_PROTO_SCALAR = re.compile(r'^(?:"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*))$')


def protobuf_text(text: str) -> dict[str, Any] | None:
    """An answer as Google's older SDKs print a protocol buffer (``block_reason: SAFETY``,
    ``safety_ratings { ... }``): the same fields as a mapping, a repeated field as a list. Every
    line (two or more) must be a field, an opening or a closing brace; ``None`` for anything else
    (a line of plain text such as ``Forbidden: denied`` stays text)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 2 or len(text) > MAX_TEXT or not _PROTO_FIELD.match(lines[0]):
        return None
    stack: list[dict[str, Any]] = [{}]

    def put(key: str, value: Any) -> None:
        node = stack[-1]
        if key in node:
            node[key] = [*node[key], value] if isinstance(node[key], list) else [node[key], value]
        else:
            node[key] = value

    for line in lines:
        if line == "}":
            if len(stack) == 1:
                return None
            stack.pop()
            continue
        field = _PROTO_FIELD.match(line)
        if field is None:
            return None
        key, raw, opens = field.groups()
        if opens:
            child: dict[str, Any] = {}
            put(key, child)
            stack.append(child)
            continue
        scalar = _PROTO_SCALAR.match(raw)
        if scalar is None:
            return None
        quoted, number, name = scalar.groups()
        if quoted is not None:
            put(key, quoted.encode("utf-8").decode("unicode_escape", "replace") if "\\" in quoted else quoted)
        elif number is not None:
            put(key, float(number) if any(c in number for c in ".eE") else int(number))
        else:
            put(key, {"true": True, "false": False}.get(name, name))
    return stack[0] if len(stack) == 1 else None


_CLOSING_NEXT = re.compile(r"\s*[}\]]")


def _without_trailing_commas(text: str) -> str:
    """JSON text without the commas that close nothing but a bracket (``[1, 2,]``), in one pass
    that keeps every string whole (a comma inside one is its own)."""
    out: list[str] = []
    in_string = escaped = False
    for i, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "," and _CLOSING_NEXT.match(text, i + 1):
            continue
        out.append(char)
    return "".join(out)


_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_REPR_ESCAPES = frozenset("\\'\"nrtxuU")
"""The escapes a Python repr writes (a backslash and what follows it, taken in pairs)."""


def printed_json(text: str) -> Any:
    """An answer as documentation and logs print it: JSON with line breaks inside its strings
    (a long message wrapped for reading) or a comma after its last member, or a Python dict's repr
    (``{'error': {'code': None}}``).
    Only a whole object or list counts; ``None`` for anything else (a cut answer stays text)."""
    stripped = text.strip()
    if not stripped.startswith(("{", "[")) or len(stripped) > MAX_TEXT:
        return None
    try:
        value = json.loads(stripped, strict=False)  # control characters (line breaks) inside strings
    except ValueError:
        try:  # a comma left after the last member, as hand-edited JSON has: the same object
            value = json.loads(_without_trailing_commas(stripped), strict=False)
        except ValueError:
            if not set(_ESCAPED.findall(stripped)) <= _REPR_ESCAPES:
                return None  # an escape no repr writes (JSON's "\/"): no repr, and Python would warn
            try:
                value = ast.literal_eval(stripped)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                return None
    if isinstance(value, Mapping) or (isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value)):
        return value
    return None


def printed_placeholder(value: Any) -> bool:
    """Is this value what documentation or a recorded fixture prints in place of data it leaves out
    (``<URL_to_generated_image>``, ``<redacted live image data; length=439196>``, ``<BASE64_IMAGE>``,
    ``__IMAGE_DATA_TRUNCATED__``)?
    An answer printed so is the answer it prints: the image was there. Only a whole value in angle
    brackets (or double underscores), unquoted, that says what it stands for (a URL, an image, its
    data or bytes, a redaction) counts, or a redaction word or mask as the whole value (``REDACTED``, ``XXXXX``):
    no provider sends one, and an HTML tag is no such value. Readers ask only of an image's own
    field (a URL, base64 data)."""
    if not isinstance(value, str):
        return False
    stripped = value.strip()  # once: the value may be megabytes of base64
    if stripped.startswith("<imgsafe:"):
        return False  # this plugin's own marker is read whole or not at all (base.wire.PLACEHOLDER)
    return bool(_PRINTED_PLACEHOLDER.match(stripped) or _REDACTION.match(stripped))


def json_lines(text: str) -> list[Any] | None:
    """The events of a stream sent as one JSON object per line (newline-delimited JSON, as SDK
    fixtures and some gateways write them); ``None`` unless every line of two or more is one."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) < 2 or not all(ln.startswith("{") and ln.endswith("}") for ln in lines):
        return None
    try:
        events = [json.loads(ln) for ln in lines]
    except ValueError:
        return None
    return events if all(isinstance(e, Mapping) for e in events) else None


def _is_event(value: Mapping[str, Any]) -> bool:
    """One event of a stream, given alone (``{"type": "response.failed", "response": {...}}``):
    the object its type names is inside it."""
    kind = value.get("type")
    return isinstance(kind, str) and "." in kind and isinstance(value.get(kind.split(".", 1)[0]), Mapping)


def sse_events(text: str) -> list[Any] | None:
    """The JSON payloads of an SSE stream, read whole (``None`` when the text is not one, or an
    event is not JSON: a stream cut inside an event). A bare JSON object between events counts
    too (Vertex appends its error object to a failed stream without a ``data:`` prefix)."""
    if not _DATA_LINE.search(text):
        return None
    events: list[Any] = []
    blocks = _EVENT_SPLIT.split(text)
    for index, block in enumerate(blocks):
        lines = block.strip().splitlines()
        data = [ln[5:].strip() for ln in lines if ln.startswith("data:")]
        payload = "\n".join(data) if data else block.strip()
        if data and not payload and index == len(blocks) - 1:
            return None  # the text ends inside an event, after its "data:" and before its payload: cut
        if not payload or payload == "[DONE]" or all(ln.startswith((":", "event:", "id:", "retry:")) for ln in lines):
            continue
        try:
            event = json.loads(payload)
        except ValueError:
            return None
        name = next((ln[6:].strip() for ln in lines if ln.startswith("event:")), "")
        if name and isinstance(event, dict) and not isinstance(event.get("type"), str):
            event = {"type": name, **event}  # the event line names a payload that does not name itself
        events.append(event)
    return events


def _stream(chunks: list[Any], text: str, *, sse: bool = False) -> Body:
    """A list of chunks or events as one answer, and whether the stream reached its end."""
    if not sse and validation_errors(chunks):
        return Body({"detail": chunks}, text)  # FastAPI's validation errors without their envelope: no stream
    if not chunks or not all(isinstance(c, Mapping) for c in chunks):
        return Body(chunks if chunks or not sse else None, text, sse, sse and not chunks)
    merged = merge_stream(chunks)
    streamed = sse or len(chunks) > 1
    ended = _ended(chunks)
    if ended and sse and _DATA_LINE.search(text) and any(_filtered_after(c) for c in chunks):
        # Azure's asynchronous filter judges the text *after* it was streamed (its annotations
        # carry ``content_filter_offsets``) and may still filter it past the finish reason: such
        # an SSE stream ends only with ``data: [DONE]``; cut before it, it is never read as a pass
        ended = _DONE_LINE.search(text) is not None
    return Body(merged, text, streamed, streamed and not ended)


def terminal(kind: str) -> bool:
    """Does an event of this type end its stream? ``error``, or ``<object>.<end>`` of two parts
    (``response.completed``, ``image_generation.completed``, ``response.failed``); an item's event
    (``response.output_item.done``) ends only its item."""
    parts = kind.split(".")
    return kind == "error" or (len(parts) == 2 and parts[1] in _TERMINAL)


def listed(value: Any) -> list[Any]:
    """A field that should be a JSON array, as one: anything else (``true``, a number, a string,
    an object) is no items, so a hostile answer cannot make a reader iterate what is not a list."""
    return value if isinstance(value, list) else []


def _filtered_after(chunk: Mapping[str, Any]) -> bool:
    """A chunk of a stream whose filter runs behind the text (Azure's asynchronous filter)."""
    return any(isinstance(ch, Mapping) and "content_filter_offsets" in ch for ch in listed(chunk.get("choices")))


def _ended(chunks: list[Mapping[str, Any]]) -> bool:
    """Did the stream send its last event: an error, a finish reason, a terminal event?"""
    for chunk in chunks:
        if isinstance(chunk.get("error"), Mapping) or terminal(str(chunk.get("type") or "")):
            return True
        payload = chunk.get("data")
        if chunk.get("done") is True or (isinstance(payload, Mapping) and payload.get("done") is True):
            return True  # an event that says it is the last ("done": true, itself or in its payload)
        feedback = chunk.get("promptFeedback")
        if isinstance(feedback, Mapping) and feedback.get("blockReason"):
            return True
        for candidate in listed(chunk.get("candidates")):
            if isinstance(candidate, Mapping) and candidate.get("finishReason"):
                return True
        for choice in listed(chunk.get("choices")):
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
    if len(chunks) == 1 and not str(chunks[0].get("type") or "").startswith("response.") and not _delta(chunks[0]):
        return chunks[0]
    if all(_is_gemini(c) for c in chunks):
        return _merge_gemini(chunks)
    kinds = [str(c.get("type") or "") for c in chunks]
    if any(k.startswith("response.") for k in kinds):
        return _merge_responses(chunks)
    finished = [c for c, k in zip(chunks, kinds, strict=True) if terminal(k) and k.endswith((".completed", ".done"))]
    if any(c.get("b64_json") or c.get("url") for c in finished):
        # an image stream of any name: the image is the one its last event carries (partials are previews)
        return {"data": [{k: c[k] for k in ("b64_json", "url") if c.get(k)} for c in finished]}
    if all("choices" in c for c in chunks):
        return _merge_chat(chunks)
    return chunks


def _delta(chunk: Mapping[str, Any]) -> bool:
    """Is this a chat stream's chunk (a choice carrying a ``delta``)? One alone is still a stream:
    its delta is read as the message it makes."""
    return any(isinstance(c, Mapping) and "delta" in c for c in listed(chunk.get("choices"))[:1])


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
        for cand in listed(chunk.get("candidates"))[:1]:
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
    """A streamed chat answer read whole: the deltas joined into one message, field by field
    (``content``, ``refusal`` and any other text a delta carries; ``images`` listed)."""
    texts: dict[str, list[str]] = {"content": []}
    images: list[Any] = []
    calls: dict[Any, dict[str, Any]] = {}
    fields: dict[str, Any] = {"role": "assistant"}
    choice: dict[str, Any] = {}
    top: dict[str, Any] = {}
    for chunk in chunks:
        top.update({k: v for k, v in chunk.items() if k != "choices" and v})
        for ch in listed(chunk.get("choices"))[:1]:
            if not isinstance(ch, Mapping):
                continue
            delta = ch.get("delta") or ch.get("message") or {}
            if isinstance(delta, Mapping):
                for key, value in delta.items():
                    if isinstance(value, str) and key != "role":
                        texts.setdefault(key, []).append(value)
                    elif key == "images" and isinstance(value, list):
                        images.extend(value)
                    elif key == "tool_calls" and isinstance(value, list):
                        _merge_calls(calls, value)
                    elif value is not None:
                        fields[key] = value
            for key, value in ch.items():
                if key in ("delta", "message") or not value:
                    continue
                if key in _FILTER_RESULTS and isinstance(value, Mapping):
                    choice[key] = _merged_filter_results(choice.get(key), value)
                else:
                    choice[key] = value
    joined = {key: "".join(parts) for key, parts in texts.items()}
    message = {**fields, **{k: v for k, v in joined.items() if v or k == "content"}}
    choice["message"] = {
        **message,
        **({"images": images} if images else {}),
        **({"tool_calls": list(calls.values())} if calls else {}),
    }
    return {**top, "choices": [choice]}


def _merge_calls(calls: dict[Any, dict[str, Any]], deltas: list[Any]) -> None:
    """A stream's tool-call deltas into whole calls: each call (by its ``index``) keeps its name,
    and its arguments are joined in the order they came."""
    for position, delta in enumerate(deltas[:64]):
        if not isinstance(delta, Mapping):
            continue
        call = calls.setdefault(delta.get("index", position), {"type": "function", "function": {"arguments": ""}})
        function = delta.get("function")
        if isinstance(function, Mapping):
            if isinstance(function.get("name"), str) and function["name"]:
                call["function"]["name"] = function["name"]
            if isinstance(function.get("arguments"), str):
                call["function"]["arguments"] += function["arguments"]


_FILTER_RESULTS = ("content_filter_results", "content_filter_result")


def _merged_filter_results(earlier: Any, later: Mapping[str, Any]) -> dict[str, Any]:
    """Azure's filter results of a stream's chunks as one: each chunk judges its own stretch of the
    text (Azure's asynchronous filter annotates ranges after they were sent), so a category the
    filter acted on (``filtered: true``) stays so, whatever a later chunk says of another range."""
    merged = dict(earlier) if isinstance(earlier, Mapping) else {}
    for name, value in later.items():
        kept = merged.get(name)
        if not (isinstance(kept, Mapping) and kept.get("filtered") is True):
            merged[name] = value
    return merged


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
    """The visible text of an HTML page (title and body), markup and scripts dropped. Linear in
    the page: each script or style block is found by one search forward for its end (none: the
    rest of the page is the script), and tags are stripped in one pass."""
    text = text[:MAX_TEXT]
    lower = text.lower()
    kept, at = [], 0
    while (opening := _HIDDEN_OPEN.search(text, at)) is not None:
        kept.append(text[at : opening.start()])
        end = lower.find(f"</{opening.group(1).lower()}", opening.end())
        if end == -1:
            at = len(text)
            break
        close = text.find(">", end)
        at = len(text) if close == -1 else close + 1
    kept.append(text[at:])
    return " ".join(html.unescape(_TAG.sub(" ", " ".join(kept))).split())


def looks_html(text: str) -> bool:
    head = text[:512].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in head


def embedded_json(text: str) -> Any:
    """An answer inside a text (``HTTP 400: [relay] [400]: {...} (reset after 5s)``): the first
    JSON object, or array of objects, that parses there; ``None`` when there is none. Quoted with
    a comma after its last member (as a log prints it), it is the same answer: the first JSON that
    does not parse as it stands is read again without those commas (once: each try reads the rest
    of the text), before any part inside it."""
    text = text[:MAX_TEXT]
    decoder = json.JSONDecoder()
    commas_tried = False
    for m in itertools.islice(re.finditer(r"[\[{]", text), MAX_JSON_STARTS):
        try:
            value, _ = decoder.raw_decode(text, m.start())
        except ValueError:
            if commas_tried or not looks_cut(text[m.start() : m.start() + 16]):
                continue
            commas_tried = True
            value = _value_without_commas(text[m.start() :])
            if value is None:
                continue
        if (isinstance(value, Mapping) and value) or (
            isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value)
        ):
            return value
    return None


_TRAILING_COMMA = re.compile(r",\s*[}\]]")


def _value_without_commas(text: str) -> Any:
    """The JSON value a text starts with once the commas after last members are left out (as a
    log prints JSON), or ``None`` when it has none of them or still does not parse."""
    if not _TRAILING_COMMA.search(text):
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(_without_trailing_commas(text))
    except ValueError:
        return None
    return value


def looks_cut(text: str) -> bool:
    """Is this text JSON or an event stream that did not parse (cut short, or damaged)? Then it is
    no message: its keys and half-values are not words anyone meant to say."""
    head = text.lstrip()[:16]
    if head[:1] in ("{", "["):
        # what can follow an opening bracket in JSON (or a Python repr): a bracketed tag opening a
        # sentence ("[GoogleGenerativeAI Error]: ...") is prose
        after = head[1:].lstrip()
        return not after or after[0] in _JSON_STARTS or after.startswith(("true", "false", "null", "None"))
    return head.startswith(("data:", "event:", "id:", ":"))


_JSON_STARTS = frozenset("{[}]\"'-0123456789")
"""The characters a JSON value (or a Python repr's) can start with after an opening bracket."""
_OPENING_ERROR = re.compile(r'\s*(?:\{\s*)?"error"\s*:\s*\{\s*')
_NEXT_KEY = re.compile(r'\s*,?\s*"((?:[^"\\]|\\.)*)"\s*:\s*')


def opening_error(text: str) -> dict[str, Any] | None:
    """The error a cut JSON body opens with, as far as it is whole: ``{"error": {"message": ...``
    (or its members quoted without the braces around them: ``"error": {"message": ...``) up to its
    message, with the plain values (code, type) before it. ``None`` when the body does
    not open with an error object, or is cut before its message ends. What follows the message
    (an inner error, filter results) is not read: a cut part is no answer of its own."""
    opened = _OPENING_ERROR.match(text)
    if opened is None:
        return None
    decoder = json.JSONDecoder()
    found: dict[str, Any] = {}
    index = opened.end()
    for _ in range(16):
        key = _NEXT_KEY.match(text, index)
        if key is None:
            return None
        try:
            value, index = decoder.raw_decode(text, key.end())
        except ValueError:
            return None  # cut inside this value
        if isinstance(value, (dict, list)):
            return None  # a part before the message: no plain error left to read
        name = json.loads(f'"{key.group(1)}"')
        found[name] = value
        if name == "message":
            return {"error": found} if isinstance(value, str) and value.strip() else None
    return None


def _quoted_json(text: str) -> Iterator[tuple[int, int | None]]:
    """Where a text quotes JSON: each opening bracket outside JSON already found whole, with the
    end of the JSON value that starts there, or ``None`` when none parses from it (bounded: the
    first ``MAX_JSON_STARTS`` brackets of the first ``MAX_TEXT`` characters)."""
    decoder = json.JSONDecoder()
    index = 0
    for m in itertools.islice(re.finditer(r"[\[{]", text[:MAX_TEXT]), MAX_JSON_STARTS):
        if m.start() < index:
            continue
        try:
            _, index = decoder.raw_decode(text, m.start())
        except ValueError:
            yield m.start(), None
            continue
        yield m.start(), index


def cut_json_at(text: str) -> int | None:
    """Where the JSON a text quotes begins, when it does not parse to its end (a relay quoting an
    answer cut short: ``litellm.BadRequestError: OpenAIException - {"error": {"message": ...``);
    ``None`` when every JSON it quotes is whole. A comma after a last member is no cut."""
    for start, end in _quoted_json(text):
        if end is not None or not looks_cut(text[start : start + 16]):
            continue  # whole, or a bracket in words ("[GoogleGenerativeAI Error]"), not JSON
        if _value_without_commas(text[start:MAX_TEXT]) is not None:
            return None  # printed with a comma after a last member: whole
        return start
    return None


def without_json(text: str) -> str:
    """A message with the JSON it quotes left out: a relay's "litellm.BadRequestError: {...}" is
    read for its own words, never for the keys and values of the answer it wraps (which the
    envelope reading reads whole), nor for those of one it quotes cut short."""
    if "{" not in text and "[" not in text:
        return text
    cut = cut_json_at(text)
    if cut is not None:
        text = text[:cut]
    out: list[str] = []
    index = 0
    for start, end in _quoted_json(text):
        if end is not None:
            out.append(text[index:start])
            index = end
    out.append(text[index:])
    return " ".join("".join(out).split())


def messages(data: Any, text: str = "", *, quoted: bool = False) -> list[str]:
    """Every human-readable message of an answer, outermost first: the error object's message,
    a list of errors, FastAPI's ``detail``, Google's reasons, finish and filter messages; the
    visible text of a body that is not JSON (nothing of a JSON or stream body that did not parse).
    A message that is itself JSON or a stream that did not parse (a relay quoting a cut answer) is
    no words either, as such a body is not; ``quoted`` keeps it, for reading the answer it quotes."""
    found: list[str] = []
    if data is None:
        if text.strip() and not looks_cut(text):
            found.append(html_text(text) if looks_html(text) else " ".join(text[:MAX_TEXT].split()))
        return found
    for value in _message_values(data, 0):
        value = " ".join(value.split())
        if not value or value in found:
            continue
        if quoted or not looks_cut(value) or printed_json(value) is not None:
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
        if isinstance(value.get("data"), Mapping):  # an event's payload ({"type": "chat:completion", "data": {...}})
            yield from _message_values(value["data"], depth + 1)
        metadata = value.get("metadata")
        if isinstance(metadata, Mapping) and isinstance(metadata.get("raw"), str):
            yield metadata["raw"]


def snippet(body: Any, limit: int = 160) -> str:
    """A short, one-line excerpt of a body for a message (never the whole of it)."""
    text = body[:4096].decode("utf-8", "replace") if isinstance(body, bytes) else str(body)[:4096]
    text = " ".join(text.split())
    return text[:limit] + ("…" if len(text) > limit else "")
