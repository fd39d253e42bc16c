"""One YAML loader for every file a user writes, with bounds a hostile file cannot pass.

PyYAML builds an alias as a shared reference: a 1 KB file of nested aliases (a "billion
laughs") loads at once, and then every walk of the value (a check, an error message's
``repr``, a ``str()``) expands it to gigabytes. Nesting 990 deep loads too, and then any
recursive walk of it is a ``RecursionError``. A repeated key silently keeps its last value,
and a merge key (``<<``) pulls keys from elsewhere, so a mistake is reported at the wrong line.

:class:`BoundedLoader` checks the composed document before a single Python value is built,
in one iterative walk that visits each node once (an aliased node's expanded size is counted
from its parts, never by expanding it): depth, the values aliases add, aliases that contain
themselves, merge keys and repeated keys at every level. A file over a bound is a
:class:`YamlLimitError` that names its line and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .text import excerpt

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists (a corpus needs 6; libyaml stops at 1000, after which any
recursive walk of the value fails)."""

ALIAS_BUDGET = 100_000
"""Aliases may add at most this many values to a file beyond what it writes out, or as many as it
writes out if that is more: shared defaults stay cheap, a billion laughs fails at its sixth level."""

MAX_DUPLICATES_SHOWN = 20

_MERGE = "tag:yaml.org,2002:merge"


class YamlLimitError(yaml.YAMLError):
    """A YAML file over one of the bounds; ``line`` is 1-based, ``message`` says what to do."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class BoundedLoader(_Base):  # type: ignore[misc]
    """A safe loader (libyaml's when installed) that refuses a document over the bounds.

    The check runs between composing and constructing (:meth:`construct_document`), so it holds
    for the C loader too, whose composer cannot be hooked. Repeated keys are kept in
    :attr:`duplicates` as ``(line, key, first_line)`` when :attr:`allow_duplicates` is set (the
    corpus loader reports them with the file's other problems); otherwise the first one is an error.
    """

    allow_duplicates = False

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str, int]] = []
        # a text without '*' has no alias: the cheaper walk, with no sizes to count, is enough
        self._may_alias = not isinstance(stream, str) or "*" in stream

    def construct_document(self, node: Any) -> Any:
        self.duplicates = check_node(node) if self._may_alias else check_plain_tree(node)
        if self.duplicates and not self.allow_duplicates:
            line, key, first = self.duplicates[0]
            raise YamlLimitError(line, repeated_key(key, first))
        return super().construct_document(node)


def repeated_key(key: str, first: int) -> str:
    """The message for a key written twice in one mapping."""
    return f"the key {key} is repeated (first at line {first}; the earlier value would be lost): keep one"


def check_node(root: Any) -> list[tuple[int, str, int]]:
    """Walk a composed document once; raise :class:`YamlLimitError` past a bound, and return its
    repeated keys as ``(line, key, first_line)``."""
    sizes: dict[int, int] = {}  # id(node) -> expanded size, once its walk is complete
    open_nodes: set[int] = set()  # nodes whose walk is under way (an alias to one is a cycle)
    duplicates: list[tuple[int, str, int]] = []
    written = 0
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise YamlLimitError(
                _line(node), "an alias here refers to a value that contains it: write the value out instead"
            )
        written += 1
        if depth > MAX_DEPTH:
            raise YamlLimitError(
                _line(node), f"values are nested more than {MAX_DEPTH} deep here: flatten the structure"
            )
        if isinstance(node, yaml.MappingNode):
            _check_keys(node, duplicates)
        open_nodes.add(key)
        stack.append((node, depth, True))
        # a child already walked (an alias to a complete value) costs nothing more to visit
        stack.extend((child, depth + 1, False) for child in reversed(_children(node)) if id(child) not in sizes)
    total = sizes[id(root)]
    if total - written > max(ALIAS_BUDGET, written):
        raise YamlLimitError(_first_over(root, sizes, max(ALIAS_BUDGET, written)), _aliases_message(total))
    return duplicates


def check_plain_tree(root: Any) -> list[tuple[int, str, int]]:
    """:func:`check_node` for a document without aliases (a tree: no sizes to count, no cycle
    possible), the common case, at a third of the cost."""
    duplicates: list[tuple[int, str, int]] = []
    scalar = yaml.ScalarNode
    mapping = yaml.MappingNode
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise YamlLimitError(
                _line(node), f"values are nested more than {MAX_DEPTH} deep here: flatten the structure"
            )
        if type(node) is mapping:
            _check_keys(node, duplicates)
            for key_node, value_node in node.value:
                if type(key_node) is not scalar:
                    stack.append((key_node, depth + 1))
                if type(value_node) is not scalar:
                    stack.append((value_node, depth + 1))
        elif type(node) is not scalar:
            stack.extend((child, depth + 1) for child in node.value if type(child) is not scalar)
    return duplicates


def _aliases_message(total: int) -> str:
    return (
        f"aliases (*name) here expand the file to {total:,} values, more than it writes out "
        f"plus {ALIAS_BUDGET:,}: write the values out, or alias fewer nested values"
    )


def _first_over(root: Any, sizes: dict[int, int], budget: int) -> int:
    """The line of the deepest value whose expansion alone passes the budget (where to look)."""
    node = root
    while True:
        bigger = [c for c in _children(node) if sizes[id(c)] > budget]
        if not bigger:
            return _line(node)
        node = bigger[0]


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_keys(node: Any, duplicates: list[tuple[int, str, int]]) -> None:
    seen: dict[tuple[str, str], Any] = {}
    scalar = yaml.ScalarNode
    for key_node, _ in node.value:
        if type(key_node) is not scalar:
            continue
        name = (key_node.tag, key_node.value)
        first = seen.get(name)
        if first is None:
            seen[name] = key_node
            if name[0] == _MERGE:
                raise YamlLimitError(
                    _line(key_node),
                    "'<<' (a YAML merge key) is not read here: write the keys out "
                    "(in a corpus, shared values go under 'defaults:')",
                )
        elif len(duplicates) < MAX_DUPLICATES_SHOWN:
            duplicates.append((_line(key_node), excerpt(key_node.value), _line(first)))


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def load_bounded(text: str) -> Any:
    """Parse a user's YAML text within the bounds; raises ``yaml.YAMLError`` (a
    :class:`YamlLimitError` past a bound, or at a repeated key)."""
    return yaml.load(text, Loader=BoundedLoader)  # noqa: S506 - a SafeLoader subclass


MAX_FILE_BYTES = 16 * 1024 * 1024
"""A user's table or failures file larger than this is refused unread (it is text people write)."""


def load_user_file(path: Path, what: str) -> Any:
    """A user's YAML file (a term or rewrite table, saved fuzz failures) within the bounds, or a
    ``ValueError`` that names the file, the line and the fix (what a usage error shows)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(
                f"{path}: this {what} is {size / 2**20:.0f} MiB; the limit is {MAX_FILE_BYTES // 2**20} MiB"
            )
        raw = path.read_bytes()
    except OSError as err:
        raise ValueError(f"{path}: cannot read this {what}: {err.strerror or err}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise ValueError(f"{path}:{line}: this {what} is not UTF-8 text: save it as UTF-8") from None
    try:
        return load_bounded(text)
    except YamlLimitError as err:
        raise ValueError(f"{path}:{err.line}: {err.message}") from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise ValueError(f"{path}:{line}: this {what} is not valid YAML: {excerpt(str(err.problem), 200)}") from None
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: this {what} is not valid YAML: {excerpt(str(err), 200)}") from None
