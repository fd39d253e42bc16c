"""A field a reader takes a verdict from must hold a verdict: a boolean that is not a boolean
(``null``, ``"true"``, ``1``) or a moderation answer with no results is a non-verdict
(``unreadable``), never a pass and never a block. The same answers with real booleans are read as
verdicts, so the readers do take their verdict from these fields."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_imgsafe import ApiError, classify

NOT_BOOLEANS = [None, "true", "false", 1, 0, [], {}]
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
"""A 1x1 PNG: an image answer's usable image."""


def moderation(results: Any) -> dict[str, Any]:
    return {"id": "modr-1", "model": "omni-moderation-latest", "results": results}


def chat_with_moderation(flagged: Any) -> dict[str, Any]:
    image = f"![image](data:image/png;base64,{PIXEL})"
    return {
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": image}}],
        "moderation": {"input": {"flagged": flagged, "categories": {}}, "output": {"flagged": False, "categories": {}}},
    }


def azure_chat(filtered: Any) -> dict[str, Any]:
    results = {"violence": {"filtered": filtered, "severity": "high"}}
    return {
        "choices": [{"index": 0, "finish_reason": "content_filter", "message": {"role": "assistant", "content": None}}],
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": results}],
    }


def read(body: Any, kind: str | None) -> str:
    try:
        outcome = classify(200, body, kind=kind)
    except ApiError as err:
        return f"error:{err.kind}"
    return outcome.verdict


def by_shape(body: Any, kind: str | None) -> str | None:
    """The verdict the exact readers took from the answer, or None (an error, or the general
    layer's reading by principle)."""
    try:
        outcome = classify(200, body, kind=kind)
    except ApiError as err:
        assert err.kind == "unreadable"
        return None
    return None if outcome.read_by == "general" else outcome.verdict


@pytest.mark.parametrize("kind", ["moderation", None])
@pytest.mark.parametrize("flagged", NOT_BOOLEANS)
def test_a_moderation_flag_that_is_not_a_boolean_is_unreadable(flagged: Any, kind: str | None) -> None:
    assert read(moderation([{"flagged": flagged}]), kind) == "error:unreadable"


@pytest.mark.parametrize("kind", ["moderation", None])
def test_a_moderation_answer_without_results_is_unreadable(kind: str | None) -> None:
    assert read(moderation([]), kind) == "error:unreadable"


@pytest.mark.parametrize("flagged", NOT_BOOLEANS)
def test_a_chat_moderation_flag_that_is_not_a_boolean_is_unreadable(flagged: Any) -> None:
    assert read(chat_with_moderation(flagged), "chat-image") == "error:unreadable"


@pytest.mark.parametrize("filtered", NOT_BOOLEANS)
def test_an_azure_filtered_flag_that_is_not_a_boolean_is_not_read_by_shape(filtered: Any) -> None:
    """Azure's exact reader takes the stage from ``filtered``: a garbled one is no reading of its
    own. The general layer may still read the answer's ``finish_reason`` by principle."""
    assert by_shape(azure_chat(filtered), None) is None


def test_real_booleans_are_read_as_verdicts() -> None:
    assert read(moderation([{"flagged": True, "categories": {"violence": True}}]), "moderation") == "block"
    assert read(moderation([{"flagged": False, "categories": {"violence": False}}]), "moderation") == "pass"
    assert read(chat_with_moderation(False), "chat-image") == "pass"
    assert read(azure_chat(True), None) == "block"
