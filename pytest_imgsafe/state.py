"""Run-wide state of an ``--imgsafe`` session, kept in ``config.stash`` (never a global)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .config import Settings
from .runner import Runner
from .terms import ALL_SCENARIOS


@dataclass
class RunState:
    """Settings, the runner, the ids seen so far (cross-file duplicates) and the results."""

    settings: Settings
    runner: Runner
    corpus_cache: Path | None = None
    ids: dict[str, tuple[str, int]] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    markers: dict[str, pytest.MarkDecorator] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # One MarkDecorator per name for the whole run: items share them (collection hot path).
        names = ["imgsafe", *ALL_SCENARIOS, *self.settings.targets]
        self.markers = {name: getattr(pytest.mark, name) for name in names}

    @property
    def target_kinds(self) -> dict[str, str]:
        """Target name -> kind, what corpus validation needs."""
        return {name: t.kind for name, t in self.settings.targets.items()}


STATE_KEY = pytest.StashKey[RunState]()


def run_state(config: pytest.Config) -> RunState:
    """The session's state; only present when ``--imgsafe`` is on."""
    return config.stash[STATE_KEY]
