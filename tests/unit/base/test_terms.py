"""Whole-word, case-, accent-, punctuation- and confusable-insensitive matching of the tables."""

from __future__ import annotations

import pytest

from pytest_imgsafe.base.terms import HARD_PROHIBITED, SCENARIOS, Term, TermIndex, bundled_tables, default_index


def found(text: str) -> list[tuple[str, str]]:
    return [(m.scenario, m.text) for m in default_index().find(text)]


def test_tables_cover_every_scenario_with_real_breadth() -> None:
    tables = bundled_tables()
    assert set(tables) == set(SCENARIOS)
    assert len(tables["celebrity"].terms) >= 200
    assert len(tables["living_artist"].terms) >= 100
    assert len(tables["copyrighted_ip"].terms) >= 300
    assert {s for s, t in tables.items() if t.hard_prohibited} == HARD_PROHIBITED


def test_deceased_artists_are_not_living_artist_triggers() -> None:
    table = bundled_tables()["living_artist"]
    living = {t.text.casefold() for t in table.terms}
    for name in table.not_triggers["deceased_artists"]:
        assert name.casefold() not in living
    assert found("in the style of Van Gogh") == []
    assert found("in the style of Monet") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("SPIDER-MAN at night", [("copyrighted_ip", "SPIDER-MAN")]),
        ("spider man at night", [("copyrighted_ip", "spider man")]),
        ("Spidermanic energy", []),
        ("a Beyoncé concert", [("celebrity", "Beyoncé")]),
        ("a Beyonce concert", [("celebrity", "Beyonce")]),
        ("Mickey Mouse, waving", [("copyrighted_ip", "Mickey Mouse")]),
        ("a photo of Еlon Musk", [("celebrity", "Еlon Musk")]),  # Cyrillic Е
        ("a muskrat by the river", []),
        ("Super Mario jumping", [("copyrighted_ip", "Super Mario")]),
    ],
)
def test_matching_rules(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_spans_point_into_the_original_prompt() -> None:
    text = "Art of Hayao  Miyazaki, with Totoro."
    for m in default_index().find(text):
        assert text[m.start : m.end] == m.text
    assert [m.term for m in default_index().find(text)] == ["Hayao Miyazaki", "Totoro"]


def test_age_pattern_finds_minors_under_eighteen_only() -> None:
    assert found("an 8-year-old girl") == [("minors", "8-year-old")]
    assert found("a 12 year old") == [("minors", "12 year old")]
    assert found("a 35-year-old actress") == []


def test_overlapping_terms_keep_the_longest() -> None:
    index = TermIndex([Term("New York", "x", 1), Term("New York Yankees", "y", 1)])
    assert [m.term for m in index.find("the New York Yankees won")] == ["New York Yankees"]


def test_a_table_term_that_yaml_reads_as_a_number_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pytest_imgsafe.base.terms import load_table_file

    path = tmp_path / "t.yaml"
    path.write_text("scenario: copyrighted_ip\nterms:\n  2: [James Bond, 007]\n")
    with pytest.raises(ValueError, match="term 7 .level 2. is not text; quote it"):
        load_table_file(path)
