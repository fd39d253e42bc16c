"""Names that cannot collide: a case id is unique across the whole corpus tree whichever files a
run collects, and the recordings an item makes besides its own (a chain's links, an explanation)
live under names no case id can take."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_imgsafe.base.wire import KEY_HEADER
from pytest_imgsafe.calls.recording import cassette_path, derived_cassette_path, spec_key
from pytest_imgsafe.calls.runner import Runner
from pytest_imgsafe.collect.config import Settings
from pytest_imgsafe.providers.registry import build_request
from pytest_imgsafe.providers.target import Target
from tests.conftest import write_corpus

MODERATION = Target("moderation", "moderation", "omni-moderation-latest")
LAKE_A = "cases:\n  - {id: lake, prompt: a calm lake at dawn, expect: pass, targets: [moderation]}\n"
LAKE_B = "cases:\n  - {id: lake, prompt: a calm lake at dusk, expect: pass, targets: [moderation]}\n"


def test_re_recording_one_file_alone_never_replaces_another_files_recording(project: pytest.Pytester) -> None:
    write_corpus(project, "dawn", LAKE_A)
    project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    cassette = project.path / "cassettes" / "moderation" / "lake.json"
    recorded = cassette.read_bytes()
    write_corpus(project, "dusk", LAKE_B)
    # the plugin's own re-record command, for the item of the second file only
    result = project.runpytest(
        "--imgsafe", "--imgsafe-record-mode=all", "corpora/dusk.yaml::lake[moderation]", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*corpora/dusk.yaml:2: duplicate id 'lake': also used at corpora/dawn.yaml:2, whose recordings this run*"]
    )
    assert cassette.read_bytes() == recorded
    # replay of the one file is read-only: it still reports the clash when both are collected
    both = project.runpytest("--imgsafe", "-p", "no:cacheprovider")
    both.stdout.fnmatch_lines(["*duplicate id 'lake': already used at corpora/dawn.yaml:2*"])


IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True)


@given(case_id=IDS, other=IDS, role=st.one_of(st.just("explain"), IDS))
def test_no_case_id_names_another_items_link_or_explanation(case_id: str, other: str, role: str) -> None:
    root = Path("/cassettes")
    derived = derived_cassette_path(root, "t", case_id, role)
    assert derived != cassette_path(root, "t", other)
    assert derived_cassette_path(root, "t", other, role) != derived or other == case_id


def _answer_file(path: Path, key: str) -> None:
    body = {"id": "m", "model": "omni-moderation-latest", "results": [{"flagged": False, "categories": {}}]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "imgsafe": {"format": 1},
                "version": 1,
                "interactions": [
                    {
                        "request": {
                            "method": "POST",
                            "uri": "http://127.0.0.1:1/v1/moderations",
                            "body": {"json": {"input": "x"}},
                            "headers": {KEY_HEADER: [key]},
                        },
                        "response": {
                            "status": {"code": 200, "message": "OK"},
                            "headers": {"content-type": ["application/json"]},
                            "body": {"json": body},
                        },
                    }
                ],
            }
        )
    )


def test_an_explanation_recorded_under_its_old_name_still_replays_and_a_case_named_like_it_does_not_reach_it(
    tmp_path: Path,
) -> None:
    runner = Runner(Settings(rootpath=tmp_path, cassettes=tmp_path / "c", targets={"moderation": MODERATION}), env={})
    key = spec_key(build_request(MODERATION, "a calm lake", None, (), None))
    _answer_file(tmp_path / "c" / "moderation" / "lake.explain.json", key)  # the old name
    with runner.session(MODERATION, "lake", "corpora/x.yaml::lake[moderation]", role="explain") as session:
        assert session.outcome("a calm lake")[0].verdict == "pass"
        assert session.path.name == "lake@explain.json"
    assert runner.session(MODERATION, "lake.explain", "n").path.name == "lake.explain.json"


def test_a_case_whose_id_is_an_old_derived_name_keeps_its_cassette_to_itself(tmp_path: Path) -> None:
    """A case ``lake.explain`` owns ``lake.explain.json``, the name ``lake``'s explanation had
    before: that file is never read as the explanation. ``once`` then records the explanation
    under its own name, where it used to find "a recording" that never held its answers."""
    corpora = tmp_path / "corpora"
    corpora.mkdir()
    (corpora / "lakes.yaml").write_text(
        "cases:\n"
        "  - {id: lake, prompt: a calm lake, expect: pass, targets: [moderation]}\n"
        "  - {id: lake.explain, prompt: a lake at night, expect: pass, targets: [moderation]}\n",
        encoding="utf-8",
    )
    settings = Settings(rootpath=tmp_path, cassettes=tmp_path / "c", targets={"moderation": MODERATION})
    other = spec_key(build_request(MODERATION, "a lake at night", None, (), None))
    _answer_file(tmp_path / "c" / "moderation" / "lake.explain.json", other)  # the case's own cassette
    runner = Runner(settings, env={})
    assert runner.legacy_name("moderation", "lake", "explain") is None
    lone = Runner(
        Settings(rootpath=tmp_path / "elsewhere", cassettes=tmp_path / "c", targets={"moderation": MODERATION}), env={}
    )
    assert lone.legacy_name("moderation", "lake", "explain") == tmp_path / "c" / "moderation" / "lake.explain.json"
