"""The README's snippets as the tests run them: the fenced blocks of one section, as written."""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

_FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.S | re.M)


def section(title: str, readme: Path = README) -> str:
    """The text of the section whose heading is ``title`` (up to the next heading of its level or above)."""
    text = readme.read_text(encoding="utf-8")
    match = re.search(rf"^(#+) {re.escape(title)}\n", text, re.M)
    if match is None:
        raise LookupError(f"README has no section {title!r}")
    level = len(match.group(1))
    rest = text[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


def snippets(title: str, language: str) -> list[str]:
    """The fenced blocks of ``language`` in a section, unindented (a block inside a list item too)."""
    return [textwrap.dedent(body) for _, lang, body in _FENCE.findall(section(title)) if lang == language]


def copy_project(to: Path) -> None:
    """This repository's configuration, corpora and cassettes, as a fresh clone has them."""
    shutil.copy(ROOT / "pyproject.toml", to / "pyproject.toml")
    shutil.copytree(ROOT / "corpora", to / "corpora")
    shutil.copytree(ROOT / "cassettes", to / "cassettes")
