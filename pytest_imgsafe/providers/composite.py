"""The ``chain`` and ``gateway`` kinds: targets made of other targets (their links).

They make no call of their own: each link is a target of its own kind, called through the same
call path. How links are tried (a fallback chain, routing by scenario, the five-layer gateway)
stays in ``routing`` and ``calls.runner``; this module says what the kinds are and checks their
keys (that each link names a configured target of the right kind is checked once all targets
are read, in ``collect.config``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base.errors import ConfigError
from .kind import Kind, simple_params
from .target import Target

COMPOSITE_KEYS: tuple[str, ...] = ("links", "routing", "moderation", "screen", "rewrite")


class Composite(Kind):
    reads = None
    keys = COMPOSITE_KEYS
    composite = True
    layers: tuple[str, ...] = ()
    """The boolean layer switches this kind takes besides ``routing``."""

    def check(self, where: str, table: Mapping[str, Any]) -> dict[str, Any]:
        links = table.get("links")
        if not isinstance(links, list) or not links or not all(isinstance(x, str) and x for x in links):
            raise ConfigError(
                f'{where} is a {self.name} and needs links = ["gpt-image-2", '
                '"gpt-image-2-all", ...] (names of other targets, in order)'
            )
        out: dict[str, Any] = {"links": tuple(links), "params": simple_params(where, table.get("params", {}))}
        for key in ("routing", "screen", "rewrite"):
            if key in table:
                if not isinstance(table[key], bool):
                    raise ConfigError(f"{where} {key} is true or false")
                if key != "routing" and key not in self.layers:
                    raise ConfigError(f"{where} {key} is a gateway layer; a chain only takes links and routing")
                out[key] = table[key]
        if "moderation" in table:
            if "moderation" not in self.layers or not isinstance(table["moderation"], str):
                raise ConfigError(f'{where} moderation = "<a moderation target>" is for gateway targets')
            out["moderation"] = table["moderation"]
        return out

    def price(self, target: Target, params: Mapping[str, Any] | None = None) -> float:
        return 0.0  # its links are priced, one by one


class Chain(Composite):
    name = "chain"
    default_model = "chain"


class Gateway(Composite):
    name = "gateway"
    default_model = "gateway"
    layers = ("moderation", "screen", "rewrite")


CHAIN = Chain()
GATEWAY = Gateway()
