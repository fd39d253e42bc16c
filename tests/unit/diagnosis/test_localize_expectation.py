"""What the search expects changes how many questions it asks, never what it finds."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_imgsafe.diagnosis.localize import DEFAULT_EXPECTATION, Expectation, search_cores

_expectations = st.builds(
    Expectation,
    st.lists(
        st.tuples(st.integers(1, 4), st.floats(1e-6, 10.0)), min_size=1, max_size=4, unique_by=lambda kw: kw[0]
    ).map(tuple),
    st.floats(1e-6, 0.5),
    st.floats(1e-6, 0.9999),
)


@settings(max_examples=200, deadline=None)
@given(
    _expectations,
    st.integers(3, 25),
    st.lists(st.integers(1, 3), min_size=1, max_size=4),
    st.randoms(use_true_random=False),
)
def test_any_expectation_finds_every_core(expect: Expectation, n: int, sizes: list[int], rng: random.Random) -> None:
    units = list(range(n))
    rng.shuffle(units)
    truth, at = [], 0
    for size in sizes:
        if at + size <= n:
            truth.append(sorted(units[at : at + size]))
            at += size
    found = search_cores(n, lambda keep: any(set(core) <= set(keep) for core in truth), 500, expect=expect)
    assert sorted(found.cores) == sorted(truth) and not found.uncertain and not found.contradicted


def test_a_classifier_known_to_block_on_single_words_is_searched_with_fewer_questions() -> None:
    rng = random.Random(2)
    singles_only = Expectation(((1, 1.0),), more_decay=0.01, pair_share=0.001)
    asked = {"default": 0, "told": 0}
    for _ in range(200):
        trigger = rng.randrange(50)
        for name, expect in (("default", DEFAULT_EXPECTATION), ("told", singles_only)):
            found = search_cores(50, lambda keep, trigger=trigger: trigger in keep, 100, expect=expect)
            assert found.cores == [[trigger]]
            asked[name] += found.queries
    assert asked["told"] < asked["default"]


def test_an_expectation_that_cannot_be_a_prior_is_refused_with_what_was_given() -> None:
    import pytest

    with pytest.raises(ValueError, match=r"trigger_counts needs .* got \(\)"):
        Expectation(())
    with pytest.raises(ValueError, match="pair_share must be in"):
        Expectation(pair_share=1.0)
