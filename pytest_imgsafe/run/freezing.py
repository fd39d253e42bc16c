"""What collection built, kept out of the cycle collector's view until the run is over.

Items, their cases and marks live until the session ends. Left in view, every full collection
walks all of them again: during the run, in pytest's own last collections, and at interpreter
exit, where on 10,000 replayed items the walks cost about a second (``benchmarks/``). The run
freezes them when collection is final. When it ends:

- inside another run (pytester), it gives them back at once: the outer run goes on;
- as the process's outermost run, it leaves them frozen, as the process is about to exit. Should
  the process start another run instead, that run gives them back before it configures. A
  program that calls ``pytest.main()`` and goes on with other work can call ``gc.unfreeze()``.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

import pytest

FROZEN = pytest.StashKey[bool]()
"""Whether this run froze what its collection built (and has not given it back)."""


@dataclass
class _Process:
    runs: int = 0
    """pytest runs configured and not yet cleaned up in this process (an outer and a pytester run: 2)."""
    left_frozen: bool = False
    """The outermost run ended with its objects frozen."""


PROCESS = _Process()


def run_starts(config: pytest.Config) -> None:
    """Called for every run, before pytest's own plugins configure. What an earlier outermost run
    left frozen is given back; the run's end is registered as a cleanup, and as cleanups run
    last-in, first-out, it runs after pytest's own (whose final garbage collections then need not
    walk what the run froze)."""
    if PROCESS.left_frozen:
        gc.unfreeze()
        PROCESS.left_frozen = False
    PROCESS.runs += 1
    config.add_cleanup(lambda: run_ends(config))


def freeze_collected(config: pytest.Config) -> None:
    """Freeze everything alive now. No collection first: over 100,000 items that costs more than
    it saves; what is already unreachable waits until the objects are given back."""
    gc.freeze()
    config.stash[FROZEN] = True


def run_ends(config: pytest.Config) -> None:
    """The run's last cleanup: give back what it froze, unless it is the process's outermost run."""
    PROCESS.runs -= 1
    if not config.stash.get(FROZEN, False):
        return
    config.stash[FROZEN] = False
    if PROCESS.runs > 0:
        gc.unfreeze()
    else:
        PROCESS.left_frozen = True
