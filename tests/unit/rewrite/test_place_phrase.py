"""A replacement that already says where ("a pop singer on a concert stage") takes the place
phrase after the name with it, instead of saying it twice."""

from __future__ import annotations

import pytest

from pytest_imgsafe.rewrite import default_rewriter


@pytest.mark.parametrize(
    ("prompt", "rewritten"),
    [
        ("Taylor Swift on stage", "A pop singer on a concert stage"),
        ("A photo of Taylor Swift on the stage at night", "A photo of a pop singer on a concert stage at night"),
        ("Taylor Swift in a park", "A pop singer on a concert stage in a park"),  # another place stays
    ],
)
def test_a_place_the_replacement_says_is_not_said_twice(prompt: str, rewritten: str) -> None:
    assert default_rewriter().rewrite(prompt, "name_to_descriptor").text == rewritten
