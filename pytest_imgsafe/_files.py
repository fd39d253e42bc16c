"""Writing files so that a reader never sees half of one.

Every file the plugin writes that a later run reads (cassettes, reports, the corpus cache,
live results shared between workers) is written to a temporary file in the same folder and
renamed over the old one: an interrupt, a crash or a CI timeout at any moment leaves the old
file or the new one, never a truncated one.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def write_atomic(path: Path, data: str | bytes) -> None:
    """Replace ``path`` with ``data`` in one step (the folder is created if needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with tmp.open("wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
