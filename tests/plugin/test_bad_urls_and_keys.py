"""A base URL the HTTP client cannot send (a control character, ``http://[::1``), or a key that is
not one printable line, is a usage error at configure that names the setting or variable: not a
long traceback on every item, not "the connection failed". No value is printed: it may be a key."""

from __future__ import annotations

import pytest

from tests.conftest import FAKE_KEY, PYPROJECT, write_corpus
from tests.conftest import ONE_CASE as CORPUS

URL_SECRET = "sk-proj-URLSECRETq8Zr2mWx0c4"


def _usage_error(result: pytest.RunResult) -> str:
    shown = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, shown
    assert "Traceback" not in shown and "InvalidURL" not in shown
    assert URL_SECRET[:12] not in shown and FAKE_KEY[:12] not in shown and "\x1b" not in shown
    return shown


@pytest.mark.parametrize("mode", ["none", "once"])
def test_a_base_url_variable_with_control_characters_is_a_usage_error(
    project: pytest.Pytester, imgsafe_sandbox, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    write_corpus(project, "basic", CORPUS)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{imgsafe_sandbox.openai_base_url}?api-key={URL_SECRET}\x1b[31m\n")
    shown = _usage_error(project.runpytest("--imgsafe", f"--imgsafe-record-mode={mode}", "-p", "no:cacheprovider"))
    assert "the environment variable OPENAI_BASE_URL (the base URL of targets 'gpt-image-2', 'moderation')" in shown


@pytest.mark.parametrize(
    ("base_url", "problem"),
    [("http://[::1", "is not a well-formed URL"), ("http://127.0.0.1:8765/v1\\u0007", "holds a control or space")],
)
def test_a_configured_base_url_the_client_cannot_send_is_a_usage_error(
    project: pytest.Pytester, base_url: str, problem: str
) -> None:
    write_corpus(project, "basic", CORPUS)
    project.makefile(".toml", pyproject=PYPROJECT.format(extra=f'base_url = "{base_url}"'))
    shown = _usage_error(project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider"))
    assert f"[tool.imgsafe.targets.moderation] base_url {problem}" in shown


def test_a_key_with_a_line_break_is_a_usage_error_naming_the_variable(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_corpus(project, "basic", CORPUS)
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY + "\n\x1b[31m")
    shown = _usage_error(project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider"))
    assert "the environment variable OPENAI_API_KEY (the API key of targets 'gpt-image-2', 'moderation')" in shown
    assert "connection" not in shown
    replay = project.runpytest("--imgsafe", "-p", "no:cacheprovider")  # a replay sends no key
    assert replay.ret != pytest.ExitCode.USAGE_ERROR


def test_an_imgsafe_client_test_fails_with_the_variable_named(
    project: pytest.Pytester, imgsafe_sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"{imgsafe_sandbox.openai_base_url}?api-key={URL_SECRET}\x07")
    project.makepyfile(
        test_client="""
        def test_calls(imgsafe_client):
            imgsafe_client("moderation").moderations.create(model="omni-moderation-latest", input="a fox")
        """
    )
    result = project.runpytest("--imgsafe-record-mode=all", "-p", "no:cacheprovider", "test_client.py")
    result.assert_outcomes(errors=1)  # the fixture's setup fails: the test never ran
    shown = result.stdout.str()
    assert "the environment variable OPENAI_BASE_URL" in shown and "InvalidURL" not in shown
    assert URL_SECRET[:12] not in shown
