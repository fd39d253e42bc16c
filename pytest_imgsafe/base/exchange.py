"""What an item sent and what came back, as a report shows it: bounded, without image bytes.

A reader of a failed item's row wants the exchange itself, not only what the plugin read from
it: the request's fields as sent and the answer's status, headers and body as recorded (or as
the live endpoint gave them). Only a failing or erroring item carries one (a report of a whole
corpus would otherwise hold every answer). The report is scrubbed as a whole when it is
written, so keys in a body are redacted there, like everywhere else in it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .text import clip
from .wire import Answer

BODY_CHARS = 4000
"""How much of an answer's body a row keeps (a provider's error body fits; an image does not)."""
LONG_STRING = 300
"""A string longer than this inside a body (base64 image data) is replaced by its length."""
KEPT_HEADERS = ("content-type", "retry-after")
"""Answer headers a reader needs to judge the answer (and any header naming a request id)."""


def exchange(operation: str, fields: Mapping[str, Any], files: list[str], answer: Answer | None) -> dict[str, Any]:
    """The row's ``exchange``: ``request`` (operation, fields, file names) and, when there was an
    answer, ``answer`` (status, kept headers, body as text) and where it came from."""
    shown: dict[str, Any] = {"request": {"operation": operation, "fields": _bounded(dict(fields))}}
    if files:
        shown["request"]["files"] = files
    if answer is not None:
        shown["answer"] = {
            "status": answer.status,
            "headers": {
                k.lower(): clip(str(v), LONG_STRING)
                for k, v in answer.headers.items()
                if k.lower() in KEPT_HEADERS or "request-id" in k.lower()
            },
            "body": body_text(answer.body),
            "from": answer.source,
        }
    return shown


def body_text(body: bytes | Mapping[str, Any] | list[Any]) -> str:
    """A body as text a page can show: JSON indented with long strings shortened, other bytes
    decoded (undecodable bytes replaced), at most :data:`BODY_CHARS` characters."""
    if isinstance(body, (bytes, bytearray)):
        text = bytes(body).decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text)
        except ValueError:
            return clip(text, BODY_CHARS)
        body = parsed
    return clip(json.dumps(_bounded(body), indent=1, ensure_ascii=False), BODY_CHARS)


def _bounded(value: Any, depth: int = 0) -> Any:
    """``value`` with every long string replaced by its length, and nesting past 20 levels cut."""
    if depth > 20:
        return "..."
    if isinstance(value, str):
        return value if len(value) <= LONG_STRING else f"<{len(value):,} characters>"
    if isinstance(value, Mapping):
        return {str(k): _bounded(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_bounded(v, depth + 1) for v in value[:50]] + (["..."] if len(value) > 50 else [])
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return clip(str(value), LONG_STRING)
