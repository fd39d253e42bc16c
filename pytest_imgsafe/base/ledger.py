"""What a live run spends, shared by its threads and its xdist workers: budget, pace, blocks, stop.

One small JSON file under an exclusive ``flock``, in a folder the controller creates and hands
to its workers, so a budget of $5 is $5 for the run and not $5 per worker, and 60 requests per
minute are 60 for the run. Claims on items are files created with ``O_EXCL`` beside it: the first
process to create one calls the endpoint, the others wait for its result.
"""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import Any

from . import pools

_EPSILON = 1e-9


@dataclass(frozen=True)
class Totals:
    """The run's counters, as every process sees them."""

    calls: int
    spent_usd: float
    blocks: int
    skipped_budget: int
    skipped_blocks: int
    stopped: str | None


class Ledger:
    """Budget, max blocks, request pacing and the stop flag of one live run."""

    def __init__(
        self,
        folder: Path,
        budget_usd: float | None = None,
        max_blocks: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.folder = folder
        self.clock = clock
        """Wall-clock seconds shared by every process of the run (slots are compared across
        xdist workers, so it is ``time.time``); tests hand in a fake one."""
        self.budget_usd = budget_usd
        self.max_blocks = max_blocks
        self._path = folder / "ledger.json"
        self._lock = threading.Lock()
        (folder / "claims").mkdir(parents=True, exist_ok=True)
        (folder / "results").mkdir(parents=True, exist_ok=True)
        self._path.touch(exist_ok=True)

    @contextmanager
    def _state(self) -> Iterator[dict[str, Any]]:
        with self._lock, self._path.open("r+", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                text = fh.read()
                state: dict[str, Any] = json.loads(text) if text.strip() else {}
                yield state
                fh.seek(0)
                fh.truncate()
                fh.write(json.dumps(state))
                fh.flush()
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # --- money and blocks -------------------------------------------------------------------

    def reserve(self, cost: float) -> bool:
        """Set ``cost`` aside before a call; False (and nothing set aside) if it would pass the budget."""
        with self._state() as s:
            if s.get("stopped"):
                return False
            committed = s.get("spent", 0.0) + s.get("reserved", 0.0)
            if self.budget_usd is not None and committed + cost > self.budget_usd + _EPSILON:
                s["skipped_budget"] = s.get("skipped_budget", 0) + 1
                return False
            s["reserved"] = s.get("reserved", 0.0) + cost
            return True

    def settle(self, reserved: float, spent: float, *, called: bool, blocked: bool, block_slot: bool = False) -> None:
        """After a call: release the reservations, book what it cost (input-stage blocks cost nothing)."""
        with self._state() as s:
            s["reserved"] = max(0.0, s.get("reserved", 0.0) - reserved)
            if block_slot:
                s["pending_blocks"] = max(0, s.get("pending_blocks", 0) - 1)
            s["spent"] = s.get("spent", 0.0) + spent
            s["calls"] = s.get("calls", 0) + (1 if called else 0)
            s["blocks"] = s.get("blocks", 0) + (1 if blocked else 0)

    def reserve_block(self) -> bool:
        """Before sending a prompt expected to be blocked: False once ``max_blocks`` blocks came back
        or are in flight, so concurrency never takes the run past the limit."""
        if self.max_blocks is None:
            return True
        with self._state() as s:
            if s.get("blocks", 0) + s.get("pending_blocks", 0) >= self.max_blocks:
                s["skipped_blocks"] = s.get("skipped_blocks", 0) + 1
                return False
            s["pending_blocks"] = s.get("pending_blocks", 0) + 1
            return True

    # --- pace ----------------------------------------------------------------------------

    def next_slot(self, key: str, rpm: int | None) -> float:
        """Seconds to wait before the next request to ``key`` (evenly spaced at ``rpm``; a caller
        late for its slot by less than ``pools.CATCH_UP_S`` keeps the schedule)."""
        if not rpm:
            return 0.0
        interval = 60.0 / rpm
        now = self.clock()
        with self._state() as s:
            slots = s.setdefault("slots", {})
            slot = pools.behind(now, slots.get(key))
            slots[key] = slot + interval
        return max(0.0, slot - now)

    def release_slot(self, key: str, rpm: int | None) -> None:
        """Give back the slot of an attempt the provider did not count (a 429, a 5xx, no answer),
        so the next request may go one interval earlier (never more than ``pools.CATCH_UP_S``
        behind now)."""
        if not rpm:
            return
        interval = 60.0 / rpm
        now = self.clock()
        with self._state() as s:
            slots = s.setdefault("slots", {})
            if key in slots:
                slots[key] = max(now - pools.CATCH_UP_S, float(slots[key]) - interval)

    # --- pools (``base.pools``): one pool for every thread and worker ----------------------

    def pool_slot(self, target: str, members: Sequence[pools.Member]) -> tuple[str | None, float]:
        """The member to call next and the seconds to wait for its slot; (None, 0) when all are out."""
        now = self.clock()
        with self._state() as s:
            return pools.pick(s, target, members, now)

    def pool_refused(self, target: str, member: str, rpm: int, rest_for: float) -> None:
        with self._state() as s:
            pools.refused(s, target, member, rpm, self.clock(), rest_for)

    def pool_retire(self, target: str, member: str, reason: str) -> None:
        with self._state() as s:
            pools.retire(s, target, member, reason)

    def pool_book(self, target: str, member: str, spent: float) -> None:
        with self._state() as s:
            pools.book(s, target, member, spent)

    def pool_out(self, target: str) -> dict[str, str]:
        with self._state() as s:
            return pools.reasons_out(s, target)

    def pool_usage(self) -> dict[str, dict[str, dict[str, Any]]]:
        with self._state() as s:
            return pools.usage(s)

    # --- stop ----------------------------------------------------------------------------

    def stop(self, reason: str) -> None:
        """Stop the run everywhere (an account or resource suspended)."""
        with self._state() as s:
            s.setdefault("stopped", reason)

    def stopped(self) -> str | None:
        with self._state() as s:
            value = s.get("stopped")
            return str(value) if value else None

    def totals(self) -> Totals:
        with self._state() as s:
            return Totals(
                calls=int(s.get("calls", 0)),
                spent_usd=round(float(s.get("spent", 0.0)), 6),
                blocks=int(s.get("blocks", 0)),
                skipped_budget=int(s.get("skipped_budget", 0)),
                skipped_blocks=int(s.get("skipped_blocks", 0)),
                stopped=s.get("stopped"),
            )

    # --- claims and results --------------------------------------------------------------

    def _name(self, key: str) -> str:
        return sha256(key.encode()).hexdigest()[:40]

    def claim(self, key: str) -> bool:
        """True for exactly one caller across all processes."""
        try:
            fd = os.open(self.folder / "claims" / self._name(key), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return False
        os.close(fd)
        return True

    def publish(self, key: str, value: Any) -> None:
        """Make a claimed item's result readable by every process."""
        path = self.folder / "results" / self._name(key)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(path)

    def wait_for(self, key: str, timeout: float, alive: Callable[[], bool] = lambda: True) -> Any:
        """The published result of ``key``; raises TimeoutError when none comes."""
        path = self.folder / "results" / self._name(key)
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                return pickle.loads(path.read_bytes())
            except FileNotFoundError:
                pass
            if time.monotonic() > deadline or not alive():
                raise TimeoutError(key)
            time.sleep(delay)
            delay = min(0.1, delay * 1.5)
