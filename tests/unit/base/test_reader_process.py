"""Replay's reader process: a forked copy of the run reads the answers ahead, on a spare core,
and every item still gets its own result (or reads for itself), whatever happens to the child.

The suite runs in xdist workers, which have threads: these tests let the reader fork anyway
(``can_fork`` is what a real run checks first), with a plan small enough to be worth a fork.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_imgsafe.base import reader_process
from pytest_imgsafe.base.reader_process import ReaderProcess
from pytest_imgsafe.calls.runner import ImgsafeError, Result

from .test_read_ahead import _case, _record, _runner

NAMES = [f"item-{i}" for i in range(200)]
POSITIONS = {name: i for i, name in enumerate(NAMES)}


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader_process, "can_fork", lambda: True)
    monkeypatch.setattr(reader_process, "spare_core", lambda: True)
    monkeypatch.setattr(reader_process, "WORTH_A_FORK", 1)


def _pack(made: str) -> object:
    return None if made.endswith("-declined") else ("made", made)


def _read(name: str) -> str:
    if name == "item-13":
        raise ValueError("a damaged recording")
    return name + ("-declined" if name == "item-7" else "")


@pytest.fixture
def reader(forking: None) -> Iterator[ReaderProcess[str]]:
    made = ReaderProcess.start(NAMES, _read, str, _pack, POSITIONS)
    assert made is not None
    yield made
    made.close()


def test_in_plan_order_every_item_gets_what_the_child_made_and_the_rest_read_for_themselves(
    reader: ReaderProcess[str],
) -> None:
    for name in NAMES:
        got = reader.take(name)
        if name in ("item-7", "item-13"):  # declined by pack, and an error in the child
            assert got is None
        else:
            assert got == ("made", name)
    assert reader.taken == len(NAMES) - 2
    assert reader.running


def test_a_jump_ahead_passes_over_the_items_that_never_asked_and_one_behind_reads_for_itself(
    reader: ReaderProcess[str],
) -> None:
    assert reader.take("item-0") == ("made", "item-0")
    assert reader.take("item-50") == ("made", "item-50")  # item-1 .. item-49 skipped or deselected
    assert reader.take("item-20") is None  # already passed: the item reads for itself
    assert reader.take("elsewhere") is None  # never planned
    assert reader.take("item-51") == ("made", "item-51")  # the child goes on
    assert reader.taken == 3


class StuckAt:
    """A read that never returns for one name (in the child: nothing sets it free there), and
    a way for the test to wait, without a clock, until the child got there."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.marker = folder / f"reached-{name}"

    def __call__(self, name: str) -> str:
        if name == self.name:
            self.marker.touch()
            threading.Event().wait()
        return name

    def wait_until_reached(self) -> None:
        while not self.marker.exists():  # every frame before it is in the pipe by then
            threading.Event().wait(0.01)


def test_a_child_that_dies_is_given_up_and_every_later_item_reads_for_itself(tmp_path: Path, forking: None) -> None:
    stuck = StuckAt("item-10", tmp_path)
    made = ReaderProcess.start(NAMES, stuck, str, _pack, POSITIONS)  # the default patience
    assert made is not None
    assert made.take("item-0") == ("made", "item-0")
    assert made._pid is not None
    stuck.wait_until_reached()
    os.kill(made._pid, signal.SIGKILL)
    # the frames the child sent before it died are still good; after them, nothing
    assert [made.take(name) for name in NAMES[1:10]] == [("made", name) for name in NAMES[1:10]]
    assert made.take("item-10") is None
    assert not made.running
    assert made.take("item-11") is None
    made.close()


def test_a_stalled_child_is_given_up_after_its_patience(tmp_path: Path, forking: None) -> None:
    stuck = StuckAt("item-3", tmp_path)
    made = ReaderProcess.start(NAMES, stuck, str, _pack, POSITIONS, patience=0.05)
    assert made is not None
    stuck.wait_until_reached()
    assert made.take("item-2") == ("made", "item-2")  # in the pipe: taking it never waits
    assert made.take("item-3") is None
    assert not made.running
    assert made.take("item-4") is None
    made.close()


def test_close_ends_and_reaps_the_child(forking: None) -> None:
    made = ReaderProcess.start(NAMES, _read, str, _pack, POSITIONS)
    assert made is not None
    pid = made._pid
    assert pid is not None
    made.close()
    made.close()  # twice is harmless
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no zombie left behind
    assert made.take("item-0") is None


def test_no_child_for_a_small_plan_a_process_with_threads_or_a_single_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader_process, "spare_core", lambda: True)
    monkeypatch.setattr(reader_process, "WORTH_A_FORK", 1)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not reader_process.can_fork()  # a thread is alive beside this one
        assert ReaderProcess.start(NAMES, _read, str, _pack, POSITIONS) is None
    finally:
        stop.set()
        thread.join()
    monkeypatch.setattr(reader_process, "can_fork", lambda: True)
    monkeypatch.setattr(reader_process, "WORTH_A_FORK", len(NAMES) + 1)
    assert ReaderProcess.start(NAMES, _read, str, _pack, POSITIONS) is None
    monkeypatch.setattr(reader_process, "WORTH_A_FORK", 1)
    monkeypatch.setattr(reader_process, "spare_core", lambda: False)
    assert ReaderProcess.start(NAMES, _read, str, _pack, POSITIONS) is None


# -- through the runner, from real cassette files ----------------------------------------------


def test_the_runner_gets_the_same_verdicts_from_the_child_and_reads_errors_and_failures_itself(
    tmp_path: Path, forking: None
) -> None:
    cases = [_case(n) for n in range(30)]
    for case in cases:
        _record(tmp_path / "cassettes", case, flagged=case.line % 3 == 0)
    (tmp_path / "cassettes" / "moderation" / "case-20.json").write_text('{"interactions": [', encoding="utf-8")
    work = [(f"x.yaml::{c.id}[moderation]", c, "moderation") for c in cases]
    alone = _runner(tmp_path)
    runner = _runner(tmp_path)
    runner.replay_ahead(work, in_another_process=True)
    assert runner.reader is not None
    try:
        for nodeid, case, target in work:
            if case.id == "case-20":  # declined by the child: read here, with the item's own message
                with pytest.raises(ImgsafeError, match="cassettes/moderation/case-20.json is not valid JSON"):
                    runner.result(case, target, nodeid)
                continue
            result = runner.result(case, target, nodeid)
            expected = alone.run(case, target, nodeid)
            assert not result.whole and result.answer is None
            assert result.outcomes == expected.outcomes
            assert result.source == expected.source
            whole = runner.whole(result, case, target, nodeid)  # what a failing item reads again
            assert whole.whole and whole.answer is not None and whole.outcomes == expected.outcomes
        assert runner.reader.taken == len(cases) - 1
    finally:
        runner.stop_reading()
    assert runner.reader is None


def test_packed_results_are_plain_verdicts_only() -> None:
    assert Result().packed() is None  # no answer
    assert Result.unpacked(None) is None
    assert Result.unpacked(("source", ())) is None  # no outcome
    assert Result.unpacked(("source", (("pass", "x", "y"),) * 1 + ((1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),))) is None


def test_an_item_far_ahead_of_the_child_gives_it_up(reader: ReaderProcess[str]) -> None:
    assert reader.take("item-0") == ("made", "item-0")
    far = f"item-{1 + reader_process.JUMP + 1}"
    assert reader.take(far) is None  # the items run in another order than planned
    assert not reader.running


def test_a_process_forked_from_the_run_later_reads_for_itself(
    reader: ReaderProcess[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert reader.take("item-0") == ("made", "item-0")
    with monkeypatch.context() as patched:
        patched.setattr(os, "getpid", lambda: -1)  # as a per-test fork of the run sees itself
        assert reader.take("item-1") is None
    assert reader.running
    assert reader.take("item-1") == ("made", "item-1")  # the run itself still takes its frames


def test_a_descriptor_past_1024_is_read_as_any_other(reader: ReaderProcess[str]) -> None:
    resource = pytest.importorskip("resource")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    high = 1500
    if hard != resource.RLIM_INFINITY and hard <= high:
        pytest.skip("the system allows no descriptor that high")
    if soft <= high:
        resource.setrlimit(resource.RLIMIT_NOFILE, (high + 1, hard))
    try:
        assert reader._fd is not None
        os.dup2(reader._fd, high)  # select() would refuse this one; poll() takes any
        os.close(reader._fd)
        reader._fd = high
        assert [reader.take(name) for name in NAMES[:5]] == [("made", name) for name in NAMES[:5]]
        assert reader.running
    finally:
        reader.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_child_reaped_by_other_code_is_left_alone(forking: None) -> None:
    made = ReaderProcess.start(NAMES, _read, str, _pack, POSITIONS)
    assert made is not None
    pid = made._pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)  # a test's own wait took it: its number may now be another process's
    made.close()  # no signal to that number, no error
    assert not made.running
