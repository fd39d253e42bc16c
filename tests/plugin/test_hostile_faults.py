"""Faults are one clear line: a full or read-only disk while recording, a provider's escape
sequences and echoed key fragments, stage files left by a killed run."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading

import pytest

from tests.conftest import write_corpus
from tests.plugin.test_read_by_kind import CORPUS

RECORD = ("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider")
HOSTILE_MESSAGE = "Incorrect API key provided: sk-pro****cdef. \x1b[2J\x1b[31mRED\x1b]0;title\x07\rhidden"


def recorded(project: pytest.Pytester) -> bytes:
    write_corpus(project, "probes", CORPUS)
    project.runpytest(*RECORD).assert_outcomes(passed=2)
    return (project.path / "cassettes" / "gpt-image-2" / "fox.json").read_bytes()


def with_stale_key(project: pytest.Pytester) -> bytes:
    """The recorded fox cassette, its request key changed so that the call is made again."""
    path = project.path / "cassettes" / "gpt-image-2" / "fox.json"
    cassette = json.loads(path.read_bytes())
    cassette["interactions"][0]["request"]["headers"]["x-imgsafe-key"] = ["0" * 32]
    path.write_text(json.dumps(cassette))
    return path.read_bytes()


def disk_fault(project: pytest.Pytester, code: int) -> None:
    """A conftest that makes every write of a file under cassettes/ fail with ``code``."""
    project.makeconftest(
        f"""
        import io, os, pytest

        def refused(path):
            return OSError({code}, os.strerror({code}), str(path))

        @pytest.hookimpl(wrapper=True)
        def pytest_runtest_protocol(item):
            # items of a corpus take no fixtures: the disk fails around each item's run
            monkeypatch = pytest.MonkeyPatch()
            real_open, real_io_open, real_replace = os.open, io.open, os.replace

            def os_open(path, flags, *args, **kwargs):
                if "cassettes" in str(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                    raise refused(path)
                return real_open(path, flags, *args, **kwargs)

            def io_open(path, mode="r", *args, **kwargs):
                if "cassettes" in str(path) and any(m in mode for m in "wax+"):
                    raise refused(path)
                return real_io_open(path, mode, *args, **kwargs)

            def replace(src, dst, *args, **kwargs):
                if "cassettes" in str(dst):
                    raise refused(dst)
                return real_replace(src, dst, *args, **kwargs)

            monkeypatch.setattr(os, "open", os_open)
            monkeypatch.setattr(io, "open", io_open)
            monkeypatch.setattr(os, "replace", replace)
            try:
                return (yield)
            finally:
                monkeypatch.undo()
        """
    )


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
@pytest.mark.parametrize("mode", ["all", "new_episodes"])
def test_a_full_or_read_only_disk_while_recording_is_one_line_and_keeps_the_old_cassette(
    project: pytest.Pytester, code: int, mode: str
) -> None:
    before = recorded(project)
    if mode == "new_episodes":  # an answer to add: the recorded one is under another request key
        before = with_stale_key(project)
    disk_fault(project, code)
    # pytest's own note that a nested run cannot rewrite the already imported plugin (a run
    # started by the `pytest` script) names site-packages: it is not this plugin's output
    quiet = ("-W", "ignore::pytest.PytestAssertRewriteWarning")
    result = project.runpytest(
        "--imgsafe", f"--imgsafe-record-mode={mode}", "-p", "no:cacheprovider", "-k", "gpt", *quiet
    )
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    result.stdout.fnmatch_lines([f"*cannot write cassettes/gpt-image-2/*fox.json*: {os.strerror(code)}*"])
    assert "Traceback" not in out and "site-packages" not in out and len(out.splitlines()) < 40, out
    assert (project.path / "cassettes" / "gpt-image-2" / "fox.json").read_bytes() == before
    assert not [p.name for p in (project.path / "cassettes" / "gpt-image-2").iterdir() if p.name.startswith(".")]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes through a read-only folder")
def test_a_read_only_cassette_folder_is_one_line(project: pytest.Pytester) -> None:
    before = recorded(project)
    folder = project.path / "cassettes" / "gpt-image-2"
    folder.chmod(0o555)
    try:
        result = project.runpytest("--imgsafe", "--imgsafe-record-mode=all", "-p", "no:cacheprovider", "-k", "gpt")
    finally:
        folder.chmod(0o755)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*cannot write cassettes/gpt-image-2/*fox.json*"])
    assert (folder / "fox.json").read_bytes() == before


def test_a_providers_escape_sequences_and_echoed_key_fragment_never_reach_terminal_or_report(
    project: pytest.Pytester,
) -> None:
    recorded(project)
    path = project.path / "cassettes" / "gpt-image-2" / "fox.json"
    cassette = json.loads(path.read_text())
    response = cassette["interactions"][0]["response"]
    response["status"] = {"code": 401, "message": "Unauthorized"}
    response["body"] = {
        "json": {"error": {"message": HOSTILE_MESSAGE, "type": "invalid_request_error", "code": "invalid_api_key"}}
    }
    path.write_text(json.dumps(cassette))
    result = project.runpytest("--imgsafe", "-p", "no:cacheprovider", "-rE", "--imgsafe-report", "out/r.json")
    result.assert_outcomes(passed=1, errors=1)
    shown = result.stdout.str() + result.stderr.str()
    assert "\\x1b[31mRED" in shown  # escaped, so the reader sees what the provider sent
    written = "".join(p.read_text() for p in (project.path / "out").iterdir())
    for text in (shown, written):
        assert "\x1b" not in text and "\x07" not in text and "\r" not in text
        assert "****cdef" not in text and "sk-pro" not in text
    assert "Incorrect API key provided: <redacted>" in shown


@pytest.mark.parametrize("suffix", ["recording", "tmp"])
def test_stage_files_left_by_a_killed_run_are_cleaned_and_named(project: pytest.Pytester, suffix: str) -> None:
    before = recorded(project)
    folder = project.path / "cassettes" / "gpt-image-2"
    dead = 2**22 + 12345  # above the default pid_max: no process has it
    stale = folder / f".fox.json.{dead}.140000000000.{suffix}"
    stale.write_bytes(before[:100])
    result = project.runpytest("--imgsafe", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [f"imgsafe: removed 1 stage file(s) left by an interrupted run: cassettes/gpt-image-2/{stale.name}"]
    )
    assert not stale.exists() and (folder / "fox.json").read_bytes() == before


def test_a_live_stage_file_of_a_running_process_is_left_alone(project: pytest.Pytester) -> None:
    recorded(project)
    mine = project.path / "cassettes" / "gpt-image-2" / f".fox.json.{os.getppid()}.1.recording"
    mine.write_text("{}")
    result = project.runpytest("--imgsafe", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert mine.exists()


def test_a_run_killed_during_new_episodes_leaves_nothing_half_written(
    project: pytest.Pytester, imgsafe_sandbox
) -> None:
    """Recordings are kept in memory until the item is done: ``kill -9`` while a call is under
    way leaves the old cassette as it was and no file beside it; the next run records."""
    recorded(project)
    path = project.path / "cassettes" / "gpt-image-2" / "fox.json"
    kept = with_stale_key(project)
    begun = imgsafe_sandbox.started
    imgsafe_sandbox.set_latency(60_000)  # the call is still waiting when the run is killed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-m", "pytest", "--imgsafe", "--imgsafe-record-mode=new_episodes", "-p", "no:cacheprovider"],
        cwd=project.path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(1200):  # the child's own progress, read from the sandbox (never timed)
            if imgsafe_sandbox.started > begun:
                break
            threading.Event().wait(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert imgsafe_sandbox.started > begun, "no call was under way"
    assert path.read_bytes() == kept
    assert not [p.name for p in path.parent.iterdir() if p.name != "fox.json"]
    imgsafe_sandbox.set_latency(0)
    result = project.runpytest("--imgsafe", "--imgsafe-record-mode=new_episodes", "-p", "no:cacheprovider", "-k", "gpt")
    result.assert_outcomes(passed=1)
    assert len(json.loads(path.read_bytes())["interactions"]) == 2
