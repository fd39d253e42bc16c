"""A fuzz spec's rewrites and refusals kept beside its recording, under the rewriter's fingerprint.

What a strategy makes of a prompt depends on the prompt, the strategy and the rewriter alone:
its code, its bundled tables, the project's own tables, the libraries it reads numbers and
scripts with, and the Unicode data of the interpreter. A recording notes, for each example it
drew, the rewrite (or the refusal) it computed, with the fingerprint of all of those. A replay
whose fingerprint is the same takes them from the note and never builds the rewriter, which is
most of what a replayed fuzz item costs; any change to the code, the tables or a library gives a
new fingerprint, and the rewrites are computed again, as before. A spec whose strategy asks a
describer notes its rewrites under the rewriter's fingerprint and the digest of the describer
answers they were made from (``run.items.rewrites_of``): new answers compute them again.

Like the recorded answers, the note is trusted as the project's own file: a hand-edited note
can make a replay pass, exactly as a hand-edited answer can.
"""

from __future__ import annotations

import hashlib
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from ..base.rewritten import Change, Rewrite, RewriteRefused
from ..collect.corpus import REFUSED
from .fuzz import PhaseCheck, SharedWork

REWRITES_NOTE = "fuzz_rewrites"
"""Where a fuzz item's cassette keeps its examples' rewrites and refusals, and their fingerprint."""

REWRITER_CODE: tuple[str, ...] = (
    "rewrite",  # the package, every module
    "base/__init__.py",
    "base/strategies.py",
    "base/rewritten.py",
    "base/terms.py",
    "base/patterns.py",
    "base/scrub.py",
    "base/table_files.py",
    "base/files.py",
    "base/text.py",
    "base/yaml_bounds.py",
    "routing/tables.py",
    "routing/screen.py",
    "fuzzing/fuzz.py",  # what a refusal phase says
    "fuzzing/known_rewrites.py",
    "data/rewrite",
    "data/terms",
)
"""Everything of the plugin's own a rewrite depends on: modules and folders of the package. A
test walks the imports of ``rewrite`` and ``routing.tables`` and fails when one is missing here."""

REWRITER_LIBRARIES: tuple[str, ...] = (
    "pyahocorasick",
    "text2num",
    "num2words",
    "cn2an",
    "anyascii",
    "pycld2",
    "pyyaml",
)
"""The distributions the rewriter reads text with: a new version may read a prompt otherwise."""


def rewriter_fingerprint(term_files: Iterable[Path] = (), rewrite_files: Iterable[Path] = ()) -> str:
    """The fingerprint of the rewriter a run builds: its code and data, its libraries' versions,
    the interpreter's Unicode data, and the project's own tables (``term_tables`` and
    ``rewrite_tables``) by content, wherever the project is checked out."""
    digest = hashlib.sha256(_bundled_fingerprint().encode())
    for kind, paths in (("terms", term_files), ("rewrites", rewrite_files)):
        for path in paths:
            digest.update(f"\0{kind}\0".encode())
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"\0unreadable")
    return digest.hexdigest()[:32]


@lru_cache(maxsize=1)
def _bundled_fingerprint() -> str:
    """The part of the fingerprint that is the same for every run of this installation, read once."""
    digest = hashlib.sha256()
    root = resources.files("pytest_imgsafe")
    for part in REWRITER_CODE:
        node = root.joinpath(*part.split("/"))
        files = sorted((f for f in node.iterdir() if f.is_file()), key=lambda f: f.name) if node.is_dir() else [node]
        for file in files:
            if file.name.endswith((".py", ".yaml")):
                digest.update(f"{part}/{file.name}\0".encode())
                digest.update(file.read_bytes())
    for name in REWRITER_LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none\0".encode())
    digest.update(f"python={sys.version_info[:3]} unicode={unicodedata.unidata_version}".encode())
    return digest.hexdigest()


def note_of(
    shared: SharedWork, strategy: str | None, prompts: Iterable[str], image: Path | None, fingerprint: str
) -> dict[str, Any]:
    """The note of one item: the rewrites and refusals of its ``prompts`` this run computed, as
    plain data."""
    rewrites: dict[str, Any] = {}
    refusals: dict[str, Any] = {}
    for prompt in dict.fromkeys(prompts):
        found = shared.rewrites.get((strategy, prompt, image))
        if found is not None:
            rewrites[prompt] = _encode(found)
        check = shared.refusals.get((strategy, prompt, image))
        if check is not None:
            refusals[prompt] = {"note": check.note, "ok": check.ok}
    return {"of": fingerprint, "rewrites": rewrites, "refusals": refusals}


def take_note(shared: SharedWork, noted: Any, fingerprint: str, strategy: str | None, image: Path | None) -> int:
    """Put what a cassette noted under ``fingerprint`` into ``shared`` (what this run computed
    already stays); how many rewrites and refusals it gave. Nothing when it noted none, under
    another fingerprint, or in a shape this version does not write."""
    if not isinstance(noted, Mapping) or noted.get("of") != fingerprint:
        return 0
    try:
        rewrites = {str(p): _decode(str(p), v) for p, v in dict(noted.get("rewrites") or {}).items()}
        refusals = {
            str(p): PhaseCheck("rewritten", str(p), REFUSED, note=str(v["note"]), ok=bool(v["ok"]))
            for p, v in dict(noted.get("refusals") or {}).items()
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        return 0
    for prompt, rewrite in rewrites.items():
        shared.rewrites.setdefault((strategy, prompt, image), rewrite)
    for prompt, check in refusals.items():
        shared.refusals.setdefault((strategy, prompt, image), check)
    return len(rewrites) + len(refusals)


def _encode(result: Rewrite | RewriteRefused) -> dict[str, Any]:
    if isinstance(result, RewriteRefused):
        return {
            "refused": {
                "scenario": result.scenario,
                "terms": list(result.terms),
                "reason": result.reason,
                "hard": result.hard,
            }
        }
    return {
        "text": result.text,
        "strategy": result.strategy,
        "changes": [[c.start, c.end, c.original, c.replacement] for c in result.changes],
        "endpoint": result.endpoint,
        "reason": result.reason,
    }


def _decode(prompt: str, data: Mapping[str, Any]) -> Rewrite | RewriteRefused:
    refused = data.get("refused")
    if isinstance(refused, Mapping):
        return RewriteRefused(
            str(refused["scenario"]),
            [str(t) for t in refused["terms"]],
            str(refused["reason"]),
            hard=bool(refused["hard"]),
        )
    changes = tuple(Change(int(s), int(e), str(o), str(r)) for s, e, o, r in data["changes"])
    return Rewrite(
        prompt,
        str(data["text"]),
        _optional(data.get("strategy")),
        changes,
        _optional(data.get("endpoint")),
        _optional(data.get("reason")),
    )


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)
