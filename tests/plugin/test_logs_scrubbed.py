"""Every log record pytest prints or writes passes the run's scrubber: the SDK's and httpx's own
DEBUG lines quote the request URL (with the key in its query string) and the provider's headers
and bodies, and ``--log-file`` and ``log_cli`` write them as they come unless they are scrubbed."""

from __future__ import annotations

import pytest

from tests.conftest import FAKE_KEY, write_corpus
from tests.conftest import ONE_CASE as CORPUS

QUERY_KEY = "sk-proj-QUERYKEY5e8d1c7b3a9f2046tail"


LOGGING_TEST = """
import logging


def test_logs_the_key(imgsafe_client):
    imgsafe_client("moderation").moderations.create(model="omni-moderation-latest", input="a fox")
    logging.getLogger("team").debug("the url was %s", "http://gw.example/v1?api-key={key}")
"""


@pytest.fixture
def keyed_url_project(project: pytest.Pytester, imgsafe_sandbox, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """The project with the key also in the base URL's query string (a relay that wants it there)."""
    monkeypatch.setenv("OPENAI_BASE_URL", f"{imgsafe_sandbox.openai_base_url}?api-key={QUERY_KEY}")
    write_corpus(project, "basic", CORPUS)
    return project


def _assert_no_key(text: str, where: str) -> None:
    for secret in (QUERY_KEY, FAKE_KEY):
        assert secret not in text, f"{where} holds a key"


def test_log_file_and_live_log_hold_no_key_in_an_imgsafe_run(keyed_url_project: pytest.Pytester) -> None:
    p = keyed_url_project
    result = p.runpytest(
        "--imgsafe",
        "--imgsafe-record-mode=once",
        "-p",
        "no:cacheprovider",
        "--log-file=logs/run.log",
        "--log-file-level=DEBUG",
        "-o",
        "log_cli=true",
        "--log-cli-level=DEBUG",
    )
    result.assert_outcomes(passed=2)
    log_file = (p.path / "logs" / "run.log").read_text(encoding="utf-8")
    assert "images/generations" in log_file  # the SDK's and httpx's own lines are there, scrubbed
    _assert_no_key(log_file, "--log-file")
    _assert_no_key(result.stdout.str() + result.stderr.str(), "the terminal (log_cli)")


@pytest.mark.parametrize("imgsafe", [False, True])
def test_an_imgsafe_client_tests_log_records_hold_no_key(keyed_url_project: pytest.Pytester, imgsafe: bool) -> None:
    p = keyed_url_project
    p.makepyfile(test_logging=LOGGING_TEST.format(key=QUERY_KEY))
    args = ["--imgsafe-record-mode=all", "-p", "no:cacheprovider", "-rA", "test_logging.py"]
    args += ["--log-file=logs/run.log", "--log-file-level=DEBUG", "-o", "log_cli=true", "--log-cli-level=DEBUG"]
    if imgsafe:
        args.insert(0, "--imgsafe")
    result = p.runpytest(*args)
    result.assert_outcomes(passed=1)
    log_file = (p.path / "logs" / "run.log").read_text(encoding="utf-8")
    assert "the url was http://gw.example/v1?api-key=<redacted>" in log_file
    _assert_no_key(log_file, "--log-file")
    _assert_no_key(result.stdout.str() + result.stderr.str(), "the terminal (log_cli)")
