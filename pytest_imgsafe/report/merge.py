"""``report merge``: the shards of one run (``--imgsafe-shard K/N``) read back as the one report a
single run would have written.

The rows are the shards' rows; every derived field (totals, rates, the screen's confusion, what
changed, since when) is computed again by ``build.assemble``, the function that builds a single
run's report, so the two cannot disagree. Shards that do not make one whole run are refused with
the reason and the fix: a report that is no shard, shards of different plans, a shard given
twice, a shard missing, an item in two shards, a shard that holds fewer items than it planned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..base.row import rows_of
from .build import SPEND_KEYS, assemble, screen_names
from .nightly import _add, finish


class MergeError(ValueError):
    """The shards given do not make one run; the message says which and what to give instead."""


def merge_shards(
    shards: Sequence[tuple[str, Mapping[str, Any]]], history: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """One report from every shard's (name, report); ``history``: the earlier reports, oldest first
    (None: keep what the shards read from theirs)."""
    ordered = check_shards(shards)
    results = [row for _, report in ordered for row in rows_of(report)]
    first = ordered[0][1]
    run = merged_run([report["run"] for _, report in ordered])
    spend = None
    if any(report["totals"].get("calls") is not None for _, report in ordered):
        spend = {key: _total([report["totals"].get(key) for _, report in ordered]) for key in SPEND_KEYS}
    targets: dict[str, Any] = {}
    screens: set[str] = set()
    for _, report in ordered:
        targets.update(report.get("targets", {}))
        screens.update(screen_names(report))
    report = assemble(run, targets, results, spend, history or (), sorted(screens))
    if history is None:  # what the shards read from the history they ran with
        report["changes_since_last"] = [c for _, shard in ordered for c in shard.get("changes_since_last", [])]
        report["previous_run"] = first.get("previous_run")
        report["previous_rates"] = first.get("previous_rates", [])
    return finish(report, None, first["run"].get("max_error_rate"), history or ())


def check_shards(shards: Sequence[tuple[str, Mapping[str, Any]]]) -> list[tuple[str, Mapping[str, Any]]]:
    """The shards in their order, or a :class:`MergeError` naming what does not fit."""
    if not shards:
        raise MergeError("no reports given: give every shard's JSON report")
    by_index: dict[int, str] = {}
    plan: tuple[str, Any, Any, Any] | None = None
    for name, report in shards:
        info = report["run"].get("shard")
        if not isinstance(info, Mapping):
            raise MergeError(
                f"{name} is not a shard's report (it was written without --imgsafe-shard K/N); "
                "give only the reports of one sharded run"
            )
        this = (name, info.get("plan"), info.get("count"), report["run"].get("mode"))
        if plan is None:
            plan = this
        elif this[1:] != plan[1:]:
            raise MergeError(
                f"{name} and {plan[0]} are shards of different runs (plan {this[1]} of {this[2]} shards, "
                f"{this[3]}; against plan {plan[1]} of {plan[2]} shards, {plan[3]}): "
                "give the shards of one run, which collect the same corpus and targets"
            )
        index = int(info["index"])
        if index in by_index:
            raise MergeError(
                f"{name} and {by_index[index]} are both shard {index}/{info['count']}: overlapping shards; "
                "give each shard's report once"
            )
        by_index[index] = name
    assert plan is not None
    count = int(plan[2])
    missing = [str(i) for i in range(1, count + 1) if i not in by_index]
    if missing:
        raise MergeError(
            f"shard {', '.join(missing)} of {count} missing: give all {count} shards' reports "
            "(a shard whose job failed: run it again with the same --imgsafe-shard)"
        )
    order = {name: index for index, name in by_index.items()}
    ordered = sorted(shards, key=lambda pair: order[pair[0]])
    seen: dict[tuple[str, str], str] = {}
    for name, report in ordered:
        for row in rows_of(report):
            key = row.key
            if key in seen and seen[key] != name:
                raise MergeError(
                    f"{key[0]} [{key[1]}] is in both {seen[key]} and {name}: overlapping shards "
                    "(were they split with different histories? give every job the same --imgsafe-history)"
                )
            seen[key] = name
        info = report["run"]["shard"]
        held = len({r.key for r in rows_of(report)})
        if held < int(info["items"]) and not report["run"].get("interrupted"):
            raise MergeError(
                f"{name} holds {held} of its shard's {info['items']} items: run the shard again "
                "(or give the report of its --imgsafe-rerun-errors run)"
            )
    planned = sum(int(report["run"]["shard"]["items"]) for _, report in ordered)
    if planned != int(ordered[0][1]["run"]["shard"]["plan_items"]):
        raise MergeError(
            f"the shards planned {planned} of the run's {ordered[0][1]['run']['shard']['plan_items']} items: "
            "they were split with different histories; give every job the same --imgsafe-history"
        )
    return list(ordered)


def merged_run(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The run's facts: from the first shard to start until the last one finished; limits added up."""
    first = runs[0]
    run = {key: value for key, value in first.items() if key != "shard"}
    run["started"] = min(str(r["started"]) for r in runs)
    run["finished"] = max(str(r["finished"]) for r in runs)
    for key in ("budget_usd", "max_blocks", "items_run"):
        run[key] = _total([r.get(key) for r in runs])
    run["interrupted"] = any(bool(r.get("interrupted")) for r in runs)
    seeds = sorted({int(r["fuzz_seed"]) for r in runs if r.get("fuzz_seed") is not None})
    if len(seeds) > 1:
        run["fuzz_seeds"] = seeds
    run["merged_shards"] = {
        "count": int(first["shard"]["count"]),
        "plan": first["shard"]["plan"],
        "plan_items": int(first["shard"]["plan_items"]),
    }
    return run


def _total(values: Sequence[Any]) -> Any:
    out: Any = None
    for value in values:
        out = _add(out, value)
    return out
