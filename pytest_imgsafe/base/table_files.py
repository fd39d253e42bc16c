"""Reading table files, the package's own or a user's: the one skeleton the term tables
(``base.terms``) and the replacement tables (``rewrite.tables``) share.

Each kind of table brings only its parser, ``parse(data, source)``, which raises a ``ValueError``
naming ``source``; reading the YAML, naming the bundled files and turning a file that cannot be
read into that same kind of error happen here, once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from .files import bundled_text
from .text import excerpt
from .yaml_bounds import load_user_file

T = TypeVar("T")


def read_yaml(text: str) -> Any:
    """YAML as the tables are written (the C loader where PyYAML has it)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def bundled_tables(folder: str, names: Iterable[str], parse: Callable[[Any, str], T]) -> dict[str, T]:
    """The package's tables ``data/FOLDER/NAME.yaml``, by name."""
    return {
        name: parse(read_yaml(bundled_text("data", folder, f"{name}.yaml")), f"data/{folder}/{name}.yaml")
        for name in names
    }


def user_table(
    path: Path,
    parse: Callable[[Any, str], T],
    error: Callable[[str], ValueError] = ValueError,
    *,
    what: str = "table",
    shape: str = "write it in the format of the bundled tables",
) -> T:
    """A user's table file, read within the bounds of :mod:`.yaml_bounds`: one that cannot be read,
    is not YAML, is past a bound or has a value of the wrong shape is ``error`` naming the file
    (and the line, where there is one), never a traceback."""
    try:
        data = load_user_file(path, what)
    except ValueError as err:
        raise error(str(err)) from None
    try:
        return parse(data, str(path))
    except (TypeError, AttributeError, re.error) as err:  # a value of the wrong shape, a bad pattern
        raise error(f"{path}: this {what} has a value of the wrong shape ({excerpt(str(err))}): {shape}") from None
