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
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .corpus import Expectation
from .outcome import Outcome

DRIFT_STATUSES: tuple[str, ...] = ("ok", "drift: now blocked", "drift: now passes", "stage changed", "mismatch", "config changed", "error")


@dataclass(frozen=True)
class Drift:
    """The comparison of one live verdict."""

    status: str
    since: str | None = None
    changes: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    config_changes: tuple[str, ...] = ()

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
        if self.since:
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
) -> Drift:
    """Classify one live verdict (see the module's table)."""
    if recorded is None and config_changes:
        return Drift("config changed", recorded_at, {}, tuple(config_changes))
    if recorded is not None:
        changes = _changes(recorded, live)
        if recorded.verdict != live.verdict:
            return Drift("drift: now blocked" if live.verdict == "block" else "drift: now passes", recorded_at, changes)
        if live.verdict == "block" and recorded.stage != live.stage:
            return Drift("stage changed", recorded_at, changes)
    if expected is not None and not expected.matches(live.verdict, live.stage):
        return Drift("mismatch", recorded_at, {"expected": (str(expected), live.label)})
    return Drift("ok", recorded_at, _changes(recorded, live) if recorded else {})
