"""The example nightly workflow: valid YAML, and every pytest option it uses exists."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import ROOT


def test_nightly_workflow_runs_live_keeps_history_and_writes_the_summary(pytester: pytest.Pytester) -> None:
    workflow = yaml.safe_load((ROOT / "examples" / "nightly.yml").read_text())
    steps = workflow["jobs"]["drift"]["steps"]
    run = next(s["run"] for s in steps if s.get("name") == "Live run")
    used = set(re.findall(r"--imgsafe[a-z-]*", run))
    assert {"--imgsafe", "--imgsafe-live", "--imgsafe-report", "--imgsafe-history", "--imgsafe-budget-usd"} <= used
    help_text = pytester.runpytest("--help").stdout.str()
    assert all(option in help_text for option in used)
    summary = next(s["run"] for s in steps if s.get("name") == "Job summary")
    assert "GITHUB_STEP_SUMMARY" in summary and "reports/drift.md" in summary
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/cache/restore") for u in uses) and any(
        u.startswith("actions/upload-artifact") for u in uses
    )
    assert "OPENAI_API_KEY" in str(steps) and "${{ secrets.OPENAI_API_KEY }}" in str(steps)


def test_the_sharded_workflow_runs_every_shard_then_merges_and_writes_the_summary(pytester: pytest.Pytester) -> None:
    workflow = yaml.safe_load((ROOT / "examples" / "nightly-sharded.yml").read_text())
    shard, merge = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    count = len(shard["strategy"]["matrix"]["shard"])
    run = next(s["run"] for s in shard["steps"] if s.get("name") == "Live run of this shard")
    assert f"--imgsafe-shard ${{{{ matrix.shard }}}}/{count}" in run and "--imgsafe-history" in run
    used = set(re.findall(r"--imgsafe[a-z-]*", run))
    help_text = pytester.runpytest("--help").stdout.str()
    assert all(option in help_text for option in used)
    assert merge["needs"] == "shard" and merge["if"] == "always()"
    merging = next(s["run"] for s in merge["steps"] if s.get("name") == "Merge the shards")
    assert "python -m pytest_imgsafe.report merge shards/shard-*.json" in merging and "--out reports" in merging
    summary = next(s["run"] for s in merge["steps"] if s.get("name") == "Job summary")
    assert "GITHUB_STEP_SUMMARY" in summary and "reports/report.md" in summary
