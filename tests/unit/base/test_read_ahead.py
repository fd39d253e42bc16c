"""Replay's read-ahead: results made a window ahead along the planned order, each handed to
its own item, whatever order the items really come in."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_imgsafe.base.read_ahead import ReadAhead
from pytest_imgsafe.base.wire import KEY_HEADER
from pytest_imgsafe.calls.recording import spec_key
from pytest_imgsafe.calls.runner import ImgsafeError, Runner
from pytest_imgsafe.collect.config import Settings
from pytest_imgsafe.collect.corpus import Case, Expectation
from pytest_imgsafe.providers.registry import build_request
from pytest_imgsafe.providers.target import Target

NAMES = [f"item-{i}" for i in range(300)]


class Reader:
    """Makes a result from a name, and remembers what it was asked, in order."""

    def __init__(self, failing: frozenset[str] = frozenset()) -> None:
        self.asked: list[str] = []
        self.failing = failing
        self.gc_enabled: list[bool] = []

    def __call__(self, name: str) -> str:
        self.asked.append(name)
        self.gc_enabled.append(gc.isenabled())
        if name in self.failing:
            raise ValueError(f"cannot read {name}")
        return name.upper()


def _ahead(reader: Reader, names: list[str] = NAMES) -> ReadAhead[str, str]:
    return ReadAhead(names, reader, name=str, first=4, last=32)


def test_in_the_planned_order_the_window_doubles_up_to_its_limit() -> None:
    reader = Reader()
    ahead = _ahead(reader)
    read_after: dict[int, int] = {}
    for position, name in enumerate(NAMES):
        assert ahead.result(name, name) == name.upper()
        read_after[position] = len(reader.asked)
    # windows of 4, 8, 16, 32, then 32 at a time
    assert [read_after[p] for p in (0, 3, 4, 11, 12, 27, 28, 59, 60, 92)] == [4, 4, 12, 12, 28, 28, 60, 60, 92, 124]
    assert reader.asked == NAMES  # each read once, in order
    assert ahead.read_ahead == len(NAMES) and ahead.dropped == 0


def test_a_jump_starts_a_small_window_and_drops_what_was_read_for_nothing() -> None:
    reader = Reader()
    ahead = _ahead(reader)
    assert ahead.result("item-0", "item-0") == "ITEM-0"  # window item-0..item-3
    assert ahead.result("item-100", "item-100") == "ITEM-100"  # a jump: items 1-3 dropped
    assert ahead.dropped == 3
    assert reader.asked[4:] == ["item-100", "item-101", "item-102", "item-103"]
    assert ahead.result("item-1", "item-1") == "ITEM-1"  # back: read again, in a new window
    assert reader.asked.count("item-1") == 2


def test_an_item_outside_the_plan_is_read_on_its_own() -> None:
    reader = Reader()
    ahead = _ahead(reader)
    assert ahead.result("not-planned", "not-planned") == "NOT-PLANNED"
    assert reader.asked == ["not-planned"]


def test_an_error_belongs_to_its_own_item_and_the_others_in_the_window_are_answered() -> None:
    reader = Reader(failing=frozenset({"item-2"}))
    ahead = _ahead(reader)
    assert ahead.result("item-0", "item-0") == "ITEM-0"  # item-2 was read in this window...
    assert ahead.result("item-1", "item-1") == "ITEM-1"
    with pytest.raises(ValueError, match="cannot read item-2"):  # ...and fails only here
        ahead.result("item-2", "item-2")
    assert ahead.result("item-3", "item-3") == "ITEM-3"


def test_the_collector_is_off_while_a_window_is_read_and_on_again_after() -> None:
    reader = Reader(failing=frozenset({"item-1"}))
    ahead = _ahead(reader)
    ahead.result("item-0", "item-0")
    assert reader.gc_enabled == [False] * 4
    assert gc.isenabled()
    gc.disable()
    try:  # a collector that was off stays off
        ahead.result("item-200", "item-200")
        assert not gc.isenabled()
    finally:
        gc.enable()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(NAMES[:60] + ["elsewhere-1", "elsewhere-2"]), max_size=120))
def test_any_order_of_asking_gets_every_item_its_own_result(order: list[str]) -> None:
    ahead = _ahead(Reader(failing=frozenset({"item-7", "elsewhere-2"})), NAMES[:60])
    for name in order:
        if name in ("item-7", "elsewhere-2"):
            with pytest.raises(ValueError, match=f"cannot read {name}$"):
                ahead.result(name, name)
        else:
            assert ahead.result(name, name) == name.upper()


# -- through the runner, from real cassette files ----------------------------------------------

MODERATION = Target("moderation", "moderation", "omni-moderation-latest")


def _case(number: int) -> Case:
    return Case(
        id=f"case-{number}",
        prompt=f"a calm lake, study number {number}",
        expect={"moderation": Expectation.parse("pass")},
        scenario="benign",
        targets=("moderation",),
        path=Path("corpora/x.yaml"),
        line=number,
    )


def _record(cassettes: Path, case: Case, flagged: bool) -> None:
    key = spec_key(build_request(MODERATION, case.prompt, case.params, (), None))
    interaction = {
        "request": {
            "method": "POST",
            "uri": "http://127.0.0.1:1/v1/moderations",
            "body": {"json": {"input": case.prompt}},
            "headers": {KEY_HEADER: [key]},
        },
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"content-type": ["application/json"]},
            "body": {
                "json": {
                    "id": f"modr-{case.id}",
                    "results": [
                        {
                            "flagged": flagged,
                            "categories": {"violence": flagged},
                            "category_scores": {"violence": 0.9 if flagged else 0.01},
                        }
                    ],
                }
            },
        },
    }
    path = cassettes / "moderation" / f"{case.id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"imgsafe": {"format": 1}, "version": 1, "interactions": [interaction]}), encoding="utf-8"
    )


def _runner(tmp_path: Path, record_mode: str = "none") -> Runner:
    settings = Settings(
        rootpath=tmp_path, cassettes=tmp_path / "cassettes", targets={"moderation": MODERATION}, record_mode=record_mode
    )
    return Runner(settings, env={})


def test_replayed_in_reverse_every_item_gets_its_own_answer_and_a_damaged_cassette_fails_only_its_item(
    tmp_path: Path,
) -> None:
    cases = [_case(n) for n in range(40)]
    for case in cases:
        _record(tmp_path / "cassettes", case, flagged=case.line % 3 == 0)
    (tmp_path / "cassettes" / "moderation" / "case-20.json").write_text('{"interactions": [', encoding="utf-8")
    runner = _runner(tmp_path)
    work = [(f"x.yaml::{c.id}[moderation]", c, "moderation") for c in cases]
    runner.replay_ahead(work)
    assert runner.read_ahead is not None
    for nodeid, case, target in reversed(work):  # planned forwards, run backwards
        if case.id == "case-20":
            with pytest.raises(ImgsafeError, match="cassettes/moderation/case-20.json is not valid JSON"):
                runner.result(case, target, nodeid)
            continue
        result = runner.result(case, target, nodeid)
        assert result.answer is not None and result.answer.body["id"] == f"modr-{case.id}"  # type: ignore[index, call-overload]
        assert result.outcome is not None and result.outcome.verdict == ("block" if case.line % 3 == 0 else "pass")


@pytest.mark.parametrize("record_mode", ["once", "new_episodes", "all"])
def test_record_modes_read_nothing_ahead(tmp_path: Path, record_mode: str) -> None:
    runner = _runner(tmp_path, record_mode)
    runner.replay_ahead([("x.yaml::case-1[moderation]", _case(1), "moderation")])
    assert runner.read_ahead is None


# -- reading a cassette's bytes ----------------------------------------------------------------


def test_a_cassette_larger_than_one_read_is_read_whole_and_a_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    from pytest_imgsafe.base.files import read_small
    from pytest_imgsafe.calls.recording import CassetteError, load_cassette

    big = tmp_path / "big.bin"
    data = bytes(range(256)) * 1000  # 256,000 bytes: four reads and the end
    big.write_bytes(data)
    assert read_small(big) == data
    assert load_cassette(tmp_path / "absent.json") is None
    folder = tmp_path / "a-folder.json"
    folder.mkdir()
    with pytest.raises(CassetteError, match="cannot be read: Is a directory"):
        load_cassette(folder)
