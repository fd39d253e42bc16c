"""The imgsafe_client fixture: a team's own fallback code tested against recorded provider answers,
with the corpora's record modes and scrubbing, without --imgsafe."""

from __future__ import annotations

import json

import pytest

from pytest_imgsafe.calls.clients import cassette_for
from tests.conftest import FAKE_KEY, PYPROJECT, files_under

LOOSE = """
[tool.imgsafe.targets.loose]
kind = "images.generate"
model = "gpt-image-2-all"
"""

TEAM_CODE = '''
import asyncio

import openai
import pytest


def generate_with_fallback(chain, prompt):
    """The team's own code: try each model, move on when one blocks."""
    for name, client, model in chain:
        try:
            client.images.generate(model=model, prompt=prompt)
            return name
        except (openai.BadRequestError, openai.APIConnectionError):
            continue
    return "blocked everywhere"


def test_fallback(imgsafe_client):
    chain = [
        ("strict", imgsafe_client("gpt-image-2"), "gpt-image-2"),
        ("loose", imgsafe_client("loose"), "gpt-image-2-all"),
    ]
    answer = generate_with_fallback(chain, "PROMPT")
    print("ANSWER:", answer)


def test_async_moderation(imgsafe_client):
    client = imgsafe_client("moderation", async_client=True)

    async def main():
        result = await client.moderations.create(model="omni-moderation-latest", input="A watercolor of a fox")
        await client.close()
        return result.results[0].flagged

    print("FLAGGED:", asyncio.run(main()))


@pytest.mark.imgsafe_record(cassette="named-by-the-test")
def test_named(imgsafe_client):
    imgsafe_client("moderation").moderations.create(model="omni-moderation-latest", input="A lighthouse")
'''


@pytest.fixture
def team(project: pytest.Pytester) -> pytest.Pytester:
    project.makefile(".toml", pyproject=PYPROJECT.format(extra=LOOSE))
    project.makepyfile(test_team=TEAM_CODE.replace("PROMPT", "A photo of Elon Musk on Mars"))
    return project


def test_records_then_replays_with_the_network_blocked(
    team: pytest.Pytester, imgsafe_sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = team.runpytest("--imgsafe-record-mode=once", "-s", "-p", "no:cacheprovider")
    recorded.assert_outcomes(passed=3)
    answer = [line.split("ANSWER:")[1].strip() for line in recorded.outlines if "ANSWER:" in line]
    assert len(answer) == 1
    assert len(imgsafe_sandbox.requests) >= 3
    folder = team.path / "cassettes" / "tests" / "test_team"
    assert sorted(p.name for p in folder.iterdir()) == [
        "named-by-the-test.json",
        "test_async_moderation.json",
        "test_fallback.json",
    ]
    for path in files_under(team.path / "cassettes"):
        text = path.read_text()
        assert FAKE_KEY not in text and "Bearer" not in text and "iVBORw0KGgo" not in text
        assert json.loads(text)["imgsafe"]["sources"][0]["kind"] == "sandbox"

    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    imgsafe_sandbox.clear_log()
    replayed = team.runpytest("-s", "-p", "no:cacheprovider")
    replayed.assert_outcomes(passed=3)
    assert [line.split("ANSWER:")[1].strip() for line in replayed.outlines if "ANSWER:" in line] == answer
    replayed.stdout.fnmatch_lines(["*FLAGGED: False*"])
    assert imgsafe_sandbox.requests == []


def test_a_missing_recording_fails_the_test_even_when_the_code_caught_the_error(
    team: pytest.Pytester, imgsafe_sandbox
) -> None:
    team.runpytest("--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=3)
    team.makepyfile(test_team=TEAM_CODE.replace("PROMPT", "A photo of a lighthouse at dusk"))
    imgsafe_sandbox.clear_log()
    result = team.runpytest("-p", "no:cacheprovider", "-k", "fallback")
    # the SDK call failed in the test (vcrpy refused the request): one failure, with the plugin's message only
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_team.py::test_fallback: cassettes/tests/test_team/test_fallback.json "
            "holds no answer for 1 request(s) its imgsafe_client made:",
            "*POST */v1/images/generations (model gpt-image-2, prompt 'A photo of a lighthouse at dusk')",
            "*--imgsafe-record-mode=new_episodes test_team.py::test_fallback",
        ]
    )
    assert "CannotOverwriteExistingCassetteException" not in result.stdout.str()
    assert "record_mode='once' (the default)" not in result.stdout.str()
    assert imgsafe_sandbox.requests == []  # replay never reached the network


def test_a_missing_recording_the_code_caught_is_one_failure(team: pytest.Pytester) -> None:
    team.makepyfile(
        test_caught="""
def test_caught(imgsafe_client):
    try:
        imgsafe_client("moderation").moderations.create(model="omni-moderation-latest", input="A fox")
    except Exception:
        pass
"""
    )
    result = team.runpytest("-p", "no:cacheprovider", "test_caught.py")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*there is no cassette cassettes/tests/test_caught/test_caught.json for 1 request(s)*"]
    )
    assert "CannotOverwriteExistingCassetteException" not in result.stdout.str()


def test_a_damaged_cassette_names_the_file_and_the_command_that_records_it_again(team: pytest.Pytester) -> None:
    team.runpytest("--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=3)
    cassette = team.path / "cassettes" / "tests" / "test_team" / "named-by-the-test.json"
    cassette.write_bytes(cassette.read_bytes()[:40])
    result = team.runpytest("-p", "no:cacheprovider", "-k", "named")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*pytest-imgsafe: the cassette cassettes/tests/test_team/named-by-the-test.json * it was left as it is.",
            "*Restore it from version control (git checkout -- cassettes/tests/test_team/named-by-the-test.json)*",
            "*  pytest --imgsafe --imgsafe-record-mode=all test_team.py::test_named",
        ]
    )
    assert "Traceback" not in result.stdout.str()


COUNT_PYPROJECT_READS = """
import pytest_imgsafe.collect.config as config_module

reads = []
original = config_module.load_pyproject


def counting(*args, **kwargs):
    reads.append(1)
    return original(*args, **kwargs)


config_module.load_pyproject = counting


def pytest_unconfigure(config):
    config_module.load_pyproject = original
    print("PYPROJECT READS:", len(reads))
"""


@pytest.mark.parametrize("imgsafe_run", [[], ["--imgsafe"]], ids=["fixture-only", "imgsafe-run"])
def test_the_fixture_reads_the_runs_settings_once(team: pytest.Pytester, imgsafe_run: list[str]) -> None:
    team.runpytest("--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=3)
    team.makeconftest(COUNT_PYPROJECT_READS)
    result = team.runpytest("-p", "no:cacheprovider", "-s", *imgsafe_run)
    result.assert_outcomes(passed=3)
    # at most the one read that resolves the settings (the run's own read is not counted): never one per test
    result.stdout.fnmatch_lines(["PYPROJECT READS: [01]"])


def test_the_marker_sets_the_mode_per_test(team: pytest.Pytester, imgsafe_sandbox) -> None:
    team.makepyfile(
        test_marked="""
import pytest

@pytest.mark.imgsafe_record(mode="once")
def test_records_itself(imgsafe_client):
    imgsafe_client("moderation").moderations.create(model="omni-moderation-latest", input="A fox")

@pytest.mark.imgsafe_record(mode="sometimes")
def test_bad_mode(imgsafe_client):
    pass

def test_unknown_target(imgsafe_client):
    imgsafe_client("nope")
"""
    )
    result = team.runpytest("-p", "no:cacheprovider", "test_marked.py")
    result.assert_outcomes(passed=1, errors=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*imgsafe_record(mode='sometimes'): use one of none, once, new_episodes, all*",
            "*imgsafe_client('nope'): no such target*configured targets: gpt-image-2, moderation, loose*",
        ]
    )
    assert (team.path / "cassettes" / "tests" / "test_marked" / "test_records_itself.json").is_file()


def test_the_fixture_and_the_marker_are_documented(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(["imgsafe_client*", "*the SDK client of target NAME, recorded and replayed per test*"])
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.imgsafe_record(mode=None, cassette=None):*"])


def test_cassette_names_are_safe_and_distinct(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert cassette_for(tmp_path, "tests/test_x.py::test_a") == tmp_path / "tests" / "test_x" / "test_a.json"
    assert (
        cassette_for(tmp_path, "tests/team/test_x.py::test_a") == tmp_path / "tests" / "team" / "test_x" / "test_a.json"
    )
    a = cassette_for(tmp_path, "test_x.py::test_a[../../etc]")
    b = cassette_for(tmp_path, "test_x.py::test_a[.._.._etc]")
    assert a != b and a.parent == b.parent == tmp_path / "tests" / "test_x"
    assert cassette_for(tmp_path, "../../up.py::t").is_relative_to(tmp_path / "tests")


def test_a_cassette_recorded_under_the_earlier_layout_is_still_used(tmp_path) -> None:  # type: ignore[no-untyped-def]
    earlier = tmp_path / "tests" / "tests" / "test_x" / "test_a.json"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("{}")
    assert cassette_for(tmp_path, "tests/test_x.py::test_a") == earlier
