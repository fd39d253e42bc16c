"""The ``screen`` kind: the project's local keyword screen as a target (no call, no answer).

It answers in-process (``calls.runner.screen_result`` with the project's tables): this module
only says what the kind is and checks its one param, ``min_level`` (the lowest term level that
blocks, 1 by default).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base.errors import ConfigError
from ..base.text import did_you_mean
from .kind import Kind, simple_params
from .target import Target


class Screen(Kind):
    name = "screen"
    reads = None
    default_model = "local-screen"
    local = True

    def check(self, where: str, table: Mapping[str, Any]) -> dict[str, Any]:
        params = simple_params(where, table.get("params", {}))
        unknown = [k for k in params if k != "min_level"]
        if unknown:
            raise ConfigError(
                f"{where} params has an unknown key {unknown[0]!r}{did_you_mean(unknown[0], ('min_level',))}; "
                "a screen target takes only min_level"
            )
        level = params.get("min_level", 1)
        if isinstance(level, bool) or not isinstance(level, int) or level < 0:
            raise ConfigError(
                f"{where} params.min_level must be a whole number >= 0 (the lowest term level that blocks)"
            )
        return {"params": params}

    def price(self, target: Target, params: Mapping[str, Any] | None = None) -> float:
        return 0.0


SCREEN = Screen()
