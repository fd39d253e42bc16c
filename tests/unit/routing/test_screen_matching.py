"""The fast screen against the slow reference matcher (the term index), on prompts built to hit
its shortcuts: terms of several words with runs of spaces and punctuation between the words,
look-alike letters, case, digits for the age patterns, and the same term twice."""

from __future__ import annotations

from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_imgsafe.base.terms import Term, TermTable, bundled_tables, default_index
from pytest_imgsafe.routing.screen import Screen, ScreenResult, default_screen, screen

_SEPARATORS = [" ", "  ", ", ", " - ", " -- ", "—", ".", "\t", " ,  ", "_", "'", "\n\n  "]
_FILLERS = [
    "A photo of",
    "in the snow",
    "soft light",
    "8-year-old",
    "3D render",
    "Tom",
    "the",
    "Pokémon",
    "Straße",
    "東京",
]


@lru_cache(maxsize=1)
def _bundled_terms() -> list[str]:
    return sorted({t.text for table in bundled_tables().values() for t in table.terms})


@st.composite
def _written(draw: st.DrawFn, words: list[str]) -> str:
    """A term's words as a person might type them: any case, any separators, a look-alike letter."""
    out = words[0]
    for word in words[1:]:
        out += draw(st.sampled_from(_SEPARATORS)) + word
    style = draw(st.sampled_from(["as is", "upper", "lower", "look-alike"]))
    if style == "upper":
        return out.upper()
    if style == "lower":
        return out.lower()
    if style == "look-alike":
        return out.replace("o", "о").replace("a", "а")  # Cyrillic o and a
    return out


@st.composite
def _prompts(draw: st.DrawFn, terms: list[str]) -> str:
    pieces = []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            pieces.append(draw(_written(draw(st.sampled_from(terms)).split())))
        else:
            pieces.append(draw(st.sampled_from(_FILLERS)))
    return "".join(p + draw(st.sampled_from(_SEPARATORS)) for p in pieces)


def _spans(result: ScreenResult) -> list[tuple[str, int, int, str, int, str]]:
    return [(m.term, m.start, m.end, m.scenario, m.level, m.text) for m in result.matches]


@pytest.mark.slow
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_screen_equals_the_term_index_with_any_spacing(data: st.DataObject) -> None:
    prompt = data.draw(_prompts(_bundled_terms()))
    expected = [(m.term, m.start, m.end, m.scenario, m.level, m.text) for m in default_index().find(prompt)]
    assert _spans(screen(prompt)) == expected
    assert bool(screen(prompt)) == default_screen().hit(prompt) == bool(expected)


_LONG_TERMS = [
    "Alpha Beta",
    "Alpha Beta Gamma",
    "Beta Gamma Delta Epsilon Zeta",
    "Gamma",
    "Delta Epsilon",
    "Zeta Eta Theta Iota Kappa Lambda",
]


@lru_cache(maxsize=1)
def _long_screen() -> Screen:
    table = TermTable("copyrighted_ip", tuple(Term(t, "copyrighted_ip", 1) for t in _LONG_TERMS))
    return Screen({"copyrighted_ip": table})


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_terms_of_many_words_and_overlapping_terms(data: st.DataObject) -> None:
    """Terms of up to six words (fewer spacings are keys of their own, the rest take the slow
    path) that overlap and share first words: the longest match wins, left to right."""
    prompt = data.draw(_prompts(_LONG_TERMS))
    sc = _long_screen()
    expected = [(m.term, m.start, m.end, m.scenario, m.level, m.text) for m in sc.index.find(prompt)]
    assert _spans(sc.screen(prompt)) == expected
    assert sc.hit(prompt) == bool(expected)


def test_a_run_of_spaces_longer_than_the_direct_keys_takes_the_slow_path_and_still_matches() -> None:
    prompt = "Spider  ,  -  Man and spider man"
    assert _spans(screen(prompt)) == [
        (m.term, m.start, m.end, m.scenario, m.level, m.text) for m in default_index().find(prompt)
    ]
    assert [m.text for m in screen(prompt).matches] == ["Spider  ,  -  Man", "spider man"]


def test_a_result_is_an_immutable_sequence_of_its_matches() -> None:
    result = screen("Pikachu and Taylor Swift")
    assert len(result) == 2 and result.matches == tuple(result) and result
    assert not screen("A lighthouse at dusk") and screen("A lighthouse at dusk") == ScreenResult()
    assert repr(ScreenResult()) == "ScreenResult(matches=())"
