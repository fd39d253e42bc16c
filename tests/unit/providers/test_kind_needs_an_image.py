"""An image target never passes on an answer without an image, and a moderation answer is never an
image target's verdict, whatever the envelope around it (hypothesis draws the envelopes)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_imgsafe.providers.registry import KINDS, classify
from pytest_imgsafe.providers.verdict import ApiError

IMAGE_KINDS = sorted(name for name, kind in KINDS.items() if kind.reads == "image")
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 24).decode()
NOT_AN_IMAGE = [base64.b64encode(b"hello world").decode(), base64.b64encode(b"{}").decode(), "aGVsbG8="]
MODERATION = {
    "id": "modr-1",
    "model": "omni-moderation-latest",
    "results": [{"flagged": False, "categories": {"sexual": False}, "category_scores": {"sexual": 0.001}}],
}
_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"II*\x00", b"MM\x00*")
_PLACEHOLDER = re.compile(r"<imgsafe:sha256=[0-9a-f]{64};bytes=\d+>")


def holds_an_image(value: Any) -> bool:
    """This test's own idea of an image: image bytes in base64, a placeholder, or a URL."""
    if isinstance(value, dict):
        return any(holds_an_image(v) for v in value.values())
    if isinstance(value, list):
        return any(holds_an_image(v) for v in value)
    if not isinstance(value, str):
        return False
    if value.startswith(("https://", "http://", "gs://")) or _PLACEHOLDER.search(value):
        return True
    encoded = value.split("base64,", 1)[-1]
    try:
        data = base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return data.startswith(_MAGIC) or data[4:8] == b"ftyp"


def verdict(kind: str, body: Any) -> str:
    try:
        return classify(200, json.dumps(body).encode(), {}, kind=kind).verdict
    except ApiError:
        return "error"


@pytest.mark.parametrize("kind", IMAGE_KINDS)
@pytest.mark.parametrize("fake", NOT_AN_IMAGE)
def test_base64_that_is_not_an_image_is_no_pass(kind: str, fake: str) -> None:
    for body in (
        {"created": 1, "data": [{"b64_json": fake}]},
        {"predictions": [{"bytesBase64Encoded": fake, "mimeType": "image/png"}]},
        {"candidates": [{"content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": fake}}]}}]},
        {"created": 1, "data": [{"url": f"data:image/png;base64,{fake}"}]},
    ):
        assert verdict(kind, body) != "pass", body


@pytest.mark.parametrize("kind", IMAGE_KINDS)
def test_real_image_bytes_still_pass(kind: str) -> None:
    assert verdict(kind, {"created": 1, "data": [{"b64_json": PNG}]}) == "pass"


@pytest.mark.parametrize("kind", IMAGE_KINDS)
def test_a_moderation_answer_is_never_an_image_targets_verdict(kind: str) -> None:
    assert verdict(kind, MODERATION) == "error"
    flagged = json.loads(json.dumps(MODERATION))
    flagged["results"][0].update(flagged=True, categories={"sexual": True})
    assert verdict(kind, flagged) == "error"


LEAF = st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.sampled_from([PNG, *NOT_AN_IMAGE])
KEYS = st.sampled_from(
    ["data", "b64_json", "url", "result", "image", "images", "output", "type", "status", "candidates",
     "content", "parts", "inlineData", "predictions", "bytesBase64Encoded", "finishReason", "results",
     "flagged", "choices", "message", "x"]
)  # fmt: skip
BODY = st.recursive(
    LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4), max_leaves=20
)


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from(IMAGE_KINDS), body=BODY)
def test_no_image_no_pass(kind: str, body: Any) -> None:
    if verdict(kind, body) == "pass":
        assert holds_an_image(body), body


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(IMAGE_KINDS), wrap=st.sampled_from(["bare", "data", "result", "list", "body"]))
def test_a_moderation_answer_in_any_envelope_is_no_verdict_of_an_image_target(kind: str, wrap: str) -> None:
    body: Any = {
        "bare": MODERATION,
        "data": {"data": MODERATION},
        "result": {"result": MODERATION},
        "list": [MODERATION],
        "body": {"status": 200, "body": MODERATION},
    }[wrap]
    assert verdict(kind, body) != "pass"
