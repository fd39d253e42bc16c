"""What collection built, kept out of the cycle collector's view until the run is over.

Items, their cases and marks live until the session ends. Left in view, every full collection
walks all of them again, pytest's own last ones included: on 10,000 items that is a large part
of what a replay costs beyond pytest's own items. The run freezes them when collection is final
and gives them back in its very last cleanup, so a process that goes on (pytester, an IDE)
frees them as usual.
"""

from __future__ import annotations

import gc

import pytest

FROZEN = pytest.StashKey[bool]()
"""Whether this run froze what its collection built."""


def freeze_collected(config: pytest.Config) -> None:
    """Freeze everything alive now. No collection first: over 100,000 items that costs more than
    it saves; what is already unreachable waits for :func:`unfreeze_collected`."""
    gc.freeze()
    config.stash[FROZEN] = True


def unfreeze_collected(config: pytest.Config) -> None:
    """Give back what :func:`freeze_collected` froze (nothing if this run froze nothing)."""
    if config.stash.get(FROZEN, False):
        gc.unfreeze()
        config.stash[FROZEN] = False


def unfreeze_after_pytest(config: pytest.Config) -> None:
    """Called before pytest's own plugins configure: cleanups run last-in, first-out, so the
    one registered here runs after theirs, and pytest's final garbage collections (which look
    for unraisable exceptions) need not walk what the run froze."""
    config.add_cleanup(lambda: unfreeze_collected(config))
