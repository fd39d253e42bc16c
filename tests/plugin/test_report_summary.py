"""The Markdown summary fits a CI job summary whatever the run's size, and says what matters first."""

from __future__ import annotations

import json

import jsonschema
import pytest

from pytest_imgsafe.base.row import Row
from pytest_imgsafe.report import markdown
from pytest_imgsafe.report.build import assemble
from pytest_imgsafe.report.digest import error_groups, error_kind
from pytest_imgsafe.report.markdown import LIMIT_BYTES
from tests.conftest import PROJECT_HEAD, ROOT, write_corpus

SCHEMA = ROOT / "pytest_imgsafe" / "schema" / "report.schema.json"


def validate(report: object) -> None:
    """The report agrees with the shipped schema."""
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(report)


RATE_LIMITED = (
    "target '{t}' gave no verdict for case '{c}': rate_limited, HTTP 429, "
    "code rate_limit_exceeded: Rate limit reached for requests (request id req_{i})"
)


def rate_limited(t: str, c: str, i: int) -> dict[str, object]:
    """What an item's row holds when the provider said 429, rate_limit_exceeded."""
    return {
        "error": RATE_LIMITED.format(t=t, c=c, i=i),
        "error_kind": "rate_limited",
        "http_status": 429,
        "code": "rate_limit_exceeded",
        "message": "Rate limit reached for requests",
        "request_id": f"req_{i}",
    }


def row(
    case: str, target: str = "gpt-image-2", status: str = "ok", actual: str | None = "pass", **extra: object
) -> Row:
    return Row.from_dict(
        {
            "case": case,
            "target": target,
            "scenario": "benign",
            "expected": "pass",
            "actual": actual,
            "status": status,
            "mode": "live",
            **extra,
        }
    )


def report_of(rows: list[Row], history: tuple[dict[str, object], ...] = ()) -> dict[str, object]:
    run = {"started": "2026-12-03T03:17:00Z", "finished": "2026-12-03T03:40:00Z", "mode": "live"}
    return assemble(run, {}, rows, {"calls": len(rows), "spent_usd": 0.0, "blocks_sent": 0}, list(history), [])


def test_errors_group_by_kind_whatever_the_case_and_request_id() -> None:
    rows = [row(f"c{i}", status="error", actual=None, **rate_limited("gpt-image-2", f"case-{i}", i)) for i in range(3)]
    assert {error_kind(r) for r in rows} == {"rate_limited, HTTP 429, rate_limit_exceeded"}
    stopped = "no live result was produced for corpora/{}.yaml::x[t] (the run was stopped before its call)"
    assert error_kind(row("x", status="error", actual=None, error=stopped.format("a"))) == error_kind(
        row("y", status="error", actual=None, error=stopped.format("b"))
    )
    rows.append(
        row(
            "other",
            status="error",
            actual=None,
            error="target 't' gave no verdict for case 'other': server_error, HTTP 503: overloaded",
            error_kind="server_error",
            http_status=503,
        )
    )
    groups = error_groups(rows)
    assert [(g.kind, len(g.rows)) for g in groups] == [
        ("rate_limited, HTTP 429, rate_limit_exceeded", 3),
        ("server_error, HTTP 503", 1),
    ]
    assert groups[0].example.case == "c0"


def test_a_thousand_errors_and_two_hundred_drifts_stay_under_16_kib_and_findings_come_first() -> None:
    rows = [
        row(
            f"case-{i:04d}",
            status="error",
            actual=None,
            **rate_limited("gpt-image-2", f"case-{i:04d}", i),
        )
        for i in range(1000)
    ]
    rows += [row(f"drifted-{i:03d}", status="drift: now passes", actual="pass", prompt="x" * 2000) for i in range(200)]
    text = markdown(report_of(rows))
    assert len(text.encode()) <= LIMIT_BYTES
    assert text.index("### Changed outcomes (200)") < text.index("### No verdict (1000 items), by kind")
    assert "`drifted-000` on `gpt-image-2`: **drift: now passes**" in text
    assert (
        "| rate_limited, HTTP 429, rate_limit_exceeded | 1000 | `case-0000` on `gpt-image-2`: "
        "rate_limited, HTTP 429, code rate_limit_exceeded: Rate limit reached" in text
    )
    shown = text.count("- `drifted-")
    assert 0 < shown < 200 and f"- … and {200 - shown} more (see the JSON or HTML report)" in text


def test_every_changed_outcome_is_listed_when_there_is_room() -> None:
    rows = [row(f"drifted-{i}", status="mismatch", actual="block") for i in range(12)] + [row("fine")]
    text = markdown(report_of(rows))
    assert text.count("**mismatch**") == 12 and "more (see" not in text


def test_a_huge_rate_table_is_cut_with_a_note() -> None:
    rows = [row(f"c{i}", target=f"target-with-a-long-name-{i:03d}") for i in range(600)]
    text = markdown(report_of(rows))
    assert len(text.encode()) <= LIMIT_BYTES and text.endswith("… (cut to 16 KiB: see the JSON or HTML report)\n")


ERRORS_PYPROJECT = (
    PROJECT_HEAD
    + """
[tool.imgsafe.targets.moderation]
kind = "moderation"
model = "omni-moderation-latest"
concurrency = 16
max_retries = 0
"""
)


@pytest.mark.slow
def test_a_live_run_with_a_thousand_rate_limited_items_writes_a_summary_under_16_kib(
    project: pytest.Pytester, imgsafe_sandbox
) -> None:
    project.makefile(".toml", pyproject=ERRORS_PYPROJECT.format())
    imgsafe_sandbox.set_faults("429:1.0", seed=1)
    cases = "\n".join(
        f"  - id: case-{i:04d}\n    prompt: A watercolor of a lighthouse, number {i}\n    expect: pass"
        for i in range(1000)
    )
    write_corpus(project, "many", "defaults:\n  targets: [moderation]\n  scenario: benign\ncases:\n" + cases + "\n")
    result = project.runpytest(
        "--imgsafe", "--imgsafe-live", "-p", "no:cacheprovider", "-q", "--imgsafe-report", "drift.json"
    )
    result.assert_outcomes(errors=1000)
    md = (project.path / "drift.md").read_bytes()
    assert len(md) <= LIMIT_BYTES, len(md)
    text = md.decode()
    assert "**1000 items**: 0 ok, 0 drift, 0 mismatch, 1000 errors" in text
    assert "### No verdict (1000 items), by kind" in text
    assert text.count("\n| rate_limited, HTTP 429") == 1  # one line for a thousand identical errors
    report = json.loads((project.path / "drift.json").read_text())
    assert report["totals"]["errors"] == 1000
    validate(report)


def test_answers_read_by_the_general_layer_are_listed_as_shapes_to_add() -> None:
    rows = [
        row("fox"),
        row("proxy", actual="block:input", status="mismatch", code="E_POLICY", filter="relay", read_by="general"),
        row("acme", actual="block", filter="acme-gateway", read_by="rule"),
    ]
    report = report_of(rows)
    validate(report)
    text = markdown(report)
    assert "### Read by the general layer (1 items)" in text
    assert "- `proxy` on `gpt-image-2`: block:input, code E_POLICY" in text
    assert "`acme`" not in text.split("### Read by the general layer")[1]
