"""Reading table files, the package's own or a user's: the one skeleton the term tables
(``base.terms``) and the replacement tables (``rewrite.tables``) share.

Each kind of table brings only its parser, ``parse(data, source)``, which raises a ``ValueError``
naming ``source``; reading the YAML, naming the bundled files and turning a file that cannot be
read into that same kind of error happen here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from .files import bundled_text

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


def user_table(path: Path, parse: Callable[[Any, str], T], error: Callable[[str], ValueError] = ValueError) -> T:
    """A user's table file; one that cannot be read or is not YAML is ``error`` naming the file."""
    try:
        data = read_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise error(f"{path}: cannot read this table: {err}") from None
    return parse(data, str(path))
