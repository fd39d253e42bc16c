"""Replay through pytest with read-ahead, and what the run freezes: every item its own answer in
any order the items run, and the collected objects frozen through pytest's last garbage
collections, then given back (this run is inside the test session's own)."""

from __future__ import annotations

import gc
import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import write_corpus

PROMPTS = ["a calm lake at dawn", "a bleeding wound, close up", "a lighthouse in fog", "a field of sunflowers"]

# Writes down, for every item, its prompt and the id of the answer it was given; the sandbox
# derives a moderation id from the prompt it judged, so the pairs show whose answer it was.
RECORDER = """
import json, os
import pytest


def pytest_collection_modifyitems(items):
    if os.environ.get("REVERSE_ITEMS"):
        items.reverse()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    try:
        return (yield)
    finally:
        answer = getattr(getattr(item, "result", None), "answer", None)
        if answer is not None:
            body = answer.body if isinstance(answer.body, dict) else json.loads(answer.body)
            with open(os.environ["ANSWER_LOG"], "a", encoding="utf-8") as log:
                log.write(json.dumps([item.case.prompt, body["id"]]) + "\\n")
"""


def _answers_belong_to_their_prompts(log: Path) -> int:
    pairs = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    for prompt, answer_id in pairs:
        assert answer_id == "modr-" + hashlib.sha256(json.dumps(prompt, sort_keys=True).encode()).hexdigest()[:32], (
            f"{prompt!r} got another prompt's answer"
        )
    return len(pairs)


@pytest.fixture
def recorded(project: pytest.Pytester) -> pytest.Pytester:
    lines = ["defaults:\n  targets: [moderation]\n  scenario: benign\ncases:"]
    for n in range(60):
        lines.append(
            f"  - id: case-{n:03d}\n    prompt: {PROMPTS[n % 4]}, number {n}\n"
            f"    expect: {'block:input' if n % 4 == 1 else 'pass'}"
        )
    write_corpus(project, "many", "\n".join(lines) + "\n")
    project.makepyfile(imgsafe_checker=RECORDER)
    project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=60)
    return project


@pytest.mark.parametrize("reverse", [False, True], ids=["in-order", "reversed"])
def test_every_replayed_item_gets_the_answer_to_its_own_prompt(
    recorded: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, reverse: bool
) -> None:
    monkeypatch.syspath_prepend(recorded.path)
    monkeypatch.setenv("ANSWER_LOG", str(recorded.path / "answers.log"))
    if reverse:
        monkeypatch.setenv("REVERSE_ITEMS", "1")
    broken = recorded.path / "cassettes" / "moderation" / "case-030.json"
    broken.write_bytes(broken.read_bytes()[:200])  # cut short: an error for this item only
    result = recorded.runpytest("--imgsafe", "-p", "imgsafe_checker", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=59, errors=1)
    result.stdout.fnmatch_lines(["*cassettes/moderation/case-030.json is not valid JSON (it looks truncated)*"])
    assert _answers_belong_to_their_prompts(recorded.path / "answers.log") == 59


@pytest.mark.slow
def test_under_xdist_every_item_gets_the_answer_to_its_own_prompt(
    recorded: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("xdist")
    monkeypatch.setenv("PYTHONPATH", str(recorded.path))
    monkeypatch.setenv("REVERSE_ITEMS", "1")
    monkeypatch.setenv("ANSWER_LOG", str(recorded.path / "answers.log"))
    result = recorded.runpytest_subprocess("--imgsafe", "-p", "imgsafe_checker", "-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=60)
    assert _answers_belong_to_their_prompts(recorded.path / "answers.log") == 60


class FreezeWatcher:
    """Sees how much is frozen when pytest's own plugins unconfigure (they collect garbage then)."""

    frozen_at_unconfigure = -1

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.frozen_at_unconfigure = gc.get_freeze_count()


def test_the_collected_items_stay_frozen_through_pytests_last_collections_and_are_given_back(
    project: pytest.Pytester,
) -> None:
    project.makefile(
        ".toml",
        pyproject=(project.path / "pyproject.toml").read_text() + '\n[tool.imgsafe.targets.local]\nkind = "screen"\n',
    )
    write_corpus(
        project,
        "local",
        "defaults:\n  targets: [local]\ncases:\n  - id: calm\n    prompt: a calm lake\n    expect: pass\n",
    )
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


# Lets the reader process start for a small project (a real run forks only for hundreds of
# items, with a core to spare), and writes down how many verdicts it sent.
READER_ON = """
import json, os
import pytest
from pytest_imgsafe.base import reader_process

if os.environ.get("READER_ON"):
    reader_process.WORTH_A_FORK = 1
    reader_process.spare_core = lambda: True


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    from pytest_imgsafe.run.session import run_state

    reader = run_state(session.config).runner.reader
    with open(os.environ["READER_LOG"], "w", encoding="utf-8") as log:
        log.write(json.dumps(reader.taken if reader is not None else None))
"""


def test_the_reader_process_gives_every_item_the_row_and_failure_text_it_has_without_it(
    recorded: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A subprocess run has one thread, so the reader really forks; each way's rows and text match."""
    corpus = recorded.path / "corpora" / "many.yaml"
    corpus.write_text(  # case-002 was recorded as a pass: now expected to block, it fails
        corpus.read_text(encoding="utf-8").replace(
            "  - id: case-002\n    prompt: a lighthouse in fog, number 2\n    expect: pass",
            "  - id: case-002\n    prompt: a lighthouse in fog, number 2\n    expect: block",
        ),
        encoding="utf-8",
    )
    broken = recorded.path / "cassettes" / "moderation" / "case-030.json"
    broken.write_bytes(broken.read_bytes()[:200])  # cut short: an error for this item only
    recorded.makepyfile(imgsafe_reader_on=READER_ON)
    monkeypatch.setenv("PYTHONPATH", str(recorded.path))
    rows, texts, taken = {}, {}, {}
    for way in ("in-process", "reader"):
        if way == "reader":
            monkeypatch.setenv("READER_ON", "1")
        monkeypatch.setenv("READER_LOG", str(recorded.path / f"{way}.taken"))
        result = recorded.runpytest_subprocess(
            "--imgsafe", "-p", "imgsafe_reader_on", "-p", "no:cacheprovider", "--imgsafe-report=r.json"
        )
        result.assert_outcomes(passed=58, failed=1, errors=1)
        result.stdout.fnmatch_lines(["*cassettes/moderation/case-030.json is not valid JSON (it looks truncated)*"])
        texts[way] = "\n".join(line for line in result.stdout.lines if not line.startswith("=") and " in " not in line)
        report = json.loads((recorded.path / "r.json").read_text(encoding="utf-8"))
        rows[way] = {
            r["case"]: {k: v for k, v in r.items() if k not in ("duration", "seconds")} for r in report["results"]
        }
        taken[way] = json.loads((recorded.path / f"{way}.taken").read_text(encoding="utf-8"))
    assert taken == {"in-process": None, "reader": 59}  # every item but the cut one: its verdict came from the child
    assert rows["reader"] == rows["in-process"]
    assert rows["reader"]["case-002"]["exchange"] is not None  # the failure read its answer again
    assert texts["reader"] == texts["in-process"]
    assert "case 'case-002' on target 'moderation': expected block, got pass" in texts["reader"]
