"""Trigger localization against classifiers that are not a fixed function of the prompt: the
search ends within its budget and reports what it could not settle instead of naming it."""

from __future__ import annotations

import random

import pytest

from pytest_imgsafe.diagnosis.localize import localize, search_cores


def _flaky(rng: random.Random, trigger: int, hit: float = 0.8, false_alarm: float = 0.05):  # type: ignore[no-untyped-def]
    """A stochastic output filter: it blocks a prompt with the trigger most of the time, and
    now and then one without it (it judges a freshly generated image, not the prompt)."""

    def blocked(keep: list[int]) -> bool:
        return rng.random() < (hit if trigger in keep else false_alarm)

    return blocked


@pytest.mark.parametrize("confirm", [0, 1, 3])
def test_every_search_ends_within_its_budget(confirm: int) -> None:
    rng = random.Random(confirm)
    for _ in range(300):
        n, budget = rng.randint(0, 30), rng.randint(0, 40)
        asked: list[list[int]] = []

        def oracle(keep: list[int], asked: list[list[int]] = asked) -> bool:
            asked.append(keep)
            return rng.random() < 0.5

        found = search_cores(n, oracle, budget, confirm=confirm)
        assert found.queries == len(asked) <= budget
        units = [u for core in found.cores + found.uncertain for u in core]
        assert len(units) == len(set(units))  # settled and uncertain cores never share a unit
        if found.contradicted:
            assert not found.cores  # a classifier that changed its mind settles nothing


@pytest.mark.slow
def test_a_classifier_answering_at_random_is_caught_by_confirmation() -> None:
    rng = random.Random(11)
    named = {0: 0, 3: 0}
    for confirm in named:
        for _ in range(300):
            found = search_cores(rng.randint(5, 30), lambda keep: rng.random() < 0.5, 60, confirm=confirm)
            named[confirm] += bool(found.cores)
    # Without confirmation every search names something (a random classifier can look perfectly
    # consistent to a search that never asks what it can infer); with it, almost none does.
    assert named[0] == 300
    assert named[3] <= 6


@pytest.mark.slow
def test_a_stochastic_output_filter_gets_its_trigger_named_or_marked_uncertain() -> None:
    rng = random.Random(5)
    wrong = {0: 0, 3: 0}
    for confirm in wrong:
        for _ in range(300):
            n = rng.randint(5, 30)
            trigger = rng.randrange(n)
            found = search_cores(n, _flaky(rng, trigger), 60, confirm=confirm)
            named = {u for core in found.cores for u in core}
            wrong[confirm] += bool(named - {trigger})
            if not found.contradicted and not found.exhausted and confirm:
                assert named <= {trigger}
    assert wrong[0] > 100  # misses make the trigger look like half of a pair, false alarms add more
    assert wrong[3] <= 15


def test_a_budget_that_ends_mid_core_reports_the_unit_as_uncertain() -> None:
    # Unit 7 needs unit 2: the budget ends while its partner is searched for.
    found = search_cores(20, lambda keep: {2, 7} <= set(keep), budget=6)
    assert found.exhausted and found.queries == 6 and not found.cores
    assert found.uncertain and 7 in found.uncertain[0]


def test_localize_reports_uncertain_words_and_contradictions() -> None:
    answers = iter([True, False] * 50)  # a classifier that changes its mind every time
    result = localize("A photo of Elon Musk on Mars at night", lambda text: next(answers), budget=30, confirm=2)
    assert result.contradicted and result.triggers == () and result.queries <= 30
    # what the search had found is reported, as uncertain, in the prompt's own words
    assert result.uncertain and {w for core in result.uncertain for w in core} <= {u.text for u in result.units}
    steady = localize("A photo of Elon Musk on Mars at night", lambda text: "Musk" in text, budget=30, confirm=2)
    assert steady.triggers == (("Elon Musk",),) and not steady.uncertain and not steady.contradicted
