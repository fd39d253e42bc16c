"""One shard's part of a run (``--imgsafe-shard K/N``), from the items and the earlier reports.

What an item cost is read from the last night that ran it (its calls: the steps it took, or a
fuzz spec's examples); an item never run costs its repeats. The split itself is
``base.shards.assign``; this module gives it the history's costs and says what the shard's report
records so that ``report merge`` can check the shards fit together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..base.shards import Key, Shard, assign, fingerprint, past_costs


def history_costs(history: Sequence[Mapping[str, Any]]) -> dict[Key, float]:
    """(case, target) -> the calls its latest night made (history oldest first; later nights win)."""
    out: dict[Key, float] = {}
    for report in history:
        for row in report.get("results", ()):
            fuzz = row.get("fuzz")
            calls = (fuzz or {}).get("examples") if isinstance(fuzz, Mapping) else None
            if not calls:
                calls = len(row.get("steps") or ()) * max(1, int(row.get("repeat") or 1)) or 1
            out[(str(row.get("case")), str(row.get("target")))] = float(calls)
    return out


@dataclass(frozen=True)
class ShardPlan:
    """This shard's items, and what its report says of the whole run's plan."""

    shard: Shard
    mine: frozenset[Key]
    plan: str
    plan_items: int
    cost: float
    plan_cost: float

    def as_dict(self) -> dict[str, Any]:
        """``run.shard`` in the shard's report (what ``report merge`` checks)."""
        return {
            "index": self.shard.index,
            "count": self.shard.count,
            "plan": self.plan,
            "plan_items": self.plan_items,
            "items": len(self.mine),
            "cost": self.cost,
            "plan_cost": self.plan_cost,
        }


def plan_shard(
    shard: Shard, keys: Iterable[Key], history: Sequence[Mapping[str, Any]], repeats: Mapping[Key, float] | None = None
) -> ShardPlan:
    """Shard K's items of the run's ``keys``, balanced by their past cost (the same in every job)."""
    keys = list(dict.fromkeys(keys))
    costs = past_costs(keys, history_costs(history), repeats)
    where = assign(costs, shard.count)
    mine = frozenset(k for k, s in where.items() if s == shard.index)
    return ShardPlan(
        shard=shard,
        mine=mine,
        plan=fingerprint(keys),
        plan_items=len(keys),
        cost=sum(costs[k] for k in mine),
        plan_cost=sum(costs.values()),
    )
