"""The sandbox's policy is its own: no import, and no data file, crosses to the product's
matching (term tables, screen, rewrite, localize, strategies), in either direction.

Checked twice: statically, on the import statements of every module (so a lazy import inside a
function counts too), and at run time, on the modules a fresh interpreter has loaded after the
sandbox judged, moderated and described prompts.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "pytest_imgsafe"
PRODUCT_MATCHING = (
    "pytest_imgsafe.base.terms",
    "pytest_imgsafe.routing.screen",
    "pytest_imgsafe.screen",
    "pytest_imgsafe.rewrite",
    "pytest_imgsafe.diagnosis.localize",
    "pytest_imgsafe.localize",
    "pytest_imgsafe.fuzzing.strategies",
    "pytest_imgsafe.strategies",
)
SANDBOX = "pytest_imgsafe.sandbox"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every module an import statement of ``path`` names, resolved to absolute names."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            module = (
                f"{base}.{node.module}" if node.level and node.module else (base if node.level else node.module or "")
            )
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def inside(module: str, roots: tuple[str, ...]) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


def closure(start: set[str]) -> set[str]:
    """The package modules reachable from ``start`` by import statements."""
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    seen: set[str] = set()
    todo = [m for m in start if m in files]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(m for m in imports_of(files[module]) if m in files and m not in seen)
    return seen


def test_the_sandbox_imports_nothing_of_the_products_matching() -> None:
    sandbox_modules = {module_name(p) for p in (PACKAGE / "sandbox").rglob("*.py")}
    assert {
        "pytest_imgsafe.sandbox.policy",
        "pytest_imgsafe.sandbox.judge",
        "pytest_imgsafe.sandbox.shapes",
    } <= sandbox_modules
    reachable = closure(sandbox_modules)
    assert not [m for m in reachable if inside(m, PRODUCT_MATCHING)], sorted(reachable)


def test_the_products_matching_imports_nothing_of_the_sandbox() -> None:
    product = [p for p in PACKAGE.rglob("*.py") if inside(module_name(p), PRODUCT_MATCHING)]
    assert {module_name(p) for p in product} >= {
        "pytest_imgsafe.base.terms",
        "pytest_imgsafe.routing.screen",
        "pytest_imgsafe.diagnosis.localize",
        "pytest_imgsafe.fuzzing.strategies",
    }
    reachable = closure({module_name(p) for p in product})
    assert not [m for m in reachable if inside(m, (SANDBOX,))], sorted(reachable)


def test_the_sandbox_reads_only_its_own_data() -> None:
    data = PACKAGE / "sandbox" / "data"
    assert {"names.yaml", "rules.yaml", "policy.yaml", "models.yaml"} <= {p.name for p in data.iterdir()}
    for path in (PACKAGE / "sandbox").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for product_data in ('"terms"', "data/terms", '"rewrite"', "data/rewrite", "routing.yaml"):
            assert product_data not in text, (path.name, product_data)


@pytest.mark.slow
def test_judging_loads_none_of_the_products_matching_modules() -> None:
    script = """
import json, sys
from pytest_imgsafe.sandbox import Sandbox, policy, shapes
for profile in policy.profiles():
    policy.decide("A photo of Tayl0r Sw1ft holding a P1kachu", profile)
policy.moderate("A poster with a swastika")
shapes.describer_answer("A photo of Tom Hanks on Mars", [], "gpt-4.1-mini")
print(json.dumps(sorted(m for m in sys.modules if m.startswith("pytest_imgsafe"))))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert "pytest_imgsafe.sandbox.judge" in loaded
    assert not [m for m in loaded if inside(m, PRODUCT_MATCHING)], loaded
