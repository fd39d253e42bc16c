"""When a run gives back what it froze: at once inside another run, at the next run when it was
the process's outermost run (whose process is about to exit)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest

from pytest_imgsafe.run import freezing


class FakeConfig:
    """What the freezing code uses of a config: its stash and its cleanups."""

    def __init__(self) -> None:
        self.stash = pytest.Stash()
        self.cleanups: list[Callable[[], None]] = []

    def add_cleanup(self, func: Callable[[], None]) -> None:
        self.cleanups.append(func)

    def clean_up(self) -> None:
        while self.cleanups:
            self.cleanups.pop()()


@pytest.fixture
def outermost(monkeypatch: pytest.MonkeyPatch) -> Iterator[freezing._Process]:
    """A process with no run going on (the test's own run is out of the count)."""
    process = freezing._Process()
    monkeypatch.setattr(freezing, "PROCESS", process)
    yield process
    gc.unfreeze()


def test_the_outermost_run_leaves_its_objects_frozen_and_the_next_run_gives_them_back(
    outermost: freezing._Process,
) -> None:
    first = FakeConfig()
    freezing.run_starts(first)  # type: ignore[arg-type]
    freezing.freeze_collected(first)  # type: ignore[arg-type]
    first.clean_up()
    assert gc.get_freeze_count() > 0 and outermost.left_frozen and outermost.runs == 0
    second = FakeConfig()
    freezing.run_starts(second)  # type: ignore[arg-type]
    assert gc.get_freeze_count() == 0 and not outermost.left_frozen
    second.clean_up()  # froze nothing: leaves nothing frozen
    assert gc.get_freeze_count() == 0 and not outermost.left_frozen


def test_a_run_inside_another_gives_its_objects_back_when_it_ends(outermost: freezing._Process) -> None:
    outer, inner = FakeConfig(), FakeConfig()
    freezing.run_starts(outer)  # type: ignore[arg-type]
    freezing.run_starts(inner)  # type: ignore[arg-type]
    freezing.freeze_collected(inner)  # type: ignore[arg-type]
    inner.clean_up()
    assert gc.get_freeze_count() == 0 and not outermost.left_frozen and outermost.runs == 1
    outer.clean_up()
    assert outermost.runs == 0 and not outermost.left_frozen
