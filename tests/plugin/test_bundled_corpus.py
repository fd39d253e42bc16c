"""The README's main job: the bundled corpus replays green from the bundled cassettes, offline."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings

import pytest

from pytest_imgsafe.collect.corpus import Expectation
from tests.conftest import ROOT

BASE = {
    "gpt-image-2": "images.generate",
    "gpt-image-2-all": "chat-image",
    "nano-banana": "chat-image",
    "moderation": "moderation",
}
KINDS = {
    **BASE,
    "gpt-image-2-edit": "images.edit",
    "azure-gpt-image-2": "images.generate",
    "fallback": "chain",
    "gateway": "gateway",
}


@pytest.mark.slow
def test_bundled_corpus_replays_offline_with_no_key() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    env["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1"  # nothing listens: any network use would fail
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--imgsafe", "corpora", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    # however many cases a team adds: every item passes, and the summary counts them all as expected
    passed = re.search(r"^=* ?(\d+) passed in ", result.stdout, re.M)
    assert passed, result.stdout[-3000:]
    items = passed.group(1)
    assert f"imgsafe (replay): {items} items: {items} as expected, 0 changed outcome, 0 without a verdict" in (
        result.stdout
    )


def test_bundled_corpus_covers_every_scenario_with_ten_cases_or_more() -> None:
    from pytest_imgsafe.collect.corpus import load_corpus

    counts: dict[str, int] = {}
    for path in (ROOT / "corpora").glob("*.yaml"):
        for case in load_corpus(path, KINDS).cases:
            counts[case.scenario or ""] = counts.get(case.scenario or "", 0) + 1
            assert set(case.expect) == set(BASE) or path.name in ("pipelines.yaml", "edits.yaml"), case.id
    assert set(counts) == {
        "celebrity",
        "living_artist",
        "copyrighted_ip",
        "violence",
        "sexual",
        "minors",
        "hate",
        "benign",
    }
    assert min(counts.values()) >= 10


def test_bundled_cassettes_come_from_the_sandbox_and_hold_no_image_bytes() -> None:
    from pytest_imgsafe.collect.corpus import load_corpus

    # a cassette per case item (per link of a chain or gateway), per fuzz item, the describer's; a
    # team's own imgsafe_client cassettes (under tests/) and the cases it adds are its own business
    ids = set()
    for corpus in (ROOT / "corpora").glob("*.yaml"):
        loaded = load_corpus(corpus, KINDS)
        ids |= {c.id for c in loaded.cases} | {s.id for s in loaded.fuzz}
    files = sorted(
        p for p in (ROOT / "cassettes").rglob("*.json") if p.relative_to(ROOT / "cassettes").parts[0] != "tests"
    )
    assert len(files) >= len(ids)
    for path in files:
        item_id = path.name.removesuffix(".json").split("@")[0]  # <id>@<link or explain>: an item's other calls
        assert item_id in ids, f"{path}: a cassette of no bundled case or fuzz spec"
        data = json.loads(path.read_text())
        assert data["imgsafe"]["sources"][0]["kind"] == "sandbox", path
        assert path.stat().st_size < 4096 * len(data["interactions"]), path
        assert "iVBORw0KGgo" not in path.read_text(), path


def test_bundled_fuzz_specs_cover_the_rewritable_and_the_prohibited_scenarios() -> None:
    from pytest_imgsafe.collect.corpus import REFUSED, load_corpus

    specs = [s for path in (ROOT / "corpora").glob("fuzz_*.yaml") for s in load_corpus(path, BASE).fuzz]
    rewrites = {s.scenario for s in specs if s.strategy}
    assert rewrites == {"celebrity", "living_artist", "copyrighted_ip", "violence"}
    for s in specs:
        if s.strategy:
            assert s.expect["gpt-image-2"] == {"original": Expectation("block"), "rewritten": Expectation("pass")}
    prohibited = {s.scenario: s for s in specs if not s.strategy}
    assert set(prohibited) == {"sexual", "minors", "hate"}
    for s in prohibited.values():
        assert s.variations
        assert all(e == {"original": Expectation("block"), "rewritten": REFUSED} for e in s.expect.values())
        assert {"gpt-image-2", "gpt-image-2-all", "nano-banana"} <= set(s.targets)


COUNT_HYPOTHESIS = """
import os
from pytest_imgsafe.fuzzing import fuzz, known_rewrites
from pytest_imgsafe.run import items
from pytest_imgsafe.run.session import run_state

RUNS = []
TAKEN = []
_real = fuzz._with_hypothesis
_take = known_rewrites.take_note


def _counted_notes(*args, **kwargs):
    taken = _take(*args, **kwargs)
    TAKEN.append(taken > 0)
    return taken


known_rewrites.take_note = _counted_notes


def _counted(*args, **kwargs):
    RUNS.append(1)
    return _real(*args, **kwargs)


fuzz._with_hypothesis = _counted
if os.environ.get("IMGSAFE_TEST_IGNORE_RECORDED_DRAWS"):
    items._recorded_draws = lambda noted, fingerprint: None
    known_rewrites.take_note = lambda *args, **kwargs: TAKEN.append(False) or 0


def pytest_sessionfinish(session):
    built = run_state(session.config).fuzz_rewriter.built
    with open(os.environ["IMGSAFE_TEST_RUNS"], "w") as out:
        out.write(f"{len(RUNS)} {int(built)} {sum(TAKEN)} {len(TAKEN)}")
"""


@pytest.mark.slow
def test_bundled_fuzz_items_replay_their_recorded_draws_with_the_results_of_hypothesis(tmp_path) -> None:
    """The bundled fuzz cassettes keep the examples their recording drew, and what the rewriter
    made of them: replay checks them without hypothesis and without building the rewriter, and
    gives every fuzz item the row that hypothesis's own run and the rewriter's own work give it.
    (If the notes are stale, e.g. after a change to the fuzz code, the rewriter, its tables or
    hypothesis, note them again with
    ``python scripts/record_bundled.py --imgsafe-record-mode=new_episodes -m fuzz``.)"""
    (tmp_path / "imgsafe_count_hypothesis.py").write_text(COUNT_HYPOTHESIS)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    env.update(OPENAI_BASE_URL="http://127.0.0.1:9/v1", PYTHONPATH=str(tmp_path))
    rows, runs = {}, {}
    for way in ("recorded", "hypothesis"):
        env["IMGSAFE_TEST_RUNS"] = str(tmp_path / f"{way}.runs")
        if way == "hypothesis":
            env["IMGSAFE_TEST_IGNORE_RECORDED_DRAWS"] = "1"
        report = tmp_path / f"{way}.json"
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "--imgsafe", "corpora", "-m", "fuzz", "-q", "-p", "no:cacheprovider"]
            + ["-p", "imgsafe_count_hypothesis", f"--imgsafe-report={report}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout[-3000:]
        runs[way] = tuple(int(n) for n in (tmp_path / f"{way}.runs").read_text().split())
        rows[way] = {
            (r["case"], r["target"]): {k: v for k, v in r.items() if k not in ("duration", "seconds")}
            for r in json.loads(report.read_text(encoding="utf-8"))["results"]
        }
    # (hypothesis runs, rewriter built, items that took noted rewrites, fuzz items): 8 specs, one
    # hypothesis run each, but the spec that asks a describer runs once per target (its 2 items
    # share nothing); the rewriter is never built from fresh notes
    assert runs["hypothesis"] == (9, 1, 0, 29)
    assert runs["recorded"][0] == 0, "stale draws: note them again (see the docstring)"
    if runs["recorded"][2] == 29:
        assert runs["recorded"][1] == 0  # every item took its rewrites from the notes
    else:
        # The notes' fingerprint holds the versions of the libraries the rewriter reads with and
        # Python's Unicode data: another installation computes the rewrites again, with the same
        # rows (asserted below). The notes were made elsewhere, so say it, never fail on it.
        assert runs["recorded"][1] == 1
        warnings.warn(
            f"the bundled rewrite notes are stale for this installation ({runs['recorded'][2]} of 29 "
            "items took them): note them again (see the docstring)",
            stacklevel=1,
        )
    assert len(rows["recorded"]) == 29
    assert rows["recorded"] == rows["hypothesis"]
