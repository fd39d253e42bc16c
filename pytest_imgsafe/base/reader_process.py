"""Replayed answers read by a forked copy of the run, on a core the run does not use.

Replay is CPU-bound, and one core does all of it: each item reads and parses a small cassette
and classifies its answer (about a quarter of what a replayed item costs, measured in
``benchmarks/README.md``), between pytest's own work for the item. Where a second core is idle,
a copy of the run made by ``fork`` right after collection reads the answers of the items in the
order they will run, and sends each verdict back in a few bytes; the items then only judge and
report. This is read-ahead across processes: it changes when a cassette is read (earlier, as the
in-process read-ahead already does), never what is read from it or how.

Safe by construction:

- it starts only where ``fork`` copies a process that has a single thread (Linux, counted by
  the system), with a core to spare; the caller asks only for replay (never when recording or
  live, never for ``--collect-only``) and never in an xdist worker (every core runs a worker);
- Ctrl-C is held back while the process forks; the child ignores it (the run handles it and ends
  the child) and only reads: it dies on the broken pipe when the run is gone (``kill -9``), prints
  and logs nothing (its output goes to the null device, logging is off), and leaves by
  ``os._exit``, running none of the parent's exit handlers or hooks and flushing none of its
  buffers;
- what it sends is what ``pack`` makes of a plain result; an error, a damaged or missing
  recording, or anything ``pack`` declines is sent as "none", and that item reads its answer
  itself, exactly as it would with no child (its own message, its own traceback);
- an item not found ahead in the child's plan (a rerun, a jump back) reads for itself; the
  child's frames of items that never asked (skipped, a run stopped by ``-x``) are passed over; an
  item far ahead of the child (the items run in another order) gives the child up; a process
  forked from the run later (a plugin that forks per test) reads for itself;
- a child that sends nothing for ``patience`` seconds, or ends early, or anything that breaks
  in reading its frames, gives it up: every later item reads for itself;
- the run ends the child only while it is still the run's unreaped child (its number cannot
  belong to another process then).
"""

from __future__ import annotations

import faulthandler
import gc
import logging
import marshal
import os
import select
import signal
import struct
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Generic, TypeVar

W = TypeVar("W")
R = TypeVar("R")

WORTH_A_FORK = 500
"""Fewer planned items than this are read in the run's own process: forking a run with a large
collection takes milliseconds, and a few hundred items gain less than that."""

PATIENCE_SECONDS = 5.0
"""How long the run waits for the child's next frame before it reads for itself from then on.
A frame takes about 0.1 ms to make; a child silent for seconds is stalled, not slow."""

JUMP = 128
"""An item this many places past the child's next frame means the items run in another order
than planned (the frames of a few skipped items are passed over): waiting for the child to read
that far would be slower than reading in-process, so the child is given up."""

_LENGTH = struct.Struct("<I")


def spare_core() -> bool:
    """Is there a core the run's own process leaves idle (the ones this process may run on)?"""
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except (AttributeError, OSError):
        return (os.cpu_count() or 1) >= 2


def can_fork() -> bool:
    """``fork`` copies this process safely: Linux, and no thread but this one (a thread's lock
    held at the fork would stay held in the copy forever). The system's own count of the
    process's threads is read, which also sees the threads a C extension started."""
    if not (sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1):
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


class ReaderProcess(Generic[W]):
    """What ``pack(read(work))`` made for each piece of ``plan``, made by a forked child.

    ``name`` gives each piece its id; ``pack`` returns data ``marshal`` can carry (tuples, strings,
    numbers, None), or None for "read it yourself". :meth:`take` returns that data for an id.
    """

    def __init__(self, pid: int, fd: int, positions: Mapping[str, int], patience: float = PATIENCE_SECONDS) -> None:
        self._pid: int | None = pid
        self._fd: int | None = fd
        self._position = positions
        self._next = 0
        """The plan position of the child's next frame."""
        self._frames: deque[object] = deque()
        """Frames decoded from what the child sent, not yet taken."""
        self._rest = b""
        """The start of a frame whose end has not come yet."""
        self._patience = patience
        self._owner = os.getpid()
        """The run's process: a process forked from it later (a per-test forking plugin) reads
        for itself, never from the pipe it shares."""
        self.taken = 0
        """How many results the child's frames gave (for tests and benchmarks)."""

    @classmethod
    def start(
        cls,
        plan: Sequence[W],
        read: Callable[[W], R],
        name: Callable[[W], str],
        pack: Callable[[R], object],
        positions: Mapping[str, int],
        patience: float = PATIENCE_SECONDS,
    ) -> ReaderProcess[W] | None:
        """A child reading ``plan`` ahead, or None where none is started (see the module).
        ``positions`` maps each piece's id to its place in ``plan`` (the in-process read-ahead's
        own map, shared: one per run)."""
        if len(plan) < WORTH_A_FORK or not can_fork() or not spare_core():
            return None
        read_end, write_end = os.pipe()
        # Ctrl-C waits until each side is ready for it: the child ignores it, the run handles it
        # (landing in the child before that, it would run pytest's session end there too)
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pid = os.fork()
        except OSError:  # no memory or no process left for a copy: read in-process, as before
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the child: nothing below returns
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                os.close(read_end)
                _child(plan, name, read, pack, write_end)
            finally:
                os._exit(0)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(write_end)
        return cls(pid, read_end, positions, patience)

    def take(self, name: str) -> object:
        """The child's data for ``name``; None when the item must read for itself."""
        position = self._position.get(name)
        if self._fd is None or position is None or position < self._next or os.getpid() != self._owner:
            return None
        if position - self._next > JUMP:  # the items run in another order than planned
            self.close()
            return None
        while self._next <= position:
            try:
                frame = self._frame()
            except Exception:  # noqa: BLE001 - whatever broke, the items read for themselves
                frame = None
            if frame is None:
                self.close()
                return None
            self._next += 1
            if self._next - 1 == position:
                sent_name, packed = frame
                if sent_name != name:  # not the plan both sides were given: never trust it again
                    self.close()
                    return None
                if packed is not None:
                    self.taken += 1
                return packed
        return None

    def _frame(self) -> tuple[str, object] | None:
        """The child's next frame, or None when it ended, broke or stalled. Frames are decoded
        a chunk at a time (every whole frame a read brought), so an item mostly pops one."""
        if not self._frames and not self._decode_more():
            return None
        frame = self._frames.popleft()
        if not (isinstance(frame, tuple) and len(frame) == 2 and isinstance(frame[0], str)):
            return None
        return frame[0], frame[1]

    def _decode_more(self) -> bool:
        """Read from the child until at least one whole frame is decoded; False if none came."""
        fd = self._fd
        if fd is None:
            return False
        waiting = select.poll()  # poll, not select: any descriptor number (select stops at 1024)
        waiting.register(fd, select.POLLIN)
        while True:
            if not waiting.poll(self._patience * 1000):
                return False
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                return False
            if not chunk:
                return False
            data = self._rest + chunk if self._rest else chunk
            view, at = memoryview(data), 0
            while len(data) - at >= _LENGTH.size:
                (size,) = _LENGTH.unpack_from(data, at)
                end = at + _LENGTH.size + size
                if end > len(data):
                    break
                try:
                    self._frames.append(marshal.loads(view[at + _LENGTH.size : end]))
                except (EOFError, ValueError, TypeError):
                    return False
                at = end
            self._rest = data[at:]
            if self._frames:
                return True

    def close(self) -> None:
        """End the child (it holds nothing to save: it only reads) and reap it. Idempotent."""
        fd, self._fd = self._fd, None
        pid, self._pid = self._pid, None
        self._frames.clear()
        self._rest = b""
        if os.getpid() != self._owner:  # a process forked from the run: the child is not its own
            return
        if fd is not None:
            os.close(fd)
        if pid is not None:
            try:
                if os.waitpid(pid, os.WNOHANG) != (0, 0):
                    return  # it had ended, and is reaped now
                # still our child, unreaped: its number cannot be another process's yet
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ChildProcessError, ProcessLookupError):
                pass  # reaped by other code (a test's own wait): not ours to signal any more

    @property
    def running(self) -> bool:
        return self._fd is not None


def _child(
    plan: Sequence[W], name_of: Callable[[W], str], read: Callable[[W], R], pack: Callable[[R], object], fd: int
) -> None:
    """The forked child's whole life: read, pack and send every piece of the plan, then leave."""
    try:
        # nothing the child might print or log reaches the run's terminal, capture or log files
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        logging.disable(logging.CRITICAL)
        faulthandler.disable()
        gc.freeze()  # what the run made is alive in the parent: never walk it here
        for work in plan:
            name = name_of(work)
            try:
                packed = pack(read(work))
                body = marshal.dumps((name, packed))  # type: ignore[arg-type]  # checked by marshal itself
            except BaseException:  # noqa: BLE001 - the item reads for itself and meets it there
                body = marshal.dumps((name, None))
            _write_all(fd, _LENGTH.pack(len(body)) + body)
    finally:
        os._exit(0)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)  # a broken pipe (the run is gone) raises, and the child leaves
        view = view[written:]
