"""Only verdicts are recorded, and recordings survive interruption: a non-verdict answer is never
written (``once`` calls again next time), ``all`` keeps the old cassette until the new answer is a
verdict, and a SIGINT at any moment leaves every cassette old or new, never missing or truncated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import FAKE_KEY, write_corpus

CORPUS = """
defaults:
  scenario: benign
cases:
  - id: fox
    prompt: A watercolor painting of a red fox
    expect: pass
"""


def many(n: int) -> str:
    lines = ["defaults:\n  scenario: benign\n  targets: [moderation]\ncases:"]
    lines += [
        f"  - id: case-{i:03d}\n    prompt: A watercolor of a lighthouse, number {i}\n    expect: pass"
        for i in range(n)
    ]
    return "\n".join(lines) + "\n"


def test_a_non_verdict_answer_is_never_recorded_and_once_calls_again(
    project: pytest.Pytester, imgsafe_sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_corpus(project, "probes", CORPUS)
    # the sandbox's root without /v1: every call gets a 404, which is no verdict
    monkeypatch.setenv("OPENAI_BASE_URL", imgsafe_sandbox.openai_base_url.removesuffix("/v1"))
    wrong = project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider")
    wrong.assert_outcomes(errors=2)
    wrong.stdout.fnmatch_lines(["*no verdict*", "*HTTP 404*"])
    assert not list(project.path.rglob("cassettes/**/*.json"))
    monkeypatch.setenv("OPENAI_BASE_URL", imgsafe_sandbox.openai_base_url)
    imgsafe_sandbox.clear_log()
    right = project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider")
    right.assert_outcomes(passed=2)
    assert len(imgsafe_sandbox.requests) == 2  # once called again: nothing had been recorded
    assert len(list((project.path / "cassettes").rglob("*.json"))) == 2


def test_all_keeps_the_old_cassette_until_the_new_answer_is_a_verdict(
    project: pytest.Pytester, imgsafe_sandbox
) -> None:
    write_corpus(project, "probes", CORPUS)
    project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=2)
    cassette = project.path / "cassettes" / "gpt-image-2" / "fox.json"
    before = cassette.read_bytes()
    imgsafe_sandbox.set_faults("badjson:1.0", seed=1)  # every answer unreadable: no verdict
    result = project.runpytest("--imgsafe", "--imgsafe-record-mode=all", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    assert cassette.read_bytes() == before
    imgsafe_sandbox.set_faults(None)
    project.runpytest("--imgsafe", "-p", "no:cacheprovider").assert_outcomes(passed=2)  # replay still works


@pytest.mark.slow
def test_sigint_during_record_all_leaves_every_cassette_whole(project: pytest.Pytester, imgsafe_sandbox) -> None:
    n = 40
    write_corpus(project, "many", many(n))
    project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=n)
    folder = project.path / "cassettes" / "moderation"
    before = {p.name: p.read_bytes() for p in folder.glob("*.json")}
    assert len(before) == n
    imgsafe_sandbox.set_latency(150)  # slow answers, so the interrupt lands mid-run
    imgsafe_sandbox.clear_log()
    env = {**os.environ, "OPENAI_API_KEY": FAKE_KEY, "OPENAI_BASE_URL": imgsafe_sandbox.openai_base_url}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "--imgsafe",
            "--imgsafe-record-mode=all",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "--imgsafe-report",
            "report.json",
        ],
        cwd=project.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # a shell that runs this suite in the background hands its children SIGINT ignored, and
        # Python then never turns SIGINT into KeyboardInterrupt: give the child the default back
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # wait (by the sandbox's own request log, never by a clock) until a few items re-recorded
    deadline_requests = 5
    for _ in range(3000):
        if len(imgsafe_sandbox.requests) >= deadline_requests or proc.poll() is not None:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    # Python loses a SIGINT that lands inside a callback it runs for the import system ("Exception
    # ignored in: ... _get_module_lock ... KeyboardInterrupt"): a user presses Ctrl-C again
    sent_at = len(imgsafe_sandbox.requests)
    for _ in range(3000):
        if proc.poll() is not None:
            break
        if len(imgsafe_sandbox.requests) >= sent_at + 5:  # it ran on: the first one was lost
            proc.send_signal(signal.SIGINT)
            break
        time.sleep(0.01)
    out, _ = proc.communicate(timeout=120)
    text = out.decode(errors="replace")
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, text[-2000:]
    names = sorted(p.name for p in folder.iterdir())
    assert sorted(before) == [n for n in names if n.endswith(".json")]
    assert [n for n in names if not n.endswith(".json")] == []  # no temporary file left behind
    for path in folder.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))  # whole, parseable
        assert len(data["interactions"]) == 1, path
    report = json.loads((project.path / "report.json").read_text())
    assert report["run"]["interrupted"] is True
    assert 0 < report["run"]["items_run"] < n
    imgsafe_sandbox.set_latency(0)
    project.runpytest("--imgsafe", "-p", "no:cacheprovider").assert_outcomes(passed=n)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "is empty"),
        (
            b'{"imgsafe": {"format": 1}, "interactions": [{"request": {"uri": "http://x/v1/moderations"',
            "is not valid JSON (it looks truncated)",
        ),
        (b"\xff\xfe not utf-8", "is not UTF-8 text"),
        (b'{"some": "other json"}', "is not a cassette"),
        (b'{"interactions": [{"request": {}, "response": {}}]}', "interaction #1 is not a recorded request and answer"),
        (  # another release's format may mean other things by the same fields
            b'{"imgsafe": {"format": 99}, "version": 1, "interactions": []}',
            "is in a cassette format this release does not read (imgsafe format '99'",
        ),
        (
            b'{"imgsafe": {"format": 1}, "version": 99, "interactions": []}',
            "is in a cassette format this release does not read (imgsafe format '1', version '99'",
        ),
    ],
)
def test_a_damaged_cassette_is_a_clear_error_naming_the_file_and_the_fix(
    project: pytest.Pytester, content: bytes, why: str
) -> None:
    write_corpus(project, "probes", CORPUS)
    project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=2)
    (project.path / "cassettes" / "gpt-image-2" / "fox.json").write_bytes(content)
    result = project.runpytest("--imgsafe", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [f"*the cassette cassettes/gpt-image-2/fox.json {why}*", "*--imgsafe-record-mode=all*fox*gpt-image-2*"]
    )
    assert "Traceback" not in result.stdout.str() and "JSONDecodeError" not in result.stdout.str()
    # a record run leaves the damaged file as it is and says so
    again = project.runpytest("--imgsafe", "--imgsafe-record-mode=new_episodes", "-p", "no:cacheprovider")
    again.assert_outcomes(passed=1, errors=1)
    assert (project.path / "cassettes" / "gpt-image-2" / "fox.json").read_bytes() == content


def test_an_overlong_id_is_a_collection_error_not_a_traceback(project: pytest.Pytester) -> None:
    write_corpus(project, "probes", CORPUS.replace("id: fox", "id: " + "x" * 300))
    result = project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*corpora/probes.yaml:5: id 'xxx*'... (300 characters) is not valid*at most 100 characters*"]
    )
    assert "OSError" not in result.stdout.str()
    assert not list(project.path.rglob("cassettes/**/*.json"))
