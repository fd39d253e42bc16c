"""A pattern a person wrote that could take time without end is refused with the reason; every
other pattern runs as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_imgsafe.base.patterns import backtracking_problem
from pytest_imgsafe.base.terms import load_table_file

EXPONENTIAL = ["^(a+)+$", "^(a|aa)+$", r"(\w+\s?)+$", "(.*)*", "(a?)+$", "^(a|b|ab)*c", r"^(a?){28}a{28}$", "(x+x+)+y"]
POLYNOMIAL = [".*.*.*.*.*.*.*.*.*.*.*=$", "(?i).*blocked.*safety.*policy"]
FINE = [
    "(?i)blocked",
    "(?i)(foo|bar)+",
    "(?:ab)+",
    r"content[_ ]filter",
    r"(x|y)*z",
    r"(?i)(sensitive|unsafe) (word|content)s?",
    r"\s*error\s*:\s*(.+)$",
    r"[^,]*,[^,]*,[^,]*,",
    "(?i).*blocked.*",
]


@pytest.mark.parametrize("pattern", EXPONENTIAL)
def test_a_pattern_whose_time_doubles_with_each_character_is_refused(pattern: str) -> None:
    assert "doubles with every character" in (backtracking_problem(pattern) or "")


@pytest.mark.parametrize("pattern", POLYNOMIAL)
def test_a_pattern_with_more_than_two_wildcards_is_refused(pattern: str) -> None:
    assert "more than 2 unbounded repetitions of any character" in (backtracking_problem(pattern) or "")


@pytest.mark.parametrize("pattern", FINE)
def test_patterns_that_match_in_one_way_run_as_written(pattern: str) -> None:
    assert backtracking_problem(pattern) is None


def test_a_term_tables_pattern_is_checked_as_a_rules_is(tmp_path: Path) -> None:
    table = tmp_path / "mine.yaml"
    table.write_text('scenario: celebrity\nterms: {2: [someone]}\npatterns: {2: ["(x+x+)+y"]}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"mine\.yaml: pattern '\(x\+x\+\)\+y' \(level 2\) repeats a group"):
        load_table_file(table)
