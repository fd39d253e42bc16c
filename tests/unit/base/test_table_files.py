"""One reader of table files, bundled or a user's; one helper for bundled files; one way to show a path."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_imgsafe.base import terms
from pytest_imgsafe.base.files import bundled_text, shown_path
from pytest_imgsafe.rewrite import RewriteTableError, tables


@pytest.mark.parametrize(
    ("load", "error"), [(terms.load_table_file, ValueError), (tables.load_table_file, RewriteTableError)]
)
def test_a_users_table_that_is_not_yaml_is_a_clear_error_naming_the_file(
    tmp_path: Path, load: object, error: type[Exception]
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("scenario: [unclosed\n", encoding="utf-8")
    with pytest.raises(error, match=r"mine\.yaml:2: this (term|rewrite) table is not valid YAML"):
        load(path)  # type: ignore[operator]
    with pytest.raises(error, match=r"missing\.yaml: cannot read this (term|rewrite) table"):
        load(tmp_path / "missing.yaml")  # type: ignore[operator]
    path.write_text("scenario: celebrity\nterms: [1, 2]\n", encoding="utf-8")
    with pytest.raises(error, match=r"mine\.yaml"):  # a value of the wrong shape: named, never a traceback
        load(path)  # type: ignore[operator]


def test_bundled_tables_of_both_kinds_come_through_the_same_reader() -> None:
    assert set(terms.bundled_tables()) == set(terms.SCENARIOS)
    assert set(tables.bundled_tables()) == set(tables.TABLE_STRATEGIES)
    assert "gpt-image-2" in bundled_text("data", "prices.yaml")


def test_a_path_is_shown_relative_to_the_root_when_it_is_under_it(tmp_path: Path) -> None:
    assert shown_path(tmp_path / "cassettes" / "a.json", tmp_path) == "cassettes/a.json"
    assert shown_path(str(tmp_path / "x"), str(tmp_path) + "/") == "x"
    assert shown_path("/elsewhere/a.json", tmp_path) == "/elsewhere/a.json"
    assert shown_path(f"{tmp_path}-sibling/a.json", tmp_path) == f"{tmp_path}-sibling/a.json"
