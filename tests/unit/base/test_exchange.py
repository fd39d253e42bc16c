"""A row's exchange is bounded whatever the answer: image data is replaced by its length, a
huge or deep body is cut, bytes that are not UTF-8 are shown, and only the headers a reader needs
are kept."""

from __future__ import annotations

import json

from pytest_imgsafe.base.exchange import BODY_CHARS, LONG_STRING, body_text, exchange
from pytest_imgsafe.base.wire import Answer


def test_image_data_is_its_length_and_the_rest_is_kept() -> None:
    body = {"data": [{"b64_json": "A" * 50_000, "revised_prompt": "a fox"}], "created": 1}
    shown = body_text(body)
    assert "<50,000 characters>" in shown and '"revised_prompt": "a fox"' in shown and "AAAA" not in shown


def test_a_huge_or_deep_body_is_cut() -> None:
    wide = {f"k{i}": "x" * LONG_STRING for i in range(100)}
    assert len(body_text(wide)) <= BODY_CHARS + 40
    deep: dict = {}
    node = deep
    for _ in range(200):
        node["n"] = {}
        node = node["n"]
    assert "..." in body_text(json.dumps(deep).encode())


def test_bytes_that_are_not_json_or_not_utf8_are_shown_as_text() -> None:
    assert body_text(b"<html><body>Request blocked</body></html>") == "<html><body>Request blocked</body></html>"
    assert "\ufffd" in body_text(b"bad \xff byte")


def test_only_the_headers_a_reader_needs_are_kept() -> None:
    answer = Answer(
        400,
        {"Content-Type": "application/json", "Set-Cookie": "session=abc", "x-request-id": "req_1", "Retry-After": "2"},
        {"error": {"code": "moderation_blocked"}},
        "cassette c.json",
    )
    shown = exchange("images.generate", {"prompt": "a fox", "n": 1}, ["image: fox.png"], answer)
    assert shown["request"] == {
        "operation": "images.generate",
        "fields": {"prompt": "a fox", "n": 1},
        "files": ["image: fox.png"],
    }
    assert shown["answer"]["headers"] == {
        "content-type": "application/json",
        "x-request-id": "req_1",
        "retry-after": "2",
    }
    assert shown["answer"]["status"] == 400 and "moderation_blocked" in shown["answer"]["body"]
    assert "answer" not in exchange("images.generate", {"prompt": "a fox"}, [], None)
