"""The lower bounds the localization benchmark reports are what an exhaustive search over every
strategy finds, for prompts small enough to search exhaustively."""

from __future__ import annotations

import itertools
from fractions import Fraction
from functools import cache

import pytest

from benchmarks.localize_bench import exact_floor_single, issue_floor_single, repeated_binary_search_single


def _fewest_questions(n: int, hypotheses: list[tuple[bool, ...]], truths: set[int]) -> Fraction:
    """The fewest questions on average (truths equally likely) after which only the truth is left
    among ``hypotheses`` (each a verdict per sub-prompt, as a bit mask), over every adaptive strategy
    that may ask about any sub-prompt; the whole prompt is known blocked."""
    full = (1 << n) - 1
    start = frozenset(i for i, h in enumerate(hypotheses) if h[full])

    @cache
    def best(state: frozenset[int]) -> Fraction:
        mass = len(state & truths)
        if mass == 0 or len(state) == 1:
            return Fraction(0)
        out: Fraction | None = None
        for q in range(1, full):
            yes = frozenset(i for i in state if hypotheses[i][q])
            if not yes or yes == state:
                continue
            share = Fraction(len(yes & truths), mass)
            v = 1 + share * best(yes) + (1 - share) * best(state - yes)
            out = v if out is None or v < out else out
        assert out is not None
        return out

    return best(start)


def _any_of(n: int, mask: int) -> tuple[bool, ...]:
    return tuple(bool(q & mask) for q in range(1 << n))


def _all_of(n: int, mask: int) -> tuple[bool, ...]:
    return tuple(q & mask == mask for q in range(1 << n))


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_the_floor_for_the_issues_promise_is_exact(n: int) -> None:
    # any number of single triggers, and a pair that blocks only together
    hypotheses = [_any_of(n, m) for m in range(1, 1 << n)]
    hypotheses += [_all_of(n, (1 << a) | (1 << b)) for a, b in itertools.combinations(range(n), 2)]
    truths = {i for i in range(len(hypotheses)) if i < (1 << n) - 1 and bin(i + 1).count("1") == 1}
    assert len(truths) == n
    assert float(_fewest_questions(n, hypotheses, truths)) == pytest.approx(issue_floor_single(n))


@pytest.mark.parametrize("n", [3, 4])
def test_the_floor_for_a_proof_against_any_classifier_is_exact(n: int) -> None:
    # every monotone verdict (a superset of a blocked sub-prompt blocks) that blocks the whole prompt
    subsets = range(1 << n)
    hypotheses: set[tuple[bool, ...]] = set()
    for size in range(1, n + 1):  # a monotone verdict is the sub-prompts over any antichain of cores
        for cores in itertools.combinations(subsets[1:], size):
            if any(a != b and a & b == a for a in cores for b in cores):
                continue
            hypotheses.add(tuple(any(q & c == c for c in cores) for q in subsets))
    ordered = sorted(hypotheses)
    truths = {ordered.index(_any_of(n, 1 << p)) for p in range(n)}
    assert float(_fewest_questions(n, ordered, truths)) == pytest.approx(exact_floor_single(n))


def test_one_trigger_cannot_be_told_from_a_pair_in_fewer_questions_than_repeated_binary_search() -> None:
    # what "never above repeated binary search" meets in the benchmark's one-trigger cells: even the
    # issue's weaker promise costs more than repeated binary search, which names half of a pair
    for n in (10, 20, 50, 100):
        assert issue_floor_single(n) > repeated_binary_search_single(n)
        assert exact_floor_single(n) > issue_floor_single(n)
