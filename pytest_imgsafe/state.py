"""Run-wide state of an ``--imgsafe`` session, kept in ``config.stash`` (never a global)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from .config import Settings
from .runner import Runner


@dataclass
class RunState:
    """Settings, the runner, the ids seen so far (cross-file duplicates) and the results."""

    settings: Settings
    runner: Runner
    ids: dict[str, tuple[str, int]] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)


STATE_KEY = pytest.StashKey[RunState]()


def run_state(config: pytest.Config) -> RunState:
    """The session's state; only present when ``--imgsafe`` is on."""
    return config.stash[STATE_KEY]
