"""The run object's own decisions, without pytester: seed, exit status, rows, report, summary."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_imgsafe.base.ledger import Ledger
from pytest_imgsafe.base.row import Row
from pytest_imgsafe.calls.runner import Runner
from pytest_imgsafe.collect.config import Settings, resolve_settings
from pytest_imgsafe.collect.corpus import Case
from pytest_imgsafe.report.nightly import EarlierReport
from pytest_imgsafe.run.session import ImgsafeRun, exit_status, marker_lines, network_problem, run_seed

# The run makes its marks from names only an --imgsafe run registers.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")

TOOL = {
    "targets": {
        "gpt-image-2": {"kind": "images.generate", "model": "gpt-image-2"},
        "moderation": {"kind": "moderation", "model": "omni-moderation-latest"},
        "local": {"kind": "screen"},
    }
}


def settings(tmp_path: Path, options: dict[str, Any] | None = None) -> Settings:
    return resolve_settings(tmp_path, TOOL, options, cwd=tmp_path)


def make_run(tmp_path: Path, options: dict[str, Any] | None = None, **kw: Any) -> ImgsafeRun:
    s = settings(tmp_path, options)
    return ImgsafeRun(s, Runner(s, env={}), **kw)


def row(case: str, target: str = "gpt-image-2", status: str = "ok", **extra: Any) -> Row:
    return Row.from_dict(
        {
            "case": case,
            "target": target,
            "scenario": "benign",
            "expected": "pass",
            "actual": "pass",
            "status": status,
            "mode": "replay",
            **extra,
        }
    )


def test_exit_status_follows_the_report_only_when_pytest_found_nothing_wrong() -> None:
    ok, failed, empty, interrupted = (
        pytest.ExitCode.OK,
        pytest.ExitCode.TESTS_FAILED,
        pytest.ExitCode.NO_TESTS_COLLECTED,
        pytest.ExitCode.INTERRUPTED,
    )
    assert exit_status(ok, [], rerunning=False) == ok
    assert exit_status(ok, ["too many errors"], rerunning=False) == failed
    assert exit_status(failed, [], rerunning=False) == failed  # tolerating noise never hides a failure
    assert exit_status(interrupted, ["too many errors"], rerunning=False) == interrupted
    assert exit_status(empty, [], rerunning=False) == empty
    assert exit_status(empty, [], rerunning=True) == ok  # a rerun with nothing left to call
    assert exit_status(empty, ["kept a mismatch"], rerunning=True) == failed


def test_the_run_seed_is_the_option_else_the_controllers_else_random_when_live() -> None:
    assert run_seed(5, {"imgsafe_seed": 9}, live=True) == 5
    assert run_seed(None, {"imgsafe_seed": 9}, live=True) == 9
    assert run_seed(None, {"imgsafe_seed": None}, live=True) is None  # the controller replays
    assert run_seed(None, None, live=False) is None
    assert isinstance(run_seed(None, None, live=True), int)


def test_a_network_run_without_keys_names_the_variables_and_the_option(tmp_path: Path) -> None:
    assert network_problem(settings(tmp_path), {}) is None  # replay needs no key
    live = network_problem(settings(tmp_path, {"--imgsafe-live": True, "--imgsafe-target": ["moderation"]}), {})
    assert (
        live is not None
        and live.startswith("--imgsafe-live calls the endpoints")
        and "OPENAI_API_KEY (the API key of target 'moderation')" in live
    )
    once = network_problem(settings(tmp_path, {"--imgsafe-record-mode": "once"}), {})
    assert once is not None and once.startswith("--imgsafe-record-mode=once calls the endpoints")
    assert network_problem(settings(tmp_path, {"--imgsafe-record-mode": "once"}), {"OPENAI_API_KEY": "k"}) is None


def test_markers_name_every_target_and_scenario(tmp_path: Path) -> None:
    lines = marker_lines(settings(tmp_path))
    assert "local: imgsafe target local" in lines
    assert any(line.startswith("celebrity: imgsafe scenario:") for line in lines)


def test_corpus_folders_are_added_unless_an_argument_covers_them(tmp_path: Path) -> None:
    (tmp_path / "corpora" / "sub").mkdir(parents=True)
    run = make_run(tmp_path)
    assert run.corpus_args([]) == [str(tmp_path / "corpora")]
    assert run.corpus_args([str(tmp_path)]) == []
    assert run.corpus_args([str(tmp_path / "corpora" / "sub")]) == [str(tmp_path / "corpora")]


def test_workers_get_the_seed_and_the_ledger(tmp_path: Path) -> None:
    assert make_run(tmp_path, fuzz_seed=3).worker_input() == {"imgsafe_seed": 3}
    ledger = Ledger(tmp_path / "ledger")
    assert make_run(tmp_path, ledger=ledger).worker_input() == {
        "imgsafe_seed": None,
        "imgsafe_ledger": str(tmp_path / "ledger"),
    }


def test_rows_and_fuzz_failures_are_kept_from_the_reports(tmp_path: Path) -> None:
    run = make_run(tmp_path)

    def report(when: str, outcome: str, props: list[tuple[str, Any]]) -> pytest.TestReport:
        return pytest.TestReport("n", ("f", 0, "n"), {}, outcome, None, when, user_properties=props)  # type: ignore[arg-type]

    run.log(report("setup", "passed", [("imgsafe", row("a"))]))  # a setup that passed: the call's row will come
    run.log(report("call", "passed", [("imgsafe", row("a")), ("imgsafe-fuzz-failure", [{"id": "x"}])]))
    run.log(report("setup", "failed", [("imgsafe", row("b", status="error"))]))
    run.log(report("setup", "skipped", [("imgsafe", row("c", status="skipped"))]))
    run.log(report("call", "passed", [("other", {"x": 1})]))
    assert [(r.case, r.outcome, r.when) for r in run.results] == [
        ("a", "passed", "call"),
        ("b", "failed", "setup"),
        ("c", "skipped", "setup"),
    ]
    assert run.fuzz_failures == [{"id": "x"}]


def test_the_report_says_what_ran_and_why_the_run_fails(tmp_path: Path) -> None:
    run = make_run(tmp_path, {"--imgsafe-max-error-rate": 0.1}, fuzz_seed=4)
    run.started = 1_700_000_000.0
    run.results = [row("a"), row("a", target="moderation"), row("b", status="error")]
    report = run.build_report(pytest.ExitCode.INTERRUPTED, now=1_700_000_060.0)
    assert report["run"]["interrupted"] is True and report["run"]["items_run"] == 3
    assert report["run"]["mode"] == "replay" and report["run"]["fuzz_seed"] == 4
    assert report["run"]["started"] == "2023-11-14T22:13:20Z"
    assert report["run"]["max_error_rate"] == 0.1
    assert report["run"]["failed_because"] == [
        "1 of 3 items (33.3%) got no verdict, more than --imgsafe-max-error-rate 0.1 allows"
    ]
    assert report["totals"]["items"] == 3 and report["totals"]["errors"] == 1


def test_a_rerun_report_is_merged_and_keeps_the_earlier_mismatch_failing(tmp_path: Path) -> None:
    earlier_run = make_run(tmp_path)
    earlier_run.results = [row("a", status="mismatch"), row("b", status="error")]
    earlier = EarlierReport(tmp_path / "night.json", earlier_run.build_report(pytest.ExitCode.OK))
    run = make_run(tmp_path, {"--imgsafe-rerun-errors": earlier})
    run.results = [row("b")]
    report = run.build_report(pytest.ExitCode.OK)
    assert [r["status"] for r in report["results"]] == ["mismatch", "ok"]
    assert report["run"]["failed_because"] == ["1 changed outcome(s) kept from the earlier run: a [gpt-image-2]"]
    assert run.settings.options.report_path == tmp_path / "night.json"


def test_the_summary_says_where_the_report_went_and_what_fuzzing_saved(tmp_path: Path) -> None:
    run = make_run(tmp_path, {"--imgsafe-save-failures": "found.yaml"})
    assert run.summary_lines() == []
    run.results = [row("a", outcome="passed", when="call")]
    run.report_paths = [tmp_path / "r.json", tmp_path / "r.md", tmp_path / "r.html"]
    run.failures_written = 2
    lines = run.summary_lines()
    assert lines[0].startswith("imgsafe (replay): 1 items: 1 as expected")
    assert f"imgsafe report: {tmp_path / 'r.json'} (and r.md, r.html beside it)" in lines
    assert lines[-1] == f"imgsafe: 2 failing fuzz example case(s) written to {tmp_path / 'found.yaml'}"


def test_live_calls_are_made_ahead_only_for_called_case_items(tmp_path: Path) -> None:
    run = make_run(tmp_path)

    def case(skip: str | None = None) -> Case:
        return Case("c", "a fox", tmp_path / "c.yaml", 1, ("gpt-image-2",), {}, skip=skip)

    items = [
        SimpleNamespace(nodeid="1", case=case(), target="gpt-image-2"),
        SimpleNamespace(nodeid="2", case=case(skip="later"), target="gpt-image-2"),
        SimpleNamespace(nodeid="3", case=case(), target="local"),  # a screen is local
        SimpleNamespace(nodeid="4", spec=object(), target="gpt-image-2"),  # a fuzz spec calls as it runs
        SimpleNamespace(nodeid="5"),  # any other test
    ]
    assert [nodeid for nodeid, _, _ in run.endpoint_work(items)] == ["1"]  # type: ignore[arg-type]
