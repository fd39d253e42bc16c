"""What the plugin tells a person to run: the one command line for an item, and the one message
for a cassette that is missing or cannot be read.

Every place that finds a missing or damaged recording (replay, ``new_episodes`` adding to a
cassette, the ``imgsafe_client`` fixture) says it with these functions, so the advice and its
command are the same wherever the problem is found, and a command is never spelled by hand.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from .options import OPT_LIVE, OPT_RECORD_MODE


def command(nodeid: str, record_mode: str | None = None, live: bool = False, corpus_run: bool = True) -> str:
    """The command that re-records (``record_mode``) or reproduces live (``live``) one test or item.

    ``corpus_run=False`` for a test of a team's own that uses ``imgsafe_client``: it records
    without ``--imgsafe`` (which would also switch on the corpus run)."""
    parts = ["pytest", "--imgsafe"] if corpus_run else ["pytest"]
    if live:
        parts.append(OPT_LIVE)
    elif record_mode:
        parts.append(f"{OPT_RECORD_MODE}={record_mode}")
    parts.append(nodeid)
    return " ".join(shlex.quote(p) for p in parts)


def broken_cassette(shown: str, why: str, nodeid: str) -> str:
    """A cassette that cannot be read (``why``: what is wrong with it): it is left as it is, and
    the two ways out are restoring it or recording it again."""
    return (
        f"the cassette {shown} {why}; it was left as it is.\n"
        f"Restore it from version control (git checkout -- {shlex.quote(shown)}), or record it again with:\n"
        f"  {command(nodeid, 'all')}"
    )


def missing_recording(what: str, shown: str, exists: bool, nodeid: str, needs: Sequence[str], changed: str) -> str:
    """No recording of ``what`` in the cassette ``shown`` (``exists``: the file is there but has no
    answer for it; ``changed``: what may have changed since), and the command that records it
    (``needs``: the key variables that recording needs)."""
    why = (
        f"{shown} holds no answer for this request ({changed} since it was recorded)"
        if exists
        else f"there is no cassette {shown}"
    )
    return (
        f"no recording of {what}: {why}.\n"
        f"Record it (needs {', '.join(needs)} set) with:\n"
        f"  {command(nodeid, 'all' if exists else 'once')}"
    )
