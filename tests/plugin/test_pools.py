"""A target's key pool in a live run against the sandbox: one member refusing every call, the
others answer; the report counts calls per member by name, and no key reaches it."""

from __future__ import annotations

import json

import pytest

from pytest_imgsafe.sandbox import Sandbox
from tests.conftest import PROJECT_HEAD, write_corpus
from tests.plugin.test_live import live, many_cases

POOL_PYPROJECT = (
    PROJECT_HEAD.format()
    + """concurrency = 4
max_retries = 2
pool = [
  { name = "east", api_key_env = "KEY_EAST", rpm = 600 },
  { name = "west", api_key_env = "KEY_WEST", base_url_env = "WEST_URL", rpm = 600 },
]
"""
)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
# 600 rpm each: the first calls book slots 0.1 s apart, so the second member is asked at once
# however slowly a loaded machine runs the callers (a pace that catches up keeps a member that is
# behind its schedule first, and at 3000 rpm every caller of a busy machine is behind)
def test_a_member_that_answers_429_leaves_its_work_to_the_others(
    project: pytest.Pytester, imgsafe_sandbox, monkeypatch: pytest.MonkeyPatch, workers: list[str]
) -> None:
    project.makefile(".toml", pyproject=POOL_PYPROJECT)
    write_corpus(project, "many", many_cases(30, targets="[gpt-image-2]"))
    monkeypatch.setenv("KEY_EAST", "sk-imgsafe-EAST-0123456789abcdefSECRET")
    monkeypatch.setenv("KEY_WEST", "sk-imgsafe-WEST-0123456789abcdefSECRET")
    with Sandbox() as west:
        west.set_faults("429:1", seed=1)
        monkeypatch.setenv("WEST_URL", west.openai_base_url)
        result = live(project, "--imgsafe-report", "drift.json", *workers)
        refused = len(west.requests)
    result.assert_outcomes(passed=30)
    text = (project.path / "drift.json").read_text()
    assert "EAST-0123" not in text and "WEST-0123" not in text
    pools = json.loads(text)["totals"]["pools"]["gpt-image-2"]
    assert pools["east"]["calls"] == 30 and pools["west"]["calls"] == 0
    assert pools["west"]["refused"] == refused >= 1
    assert len([r for r in imgsafe_sandbox.requests if r.get("status") == 200]) == 30  # none lost, none twice
