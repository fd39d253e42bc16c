"""Run-wide state of an ``--imgsafe`` session, kept in ``config.stash`` (never a global)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .config import Settings
from .runner import Runner
from .terms import ALL_SCENARIOS

if TYPE_CHECKING:
    from .ledger import Ledger
    from .live import LiveScheduler
    from .rewrite import Rewriter
    from .tables import Tables


@dataclass
class RunState:
    """Settings, the runner, the ids seen so far (cross-file duplicates) and the results."""

    settings: Settings
    runner: Runner
    corpus_cache: Path | None = None
    ids: dict[str, tuple[str, int]] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    marks: dict[str, pytest.Mark] = field(default_factory=dict)
    fuzz_seed: int | None = None
    """The run's fuzz seed: --imgsafe-seed, else random in live runs, else None (seeds from spec ids)."""
    fuzz_failures: list[dict[str, Any]] = field(default_factory=list)
    ledger: Ledger | None = None
    """Live runs: budget, pace, blocks and the stop flag, shared with the xdist workers."""
    live: LiveScheduler | None = None
    """Live runs: the calls issued ahead of the items (started when collection is final)."""
    started: float = 0.0
    explain_budget: int | None = None
    """--imgsafe-explain: the query budget of one explanation (None: off)."""
    appeal_dir: Path | None = None
    """--imgsafe-appeal: where appeal files go (None: off)."""
    history_dir: Path | None = None
    """--imgsafe-history: earlier reports (the appeal files quote the case's past outcomes)."""
    _history: list[dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        # One Mark per name for the whole run: items share them (collection hot path).
        names = ["imgsafe", "fuzz", *ALL_SCENARIOS, *self.settings.targets]
        self.marks = {name: getattr(pytest.mark, name).mark for name in names}

    @property
    def history(self) -> list[dict[str, Any]]:
        """The earlier reports of --imgsafe-history, read once (the report and every appeal use them)."""
        if self._history is None:
            from .report import load_history

            self._history = load_history(self.history_dir)
        return self._history

    @property
    def mode(self) -> str:
        """``live``, ``replay`` or ``record:<vcr mode>``."""
        return self.runner.mode

    @property
    def tables(self) -> Tables:
        """The project's one set of tables (bundled plus ``term_tables`` and ``rewrite_tables``)."""
        return self.runner.tables

    @property
    def rewriter(self) -> Rewriter:
        """The strategies over this project's term and replacement tables."""
        return self.runner.tables.rewriter

    @property
    def target_kinds(self) -> dict[str, str]:
        """Target name -> kind, what corpus validation needs."""
        return {name: t.kind for name, t in self.settings.targets.items()}


STATE_KEY = pytest.StashKey[RunState]()


def run_state(config: pytest.Config) -> RunState:
    """The session's state; only present when ``--imgsafe`` is on."""
    return config.stash[STATE_KEY]
