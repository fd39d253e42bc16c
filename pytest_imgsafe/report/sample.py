"""A sampled night in the report: what was drawn and how, the news that was always let in, and
block rates estimated for the whole corpus (Wilson intervals) from the drawn items only.

Items let in for their recent news (failed, drifted, changed) were not drawn at random, so they
count in the night's results but not in the estimates. An item not sampled tonight has no row:
history and drift read the last night that ran it (``build.nights_by_item`` skips nights without
its row), so not running an item is never drift.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..base.row import Row, rows_of
from ..base.sampling import Draw, Key, SampleSize
from ..judging.stats import wilson

RECENT_NIGHTS = 7
"""Without ``--imgsafe-rotate``: how many earlier nights' news is always let in."""


def recent_news(history: Sequence[Mapping[str, Any]], nights: int) -> set[Key]:
    """Items that failed (a changed outcome) or changed verdict over the last ``nights`` reports."""
    recent = list(history)[-nights:] if nights > 0 else []
    news: set[Key] = set()
    last: dict[Key, str] = {}
    for report in history[: len(history) - len(recent)]:
        for row in rows_of(report):
            if row.actual:
                last[row.key] = row.actual
    for report in recent:
        for row in rows_of(report):
            if row.failing:
                news.add(row.key)
            if row.actual:
                if row.key in last and last[row.key] != row.actual:
                    news.add(row.key)
                last[row.key] = row.actual
    return news


def describe(draw: Draw, size: SampleSize | None, seed: int, rotate: int | None) -> dict[str, Any]:
    """``run.sample`` in the report: its size, how it was drawn, and the command that draws it again."""
    how = "stratified by scenario x target"
    if rotate is not None:
        how += f"; rotating over {rotate} nights (night {seed}, slice {seed % rotate + 1} of {rotate})"
    else:
        how += f"; seeded draw (seed {seed})"
    return {
        "size": str(size) if size is not None else None,
        "rotate": rotate,
        "seed": seed,
        "corpus_items": draw.total,
        "drawn": len(draw.drawn),
        "always_in": len(draw.forced),
        "items": len(draw.chosen),
        "how": how,
        "reproduce": reproduce_flags(size, seed, rotate),
        "strata": {s: {"corpus_items": n, "drawn": k} for s, (n, k) in sorted(draw.strata.items())},
        "always_in_keys": sorted([list(k) for k in draw.forced]),
    }


def reproduce_flags(size: SampleSize | None, seed: int, rotate: int | None) -> str:
    """The options that draw the same sample again (the header prints them, the report keeps them)."""
    flags = [f"--imgsafe-sample {size}"] if size is not None else []
    flags += [f"--imgsafe-rotate {rotate}"] if rotate is not None else []
    flags.append(f"--imgsafe-sample-seed {seed}")
    return " ".join(flags)


def stratum(scenario: str, target: str) -> str:
    """The name of a stratum, as ``run.sample.strata`` keys it."""
    return f"{scenario} x {target}"


def estimated_rates(
    results: Iterable[Row], sample: Mapping[str, Any], confidence: float = 0.95
) -> list[dict[str, Any]]:
    """Block rate per (scenario, target) over the drawn items with a verdict, and its Wilson
    interval: what the whole corpus's rate is likely to be."""
    forced = {(str(k[0]), str(k[1])) for k in sample.get("always_in_keys", ())}
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        if not r.actual or r.key in forced:
            continue
        cell = cells[(r.scenario or "unspecified", r.target)]
        cell[0] += 1
        cell[1] += r.verdict == "block"
    strata = sample.get("strata", {})
    out = []
    for (scenario, target), (n, blocked) in sorted(cells.items()):
        low, high = wilson(blocked, n, confidence)
        out.append(
            {
                "scenario": scenario,
                "target": target,
                "corpus_items": strata.get(stratum(scenario, target), {}).get("corpus_items"),
                "items": n,
                "blocked": blocked,
                "rate": round(blocked / n, 4),
                "low": round(low, 4),
                "high": round(high, 4),
                "confidence": confidence,
            }
        )
    return out


def last_verdicts(history: Iterable[Mapping[str, Any]]) -> dict[Key, str]:
    """Each item's verdict on the last night that ran it (history oldest first)."""
    out: dict[Key, str] = {}
    for report in history:
        for row in rows_of(report):
            if row.actual:
                out[row.key] = row.actual
    return out


def changes_since_ran(history: Sequence[Mapping[str, Any]], results: Iterable[Row]) -> list[dict[str, Any]]:
    """A sampled night's changes: each item against the last night that ran it, not the last night."""
    before = last_verdicts(history)
    out = []
    for r in results:
        if r.actual and r.key in before and before[r.key] != r.actual:
            out.append({"case": r.case, "target": r.target, "before": before[r.key], "now": r.actual})
    return out


def sample_note(run: Mapping[str, Any]) -> str | None:
    """The sentence every view of a sampled (or merged) night opens with; None for a whole run."""
    parts = []
    sample = run.get("sample")
    if isinstance(sample, Mapping):
        size = f" ({sample['size']})" if sample.get("size") else ""
        parts.append(
            f"A sample: {sample['items']} of {sample['corpus_items']} items{size}, {sample['how']}; "
            f"{sample['always_in']} more always in for their recent news; block rates below are estimated "
            f"for the whole corpus from the {sample['drawn']} drawn items; draw it again with {sample['reproduce']}."
        )
    shards = run.get("merged_shards")
    if isinstance(shards, Mapping):
        parts.append(f"Merged from {shards['count']} shards ({shards['plan_items']} items in all).")
    return " ".join(parts) or None


def estimate_lines(report: Mapping[str, Any]) -> list[str]:
    """The estimated rates as Markdown table lines (empty for a whole run)."""
    rows = report.get("sample_rates") or []
    if not rows:
        return []
    lines = ["| scenario | target | sampled | blocked | estimated rate (95% interval) |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['scenario']} | {r['target']} | {r['items']} of {r['corpus_items']} | {r['blocked']} | "
            f"{r['rate']:.0%} [{r['low']:.0%}, {r['high']:.0%}] |"
        )
    return lines
