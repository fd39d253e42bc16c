"""A describer retells a reference (a person, an artist's work, a character, a brand); a prompt
whose only trigger is its violent wording is never handed to one: whatever the detector missed in
it would come back as new text, however willing the describer."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_imgsafe.rewrite import describe_reference, edit_to_generate
from pytest_imgsafe.rewrite.core import NO_REFERENCE


@pytest.mark.parametrize(
    "prompt", ["A bloody duel at night, gore on the cobbles", "A square full of people watching an execution"]
)
def test_a_prompt_whose_only_trigger_is_its_wording_is_never_retold(prompt: str) -> None:
    asked: list[str] = []

    def willing(instruction: str, text: str, image: Path | None) -> str:
        asked.append(text)
        return "A quiet harbour at dawn, soft light, calm water"

    described = describe_reference(prompt, willing)
    edited = edit_to_generate(prompt, willing, Path("photo.png"))
    assert (described.text, described.reason) == (prompt, NO_REFERENCE)
    assert (edited.text, edited.reason) == (prompt, NO_REFERENCE)
    assert asked == []


def test_a_reference_beside_violent_wording_is_still_described() -> None:
    def willing(instruction: str, text: str, image: Path | None) -> str:
        return "A tall man in a dark suit in a bloody duel at night"

    assert describe_reference("Elon Musk in a bloody duel at night", willing).strategy == "describe_reference"
