"""A live run's budget stops a chain's or gateway's items as it stops any other: skipped with the
reason, never an error (which --imgsafe-max-error-rate would count against the night)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PROJECT_HEAD, write_corpus

PYPROJECT = (
    PROJECT_HEAD
    + """price = 0.01

[tool.imgsafe.targets.fallback]
kind = "chain"
links = ["gpt-image-2"]
"""
)


def test_chain_items_past_the_budget_are_skipped_not_errors(project: pytest.Pytester) -> None:
    project.makefile(".toml", pyproject=PYPROJECT.format())
    cases = "\n".join(
        f"  - id: lighthouse-{i}\n    prompt: A watercolor of a lighthouse, number {i}\n    expect: pass"
        for i in range(6)
    )
    write_corpus(project, "chain", f"defaults:\n  targets: [fallback]\n  scenario: benign\ncases:\n{cases}\n")
    result = project.runpytest(
        "--imgsafe",
        "--imgsafe-live",
        "-p",
        "no:cacheprovider",
        "--imgsafe-budget-usd",
        "0.03",
        "--imgsafe-max-error-rate",
        "0.05",
        "--imgsafe-report",
        "drift.json",
    )
    result.assert_outcomes(passed=3, skipped=3)
    assert result.ret == pytest.ExitCode.OK
    report = json.loads((project.path / "drift.json").read_text())
    assert report["totals"]["errors"] == 0
    skipped = [r for r in report["results"] if r["status"] == "skipped"]
    assert len(skipped) == 3 and all("--imgsafe-budget-usd 0.03 would be passed" in r["note"] for r in skipped)
