"""Estimated price of a call, from ``data/prices.yaml`` or a target's own ``price`` (pure).

Each kind prices its calls (``ProviderKind.price``, through ``providers.registry.price_per_call``);
most look their model up here.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ..base.files import bundled_text

UNKNOWN_MODEL_PRICE = 0.05
"""USD per image for a model the table does not know."""


@lru_cache(maxsize=1)
def _table() -> list[dict[str, Any]]:
    import yaml

    text = bundled_text("data", "prices.yaml")
    models: list[dict[str, Any]] = yaml.safe_load(text)["models"]
    return models


def table_price(model: str, params: Mapping[str, Any], override: float | None = None) -> float:
    """USD one billed call of ``model`` is estimated to cost with these params (``override``, a
    target's own ``price``, wins): the table's first matching pattern, by quality and size, times ``n``."""
    if override is not None:
        return override
    for entry in _table():  # first match wins; the table lists specific patterns first
        if fnmatch.fnmatchcase(model.lower(), entry["pattern"]):
            quality = str(params.get("quality", "auto"))
            size = str(params.get("size", "1024x1024"))
            per_image = (entry.get("by_quality_size") or {}).get(quality, {}).get(size, entry["default"])
            n = params.get("n", 1)
            return float(per_image) * (int(n) if isinstance(n, int) and n > 0 else 1)
    return UNKNOWN_MODEL_PRICE
