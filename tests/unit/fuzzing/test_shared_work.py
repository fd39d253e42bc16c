"""Fuzz work shared across a spec's targets: the same results as each target's own run, with
hypothesis run once for all the targets whose answers meet the expectation."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_imgsafe.base.terms import bundled_tables
from pytest_imgsafe.collect.corpus import REFUSED, Expectation, FuzzSpec
from pytest_imgsafe.fuzzing import fuzz
from pytest_imgsafe.fuzzing.fuzz import FuzzRun, NoVerdict, SharedWork, run_spec
from pytest_imgsafe.providers.outcome import Outcome
from pytest_imgsafe.rewrite import default_rewriter

BLOCK, PASS = Expectation("block"), Expectation("pass")


def _spec(strategy: str, max_examples: int, variations: bool) -> FuzzSpec:
    return FuzzSpec(
        id="shared",
        template="A {shot} of {ip} {place}",
        path=Path("corpora/x.yaml"),
        line=2,
        targets=("a", "b", "c"),
        expect={},
        slots={"shot": ("cartoon", "poster", "sticker"), "ip": "table:copyrighted_ip", "place": ("in space", "at sea")},
        strategy=strategy,
        max_examples=max_examples,
        variations=variations,
    )


class Target:
    """A made-up target: blocks a prompt when its hash (salted by the target) falls under
    ``blocks`` of 16; gives no verdict when it falls under ``errors`` of 64."""

    def __init__(self, salt: int, blocks: int, errors: int) -> None:
        self.salt, self.blocks, self.errors = salt, blocks, errors

    def __call__(self, prompt: str, kind: str | None) -> Outcome:
        h = int(hashlib.sha256(f"{self.salt}:{kind}:{prompt}".encode()).hexdigest()[:8], 16)
        if h % 64 < self.errors:
            raise NoVerdict(f"no verdict for {prompt!r}")
        return Outcome("block", "input", "flagged", "made-up") if h % 16 < self.blocks else Outcome("pass")


def _same(a: FuzzRun, b: FuzzRun) -> None:
    assert (a.seed, a.examples, a.drawn) == (b.seed, b.examples, b.drawn)
    assert a.failure == b.failure
    assert (str(a.error) if a.error else None) == (str(b.error) if b.error else None)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    strategy=st.sampled_from(["ip_to_archetype", "soften_violence"]),
    max_examples=st.integers(1, 8),
    variations=st.booleans(),
    expect=st.sampled_from(
        [{"original": PASS}, {"original": BLOCK}, {"rewritten": PASS}, {"original": BLOCK, "rewritten": REFUSED}]
    ),
    targets=st.lists(
        st.tuples(st.integers(0, 99), st.sampled_from([0, 0, 1, 16]), st.sampled_from([0, 0, 0, 2])),
        min_size=1,
        max_size=4,
    ),
    run_seed=st.one_of(st.none(), st.integers(0, 2**16)),
)
def test_shared_work_gives_each_target_the_result_of_its_own_run(
    strategy: str,
    max_examples: int,
    variations: bool,
    expect: dict[str, Expectation],
    targets: list[tuple[int, int, int]],
    run_seed: int | None,
) -> None:
    spec = _spec(strategy, max_examples, variations)
    rewriter, tables = default_rewriter(), bundled_tables()
    shared = SharedWork()
    for salt, blocks, errors in targets:
        ask = Target(salt, blocks, errors)
        alone = run_spec(spec, expect, ask, rewriter=rewriter, tables=tables, run_seed=run_seed)
        together = run_spec(spec, expect, ask, rewriter=rewriter, tables=tables, run_seed=run_seed, shared=shared)
        _same(together, alone)


def test_hypothesis_runs_once_for_the_targets_that_meet_the_expectation(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[int] = []
    real = fuzz.stable_draws

    def counted():  # type: ignore[no-untyped-def]
        runs.append(1)
        return real()

    monkeypatch.setattr(fuzz, "stable_draws", counted)
    spec, shared = _spec("ip_to_archetype", 10, True), SharedWork()
    never_blocks = [Target(salt, 0, 0) for salt in range(3)]
    results = [
        run_spec(spec, {"original": PASS}, ask, rewriter=default_rewriter(), tables=bundled_tables(), shared=shared)
        for ask in never_blocks
    ]
    assert len(runs) == 1
    assert results[0].examples == 10 and all(r.drawn == results[0].drawn for r in results)
    # a target whose answers break the expectation gets hypothesis (and its shrinking) again
    broken = run_spec(
        spec, {"original": PASS}, Target(7, 16, 0), rewriter=default_rewriter(), tables=bundled_tables(), shared=shared
    )
    assert len(runs) == 2 and broken.failure is not None


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    strategy=st.sampled_from(["ip_to_archetype", "soften_violence"]),
    max_examples=st.integers(1, 8),
    variations=st.booleans(),
    expect=st.sampled_from([{"original": PASS}, {"original": BLOCK}, {"original": BLOCK, "rewritten": REFUSED}]),
    target=st.tuples(st.integers(0, 99), st.sampled_from([0, 0, 1, 16]), st.sampled_from([0, 0, 0, 2])),
)
def test_recorded_draws_give_the_result_of_hypothesis_own_run(
    strategy: str, max_examples: int, variations: bool, expect: dict[str, Expectation], target: tuple[int, int, int]
) -> None:
    """A recording's draws (made by a run that met the expectation) checked without hypothesis
    give what hypothesis gives, for any target: clean, failing (shrunk as before) or without a
    verdict; and hypothesis is not imported for the draws when every example holds."""
    spec = _spec(strategy, max_examples, variations)
    rewriter, tables = default_rewriter(), bundled_tables()
    recorded = tuple(run_spec(spec, {"original": PASS}, Target(1, 0, 0), rewriter=rewriter, tables=tables).drawn)
    ask = Target(*target)
    alone = run_spec(spec, expect, ask, rewriter=rewriter, tables=tables)
    replayed = run_spec(spec, expect, ask, rewriter=rewriter, tables=tables, recorded=recorded)
    _same(replayed, alone)


def test_recorded_draws_skip_hypothesis_when_every_example_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec("ip_to_archetype", 10, True)
    rewriter, tables = default_rewriter(), bundled_tables()
    recorded = tuple(run_spec(spec, {"original": PASS}, Target(1, 0, 0), rewriter=rewriter, tables=tables).drawn)
    runs: list[int] = []
    real = fuzz._with_hypothesis

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(fuzz, "_with_hypothesis", counted)
    clean = run_spec(spec, {"original": PASS}, Target(2, 0, 0), rewriter=rewriter, tables=tables, recorded=recorded)
    assert runs == [] and clean.drawn == list(recorded) and clean.examples == 10
    broken = run_spec(spec, {"original": PASS}, Target(7, 16, 0), rewriter=rewriter, tables=tables, recorded=recorded)
    assert runs == [1] and broken.failure is not None


def test_the_fingerprint_of_the_draws_changes_with_what_decides_them() -> None:
    import dataclasses

    spec, tables = _spec("ip_to_archetype", 10, True), bundled_tables()
    base = fuzz.draws_fingerprint(spec, tables, 1)
    assert fuzz.draws_fingerprint(spec, tables, 1) == base
    assert fuzz.draws_fingerprint(spec, tables, 2) != base
    assert fuzz.draws_fingerprint(dataclasses.replace(spec, max_examples=11), tables, 1) != base
    assert fuzz.draws_fingerprint(dataclasses.replace(spec, variations=False), tables, 1) != base
    assert fuzz.draws_fingerprint(dataclasses.replace(spec, template="A {shot} of {ip}"), tables, 1) != base
    fewer = {
        **tables,
        "copyrighted_ip": dataclasses.replace(tables["copyrighted_ip"], terms=tables["copyrighted_ip"].terms[1:]),
    }
    assert fuzz.draws_fingerprint(spec, fewer, 1) != base
