"""Writing files so that a reader never sees half of one, and reading small ones cheaply.

Every file the plugin writes that a later run reads (cassettes, reports, the corpus cache,
live results shared between workers) is written to a temporary file in the same folder and
renamed over the old one: an interrupt, a crash or a CI timeout at any moment leaves the old
file or the new one, never a truncated one.
"""

from __future__ import annotations

import os
import threading
from importlib import resources
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


class TooLarge(OSError):
    """A file over the size a reader takes (``read_small``'s ``limit``)."""


def read_small(path: Path | str, limit: int | None = None) -> bytes:
    """A file's bytes in four system calls (open, a read, the read that finds the end, close).

    ``Path.read_bytes`` makes nine (it sets up a buffered reader, asks whether the file is a
    terminal, seeks and sizes it twice); a replay reads one cassette per item, and on some
    virtual machines each call costs as much as parsing the cassette. Raises what ``open`` and
    ``read`` raise (``FileNotFoundError``, ``IsADirectoryError``...), and :class:`TooLarge` once
    more than ``limit`` bytes were read (counted as they come: no extra call to size the file)."""
    # O_NONBLOCK: a named pipe put where a file should be opens at once (and reads as empty)
    # instead of waiting forever for a writer; it changes nothing for a regular file
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if limit is not None and size > limit:
                raise TooLarge(f"over {limit} bytes")
            chunks.append(chunk)
    finally:
        os.close(fd)


def bundled_text(*parts: str) -> str:
    """A file shipped inside the package (``bundled_text("data", "prices.yaml")``), as text: the one
    way the plugin opens its own data and schemas, so they are found from a wheel, a zip or a
    checkout alike."""
    return resources.files("pytest_imgsafe").joinpath(*parts).read_text(encoding="utf-8")


def shown_path(path: Path | str, root: Path | str) -> str:
    """``path`` as a person reads it: relative to ``root`` (the rootdir) when it is under it,
    else as given. Plain string work: a replay shows one cassette path per item."""
    text, prefix = str(path), str(root).rstrip(os.sep) + os.sep
    return text[len(prefix) :] if text.startswith(prefix) else text
