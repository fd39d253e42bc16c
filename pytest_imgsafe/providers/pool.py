"""A target's pool: several credentials or deployments that serve it, each with its own quota.

A team with more than one key or deployment (Azure deployments in several regions, several
projects) names them under the target; the live gate (``calls.live``) spreads the calls over them
by free capacity and moves the work of a member that answers 429, runs out of quota or is down
to the others. A member changes only where a request goes and with which credential, never what
is asked: the request, its cassette key and its reading are the target's, whichever member
answers. Reports name members, never their keys (a member holds the *name* of the variable that
holds its key).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..base.errors import ConfigError
from ..base.urls import check_route_table

MEMBER_KEYS: tuple[str, ...] = (
    "name",
    "rpm",
    "budget_usd",
    "api_key_env",
    "base_url",
    "base_url_env",
    "azure_endpoint",
    "azure_endpoint_env",
    "azure_deployment",
)
ROUTE_KEYS: tuple[str, ...] = MEMBER_KEYS[3:]
"""What a member may change of its target: where the request goes, with which key."""


@dataclass(frozen=True)
class PoolMember:
    """One credential or deployment of a target's pool."""

    name: str
    rpm: int
    budget_usd: float | None = None
    route: tuple[tuple[str, str], ...] = ()
    """The target fields this member sets (ROUTE_KEYS), as (field, value)."""


def parse_pool(where: str, raw: Any) -> tuple[PoolMember, ...]:
    """``pool = [{ name = "east", api_key_env = "KEY_EAST", rpm = 60 }, ...]``; a bad entry is a
    :class:`ConfigError` naming the member, the key and the fix."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw or not all(isinstance(m, Mapping) for m in raw):
        raise ConfigError(
            f'{where} pool must be a list of members, e.g. pool = [{{ name = "east", api_key_env = "KEY_EAST", '
            "rpm = 60 }]"
        )
    members: list[PoolMember] = []
    for i, table in enumerate(raw, 1):
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f'{where} pool member {i} needs name = "<a label for reports>" (never a key)')
        here = f"{where} pool member {name!r}"
        if "api_key" in table:
            raise ConfigError(
                f"{here} sets api_key: a key never goes in a file; name the environment variable that holds it "
                '(api_key_env = "KEY_EAST")'
            )
        unknown = [k for k in table if k not in MEMBER_KEYS]
        if unknown:
            raise ConfigError(f"{here} has an unknown key {unknown[0]!r}; known keys: {', '.join(MEMBER_KEYS)}")
        if any(m.name == name for m in members):
            raise ConfigError(f"{where} pool has two members named {name!r}: each needs its own name")
        rpm = table.get("rpm")
        if isinstance(rpm, bool) or not isinstance(rpm, int) or rpm < 1:
            raise ConfigError(f"{here} needs rpm = <requests per minute this key or deployment may take>, 1 or more")
        budget = table.get("budget_usd")
        if budget is not None and (
            isinstance(budget, bool) or not isinstance(budget, (int, float)) or not math.isfinite(budget) or budget < 0
        ):
            raise ConfigError(f"{here} budget_usd must be USD, 0 or more (e.g. budget_usd = 2.5)")
        check_route_table(table, here, ROUTE_KEYS)
        route = tuple((k, str(table[k])) for k in ROUTE_KEYS if k in table)
        members.append(PoolMember(name, rpm, float(budget) if budget is not None else None, route))
    return tuple(members)
