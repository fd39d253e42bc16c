"""pytest-recording's conventions for imgsafe_client: a vcr mark's record_mode, a config fixture
that a conftest overrides, and --imgsafe-block-network for every other connection in a replay."""

from __future__ import annotations

import pytest

from tests.conftest import FAKE_KEY, files_under


def test_a_vcr_marks_record_mode_records(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_team="""
import pytest

@pytest.mark.vcr(record_mode="once")
def test_precheck(imgsafe_client):
    imgsafe_client("moderation").moderations.create(model="omni-moderation-latest", input="A fox")
"""
    )
    project.runpytest("-p", "no:cacheprovider", "-W", "ignore::pytest.PytestUnknownMarkWarning").assert_outcomes(
        passed=1
    )
    assert (project.path / "cassettes" / "tests" / "test_team" / "test_precheck.json").exists()


def test_the_config_fixture_sets_the_mode_and_folder_for_its_scope(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
import pytest

@pytest.fixture
def imgsafe_vcr_config():
    return {"record_mode": "once", "cassette_library_dir": "recorded"}
"""
    )
    project.makepyfile(
        test_team="""
def test_precheck(imgsafe_client):
    imgsafe_client("moderation").moderations.create(model="omni-moderation-latest", input="A fox")
"""
    )
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert [p.relative_to(project.path).as_posix() for p in files_under(project.path / "recorded")] == [
        "recorded/test_precheck.json"
    ]
    assert FAKE_KEY not in (project.path / "recorded" / "test_precheck.json").read_text()


def test_block_network_fails_a_test_that_connects_elsewhere_even_when_it_caught_the_error(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_net="""
import socket

def test_phones_home():
    try:
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    except OSError:
        pass

def test_local_sandbox(imgsafe_sandbox):
    socket.create_connection(("127.0.0.1", int(imgsafe_sandbox.base_url.rsplit(":", 1)[1]))).close()
"""
    )
    result = project.runpytest("-p", "no:cacheprovider", "--imgsafe-block-network", "test_net.py")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["test test_net.py::test_phones_home connected to 192.0.2.1:443 in a replay run with --imgsafe-block-network*"]
    )
