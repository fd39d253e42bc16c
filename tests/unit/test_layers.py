"""Imports only go down: every import of the package, lazy and type-only ones included, read
from the source and checked against the layer table in ARCHITECTURE.md.

A package (or top-level module) may import its own modules and those of packages on a lower
layer, never sideways or up. The table is the one statement of the layers: a package missing
from it, or an import against it, fails with the offending import named. No cycles either,
inside a package too (a cycle hidden inside a function still couples two modules).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "pytest_imgsafe"
ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*`([\w.]+)`")


def layer_table(text: str) -> dict[str, int]:
    """Package (or top-level module) -> its layer, from the rows ``| N | `name` | ...``."""
    return {m.group(2): int(m.group(1)) for line in text.splitlines() if (m := ROW.match(line))}


def module_name(path: Path) -> str:
    parts = path.with_suffix("").relative_to(PACKAGE.parent).parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(module: str) -> str:
    """The layer-table entry a module belongs to: its sub-package, or itself at the top."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def import_edges() -> list[tuple[str, str, int]]:
    """(importing module, imported module, line) for every relative import of the package
    (``from . import sub`` counts as ``pkg.sub``)."""
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges = []
    for name, path in sorted(files.items()):
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            base = here.split(".")[: len(here.split(".")) - (node.level - 1)]
            target = ".".join([*base, *([node.module] if node.module else [])])
            submodules = [f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in files]
            for imported in submodules if submodules and not node.module else [target]:
                if imported != name:
                    edges.append((name, imported, node.lineno))
    return edges


def violations(edges: list[tuple[str, str, int]], layers: dict[str, int]) -> list[str]:
    """Each import that does not go down a layer, as ``module:line imports other (layer a -> b)``."""
    found = []
    for source, imported, line in edges:
        here, there = part_of(source), part_of(imported) if imported != "pytest_imgsafe" else "__init__"
        if here == there:
            continue
        if here not in layers or there not in layers:
            missing = here if here not in layers else there
            found.append(
                f"{source}:{line} imports {imported}, and {missing!r} has no row in ARCHITECTURE.md's layer table"
            )
        elif layers[there] >= layers[here]:
            found.append(
                f"{source}:{line} imports {imported}: layer {layers[here]} ({here}) "
                f"may not import layer {layers[there]} ({there})"
            )
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


LAYERS = layer_table((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"))


def test_every_package_has_a_layer() -> None:
    parts = {part_of(module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert {"base", "providers", "collect", "calls", "run", "plugin", "sandbox"} <= set(
        LAYERS
    )  # the table was really read
    assert sorted(parts - set(LAYERS)) == []


@pytest.mark.slow
def test_imports_only_go_down_a_layer() -> None:
    edges = import_edges()
    assert len(edges) > 100  # the imports were really read
    assert violations(edges, LAYERS) == []


def test_the_package_has_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for source, imported, _ in import_edges():
        graph.setdefault(source, set()).add(imported)
    assert graph["pytest_imgsafe.calls.runner"]
    assert cycles(graph) == []


def test_an_import_up_or_sideways_is_named() -> None:
    layers = {"base": 0, "calls": 4, "routing": 3, "judging": 3}
    edges = [
        ("pytest_imgsafe.base.wire", "pytest_imgsafe.calls.runner", 7),
        ("pytest_imgsafe.routing.chain", "pytest_imgsafe.judging.drift", 9),
        ("pytest_imgsafe.calls.runner", "pytest_imgsafe.base.wire", 3),
        ("pytest_imgsafe.calls.runner", "pytest_imgsafe.calls.live", 4),
        ("pytest_imgsafe.calls.runner", "pytest_imgsafe.nowhere.thing", 5),
    ]
    assert violations(edges, layers) == [
        "pytest_imgsafe.base.wire:7 imports pytest_imgsafe.calls.runner: layer 0 (base) may not import layer 4 (calls)",
        "pytest_imgsafe.routing.chain:9 imports pytest_imgsafe.judging.drift: "
        "layer 3 (routing) may not import layer 3 (judging)",
        "pytest_imgsafe.calls.runner:5 imports pytest_imgsafe.nowhere.thing, "
        "and 'nowhere' has no row in ARCHITECTURE.md's layer table",
    ]


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
