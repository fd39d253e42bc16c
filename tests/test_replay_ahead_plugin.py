"""Replay through pytest with read-ahead, and what the run freezes: every item its own answer in
any order the items run, and the collected objects frozen through pytest's last garbage
collections, then given back (this run is inside the test session's own)."""

from __future__ import annotations

import gc
import json

import pytest

from .conftest import write_corpus

PROMPTS = ["a calm lake at dawn", "a bleeding wound, close up", "a lighthouse in fog", "a field of sunflowers"]

# Every replayed answer is checked against its own item's prompt: the sandbox's moderation id is
# derived from the prompt it judged.
CHECKER = """
import hashlib, json, os
import pytest


def pytest_collection_modifyitems(items):
    if os.environ.get("REVERSE_ITEMS"):
        items.reverse()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    result = yield
    answer = item.result.answer
    expected = "modr-" + hashlib.sha256(json.dumps(item.case.prompt, sort_keys=True).encode()).hexdigest()[:32]
    assert json.loads(answer.body)["id"] == expected if isinstance(answer.body, bytes) else answer.body["id"] == expected, "another prompt's answer"
    return result
"""


@pytest.fixture
def recorded(project: pytest.Pytester) -> pytest.Pytester:
    lines = ["defaults:\n  targets: [moderation]\n  scenario: benign\ncases:"]
    for n in range(60):
        lines.append(f"  - id: case-{n:03d}\n    prompt: {PROMPTS[n % 4]}, number {n}\n    expect: {'block:input' if n % 4 == 1 else 'pass'}")
    write_corpus(project, "many", "\n".join(lines) + "\n")
    project.makepyfile(imgsafe_checker=CHECKER)
    project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=60)
    return project


@pytest.mark.parametrize("reverse", [False, True], ids=["in-order", "reversed"])
def test_every_replayed_item_gets_the_answer_to_its_own_prompt(recorded: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, reverse: bool) -> None:
    monkeypatch.syspath_prepend(recorded.path)
    if reverse:
        monkeypatch.setenv("REVERSE_ITEMS", "1")
    broken = recorded.path / "cassettes" / "moderation" / "case-030.json"
    broken.write_bytes(broken.read_bytes()[:200])  # cut short: an error for this item only
    result = recorded.runpytest("--imgsafe", "-p", "imgsafe_checker", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=59, errors=1)
    result.stdout.fnmatch_lines(["*cassettes/moderation/case-030.json is not valid JSON (it looks truncated)*"])


def test_under_xdist_every_item_gets_the_answer_to_its_own_prompt(recorded: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("xdist")
    monkeypatch.setenv("PYTHONPATH", str(recorded.path))
    monkeypatch.setenv("REVERSE_ITEMS", "1")
    result = recorded.runpytest_subprocess("--imgsafe", "-p", "imgsafe_checker", "-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=60)


class FreezeWatcher:
    """Sees how much is frozen when pytest's own plugins unconfigure (they collect garbage then)."""

    frozen_at_unconfigure = -1

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.frozen_at_unconfigure = gc.get_freeze_count()


def test_the_collected_items_stay_frozen_through_pytests_last_collections_and_are_given_back(project: pytest.Pytester) -> None:
    project.makefile(".toml", pyproject=(project.path / "pyproject.toml").read_text() + '\n[tool.imgsafe.targets.local]\nkind = "screen"\n')
    write_corpus(project, "local", "defaults:\n  targets: [local]\ncases:\n  - id: calm\n    prompt: a calm lake\n    expect: pass\n")
    assert gc.get_freeze_count() == 0
    watcher = FreezeWatcher()
    project.runpytest_inprocess("--imgsafe", "-p", "no:cacheprovider", plugins=[watcher]).assert_outcomes(passed=1)
    assert watcher.frozen_at_unconfigure > 0
    assert gc.get_freeze_count() == 0


def test_without_imgsafe_nothing_is_frozen(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    pass\n")
    watcher = FreezeWatcher()
    pytester.runpytest_inprocess("-p", "no:cacheprovider", plugins=[watcher]).assert_outcomes(passed=1)
    assert watcher.frozen_at_unconfigure == 0
    assert json.dumps(gc.get_freeze_count()) == "0"
