"""A corpus file's name is shown escaped wherever pytest shows it: its node id is the plugin's to
make, so the collection error header, the progress line, ``-rA`` and the short summary show a
control character in the name as ``\\xNN``, never raw to the terminal."""

from __future__ import annotations

import re

import pytest

from tests.conftest import FAKE_KEY, write_corpus

ESCAPES = "\x1b[31mred\x07\x1b]0;title\x07\r\x9b2K\tline\nbreak"
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters pytest's own output never holds (its line breaks and nothing else)."""


def test_control_characters_in_a_corpus_file_name_are_escaped(project: pytest.Pytester) -> None:
    good = write_corpus(
        project,
        "fine",
        "cases:\n  - id: fox\n    prompt: A fox in the snow\n    expect: pass\n"
        "  - id: hare\n    prompt: A hare\n    expect: pass\n    skip: not tonight\n",
    )
    good.rename(good.with_name(f"good{ESCAPES}.yaml"))
    bad = write_corpus(project, "bad", "cases:\n  - id: owl\n    prompt: An owl\n    expect: pass\n    promt: typo\n")
    bad.rename(bad.with_name(f"bad{ESCAPES}.yaml"))
    result = project.runpytest(
        "--imgsafe",
        "-p",
        "no:cacheprovider",
        "--imgsafe-record-mode=once",
        "-rA",
        "--continue-on-collection-errors",
        "-vv",
    )
    result.assert_outcomes(passed=2, skipped=2, errors=1)
    shown = result.stdout.str() + result.stderr.str()
    assert not RAW.findall(shown)
    assert FAKE_KEY not in shown
    escaped = "\\x1b[31mred\\x07\\x1b]0;title\\x07\\x0d\\x9b2K\\x09line\\x0abreak.yaml"
    lines = result.stdout.lines
    for line in (
        f"ERROR collecting corpora/bad{escaped}",
        f"PASSED corpora/good{escaped}::fox[",
        f"SKIPPED [2] corpora/good{escaped}:",
        f"ERROR corpora/bad{escaped}",
    ):
        assert any(line in shown_line for shown_line in lines), line
