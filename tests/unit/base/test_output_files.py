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


# --- a report replaces only a report ------------------------------------------------------------

REPORT = {"schema": "pytest-imgsafe/report", "version": 1, "run": {"mode": "replay", "finished": "x"}}


def test_a_missing_file_or_a_report_this_plugin_wrote_may_be_replaced(tmp_path: Path) -> None:
    import json

    assert files.not_replaceable(tmp_path / "new.json") is None
    (tmp_path / "r.json").write_text(json.dumps(REPORT, indent=1))
    (tmp_path / "r.md").write_text("## pytest-imgsafe: replay run, today\n")
    (tmp_path / "r.html").write_text('<!doctype html>\n<html lang="en"><head><title>pytest-imgsafe: replay run</title>')
    assert [files.not_replaceable(tmp_path / n) for n in ("r.json", "r.md", "r.html")] == [None, None, None]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("fox.json", '{"version": 1, "interactions": []}'),  # a cassette
        ("corpus.yaml", "cases:\n  - id: fox\n"),
        ("pyproject.toml", "[tool.imgsafe]\n"),
        ("r.md", "# notes of my own\n## pytest-imgsafe: quoted later\n" + "x" * 5000),
        ("r.html", "<html><title>my page</title></html>"),
    ],
)
def test_a_file_that_is_not_one_of_its_reports_is_never_replaced(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    assert files.not_replaceable(tmp_path / name) == "exists and is not a report this plugin wrote"


def test_a_link_a_folder_or_a_pipe_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "target.json").write_text("{}")
    (tmp_path / "link.json").symlink_to(tmp_path / "target.json")
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere.json")
    (tmp_path / "folder.json").mkdir()
    os.mkfifo(tmp_path / "pipe.json")
    assert files.not_replaceable(tmp_path / "link.json") == "is a link: a report is never written through one"
    assert files.not_replaceable(tmp_path / "dangling.json") == "is a link: a report is never written through one"
    assert files.not_replaceable(tmp_path / "folder.json") == "is not a plain file"
    assert files.not_replaceable(tmp_path / "pipe.json") == "is not a plain file"


def test_write_reports_writes_none_of_the_three_when_one_is_not_replaceable(tmp_path: Path) -> None:
    from pytest_imgsafe.report import write_reports

    (tmp_path / "r.md").write_text("my own notes")
    with pytest.raises(NotWritten, match=r"r\.md exists and is not a report this plugin wrote"):
        write_reports(tmp_path / "r.json", {})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md"] and (tmp_path / "r.md").read_text() == "my own notes"
