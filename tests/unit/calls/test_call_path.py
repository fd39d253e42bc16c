"""The one call path, without pytest items or HTTP: ``Runner.result`` picks the source of an
item's answers, and a call session answers every request from its cassette (or says why not)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_imgsafe.base.wire import KEY_HEADER, Answer
from pytest_imgsafe.calls.live import Call, LiveResult
from pytest_imgsafe.calls.recording import spec_key
from pytest_imgsafe.calls.runner import ImgsafeError, Runner, Unrecorded
from pytest_imgsafe.collect.config import Settings
from pytest_imgsafe.collect.corpus import Case, Expectation
from pytest_imgsafe.providers.outcome import Outcome
from pytest_imgsafe.providers.registry import build_request
from pytest_imgsafe.providers.target import Target

MODERATION = Target("moderation", "moderation", "omni-moderation-latest")
SCREEN = Target("screen", "screen", "local-screen")


def _case(prompt: str, repeat: int = 1) -> Case:
    return Case(
        id="a-case",
        prompt=prompt,
        expect={"moderation": Expectation.parse("pass")},
        scenario="benign",
        targets=("moderation",),
        path=Path("corpora/x.yaml"),
        line=3,
        repeat=repeat,
    )


def _moderation_body(request_id: str, flagged: bool) -> dict[str, object]:
    return {
        "id": request_id,
        "model": "omni-moderation-latest",
        "results": [
            {
                "flagged": flagged,
                "categories": {"violence": flagged},
                "category_scores": {"violence": 0.9 if flagged else 0.01},
            }
        ],
    }


def _write_cassette(path: Path, key: str, bodies: list[dict[str, object]]) -> None:
    interactions = [
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
        for body in bodies
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"imgsafe": {"format": 1}, "version": 1, "interactions": interactions}), encoding="utf-8"
    )


def _runner(tmp_path: Path, record_mode: str = "none") -> Runner:
    settings = Settings(
        rootpath=tmp_path,
        cassettes=tmp_path / "cassettes",
        targets={"moderation": MODERATION, "screen": SCREEN},
        record_mode=record_mode,
    )
    return Runner(settings, env={})


def test_a_repeated_case_replays_its_last_recordings_in_order(tmp_path: Path) -> None:
    case = _case("a calm lake", repeat=2)
    key = spec_key(build_request(MODERATION, case.prompt, case.params, (), None))
    _write_cassette(
        tmp_path / "cassettes" / "moderation" / "a-case.json",
        key,
        [_moderation_body("old", True), _moderation_body("one", False), _moderation_body("two", True)],
    )
    result = _runner(tmp_path).result(case, "moderation", "corpora/x.yaml::a-case[moderation]")
    assert [o.label for o in result.outcomes] == ["pass", "block:input"]
    assert result.answer is not None and result.answer.body["id"] == "two"  # type: ignore[index, call-overload]


def test_an_unrecorded_case_names_the_case_and_the_command_that_records_it(tmp_path: Path) -> None:
    with pytest.raises(Unrecorded) as caught:
        _runner(tmp_path).result(_case("a calm lake"), "moderation", "corpora/x.yaml::a-case[moderation]")
    text = str(caught.value)
    assert (
        "no recording of case 'a-case' for target 'moderation': there is no cassette cassettes/moderation/a-case.json"
        in text
    )
    assert "--imgsafe-record-mode=once" in text


def test_record_mode_once_replays_an_existing_cassette_and_says_a_changed_case_needs_all(tmp_path: Path) -> None:
    _write_cassette(tmp_path / "cassettes" / "moderation" / "a-case.json", "0" * 32, [_moderation_body("old", False)])
    with pytest.raises(Unrecorded) as caught:
        _runner(tmp_path, "once").result(_case("a calm lake"), "moderation", "corpora/x.yaml::a-case[moderation]")
    assert "record mode 'once' does not overwrite an existing cassette" in str(caught.value)
    assert "--imgsafe-record-mode=all" in str(caught.value)


def test_new_episodes_leaves_a_damaged_cassette_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "cassettes" / "moderation" / "a-case.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"interactions": [')
    with pytest.raises(ImgsafeError, match="it was left as it is"):
        _runner(tmp_path, "new_episodes").result(
            _case("a calm lake"), "moderation", "corpora/x.yaml::a-case[moderation]"
        )
    assert path.read_bytes() == b'{"interactions": ['
    assert [p.name for p in path.parent.iterdir()] == ["a-case.json"]  # no stage file left behind


def test_the_screen_answers_without_any_cassette(tmp_path: Path) -> None:
    case = _case("a calm lake", repeat=3)
    result = _runner(tmp_path).result(case, "screen", "corpora/x.yaml::a-case[screen]")
    assert [o.label for o in result.outcomes] == ["pass"] * 3


class _Prefetched:
    """Stands for the live scheduler: the answers made ahead of the items, by node id."""

    def __init__(self, results: dict[str, LiveResult]) -> None:
        self.results = results

    def result(self, key: str, timeout: float = 0.0) -> LiveResult:
        return self.results[key]


def test_a_live_item_takes_the_prefetched_answers_and_never_reads_a_cassette(tmp_path: Path) -> None:
    answer = Answer(200, {}, _moderation_body("live", True), "http://127.0.0.1:1/v1/moderations")
    runner = _runner(tmp_path)
    runner.prefetcher = _Prefetched(
        {
            "ok": LiveResult([Call(answer, Outcome("block", "input", None, "openai"))]),
            "skipped": LiveResult([], skipped="--imgsafe-max-blocks 1 reached"),
            "error": LiveResult([Call(None, None, {"kind": "rate_limited", "message": "slow down"})]),
        }
    )  # type: ignore[assignment]
    assert runner.result(_case("x"), "moderation", "ok").outcome == Outcome("block", "input", None, "openai")
    assert runner.result(_case("x"), "moderation", "skipped").skipped == "--imgsafe-max-blocks 1 reached"
    error = runner.result(_case("x"), "moderation", "error").error
    assert error is not None and error.kind == "rate_limited"
    with pytest.raises(ImgsafeError, match="no live result was produced"):
        runner.result(_case("x"), "moderation", "never-scheduled")
