"""Localization is exact and proven by its own answers, and it never names a trigger it could
not settle: random trigger sets in the two benchmark models, and classifiers that answer at
random or change their mind every time."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_imgsafe.diagnosis.localize import localize, search_cores


@st.composite
def trigger_sets(draw: st.DrawFn) -> tuple[int, str, set[int]]:
    """n units, a model ("any": blocked if any trigger is kept; "all": blocked only if every unit of
    the group is kept) and its triggers."""
    model = draw(st.sampled_from(["any", "all"]))
    n = draw(st.integers(1 if model == "any" else 2, 60))
    low = 1 if model == "any" else 2
    k = draw(st.integers(low, min(n, 5 if model == "any" else 3)))
    return n, model, set(draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k, unique=True)))


@settings(max_examples=300, deadline=None)
@given(trigger_sets())
def test_every_trigger_set_is_found_exactly_and_proven_by_the_answers(case: tuple[int, str, set[int]]) -> None:
    n, model, triggers = case
    asked: dict[frozenset[int], bool] = {}

    def blocked(keep: list[int]) -> bool:
        kept = set(keep)
        answer = bool(triggers & kept) if model == "any" else triggers <= kept
        asked[frozenset(kept)] = answer
        return answer

    found = search_cores(n, blocked, 10_000)
    want = sorted([t] for t in triggers) if model == "any" else [sorted(triggers)]
    assert sorted(found.cores) == want
    assert not found.uncertain and not found.contradicted and not found.exhausted
    assert found.queries == len(asked)  # never the same question twice
    # The answers prove it for any classifier whose verdict grows with the kept words: every
    # core was seen blocked (or is the whole prompt), each part of a core without one unit, and
    # the rest without the cores, were seen clean (or lie inside a sub-prompt seen clean).
    everything = frozenset(range(n))
    positive = [s for s, a in asked.items() if a] + [everything]
    negative = [s for s, a in asked.items() if not a]
    rest = everything - {u for core in found.cores for u in core}
    for core in found.cores:
        assert any(s <= frozenset(core) for s in positive)
        for u in core:
            part = frozenset(core) - {u}
            assert not part or any(part <= s for s in negative)
    assert not rest or any(rest <= s for s in negative)


def _random_classifier(seed: int):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    return lambda keep: rng.random() < 0.5


def _flip_flop(start: bool):  # type: ignore[no-untyped-def]
    state = [start]

    def blocked(keep: list[int]) -> bool:
        state[0] = not state[0]
        return state[0]

    return blocked


def _check_nothing_wrong(n: int, budget: int, confirm: int, classifier) -> None:  # type: ignore[no-untyped-def]
    calls = [0]

    def counted(keep: list[int]) -> bool:
        calls[0] += 1
        return bool(classifier(keep))

    found = search_cores(n, counted, budget, confirm=confirm)
    assert found.queries == calls[0] <= budget
    # No fixed set of triggers explains these answers: nothing is named...
    assert found.cores == []
    # ...and whatever the answers implicated is reported as uncertain, unless the budget allowed
    # no question at all.
    if budget > 0 and n > 0:
        assert found.uncertain and (found.contradicted or found.exhausted)
        assert all(0 <= u < n for core in found.uncertain for u in core)


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 40), st.integers(0, 80), st.integers(0, 2**32 - 1))
def test_a_classifier_answering_at_random_ends_within_budget_names_nothing_and_flags_uncertain(
    n: int, budget: int, seed: int
) -> None:
    # confirm=12: each core found must block twelve times more and the rest (never empty with two
    # units or more) stay clean twelve times; a fair coin passes that with chance 2**-24
    _check_nothing_wrong(n, budget, 12, _random_classifier(seed))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 40), st.integers(0, 80), st.booleans(), st.integers(2, 4))
def test_a_classifier_that_changes_its_mind_every_time_names_nothing_and_flags_uncertain(
    n: int, budget: int, start: bool, confirm: int
) -> None:
    # two answers in a row to the same question differ: any confirmation of two or more catches it
    _check_nothing_wrong(n, budget, confirm, _flip_flop(start))


def test_without_confirmation_the_same_classifiers_do_get_words_named() -> None:
    # What the two tests above guard against: without confirm, both classifiers look consistent.
    named = sum(bool(search_cores(20, _random_classifier(s), 60).cores) for s in range(50))
    assert named == 50
    assert search_cores(20, _flip_flop(True), 60).cores or search_cores(20, _flip_flop(False), 60).cores


def test_localize_passes_the_budget_rules_through() -> None:
    prompt = "A photo of Elon Musk on Mars at night with a bleeding wound"
    for seed in range(20):
        rng = random.Random(seed)
        result = localize(prompt, lambda text, rng=rng: rng.random() < 0.5, budget=25, confirm=12)
        assert result.queries <= 25 and result.triggers == ()
        assert result.uncertain and (result.contradicted or result.budget_exhausted)
