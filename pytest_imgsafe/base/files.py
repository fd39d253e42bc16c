"""Writing files so that a reader never sees half of one, and reading small ones cheaply.

Every file the plugin writes that a later run reads (cassettes, reports, the corpus cache,
live results shared between workers) is written to a temporary file in the same folder and
renamed over the old one: an interrupt, a crash or a CI timeout at any moment leaves the old
file or the new one, never a truncated one.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from .scrub import escape_line


def write_atomic(path: Path, data: str | bytes) -> None:
    """Replace ``path`` with ``data`` in one step (the folder is created if needed).

    Raises ``OSError`` (say it with :func:`cannot_write`); whatever fails, ``path`` is left as it
    was and no temporary file stays behind."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file where a folder of the path should be (/dev/null/x.json)
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path.parent)) from None
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


def cannot_write(path: Path | str, err: OSError) -> str:
    """One line saying which file could not be written and why: ``cannot write 'r.json': File too
    large (EFBIG)``. The path is escaped (a name may hold control characters); a folder in the
    way of the path is named."""
    name = errno.errorcode.get(err.errno or 0)
    why = f"{err.strerror or err}{f' ({name})' if name else ''}"
    if err.errno == errno.ENOTDIR:
        blocking = next((p for p in Path(path).parents if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            why += f": {escape_line(str(blocking))} is not a folder"
    return f"cannot write '{escape_line(str(path))}': {why}"


class NotWritten(Exception):
    """An output file (a report, an appeal, saved failures, a page) that could not be written; its
    message is the one line of :func:`cannot_write`. Nothing of it was left half-written."""


def write_output(path: Path, data: str | bytes) -> None:
    """:func:`write_atomic` for a file a person asked for: a failure is :class:`NotWritten`, one
    line to show in place of a traceback."""
    try:
        write_atomic(path, data)
    except OSError as err:
        raise NotWritten(cannot_write(path, err)) from None


_OWN_OUTPUT_HEADS = {
    ".json": (b'"schema": "pytest-imgsafe/report"', 64),
    ".md": (b"## pytest-imgsafe:", 0),
    ".html": (b"<title>pytest-imgsafe:", 256),
}
"""How a report file this plugin wrote begins, by its suffix: the words, and how far into the file
they stand at most (PATH.json's schema is its first member, the Markdown summary opens with its
heading, the page's title is in its first line)."""


def report_sibling(path: Path, suffix: str) -> Path:
    """PATH.json -> PATH.md / PATH.html; another name keeps its suffix (drift.out -> drift.out.md)."""
    return path.with_suffix(suffix) if path.suffix == ".json" else path.with_name(path.name + suffix)


def report_files(path: Path) -> tuple[Path, Path, Path]:
    """A report's three files: PATH (JSON), PATH.md and PATH.html."""
    return path, report_sibling(path, ".md"), report_sibling(path, ".html")


def refused_outputs(paths: Iterable[Path]) -> str | None:
    """The first of these output files that must not be replaced, and why, as one line
    (``'cassettes/t/c.json' exists and is not a report this plugin wrote: it is left as it was``);
    ``None`` when every one may be (checked all before any is written)."""
    for path in paths:
        problem = not_replaceable(path)
        if problem:
            return f"{escape_line(str(path))} {problem}: it is left as it was"
    return None


def not_replaceable(path: Path) -> str | None:
    """Why an output file a person named (a report) must not be replaced, or None: a report
    replaces only a report. A link (it would be written through, to whatever it names), anything
    but a plain file (a folder, a named pipe, a device), or a plain file this plugin did not
    write as a report (a cassette, a corpus, ``pyproject.toml``: the words in the first bytes
    decide) is left as it is."""
    if path.is_symlink():
        return "is a link: a report is never written through one"
    if not path.exists():
        return None
    if not path.is_file():
        return "is not a plain file"
    head, within = _OWN_OUTPUT_HEADS.get(path.suffix, _OWN_OUTPUT_HEADS[".json"])
    try:
        with path.open("rb") as fh:
            first = fh.read(within + len(head))
    except OSError as err:
        return f"cannot be read ({err.strerror or err})"
    return None if head in first else "exists and is not a report this plugin wrote"


class TooLarge(OSError):
    """A file over the size a reader takes (``read_small``'s ``limit``)."""


class IsLink(OSError):
    """``read_small(..., follow_links=False)`` met a symbolic link where the file should be."""


def read_small(path: Path | str, limit: int | None = None, *, follow_links: bool = True) -> bytes:
    """A file's bytes in four system calls (open, a read, the read that finds the end, close).

    ``Path.read_bytes`` makes nine (it sets up a buffered reader, asks whether the file is a
    terminal, seeks and sizes it twice); a replay reads one cassette per item, and on some
    virtual machines each call costs as much as parsing the cassette. Raises what ``open`` and
    ``read`` raise (``FileNotFoundError``, ``IsADirectoryError``...), and :class:`TooLarge` once
    more than ``limit`` bytes were read (counted as they come: no extra call to size the file).

    ``follow_links=False``: a symbolic link in the file's place is refused by the same call that
    opens the file (:class:`IsLink`), so no link can be swapped in between a check and the read.
    """
    # O_NONBLOCK: a named pipe put where a file should be opens at once (and reads as empty)
    # instead of waiting forever for a writer; it changes nothing for a regular file
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    no_follow = getattr(os, "O_NOFOLLOW", 0)
    if not follow_links and not no_follow and os.path.islink(path):  # a system without O_NOFOLLOW
        raise IsLink(errno.ELOOP, "is a symbolic link", str(path))
    try:
        fd = os.open(path, flags | (0 if follow_links else no_follow))
    except OSError as err:
        if not follow_links and err.errno == errno.ELOOP and os.path.islink(path):
            raise IsLink(errno.ELOOP, "is a symbolic link", str(path)) from None
        raise
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


class OutsideFence(Exception):
    """A user's file (an ``image:`` or ``mask:``) that is not, or is no longer, inside the folder
    such files must be in; the message names it and the fix."""


def fenced(path: Path, root: Path | None, what: str = "image") -> Path:
    """``path`` with every link resolved, when it is a file inside ``root``; else :class:`OutsideFence`.

    Checked again right before each read (the upload, the hash a replay keys by), not only at
    collection: a validated corpus comes back from the cache without its files being looked at
    again, and a file may be swapped for a link to anything after collection. The resolved path
    is what gets read, so a link swapped in later still cannot lead out."""
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError) as err:  # missing, a loop of links, a name too long
        raise OutsideFence(f"{what} file {path} cannot be read ({err.__class__.__name__}): restore it") from None
    if root is not None:
        fence = root.resolve()
        if resolved != fence and fence not in resolved.parents:
            raise OutsideFence(
                f"{what} file {path} now leads to {resolved}, outside {fence}, the folder image and mask "
                "files must be in: it is not read or sent; make it a plain file inside the project"
            )
    if not resolved.is_file():
        raise OutsideFence(f"{what} file {path} is not a file any more: restore it")
    return resolved


def fenced_files(
    images: tuple[Path, ...], mask: Path | None, root: Path | None
) -> tuple[tuple[Path, ...], Path | None]:
    """:func:`fenced` for a case's images and mask, in one call."""
    return tuple(fenced(p, root) for p in images), (fenced(mask, root, "mask") if mask is not None else None)
