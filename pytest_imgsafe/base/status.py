"""The statuses of an item, defined once: the judge makes them, every report and summary reads them."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """An item's status, in every report and in the terminal summary (the string is the value)."""

    OK = "ok"
    MISMATCH = "mismatch"
    DRIFT_NOW_BLOCKED = "drift: now blocked"
    DRIFT_NOW_PASSES = "drift: now passes"
    STAGE_CHANGED = "stage changed"
    CONFIG_CHANGED = "config changed"
    FLAKY = "flaky"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def failed(self) -> bool:
        """Does this status fail the item? (Errors and skips are reported as such, not as failures.)"""
        return self in FAILING


DRIFT: tuple[Status, ...] = (Status.DRIFT_NOW_BLOCKED, Status.DRIFT_NOW_PASSES, Status.STAGE_CHANGED)
FAILING: frozenset[Status] = frozenset({*DRIFT, Status.MISMATCH, Status.CONFIG_CHANGED})
"""The statuses of a changed outcome: each fails its item."""
