"""A test that uses imgsafe_client has its failure text, captured output and logs scrubbed with or
without --imgsafe: the key, a masked fragment of it, a provider's escape sequences."""

from __future__ import annotations

import pytest

from tests.conftest import FAKE_KEY

LEAKY = """
import logging
import os
import warnings

import openai


def test_leaks(imgsafe_client):
    client = imgsafe_client("moderation")
    key = os.environ["OPENAI_API_KEY"]
    print("stdout has", key, "and sk-pro****cdef")
    logging.getLogger("team").warning("log has %s", key)
    warnings.warn("warning has " + key)
    try:
        client.moderations.create(model="omni-moderation-latest", input="a fox")
    except openai.APIStatusError:
        pass
    assert False, f"failure text has {key} and \\x1b[31mred\\x1b[0m"


def test_without_the_fixture_is_left_alone():
    pass
"""


@pytest.mark.parametrize("imgsafe", [False, True])
def test_imgsafe_client_output_is_scrubbed_with_or_without_imgsafe(
    project: pytest.Pytester, imgsafe_sandbox, imgsafe: bool
) -> None:
    project.makepyfile(test_leaky=LEAKY)
    args = ["--imgsafe-record-mode=all", "-p", "no:cacheprovider", "-rA", "test_leaky.py"]
    if imgsafe:
        args.insert(0, "--imgsafe")
    result = project.runpytest(*args, "--junitxml=out/junit.xml")
    result.assert_outcomes(failed=1, passed=1)
    shown = result.stdout.str() + result.stderr.str() + (project.path / "out" / "junit.xml").read_text()
    assert FAKE_KEY not in shown and "****cdef" not in shown
    assert "\x1b[31m" not in shown and "failure text has <redacted>" in shown
    assert "warning has <redacted>" in shown  # pytest's warnings summary too
