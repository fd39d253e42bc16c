"""Replay answers read ahead of the items, a window at a time, in the order the items run.

A replayed item reads one small cassette, parses it and classifies its answer. Done one item
at a time, between pytest's own work for each item (capture, reports, the terminal), that
code runs cold every time; done for a window of upcoming items in one loop, it runs warm and
costs about half as much (0.10 ms an item against 0.19 ms, ``benchmarks/README.md``). The
window follows the items the way a file system's read-ahead follows reads: it starts small,
doubles while the items keep coming in the order foreseen, and starts small again where they
jump (xdist hands each worker runs of items, ``-k`` or a plugin may reorder them). An item
outside the plan, or one whose answer was dropped with an old window, is read on its own, as
without read-ahead.

Replay only reads: reading early changes nothing but when a cassette is read. A damaged or
missing recording is kept as its error and raised by its own item, never by the one that
happened to start the window.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

R = TypeVar("R")
W = TypeVar("W")

FIRST_WINDOW = 8
LAST_WINDOW = 128


class ReadAhead(Generic[W, R]):
    """Results of ``read(work)`` for planned work, made ahead in windows along ``plan``.

    ``plan`` is every piece of work in the order expected, ``name`` gives each its id (the plan
    may make its pieces when asked: only a window's are alive at a time); ``read`` makes one
    result (or raises, and the exception is that id's result).
    """

    def __init__(
        self,
        plan: Sequence[W],
        read: Callable[[W], R],
        name: Callable[[W], str],
        first: int = FIRST_WINDOW,
        last: int = LAST_WINDOW,
    ) -> None:
        self._plan = plan
        self._read = read
        self._name = name
        self.positions: dict[str, int] = {name(work): i for i, work in enumerate(plan)}
        """Each planned id's place in the plan."""
        self._first, self._last = first, last
        self._window = first
        self._ready: dict[str, R | Exception] = {}
        self._next = -1
        """Where the current window ends: the plan position the next window starts at."""
        self.read_ahead = 0
        """How many results were made ahead (for tests and benchmarks)."""
        self.dropped = 0
        """How many of them were never asked for (a jump left them behind)."""

    def result(self, name: str, work: W) -> R:
        """The result for ``name``: made ahead if it was planned, else made now from ``work``."""
        try:
            made = self._ready.pop(name)
        except KeyError:
            position = self.positions.get(name)
            if position is None:
                return self._read(work)
            self._fill(position)
            made = self._ready.pop(name)
        if isinstance(made, Exception):
            raise made
        return made

    def _fill(self, position: int) -> None:
        if position == self._next and not self._ready:
            self._window = min(self._window * 2, self._last)  # the items came as foreseen
        else:
            self._window = self._first
        self.dropped += len(self._ready)
        self._ready = {}
        end = min(position + self._window, len(self._plan))
        # What a window reads all lives until its items run: the cycle collector would walk it
        # again and again and free none of it.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for work in self._plan[position:end]:
                name = self._name(work)
                try:
                    self._ready[name] = self._read(work)
                except Exception as err:  # noqa: BLE001 - raised again by its own item
                    self._ready[name] = err
        finally:
            if was_enabled:
                gc.enable()
        self.read_ahead += end - position
        self._next = end
