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
    """The text of the section whose heading is ``title``, up to the next heading of its level or
    above (a ``#`` line inside a fenced block is code, not a heading)."""
    lines = readme.read_text(encoding="utf-8").splitlines(keepends=True)
    taken: list[str] = []
    level = 0
    fenced = False
    for line in lines:
        if line.lstrip().startswith("```"):
            fenced = not fenced
        heading = None if fenced else re.match(r"(#+) (.*)\n?$", line)
        if level and heading and len(heading.group(1)) <= level:
            break
        if level:
            taken.append(line)
        elif heading and heading.group(2) == title:
            level = len(heading.group(1))
    if not level:
        raise LookupError(f"README has no section {title!r}")
    return "".join(taken)


def snippets(title: str, language: str) -> list[str]:
    """The fenced blocks of ``language`` in a section, unindented (a block inside a list item too)."""
    return [textwrap.dedent(body) for _, lang, body in _FENCE.findall(section(title)) if lang == language]


def copy_project(to: Path) -> None:
    """This repository's configuration, corpora and cassettes, as a fresh clone has them."""
    shutil.copy(ROOT / "pyproject.toml", to / "pyproject.toml")
    shutil.copytree(ROOT / "corpora", to / "corpora")
    shutil.copytree(ROOT / "cassettes", to / "cassettes")
