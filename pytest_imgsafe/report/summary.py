"""The end-of-run summary: a few lines computed from the items' results (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from ..base.row import Row
from ..base.status import DRIFT, Status


def summary_lines(results: Iterable[Row], mode: str, report: Mapping[str, Any] | None = None) -> list[str]:
    """``imgsafe (mode): N items: X as expected, Y changed outcome, Z without a verdict`` (and how
    many were not as expected, skipped, flaky), then
    the block share per target, and for live runs what was spent and what drifted."""
    rows = list(results)
    if not rows:
        return []
    counts = Counter(r.group for r in rows)
    # A changed outcome is one that differs from its recording (drift); an item that never matched
    # its expectation (a mismatch, a new case's first run, a config change) is not as expected.
    changed = sum(1 for r in rows if r.group == "changed" and r.status in DRIFT)
    head = (
        f"imgsafe ({mode}): {len(rows)} items: {counts['ok']} as expected, "
        f"{changed} changed outcome, {counts['error']} without a verdict"
    )
    if counts["changed"] - changed:
        head += f", {counts['changed'] - changed} not as expected"
    if counts["skipped"]:
        head += f", {counts['skipped']} skipped"
    if counts["flaky"]:
        head += f", {counts['flaky']} flaky"
    lines = [head]
    by_target: dict[str, Counter[str]] = {}
    for row in rows:
        if row.actual:
            by_target.setdefault(row.target, Counter())[row.actual.split(":")[0]] += 1
    for target, verdicts in sorted(by_target.items()):
        total = sum(verdicts.values())
        lines.append(f"  {target}: {verdicts['block']}/{total} blocked")
    statuses = Counter(r.status for r in rows)
    drift = {str(s): statuses[s] for s in (*DRIFT, Status.MISMATCH, Status.CONFIG_CHANGED) if statuses[s]}
    if mode == "live" and drift:
        lines.append("  changed: " + ", ".join(f"{n} {s}" for s, n in drift.items()))
    run = (report or {}).get("run") or {}
    if run.get("rerun_of"):
        lines.append(f"  merged with the run of {run['rerun_of']}: {run.get('reruns', 0)} item(s) called again")
    if run.get("max_error_rate") is not None and counts["error"] and not run.get("failed_because"):
        lines.append(
            f"  {counts['error']} without a verdict reported as xfailed: "
            f"{run.get('no_verdict_rate', 0):.1%} of the items called, "
            f"within --imgsafe-max-error-rate {run['max_error_rate']:g}"
        )
    for reason in run.get("failed_because") or ():
        lines.append(f"  FAILED: {reason}")
    totals = (report or {}).get("totals") or {}
    if totals.get("calls") is not None:
        lines.append(
            f"  calls made: {totals['calls']}; estimated spend: "
            f"${totals['spent_usd']:.4f}; blocks sent: {totals['blocks_sent']}"
        )
    if totals.get("stopped"):
        lines.append(f"  STOPPED: {totals['stopped']}")
    return lines
