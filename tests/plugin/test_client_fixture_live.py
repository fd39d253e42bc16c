"""A live corpus run never meets a test's cassette: imgsafe_client tests collected in a live run
are skipped with the reason, and the corpus items get live answers."""

from __future__ import annotations

import pytest

from tests.conftest import write_corpus


def test_imgsafe_client_tests_are_skipped_in_a_live_run(project: pytest.Pytester) -> None:
    write_corpus(
        project,
        "benign",
        "defaults:\n  targets: [moderation]\n  scenario: benign\ncases:\n"
        + "".join(f"  - id: fox-{i}\n    prompt: A fox number {i}\n    expect: pass\n" for i in range(5)),
    )
    project.makepyfile(
        test_team="""
def test_precheck(imgsafe_client):
    imgsafe_client("moderation").moderations.create(model="omni-moderation-latest", input="A fox")
"""
    )
    result = project.runpytest(
        "--imgsafe", "--imgsafe-live", "-p", "no:cacheprovider", "-rs", "corpora", "test_team.py"
    )
    result.assert_outcomes(passed=5, skipped=1)
    result.stdout.fnmatch_lines(["*imgsafe_client records and replays; in a live run (--imgsafe-live) its cassette*"])
    assert not (project.path / "cassettes" / "tests").exists()
