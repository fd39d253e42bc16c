"""``--imgsafe-save-failures``: failing fuzz examples written as ready corpus cases (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from ..base.files import write_output
from ..base.yaml_bounds import load_user_file

HEADER = """\
# Failing fuzz examples, written by pytest --imgsafe --imgsafe-save-failures.
# Each case expects what its fuzz spec expected, so it fails until the target or the strategy is
# fixed; move it into a corpus file (and record it) to keep it as a permanent regression test.
"""


def save_failures(path: Path, cases: Iterable[Mapping[str, Any]]) -> int:
    """Append the cases whose ids the file does not hold yet; returns how many were written.

    An existing file that cannot be read within the bounds is a ``ValueError`` naming it, and is
    left as it is (never written over); a file that cannot be written is ``NotWritten``."""
    existing: list[dict[str, Any]] = []
    if path.exists():
        data = load_user_file(path, "file of saved fuzz failures") or {}  # ValueError: left as it is
        existing = list(data.get("cases") or []) if isinstance(data, dict) else []
    ids = {c.get("id") for c in existing if isinstance(c, dict)}
    new = [dict(c) for c in cases if c["id"] not in ids and not ids.add(c["id"])]  # type: ignore[func-returns-value]
    if not new:
        return 0
    body = yaml.safe_dump({"cases": existing + new}, sort_keys=False, allow_unicode=True, width=100)
    write_output(path, HEADER + body)
    return len(new)
