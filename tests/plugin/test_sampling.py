"""--imgsafe-sample and --imgsafe-rotate end to end: the seed in the header, the sample in the report."""

from __future__ import annotations

import json

import pytest

from tests.conftest import write_corpus
from tests.plugin.test_live import DRIFT_CORPUS, configure
from tests.plugin.test_shards import MORE


@pytest.fixture
def recorded(project: pytest.Pytester, imgsafe_sandbox) -> pytest.Pytester:  # type: ignore[no-untyped-def]
    configure(project)
    write_corpus(project, "drift", DRIFT_CORPUS + MORE)
    project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=28)
    return project


@pytest.mark.slow
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_five_rotating_nights_run_every_item_and_each_report_says_it_is_a_sample(
    recorded: pytest.Pytester, workers: list[str]
) -> None:
    ran: set[tuple[str, str]] = set()
    for night in range(20400, 20405):
        name = f"night-{night}.json"
        result = recorded.runpytest(
            "--imgsafe", "-p", "no:cacheprovider", "--imgsafe-rotate", "5", "--imgsafe-sample-seed", str(night),
            "--imgsafe-report", name, *workers,
        )  # fmt: skip
        result.stdout.fnmatch_lines(
            [
                f"imgsafe: a sample, stratified by scenario x target, seed {night} "
                f"(draw it again with --imgsafe-rotate 5 --imgsafe-sample-seed {night})"
            ]
        )
        report = json.loads((recorded.path / name).read_text())
        sample = report["run"]["sample"]
        rows = {(r["case"], r["target"]) for r in report["results"]}
        assert sample["items"] == len(rows) and sample["corpus_items"] == 28 and 5 <= len(rows) <= 10
        result.assert_outcomes(passed=len(rows), deselected=0 if workers else 28 - len(rows))
        assert {(r["scenario"], r["target"]) for r in report["sample_rates"]} == {
            (r["scenario"], r["target"]) for r in report["rates"]
        }
        assert f"A sample: {len(rows)} of 28 items" in (recorded.path / name.replace(".json", ".md")).read_text()
        ran |= rows
    assert len(ran) == 28


def test_a_sample_that_cannot_cover_the_corpus_in_time_is_a_usage_error(recorded: pytest.Pytester) -> None:
    result = recorded.runpytest("--imgsafe", "-p", "no:cacheprovider", "--imgsafe-sample", "1", "--imgsafe-rotate", "5")
    result.stderr.fnmatch_lines(
        ["*pytest-imgsafe: --imgsafe-sample 1 is 1 of 28 items a night: 5 nights cover at most 5; give*"]
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
