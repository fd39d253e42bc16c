"""README, "Adding a case": the YAML as written collects in this repository, and recording it
calls only what the new case needs, asking for no variable of a target it does not call."""

from __future__ import annotations

import shlex

import pytest

from pytest_imgsafe.sandbox import Sandbox
from tests.conftest import FAKE_KEY, files_under
from tests.readme import copy_project, snippets


@pytest.fixture
def clone(pytester: pytest.Pytester, imgsafe_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """This repository's project, with the README's new case in corpora/artists.yaml, pointed at
    the sandbox, with none of the gateway's or Azure's variables set."""
    for name in (
        "IMGSAFE_GATEWAY_BASE_URL",
        "IMGSAFE_GATEWAY_API_KEY",
        "AZURE_OPENAI_ENDPOINT",
        "AZURE_OPENAI_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", imgsafe_sandbox.openai_base_url)
    copy_project(pytester.path)
    (yaml_text,) = snippets("Adding a case", "yaml")
    (pytester.path / "corpora" / "artists.yaml").write_text(yaml_text, encoding="utf-8")
    return pytester


def readme_command() -> list[str]:
    """The README's record command, its key given a value, as pytest arguments."""
    (command,) = [s for s in snippets("Adding a case", "sh") if "--imgsafe-record-mode" in s]
    words = shlex.split(command.replace("OPENAI_API_KEY=...", ""))
    assert words[0] == "pytest"
    return words[1:]


def test_the_readme_case_collects_in_this_repository(clone: pytest.Pytester) -> None:
    result = clone.runpytest("--imgsafe", "--co", "-q", "-p", "no:cacheprovider", "-k", "rutkowski")
    result.stdout.no_fnmatch_line("*ERROR*")
    result.stdout.fnmatch_lines(
        [
            "corpora/artists.yaml::rutkowski-cottage[[]gpt-image-2[]]",
            "corpora/artists.yaml::rutkowski-cottage[[]moderation[]]",
        ]
    )
    assert result.ret == pytest.ExitCode.OK


def test_recording_the_readme_case_records_only_it_and_asks_for_no_other_variable(
    clone: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    before = set(files_under(clone.path / "cassettes"))
    result = clone.runpytest(*readme_command(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=10)  # the new case's 2 items, recorded; 8 of other Rutkowski cases, replayed
    assert "IMGSAFE_GATEWAY" not in result.stderr.str() + result.stdout.str()
    added = sorted(
        str(p.relative_to(clone.path / "cassettes")) for p in set(files_under(clone.path / "cassettes")) - before
    )
    assert added == ["gpt-image-2/rutkowski-cottage.json", "moderation/rutkowski-cottage.json"]


def test_a_recording_run_still_names_the_variables_of_the_targets_it_calls(
    clone: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    (clone.path / "cassettes" / "nano-banana" / "miyazaki-style.json").unlink()
    result = clone.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-k", "miyazaki", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*IMGSAFE_GATEWAY_API_KEY (the API key of target 'nano-banana');*"])
    assert "AZURE_OPENAI" not in result.stderr.str()
