"""Configuration a run would lose without a word: one line each, for the run's header.

Two ways a project's setup silently stops applying. pytest picks its rootdir from the paths on the
command line, and a path outside the project (``--imgsafe-report /elsewhere/drift.json``, written
with a space) moves it: ``[tool.imgsafe]`` is read from the rootdir, so the project's targets,
corpora and cassettes no longer apply. And a ``[tool.imgsafe.targets]`` table replaces the default
targets rather than adding to them, so a project that names one target of its own has lost the
others.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..base.scrub import escape_line
from .config import DEFAULT_TARGETS, is_glob


def imgsafe_config_above(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` holding ``[tool.imgsafe]`` in ``start`` or a folder above it."""
    for folder in (start, *start.parents):
        path = folder / "pyproject.toml"
        if path.is_file():
            try:
                with path.open("rb") as fh:
                    data = tomllib.load(fh)
            except (OSError, tomllib.TOMLDecodeError):
                continue
            if isinstance(data.get("tool"), dict) and "imgsafe" in data["tool"]:
                return path
    return None


def rootdir_notice(rootpath: Path, invocation_dir: Path, tool: Mapping[str, Any]) -> str | None:
    """A line when ``[tool.imgsafe]`` sits above the folder pytest was run from, but not in its rootdir."""
    if tool:
        return None  # the rootdir has a configuration of its own: it is the one meant
    found = imgsafe_config_above(invocation_dir)
    if found is None or found.parent == rootpath:
        return None
    return (
        f"imgsafe: {found} is not applied: pytest's rootdir is {rootpath}, moved there by a path on the "
        f"command line outside {found.parent} (write options as --imgsafe-report=PATH, or add --rootdir "
        f"{found.parent}); the default targets and folders apply instead"
    )


def targets_notice(tool: Mapping[str, Any]) -> str | None:
    """A line when the project's target tables leave out default targets (they replace the defaults)."""
    tables = tool.get("targets")
    if not isinstance(tables, Mapping):
        return None
    dropped = [name for name in DEFAULT_TARGETS if name not in tables]
    if not dropped:
        return None
    return (
        f"imgsafe: [tool.imgsafe.targets] replaces the default targets; not configured here: {', '.join(dropped)} "
        f"(add [tool.imgsafe.targets.{dropped[0]}] to keep it)"
    )


def outside_corpora_notice(rootpath: Path, tool: Mapping[str, Any]) -> str | None:
    """A line when ``corpora`` names folders outside the project: they are read as configured (a
    corpus shared between repositories), but a run should say that it reads files from there."""
    corpora = tool.get("corpora")
    if not isinstance(corpora, list):
        return None
    root = rootpath.resolve()
    outside = []
    for entry in corpora:
        if not isinstance(entry, str) or is_glob(entry):
            continue  # a glob matches inside the rootdir only
        where = (rootpath / entry).resolve()
        if where != root and root not in where.parents:
            outside.append(f"{entry!r} ({where})")
    if not outside:
        return None
    return f"imgsafe: corpora outside the project are read: {', '.join(outside)}"


def empty_corpora_notice(rootpath: Path, tool: Mapping[str, Any]) -> str | None:
    """A line when a configured ``corpora`` entry names no file: a typo (``"corpra"``) or a glob that
    matches nothing would otherwise collect nothing, and the run end in "no tests ran" without a
    word about why. Only entries the project wrote are checked (the default may be unused)."""
    corpora = tool.get("corpora")
    if isinstance(corpora, str):
        corpora = [corpora]
    if not isinstance(corpora, list):
        return None
    empty = [entry for entry in corpora if isinstance(entry, str) and entry and not _matches(rootpath, entry)]
    if not empty:
        return None
    names = ", ".join(repr(escape_line(entry)) for entry in empty)
    return (
        f"imgsafe: corpora {'entry' if len(empty) == 1 else 'entries'} {names} "
        f"{'matches' if len(empty) == 1 else 'match'} no file (paths and globs are relative to the rootdir "
        f"{escape_line(str(rootpath))})"
    )


def _matches(rootpath: Path, entry: str) -> bool:
    """Does a corpora entry name anything: a path that exists, or a glob with at least one match?

    A glob is matched as collection matches it (``fnmatch`` on the path relative to the rootdir, in
    the folders pytest walks), stopping at the first match; an absolute glob matches nothing there."""
    if not is_glob(entry):
        return (rootpath / entry).exists()
    if Path(entry).is_absolute():
        return False
    for folder, dirs, names in os.walk(rootpath):
        dirs[:] = [d for d in dirs if not any(fnmatch.fnmatch(d, skip) for skip in _NOT_WALKED)]
        here = Path(folder).relative_to(rootpath)
        if any(fnmatch.fnmatch((here / name).as_posix(), entry) for name in names):
            return True
    return False


_NOT_WALKED = ("*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}")
"""pytest's default ``norecursedirs``: folders it does not collect from, so no corpus file is there."""


def config_notices(rootpath: Path, invocation_dir: Path, tool: Mapping[str, Any]) -> list[str]:
    """Every line about configuration that does not apply, or reads outside the project, for the run's header."""
    lines = (
        rootdir_notice(rootpath, invocation_dir, tool),
        targets_notice(tool),
        outside_corpora_notice(rootpath, tool),
        empty_corpora_notice(rootpath, tool),
    )
    return [line for line in lines if line]
