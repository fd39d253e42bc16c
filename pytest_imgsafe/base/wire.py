"""What one call sends and what comes back: the plain types every calling module shares.

Kept at the bottom so that every kind and the recordings can use them without importing each other.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PLACEHOLDER = re.compile(r"^<imgsafe:sha256=([0-9a-f]{64});bytes=([1-9]\d*)>$")
"""What a recording keeps in place of image bytes: their sha256 and size (``recording.placeholder``)."""
KEY_HEADER = "x-imgsafe-key"
"""The header a *recorded* request keeps its key in (computed locally before scrubbing; never sent
to a provider): replay and vcrpy's matcher read it back."""


@dataclass(frozen=True)
class RequestSpec:
    """What one call sends: the operation, its body fields and any files."""

    operation: str
    fields: Mapping[str, Any]
    files: tuple[tuple[str, Path], ...] = ()
    deployment: str | None = None
    api_version: str | None = None

    def file_hashes(self) -> dict[str, list[str]]:
        """sha256 of each uploaded file, by form field."""
        hashes: dict[str, list[str]] = {}
        for name, path in self.files:
            hashes.setdefault(name, []).append(hashlib.sha256(path.read_bytes()).hexdigest())
        return hashes


@dataclass(frozen=True)
class Answer:
    """A raw answer: what ``classify`` reads, and where it came from."""

    status: int
    headers: Mapping[str, str]
    body: bytes | Mapping[str, Any] | list[Any]
    """The body as it came (bytes), or already parsed (a replayed answer: parsed once, with its cassette)."""
    source: str
    meta: Mapping[str, Any] = field(default_factory=dict)
