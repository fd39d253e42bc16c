"""README, "Testing your own code": the example test file, as written, records once against the
sandbox with this repository's targets, and then replays with no key and no network."""

from __future__ import annotations

import shutil

import pytest

from pytest_imgsafe.sandbox import Sandbox
from tests.readme import ROOT, snippets

VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "IMGSAFE_GATEWAY_BASE_URL",
    "IMGSAFE_GATEWAY_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
)


@pytest.fixture
def team(pytester: pytest.Pytester) -> pytest.Pytester:
    """This repository's configuration, and the README's tests/test_fallback.py."""
    shutil.copy(ROOT / "pyproject.toml", pytester.path / "pyproject.toml")
    (code,) = snippets("Testing your own code", "python")
    first_line, _, _ = code.partition("\n")
    assert first_line == "# tests/test_fallback.py"
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_fallback.py").write_text(code, encoding="utf-8")
    return pytester


def test_the_readme_example_records_once_then_replays_with_no_key(
    team: pytest.Pytester, imgsafe_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in VARIABLES:
        monkeypatch.setenv(name, "any")
    for name in ("OPENAI_BASE_URL", "IMGSAFE_GATEWAY_BASE_URL"):
        monkeypatch.setenv(name, imgsafe_sandbox.openai_base_url)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", imgsafe_sandbox.base_url)
    recorded = team.runpytest("--imgsafe-record-mode=once", "tests/test_fallback.py", "-p", "no:cacheprovider")
    recorded.assert_outcomes(passed=2)
    folder = team.path / "cassettes" / "tests" / "test_fallback"
    assert sorted(p.name for p in folder.iterdir()) == [
        "moderation-precheck.json",
        "test_a_celebrity_prompt_falls_back_to_a_looser_model.json",
    ]

    for name in VARIABLES:
        monkeypatch.delenv(name)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    calls = len(imgsafe_sandbox.requests)
    replayed = team.runpytest("tests/test_fallback.py", "-p", "no:cacheprovider")
    replayed.assert_outcomes(passed=2)  # the marked test (mode="once") too: its cassette exists
    assert len(imgsafe_sandbox.requests) == calls


def test_the_readme_example_names_a_configured_target_and_every_block_code() -> None:
    (code,) = snippets("Testing your own code", "python")
    for code_name in ("moderation_blocked", "content_policy_violation", "content_filter", "IMAGE_SAFETY"):
        assert f'"{code_name}"' in code
