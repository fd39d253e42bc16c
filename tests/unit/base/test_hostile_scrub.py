"""Key fragments a provider echoes are scrubbed like keys; what is shown has no control characters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_imgsafe.base.scrub import REDACTED, Scrubber, escape_controls


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Incorrect API key provided: sk-abc***xyz. You can find your API key at ...", "Incorrect API key provided: "),
        ("Incorrect API key provided: sk-proj-abcdEFGH1234. You can find", "Incorrect API key provided: "),
        ("invalid key sk-pro****cdef", "invalid key "),
        ("API key AIzaSy****************abcd is not valid", "API key "),
        ('{"message": "key sk-or-v1-****9f3e was revoked"}', '{"message": "key '),
        ("the key sk-BLA...7781 has no quota left", "the key "),
        ("bad credentials: sk-proj-Ab\u20269f3e", "bad credentials: "),
    ],
)
def test_a_masked_key_fragment_is_redacted(text: str, kept: str) -> None:
    scrubbed = Scrubber().text(text)
    assert REDACTED in scrubbed and scrubbed.startswith(kept)
    assert "***" not in scrubbed.replace(REDACTED, "") and "abcd" not in scrubbed.replace("abcdEFGH", "")
    assert Scrubber().holds_secret(text)


@pytest.mark.parametrize(
    "text", ["**Bold** words", "a ** b", "2**10 = 1024", "x**2 + y**2", "Loading... done", "and so on\u2026 later"]
)
def test_markdown_and_arithmetic_are_left_alone(text: str) -> None:
    assert Scrubber().text(text) == text and not Scrubber().holds_secret(text)


def test_shown_text_has_no_control_character_but_line_breaks_and_tabs() -> None:
    text = "a\x1b[2J\x1b]0;t\x07\rb\x00\x7f\x9b\n\tc"
    assert Scrubber().shown(text) == "a\\x1b[2J\\x1b]0;t\\x07\\x0db\\x00\\x7f\\x9b\n\tc"
    assert Scrubber().shown_value({"k\x1b": ["v\x1b"]}) == {"k\\x1b": ["v\\x1b"]}


@given(st.text())
def test_escaping_removes_every_control_character(text: str) -> None:
    shown = escape_controls(text)
    assert not any((ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in shown)


KEY = "sk-proj-PROBEq8Zr2mWx0c4Vb7Nt1yHs6KfLFmFBy"
"""A project key: ``sk-proj-`` is its kind's marker, the rest is secret."""


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("request id: req-KfLFmFBy", "request id: req-<redacted>"),  # the last 8
        ("a sign reading sk-proj-PROB and KfLFmFBy", "a sign reading <redacted> and <redacted>"),  # first 12, last 8
        ('{"user": "KfLFmFBy-sk-proj-PROB"}', '{"user": "<redacted>-<redacted>"}'),
        ("x6KfLFmFBy!", "x<redacted>!"),  # an end is redacted as far as it matches
        ("sk-proj-PROBEq8Zr2mWx0c4Vb7Nt1yHs6KfLFmFBy", "<redacted>"),
    ],
)
def test_a_bare_start_or_end_of_a_known_key_is_redacted(text: str, shown: str) -> None:
    scrubber = Scrubber.from_config([KEY])
    assert scrubber.text(text) == shown and scrubber.holds_secret(text)


@pytest.mark.parametrize(
    "text",
    [
        "project keys start with sk-proj- and are long",  # the kind's marker names no key
        "sk-proj-PRO",  # 3 characters past the marker
        "req-fLFmFBy",  # 7 of the last 8
        "PROBEq8Zr2mWx0c4",  # the middle is not a start or an end
    ],
)
def test_short_runs_and_the_kinds_marker_are_left_alone(text: str) -> None:
    scrubber = Scrubber.from_config([KEY])
    assert scrubber.text(text) == text and not scrubber.holds_secret(text)


def test_a_start_holds_eight_characters_even_without_a_marker() -> None:
    scrubber = Scrubber.from_config(["a1B2c3D4e5F6g7H8i9J0"])  # an Azure-style key: no marker
    assert scrubber.text("id a1B2c3D4 and a1B2c3D") == "id <redacted> and a1B2c3D"
    assert scrubber.text("ends g7H8i9J0") == "ends <redacted>"


def test_a_chosen_secrets_words_are_its_marker() -> None:
    scrubber = Scrubber.from_config(["staging-token-Zq81xLm"])
    assert scrubber.text("the staging-token- rotation") == "the staging-token- rotation"
    assert scrubber.text("staging-token-Zq81 leaked") == "<redacted> leaked"


def test_bidirectional_overrides_are_shown_escaped_like_control_characters() -> None:
    """U+202E and its kin reorder how a terminal or a page shows the rest of a line ("Trojan
    Source"): every escaping function shows them as \\uNNNN, as it shows ESC as \\x1b."""
    from pytest_imgsafe.base.scrub import escape_controls, escape_html, escape_line

    text = "fox\u202eevil\u2066x\u200f\x1b"
    for shown in (escape_controls(text), escape_line(text), escape_html(text)):
        assert not any(c in shown for c in "\u202e\u2066\u200f\x1b")
        assert "\\u202e" in shown and "\\u2066" in shown and "\\x1b" in shown
    assert (
        escape_controls("a family \U0001f468\u200d\U0001f469\u200d\U0001f467")
        == "a family \U0001f468\u200d\U0001f469\u200d\U0001f467"
    )
