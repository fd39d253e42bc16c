"""A shard's share of the run's limits: each job of an ``--imgsafe-shard K/N`` matrix runs at the
same time against the same keys, so each takes 1/N of the budget and of every target's rpm, and
the matrix together stays within what one run was allowed."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ..base.errors import ConfigError
from ..base.shards import Shard, share
from ..providers.target import Target


def shard_share(
    targets: Mapping[str, Target], budget_usd: float | None, shard: Shard
) -> tuple[dict[str, Target], float | None]:
    """The targets with 1/N of their rpm (whole requests, rounded down) and 1/N of the budget; an
    rpm smaller than N cannot be split and is a usage error that says what to do."""
    out: dict[str, Target] = {}
    for name, target in targets.items():
        if target.pool and shard.count > 1:
            small = [m for m in target.pool if m.rpm < shard.count]
            if small:
                raise ConfigError(
                    f"--imgsafe-shard {shard}: target {name!r}'s pool member {small[0].name!r} has rpm = "
                    f"{small[0].rpm}, fewer requests per minute than shards; run at most {small[0].rpm} shards"
                )
            members = tuple(
                dataclasses.replace(
                    m,
                    rpm=m.rpm // shard.count,
                    budget_usd=None if m.budget_usd is None else round(share(m.budget_usd, shard), 6),
                )
                for m in target.pool
            )
            out[name] = dataclasses.replace(target, pool=members)
            continue
        if target.rpm is None or shard.count == 1:
            out[name] = target
            continue
        if target.rpm < shard.count:
            raise ConfigError(
                f"--imgsafe-shard {shard}: target {name!r} has rpm = {target.rpm}, fewer requests per minute "
                f"than shards; run at most {target.rpm} shards, or give the target a pool of keys"
            )
        out[name] = dataclasses.replace(target, rpm=target.rpm // shard.count)
    return out, None if budget_usd is None else round(share(budget_usd, shard), 6)
