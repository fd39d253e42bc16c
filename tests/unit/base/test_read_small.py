"""read_small: a file's bytes, bounded; with follow_links=False a link is refused by the open itself."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_imgsafe.base.files import IsLink, TooLarge, read_small
from pytest_imgsafe.calls.recording import CassetteError, load_cassette, read_cassette_bytes


def test_a_plain_file_is_read_whole_either_way(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"x" * 70_000)  # more than one read's chunk
    assert read_small(path) == b"x" * 70_000
    assert read_small(path, follow_links=False) == b"x" * 70_000


def test_over_the_limit_is_too_large(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"x" * 100)
    with pytest.raises(TooLarge):
        read_small(path, 99)


@pytest.mark.parametrize("dangling", [False, True])
def test_a_link_is_refused_only_when_asked(tmp_path: Path, dangling: bool) -> None:
    target = tmp_path / "elsewhere.json"
    if not dangling:
        target.write_bytes(b"{}")
    link = tmp_path / "a.json"
    link.symlink_to(target)
    with pytest.raises(IsLink):
        read_small(link, follow_links=False)
    if not dangling:
        assert read_small(link) == b"{}"


def test_a_missing_file_is_still_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_small(tmp_path / "none.json", follow_links=False)
    assert load_cassette(tmp_path / "none.json") is None


def test_a_cassette_swapped_for_a_link_is_a_cassette_error_naming_the_fix(tmp_path: Path) -> None:
    secret = tmp_path / "outside.json"
    secret.write_text('{"interactions": []}')
    cassette = tmp_path / "case.json"
    cassette.write_text('{"interactions": []}')
    assert read_cassette_bytes(cassette)
    cassette.unlink()
    os.symlink(secret, cassette)  # swapped in after it was read once
    with pytest.raises(CassetteError, match="is a link, not a recording this plugin wrote.*replace the link"):
        load_cassette(cassette)
