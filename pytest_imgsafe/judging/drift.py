"""A live answer against its expectation and its recording: what changed, and since when (pure).

| status              | when                                                                 |
|---------------------|----------------------------------------------------------------------|
| `ok`                | the live verdict is the expected one and the recording's (if any)     |
| `drift: now blocked`| recorded as a pass, blocked now                                       |
| `drift: now passes` | recorded as a block, passes now                                       |
| `stage changed`     | blocked in both, at another stage (input vs output filtering)         |
| `mismatch`          | live and recording agree (or there is no recording), the expectation differs |
| `config changed`    | the request is not the recorded one (model, params...): not classifier drift |
| `error`             | no verdict (the item is an error, never pass or block)                |

Every status but ``ok`` fails the item: any changed outcome is news in a nightly run.

A recording can be months old, so "since the recording" says little about when a classifier
changed. With the earlier nights' reports (``--imgsafe-history``), :func:`since_when` names the
first night the new outcome appeared and the last night the old one held: the window in which the
provider changed something, which is what a person asks first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..base.row import history_index, with_verdict
from ..base.status import Status
from ..collect.corpus import Expectation
from ..providers.outcome import Outcome


@dataclass(frozen=True)
class Since:
    """When an item's outcome of this run first appeared across the earlier nights.

    ``first_seen``: the first night of the unbroken run of ``outcome`` that ends with this run
    (None: this run is the first). ``last_held``: the night before it that had another outcome,
    ``held`` (None: no earlier night had one; the history starts with the new outcome).
    Nights without a verdict for the item neither break nor start a run.
    """

    outcome: str
    first_seen: str | None
    last_held: str | None
    held: str | None

    def describe(self) -> str:
        """``pass first seen on N1; block:input last held on N0``, for a failure and a report."""
        if self.held is None:
            return f"{self.outcome} on every night of the history, since {self.first_seen} at least"
        first = f"on {self.first_seen}" if self.first_seen else "in this run"
        return f"{self.outcome} first seen {first}; {self.held} last held on {self.last_held}"

    def as_dict(self) -> dict[str, str | None]:
        return {"outcome": self.outcome, "first_seen": self.first_seen, "last_held": self.last_held, "held": self.held}


def item_history(history: Iterable[Mapping[str, Any]], case: str, target: str) -> list[tuple[str, str]]:
    """(night, outcome) of one item in earlier reports (oldest first), nights with a verdict only."""
    return item_histories(history).get((case, target), [])


def item_histories(history: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """:func:`item_history` of every item at once: the history index, nights with a verdict only
    (a live run asks it for every item: one pass per item would read the whole history each time)."""
    out = {}
    for key, nights in history_index(history).items():
        kept = with_verdict(nights)
        if kept:
            out[key] = kept
    return out


def since_when(nights: Sequence[tuple[str, str]], outcome: str) -> Since | None:
    """Since when ``outcome`` holds, read from ``item_history`` (None: no earlier verdict at all)."""
    if not nights:
        return None
    first_seen: str | None = None
    for night, seen in reversed(nights):
        if seen != outcome:
            return Since(outcome, first_seen, night, seen)
        first_seen = night
    return Since(outcome, first_seen, None, None)


@dataclass(frozen=True)
class Drift:
    """The comparison of one live verdict."""

    status: Status
    since: str | None = None
    changes: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    config_changes: tuple[str, ...] = ()
    history: Since | None = None
    """From ``--imgsafe-history``: since when the new outcome holds (None without history)."""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self) -> str:
        """One line for a failure report."""
        if self.status == "config changed":
            return (
                f"config changed: the request differs from the recording in {', '.join(self.config_changes)} "
                f"(recorded {self.since or 'at an unknown date'}); re-record it before reading this as classifier drift"
            )
        parts = []
        if self.history is not None:
            parts.append(self.history.describe() + (f" (recorded {self.since})" if self.since else ""))
        elif self.since:
            parts.append(f"since the recording of {self.since}")
        if self.changes:
            parts.append("; ".join(f"{k}: {old} -> {new}" for k, (old, new) in self.changes.items()))
        return ", ".join(parts) or self.status


def _changes(before: Outcome, now: Outcome) -> dict[str, tuple[str | None, str | None]]:
    pairs = {
        "verdict": (before.verdict, now.verdict),
        "stage": (before.stage, now.stage),
        "code": (before.code, now.code),
        "categories": (", ".join(before.categories) or None, ", ".join(now.categories) or None),
    }
    return {k: v for k, v in pairs.items() if v[0] != v[1]}


def compare(
    expected: Expectation | None,
    live: Outcome,
    recorded: Outcome | None,
    recorded_at: str | None = None,
    config_changes: tuple[str, ...] | list[str] = (),
    nights: Sequence[tuple[str, str]] = (),
) -> Drift:
    """Classify one live verdict (see the module's table); ``nights``: the item's ``item_history``."""
    drift = _compare(expected, live, recorded, recorded_at, config_changes)
    if drift.ok or drift.status == "config changed":
        return drift
    return Drift(drift.status, drift.since, drift.changes, drift.config_changes, since_when(nights, live.label))


def _compare(
    expected: Expectation | None,
    live: Outcome,
    recorded: Outcome | None,
    recorded_at: str | None,
    config_changes: tuple[str, ...] | list[str],
) -> Drift:
    if recorded is None and config_changes:
        return Drift(Status.CONFIG_CHANGED, recorded_at, {}, tuple(config_changes))
    if recorded is not None:
        changes = _changes(recorded, live)
        if recorded.verdict != live.verdict:
            return Drift(
                Status.DRIFT_NOW_BLOCKED if live.verdict == "block" else Status.DRIFT_NOW_PASSES, recorded_at, changes
            )
        if live.verdict == "block" and recorded.stage != live.stage:
            return Drift(Status.STAGE_CHANGED, recorded_at, changes)
    if expected is not None and not expected.matches(live.verdict, live.stage):
        return Drift(Status.MISMATCH, recorded_at, {"expected": (str(expected), live.label)})
    return Drift(Status.OK, recorded_at, _changes(recorded, live) if recorded else {})
