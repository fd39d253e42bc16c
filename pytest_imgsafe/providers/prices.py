"""Estimated price of a call, from ``data/prices.yaml`` or a target's own ``price`` (pure)."""

from __future__ import annotations

import fnmatch
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .outcome import Outcome
from .target import Target


@lru_cache(maxsize=1)
def _table() -> list[dict[str, Any]]:
    text = (resources.files("pytest_imgsafe") / "data" / "prices.yaml").read_text(encoding="utf-8")
    models: list[dict[str, Any]] = yaml.safe_load(text)["models"]
    return models


def price_per_call(target: Target, params: dict[str, Any] | None = None) -> float:
    """USD a billed call of this target is estimated to cost (an image, or a describer's answer)."""
    if target.kind == "moderation":
        return 0.0
    if target.price is not None:
        return target.price
    merged = {**target.params, **(params or {})}
    model = "text:analyze" if target.kind == "content-safety" else target.model.lower()
    for entry in _table():  # first match wins; the table lists specific patterns first
        if fnmatch.fnmatchcase(model, entry["pattern"]):
            quality = str(merged.get("quality", "auto"))
            size = str(merged.get("size", "1024x1024"))
            per_image = (entry.get("by_quality_size") or {}).get(quality, {}).get(size, entry["default"])
            n = merged.get("n", 1)
            return float(per_image) * (int(n) if isinstance(n, int) and n > 0 else 1)
    return 0.05


def call_cost(target: Target, outcome: Outcome, price: float) -> float:
    """What an answered call costs: its price, except an image request the provider refused
    before generating (an input-stage block). Content Safety bills every analysis."""
    refused_before_generating = outcome.verdict == "block" and outcome.stage == "input"
    return 0.0 if refused_before_generating and target.kind != "content-safety" else price
