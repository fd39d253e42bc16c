"""The shared state of a target's pool in a live run: each member's pace, rest and use.

Pure functions over the ledger's state (a dict the ledger keeps in its locked JSON file, so every
thread and xdist worker sees one pool). A call goes to the member that is free first: the one
whose next rate slot (or the end of its rest after a 429 or an outage) comes earliest, the faster
member on a tie. So the calls spread by free capacity, and the pool serves the sum of its
members' rpm. A member out of quota, or past its own budget, is out for the run; when every
member is out there is no member to give (``None``), which the gate turns into an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Member = tuple[str, int, float | None]
"""(name, rpm, budget_usd) of one member."""


CATCH_UP_S = 0.5
"""How far a pace may fall behind its schedule and catch up. A caller late for its slot (a busy
machine, a thread that woke late, an item that took long) takes the slot it missed, instead of
starting the schedule again from now: lateness is no lost capacity. In any window there are at
most half a second's worth of calls more than the rpm (providers refill a limit over the minute)."""


def behind(now: float, slot: Any) -> float:
    """When the next call may go: its slot, or now when the slot is further behind than
    :data:`CATCH_UP_S` (or there is none yet: a run starts at once, never with a burst)."""
    if slot is None:
        return now
    return max(float(slot), now - CATCH_UP_S)


def _key(target: str, member: str) -> str:
    return f"{target}@{member}"


def _use(state: dict[str, Any], target: str, member: str) -> dict[str, Any]:
    members: dict[str, Any] = state.setdefault("members", {})
    use: dict[str, Any] = members.setdefault(_key(target, member), {"calls": 0, "spent_usd": 0.0, "refused": 0})
    return use


def pick(state: dict[str, Any], target: str, members: Sequence[Member], now: float) -> tuple[str | None, float]:
    """Book the next slot of the member free first: (its name, seconds to wait); (None, 0) when all are out."""
    slots = state.setdefault("slots", {})
    rest = state.setdefault("rest", {})
    out = state.setdefault("out", {})
    best: tuple[float, int, str] | None = None
    for name, rpm, budget in members:
        key = _key(target, name)
        if key in out:
            continue
        if budget is not None and _use(state, target, name)["spent_usd"] >= budget - 1e-9:
            out[key] = f"its budget_usd {budget:g} is spent"
            continue
        start = max(behind(now, slots.get(key)), float(rest.get(key, 0.0)))
        if best is None or (start, -rpm, name) < (best[0], -best[1], best[2]):
            best = (start, rpm, name)
    if best is None:
        return None, 0.0
    start, rpm, name = best
    slots[_key(target, name)] = start + 60.0 / rpm
    return name, max(0.0, start - now)


def refused(state: dict[str, Any], target: str, member: str, rpm: int, now: float, rest_for: float) -> None:
    """A member refused (429, 5xx, no answer): its slot back, and a rest before it is asked again."""
    key = _key(target, member)
    slots = state.setdefault("slots", {})
    if key in slots:
        slots[key] = max(now - CATCH_UP_S, float(slots[key]) - 60.0 / rpm)
    rest = state.setdefault("rest", {})
    rest[key] = max(float(rest.get(key, 0.0)), now + rest_for)
    _use(state, target, member)["refused"] += 1


def retire(state: dict[str, Any], target: str, member: str, reason: str) -> None:
    """A member out of quota (or suspended): out of the pool for the rest of the run."""
    state.setdefault("out", {}).setdefault(_key(target, member), reason)


def book(state: dict[str, Any], target: str, member: str, spent: float) -> None:
    """A call a member answered, and what it cost."""
    use = _use(state, target, member)
    use["calls"] += 1
    use["spent_usd"] = round(use["spent_usd"] + spent, 6)


def usage(state: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """target -> member -> {calls, spent_usd, refused, out}: what reports show (names, never keys)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    retired = state.get("out", {})
    for key, use in sorted(state.get("members", {}).items()):
        target, _, member = key.rpartition("@")
        out.setdefault(target, {})[member] = {**use, "out": retired.get(key)}
    for key, reason in retired.items():
        target, _, member = key.rpartition("@")
        out.setdefault(target, {}).setdefault(member, {"calls": 0, "spent_usd": 0.0, "refused": 0, "out": reason})
    return out


def reasons_out(state: dict[str, Any], target: str) -> dict[str, str]:
    """member -> why it is out of the pool."""
    prefix = f"{target}@"
    return {k[len(prefix) :]: str(v) for k, v in state.get("out", {}).items() if k.startswith(prefix)}
