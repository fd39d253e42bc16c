"""The end-of-run summary: a few lines computed from the items' results (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any


def summary_lines(results: Iterable[Mapping[str, Any]], mode: str) -> list[str]:
    """``imgsafe: N items (mode): X as expected, Y changed outcome, Z without a verdict``."""
    rows = list(results)
    if not rows:
        return []
    counts = Counter(_status(r) for r in rows)
    head = (
        f"imgsafe ({mode}): {len(rows)} items: {counts['ok']} as expected, "
        f"{counts['changed']} changed outcome, {counts['error']} without a verdict"
    )
    if counts["skipped"]:
        head += f", {counts['skipped']} skipped"
    lines = [head]
    by_target: dict[str, Counter[str]] = {}
    for row in rows:
        if row.get("actual"):
            by_target.setdefault(str(row["target"]), Counter())[str(row["actual"]).split(":")[0]] += 1
    for target, verdicts in sorted(by_target.items()):
        total = sum(verdicts.values())
        lines.append(f"  {target}: {verdicts['block']}/{total} blocked")
    return lines


def _status(row: Mapping[str, Any]) -> str:
    if row.get("outcome") == "skipped":
        return "skipped"
    if row.get("error") or row.get("when") == "setup":
        return "error"
    return "ok" if row.get("outcome") == "passed" else "changed"
