"""The nightly example's live step, run as written (a bash script, pytest on the PATH) against the
sandbox in a copy of this repository: it collects only the corpus, has every variable the bundled
targets need, and passes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pytest_imgsafe.collect.config import load_pyproject, missing_keys, resolve_settings
from pytest_imgsafe.sandbox import Sandbox
from tests.readme import ROOT, copy_project


def live_step() -> dict:  # type: ignore[type-arg]
    workflow = yaml.safe_load((ROOT / "examples" / "nightly.yml").read_text())
    return next(s for s in workflow["jobs"]["drift"]["steps"] if s.get("name") == "Live run")


def test_the_live_step_passes_every_variable_the_bundled_targets_need(tmp_path: Path) -> None:
    settings = resolve_settings(ROOT, load_pyproject(ROOT), {"--imgsafe-live": True}, {}, cwd=ROOT)
    given = {name: "set" for name in live_step()["env"]}
    assert missing_keys(settings, given) == []


@pytest.mark.slow
def test_the_live_step_runs_green_against_the_sandbox(tmp_path: Path, imgsafe_sandbox: Sandbox) -> None:
    copy_project(tmp_path)
    (tmp_path / "tests").mkdir()  # the project's own tests (testpaths): the step must not collect them
    (tmp_path / "tests" / "test_not_a_corpus.py").write_text("def test_collected_by_mistake():\n    assert False\n")
    step = live_step()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_", "IMGSAFE_"))}
    for name in step["env"]:
        env[name] = "any"
    env["OPENAI_BASE_URL"] = env["IMGSAFE_GATEWAY_BASE_URL"] = imgsafe_sandbox.openai_base_url
    env["AZURE_OPENAI_ENDPOINT"] = imgsafe_sandbox.base_url
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # a few cases of every kind (a chain, the gateway, Azure, an edit) and a fuzz spec, not the whole night
    env["PYTEST_ADDOPTS"] = "-p no:cacheprovider -k 'musk or pipeline-lighthouse or celebrity-names-to-descriptors'"
    assert shutil.which("pytest", path=env["PATH"])
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "test_collected_by_mistake" not in done.stdout
    report = json.loads((tmp_path / "reports" / "drift.json").read_text())
    assert report["totals"]["errors"] == 0 and report["totals"]["ok"] == report["totals"]["items"] > 10
    assert any(r["case"] == "celebrity-names-to-descriptors" for r in report["results"])
    assert {r["target"] for r in report["results"]} >= {"fallback", "gateway", "azure-gpt-image-2"}
    assert (tmp_path / "reports" / "drift.md").exists() and (tmp_path / "reports" / "drift.html").exists()
