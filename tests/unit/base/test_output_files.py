"""``write_output``: an output file is replaced whole or not at all, and a failure is one line that
names the file and why (never a traceback, never a temporary file left behind)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from pytest_imgsafe.base import files
from pytest_imgsafe.base.files import NotWritten, cannot_write, write_output


def test_a_folder_in_place_of_the_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "r.json").mkdir()
    with pytest.raises(NotWritten) as info:
        write_output(tmp_path / "r.json", "{}")
    assert str(info.value) == f"cannot write '{tmp_path / 'r.json'}': Is a directory (EISDIR)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_a_file_in_place_of_a_folder_of_the_path_is_named(tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("x")
    with pytest.raises(NotWritten) as info:
        write_output(tmp_path / "notes" / "deeper" / "r.json", "{}")
    assert str(info.value) == (
        f"cannot write '{tmp_path / 'notes' / 'deeper' / 'r.json'}': Not a directory (ENOTDIR): "
        f"{tmp_path / 'notes'} is not a folder"
    )


def test_a_full_disk_keeps_the_old_file_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.json"
    path.write_text("old")

    def full(fd: int) -> None:
        raise OSError(errno.EFBIG, os.strerror(errno.EFBIG))

    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(NotWritten, match=r"^cannot write '.*r\.json': File too large \(EFBIG\)$"):
        write_output(path, "new" * 1000)
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_a_path_with_control_characters_is_shown_escaped() -> None:
    line = cannot_write(Path("out/r\x1b[31m\n.json"), OSError(errno.EACCES, os.strerror(errno.EACCES)))
    assert line == "cannot write 'out/r\\x1b[31m\\x0a.json': Permission denied (EACCES)"
