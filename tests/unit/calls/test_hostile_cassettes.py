"""Corrupted cassettes: a clear error naming the file (``CassetteError``), never a traceback.

The corruptions are made from a real recording: truncated anywhere, huge, deeply nested, not
UTF-8, and (hypothesis) any JSON at all or the recording with any field replaced by any JSON
value. A cassette that loads must replay every answer it holds without an error.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_imgsafe.calls import recording
from pytest_imgsafe.calls.recording import CassetteError, load_cassette
from tests.conftest import ROOT

REAL = ROOT / "cassettes" / "nano-banana" / "cozy-coffee-shop.json"
TEXT = REAL.read_text(encoding="utf-8")
DATA = json.loads(TEXT)


def replay_everything(path: Path) -> None:
    """Load a cassette and replay every answer in it; only a CassetteError may come out."""
    try:
        cassette = load_cassette(path, "cassettes/t/case.json")
    except CassetteError as err:
        message = str(err)
        assert "\n" not in message and str(path) in message and len(message) < 500, message[:2000]
        return
    assert cassette is not None
    for key in list(cassette.answers):
        for answer in cassette.all_answers(key):
            assert isinstance(answer.status, int)


def test_the_real_cassette_replays() -> None:
    cassette = load_cassette(REAL)
    assert cassette is not None and cassette.answers


@pytest.mark.parametrize(
    "raw",
    [
        b'{"interactions": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b"[" * 5_000 + b"]" * 5_000,
        TEXT.encode()[:-40],
        TEXT.encode().replace(b"interactions", b"interactions\xff", 1),
        b"\x00" * 64,
    ],
    ids=["nested-100000", "nested-5000", "truncated", "not-utf8", "nul-bytes"],
)
def test_a_garbled_cassette_is_a_cassette_error_naming_the_file(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "case.json"
    path.write_bytes(raw)
    with pytest.raises(CassetteError) as info:
        load_cassette(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_a_huge_cassette_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recording, "MAX_CASSETTE_BYTES", 4096)
    path = tmp_path / "case.json"
    path.write_text(TEXT + " " * 5000)
    with pytest.raises(CassetteError) as info:
        load_cassette(path)
    assert "4096 bytes" in str(info.value)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=30,
)


def paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here] if here else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths(inner, (*here, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += paths(inner, (*here, i))
    return found


PATHS = paths(DATA)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=JSON)
def test_any_json_is_a_cassette_or_a_cassette_error(tmp_path: Path, data: Any) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    replay_everything(path)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(PATHS), value=JSON)
def test_a_recording_with_any_field_replaced_replays_or_is_a_cassette_error(
    tmp_path: Path, where: tuple[Any, ...], value: Any
) -> None:
    data = json.loads(TEXT)
    holder = data
    for step in where[:-1]:
        holder = holder[step]
    holder[where[-1]] = value
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    replay_everything(path)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=len(TEXT.encode()) - 1))
def test_a_recording_cut_anywhere_replays_or_is_a_cassette_error(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "case.json"
    path.write_bytes(TEXT.encode()[:cut])
    replay_everything(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_in_place_of_a_cassette_is_an_error_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "case.json")
    with pytest.raises(CassetteError) as info:
        load_cassette(tmp_path / "case.json")
    assert str(tmp_path / "case.json") in str(info.value)
