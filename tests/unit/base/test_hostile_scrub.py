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
