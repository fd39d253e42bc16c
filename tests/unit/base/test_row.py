"""The typed result row: its JSON form, its one grouping, and why an item got no verdict as data."""

from __future__ import annotations

import json

import jsonschema
import pytest

from pytest_imgsafe.base.row import Row, history_index, rows_of, with_verdict
from tests.conftest import ROOT

SCHEMA = json.loads((ROOT / "pytest_imgsafe" / "schema" / "report.schema.json").read_text())


def row(**given: object) -> Row:
    return Row.from_dict({"case": "c", "target": "t", "expected": "pass", "status": "ok", "mode": "live", **given})


def test_the_json_row_goes_and_comes_back_whole() -> None:
    first = row(actual="block:input", code="moderation_blocked", categories=["x"], steps=[("a", "b")], prompt="p")
    again = Row.from_dict(json.loads(json.dumps(first.as_dict())))
    assert again.as_dict() == first.as_dict()
    assert first.as_dict()["steps"] == [["a", "b"]]
    # fields that are never null in the schema are left out rather than written as null
    assert "fuzz" not in first.as_dict() and "error_kind" not in first.as_dict()
    validator = jsonschema.Draft202012Validator(SCHEMA["$defs"]["result"])
    validator.validate(first.as_dict())
    validator.validate(row(fuzz={"seed": 1, "examples": 3}).as_dict())


def test_an_error_keeps_its_kind_status_and_code_as_data() -> None:
    limited = row(status="error", error="anything at all", error_kind="rate_limited", http_status=429, code="rl")
    assert limited.error_group == "rate_limited, HTTP 429, rl"
    assert row(status="error", error="no recording").error_group is None
    jsonschema.Draft202012Validator(SCHEMA["$defs"]["result"]).validate(limited.as_dict())


@pytest.mark.parametrize(
    ("given", "group"),
    [
        ({"status": "drift: now passes", "outcome": "failed"}, "changed"),
        ({"status": "mismatch", "outcome": "failed"}, "changed"),
        ({"status": "error", "outcome": "skipped"}, "error"),  # a tolerated non-verdict is xfailed
        ({"status": "skipped", "outcome": "skipped"}, "skipped"),
        ({"status": "mismatch", "outcome": "skipped"}, "skipped"),  # the corpus marked it xfail
        ({"status": "ok", "outcome": "failed", "when": "setup"}, "error"),
        ({"status": "flaky", "outcome": "passed"}, "flaky"),
        ({"status": "ok", "outcome": "passed"}, "ok"),
        ({"status": "ok"}, "ok"),
    ],
)
def test_one_grouping_of_rows(given: dict[str, object], group: str) -> None:
    assert row(**given).group == group


def test_junit_gets_a_short_reference_not_the_row() -> None:
    assert str(row(actual="pass", prompt="x" * 500)) == "c [t]: ok (pass)"


def test_one_history_index() -> None:
    nights = [
        {"run": {"finished": "n1"}, "results": [row(actual="pass").as_dict(), row(case="d", status="error").as_dict()]},
        {
            "run": {"finished": "n2"},
            "results": [row(actual="block").as_dict(), row(case="d", status="skipped").as_dict()],
        },
    ]
    index = history_index(nights)
    assert index == {("c", "t"): [("n1", "pass"), ("n2", "block")], ("d", "t"): [("n1", "error"), ("n2", "skipped")]}
    assert with_verdict(index[("d", "t")]) == []
    assert [r.key for r in rows_of(nights[0])] == [("c", "t"), ("d", "t")]
