"""A fenced file system and clear errors for bad input: image and mask paths stay inside the
project, target names and ids cannot climb out of their folders, and a non-UTF-8 or huge corpus
is a collection error naming the file and line, with the cache on or off."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from pytest_imgsafe.calls.recording import cassette_path
from pytest_imgsafe.collect.config import ConfigError, resolve_settings
from pytest_imgsafe.collect.corpus import MAX_CORPUS_BYTES, CorpusError, load_corpus
from tests.conftest import PYPROJECT, write_corpus

EDIT_TARGET = """
[tool.imgsafe.targets.editor]
kind = "images.edit"
model = "gpt-image-2"
"""


def edit_case(image: str) -> str:
    return f"""
cases:
  - id: edit-probe
    scenario: benign
    targets: [editor]
    prompt: Make the sky orange
    image: {image}
    expect: pass
"""


@pytest.mark.parametrize("image", ["/etc/hostname", "../../../../../../etc/hostname", "../../outside.png"])
def test_an_image_outside_the_project_is_a_collection_error_and_is_never_read(
    project: pytest.Pytester, image: str
) -> None:
    project.makefile(".toml", pyproject=PYPROJECT.format(extra=EDIT_TARGET))
    (project.path.parent / "outside.png").write_bytes(b"\x89PNG not really")
    write_corpus(project, "edits", edit_case(image))
    result = project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [f"*corpora/edits.yaml:7: image file '{image}' of case 'edit-probe' is outside*move the file into it*"]
    )
    assert not list(project.path.rglob("cassettes/**/*.json"))


def test_a_link_inside_the_project_that_points_outside_is_refused(project: pytest.Pytester) -> None:
    project.makefile(".toml", pyproject=PYPROJECT.format(extra=EDIT_TARGET))
    (project.path / "corpora" / "sneaky.png").symlink_to("/etc/hostname")
    write_corpus(project, "edits", edit_case("sneaky.png"))
    result = project.runpytest("--imgsafe", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*image file 'sneaky.png'*is outside*"])


def test_image_root_widens_or_narrows_the_fence(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "corpora").mkdir()
    (tmp_path / "assets" / "ok.png").write_bytes(b"png")
    (tmp_path / "corpora" / "elsewhere.png").write_bytes(b"png")
    corpus = tmp_path / "corpora" / "c.yaml"
    kinds = {"editor": "images.edit"}
    corpus.write_text(edit_case("../assets/ok.png"))
    assert load_corpus(corpus, kinds, files_root=tmp_path / "assets").cases[0].images == (
        (tmp_path / "assets" / "ok.png").resolve(),
    )
    corpus.write_text(edit_case("elsewhere.png"))
    with pytest.raises(CorpusError, match="is outside .*assets, the folder"):
        load_corpus(corpus, kinds, files_root=tmp_path / "assets")
    settings = resolve_settings(tmp_path, {"image_root": "assets"})
    assert settings.files_root == (tmp_path / "assets").resolve()
    with pytest.raises(ConfigError, match="image_root = 'nowhere' is not a folder"):
        resolve_settings(tmp_path, {"image_root": "nowhere"})


@pytest.mark.parametrize("name", ["../escaped", "a/b", ".hidden", "x" * 65, ""])
def test_a_target_name_that_could_leave_the_cassettes_folder_is_a_usage_error(tmp_path: Path, name: str) -> None:
    tool = {"targets": {name: {"kind": "moderation", "model": "omni-moderation-latest"}}}
    with pytest.raises(ConfigError, match="is not a valid target name: use letters, digits"):
        resolve_settings(tmp_path, tool)


def test_cassette_paths_never_leave_their_folder(tmp_path: Path) -> None:
    assert cassette_path(tmp_path, "gpt-image-2", "case-1") == tmp_path / "gpt-image-2" / "case-1.json"
    for target, item in (("..", "x"), ("t", "../x"), ("t", ".x"), ("", "x")):
        with pytest.raises(ValueError, match="outside"):
            cassette_path(tmp_path, target, item)


@pytest.mark.parametrize("cache", [True, False])
def test_a_non_utf8_corpus_is_a_collection_error_with_its_line(project: pytest.Pytester, cache: bool) -> None:
    path = project.path / "corpora" / "latin1.yaml"
    path.write_bytes(
        "cases:\n  - id: cafe\n    prompt: Un caf\u00e9 \u00e0 Paris\n    expect: pass\n".encode("latin-1")
    )
    args = ["--imgsafe"] + ([] if cache else ["-p", "no:cacheprovider"])
    for _ in range(2):  # the second run would meet a cache entry, if one had been written
        result = project.runpytest(*args)
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(
            ["*corpora/latin1.yaml:3: the file is not UTF-8 text (byte 0xe9 at offset *): save it as UTF-8*"]
        )
        assert "UnicodeDecodeError" not in result.stdout.str()


def test_a_huge_corpus_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:  # sparse: no memory or disk is spent on it
        fh.truncate(MAX_CORPUS_BYTES + 1)
    with pytest.raises(CorpusError, match="corpus files are limited to 64 MiB: split it"):
        load_corpus(path, {"t": "moderation"})


@pytest.mark.parametrize("record_mode", ["all", "none"])
def test_an_image_swapped_for_a_link_after_a_cached_collection_is_refused(
    project: pytest.Pytester, record_mode: str
) -> None:
    project.makefile(".toml", pyproject=PYPROJECT.format(extra=EDIT_TARGET))
    image = project.path / "corpora" / "photo.png"
    image.write_bytes(b"\x89PNG inside the project")
    secret = project.path.parent / "secret.png"
    secret.write_bytes(b"\x89PNG outside the project")
    write_corpus(project, "edits", edit_case("photo.png"))
    project.runpytest("--imgsafe", "--imgsafe-record-mode=once").assert_outcomes(passed=1)  # cache written
    image.unlink()
    image.symlink_to(secret)
    result = project.runpytest("--imgsafe", f"--imgsafe-record-mode={record_mode}")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*corpora/edits.yaml:7: image file 'photo.png' of case 'edit-probe' is outside*"])
    recorded = "".join(p.read_text() for p in project.path.rglob("cassettes/**/*.json"))
    assert hashlib.sha256(secret.read_bytes()).hexdigest() not in recorded


@pytest.mark.parametrize("linked", ["cassettes", "cassettes/gpt-image-2"])
def test_a_linked_cassettes_folder_is_refused_before_anything_is_written(
    project: pytest.Pytester, linked: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (project.path / linked).parent.mkdir(parents=True, exist_ok=True)
    (project.path / linked).symlink_to(elsewhere)
    write_corpus(project, "calm", "cases:\n  - {id: lake, prompt: a calm lake, expect: pass}\n")
    result = project.runpytest("--imgsafe", "--imgsafe-record-mode=all", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"*cassettes = 'cassettes': *{linked} is a link (to *elsewhere*)*make it a real folder*"]
    )
    assert list(elsewhere.rglob("*")) == []


def test_a_link_loop_in_the_corpora_is_one_clear_collection_error(project: pytest.Pytester) -> None:
    write_corpus(project, "calm", "cases:\n  - {id: lake, prompt: a calm lake, expect: pass, targets: [moderation]}\n")
    sub = project.path / "corpora" / "sub"
    sub.mkdir()
    for name in ("up", "again"):  # two loops per folder: 2^40 paths if followed to the system's limit
        (sub / name).symlink_to("..")
    (project.path / "corpora" / "twice").symlink_to("sub")
    # in a child with a time limit: without the refusal, the walk would not end in any useful time
    result = project.runpytest_subprocess("--imgsafe", "--collect-only", "-p", "no:cacheprovider", timeout=300)
    out = result.stdout.str()
    assert "corpora/sub/again is a link to" in out and "a folder that contains it: following it would loop" in out
    assert "corpora/sub/up is a link to" in out
    assert "corpora/twice is a link to" in out and "its files would be collected twice" in out
    assert "1 test collected, 3 errors" in out  # calm.yaml once, each link refused once


@pytest.mark.parametrize("cache", [True, False])
def test_a_corpus_file_swapped_for_a_link_outside_the_project_is_an_error_and_never_read(
    project: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory, cache: bool
) -> None:
    """Resolved, the link leaves the project: it used to be dropped without a word (the file looked
    as if it were not in the corpora at all). Now it is one collection error naming it, and the
    outside file's own problem (here, a YAML error) is never reported, because it is never read."""
    write_corpus(project, "calm", "cases:\n  - {id: lake, prompt: a calm lake, expect: pass, targets: [moderation]}\n")
    outside = tmp_path_factory.mktemp("elsewhere") / "foreign.yaml"
    outside.write_text("cases: [unclosed\n", encoding="utf-8")
    (project.path / "corpora" / "swapped.yaml").symlink_to(outside)
    flags = [] if cache else ["-p", "no:cacheprovider"]
    result = project.runpytest("--imgsafe", "--collect-only", *flags)
    out = result.stdout.str()
    assert "corpora/swapped.yaml is a link to" in out
    assert "a file outside the project: it is not read; replace the link with the file it points to" in out
    assert "unclosed" not in out and "foreign" in out  # named, not read
    assert "1 test collected, 1 error" in out


def test_a_corpus_folder_link_to_outside_the_project_is_refused(
    project: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "foreign.yaml").write_text(
        "cases:\n  - {id: far, prompt: a far lake, expect: pass, targets: [moderation]}\n", encoding="utf-8"
    )
    (project.path / "corpora").mkdir(exist_ok=True)
    (project.path / "corpora" / "shared").symlink_to(elsewhere)
    result = project.runpytest("--imgsafe", "--collect-only", "-p", "no:cacheprovider")
    out = result.stdout.str()
    assert "corpora/shared is a link to" in out and "outside the project: its files are not read" in out
    assert "far" not in out.replace("foreign", "")  # the outside case is never collected
    assert "1 error" in out


def test_a_corpus_file_linked_to_a_file_inside_the_project_is_read(project: pytest.Pytester) -> None:
    (project.path / "shared").mkdir()
    (project.path / "shared" / "calm.yaml").write_text(
        "cases:\n  - {id: lake, prompt: a calm lake, expect: pass, targets: [moderation]}\n", encoding="utf-8"
    )
    (project.path / "corpora").mkdir(exist_ok=True)
    (project.path / "corpora" / "calm.yaml").symlink_to(project.path / "shared" / "calm.yaml")
    result = project.runpytest("--imgsafe", "--collect-only", "-q", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*calm.yaml::lake*moderation*"])
    assert "error" not in result.stdout.str()


@pytest.mark.parametrize("live", [False, True])
def test_an_image_swapped_for_a_link_during_the_run_is_one_clear_error(project: pytest.Pytester, live: bool) -> None:
    """Swapped after collection (the run's own hook does it), the link is refused right before the
    read; live or replayed, the item errors with one line and no Python traceback."""
    project.makefile(".toml", pyproject=PYPROJECT.format(extra=EDIT_TARGET))
    image = project.path / "corpora" / "photo.png"
    image.write_bytes(b"\x89PNG inside the project")
    secret = project.path.parent / "secret.png"
    secret.write_bytes(b"\x89PNG outside the project")
    write_corpus(project, "edits", edit_case("photo.png"))
    project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    project.makeconftest(
        f"""
        import os

        def pytest_collection_finish(session):
            # swapped in one step (a link made beside it, renamed over it): a live run's scheduler,
            # which starts reading when collection ends, never sees the file missing
            os.symlink({str(secret)!r}, {str(image) + ".swap"!r})
            os.replace({str(image) + ".swap"!r}, {str(image)!r})
        """
    )
    result = project.runpytest("--imgsafe", "-rA", "-p", "no:cacheprovider", *(["--imgsafe-live"] if live else []))
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*image file *photo.png now leads to *secret.png, outside *: it is not read or sent*"])
    out = result.stdout.str()
    assert "Traceback" not in out and "runner.py" not in out and "raise " not in out, out


def test_an_image_swapped_for_a_link_after_its_live_call_is_an_error_not_a_traceback(project: pytest.Pytester) -> None:
    """Live, the call may be made before the swap (the scheduler calls ahead); the drift lookup
    builds the request again, which reads the file: refused, and the item errors with one line."""
    project.makefile(".toml", pyproject=PYPROJECT.format(extra=EDIT_TARGET))
    image = project.path / "corpora" / "photo.png"
    image.write_bytes(b"\x89PNG inside the project")
    secret = project.path.parent / "secret.png"
    secret.write_bytes(b"\x89PNG outside the project")
    write_corpus(project, "edits", edit_case("photo.png"))
    project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    project.makeconftest(
        f"""
        import os

        def pytest_runtest_setup(item):  # the live result is in: the call was made with the real file
            item.imgsafe.runner.result(item.case, item.target, item.nodeid)
            os.remove({str(image)!r})
            os.symlink({str(secret)!r}, {str(image)!r})
        """
    )
    result = project.runpytest("--imgsafe", "--imgsafe-live", "-rA", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*image file *photo.png now leads to *secret.png, outside *: it is not read or sent*"])
    out = result.stdout.str()
    assert "Traceback" not in out and "runner.py" not in out and "raise " not in out, out


def test_a_cassette_that_is_a_link_is_refused_never_followed(project: pytest.Pytester) -> None:
    """A recording is a plain file the plugin wrote: a link in its place (to a copy outside the
    project, or to any file) is an error naming it, and replay takes no verdict from it."""
    from tests.plugin.test_read_by_kind import CORPUS

    write_corpus(project, "probes", CORPUS)
    project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=2)
    cassette = project.path / "cassettes" / "gpt-image-2" / "fox.json"
    outside = project.path.parent / "elsewhere.json"
    outside.write_bytes(cassette.read_bytes())
    cassette.unlink()
    cassette.symlink_to(outside)
    result = project.runpytest("--imgsafe", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*cassettes/gpt-image-2/fox.json is a link, not a recording this plugin wrote*"])
    assert "Traceback" not in result.stdout.str()


@pytest.mark.parametrize("target", ["self", "gone"])
def test_a_corpus_file_that_is_a_broken_link_is_a_usage_error_not_a_silent_skip(
    project: pytest.Pytester, target: str
) -> None:
    """pytest's walk passes over a link it cannot follow as over anything that is not a file: the
    run said "1 passed" with one corpus file missing. It is an error naming the file instead."""
    write_corpus(project, "calm", "cases:\n  - {id: lake, prompt: a calm lake, expect: pass, targets: [moderation]}\n")
    link = project.path / "corpora" / "lost.yaml"
    link.symlink_to(link if target == "self" else project.path / "corpora" / "moved-away.yaml")
    result = project.runpytest("--imgsafe", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*pytest-imgsafe: corpus file corpora/lost.yaml is a link that cannot be followed*"
            "remove it, or put a plain YAML file in its place"
        ]
    )


@pytest.mark.parametrize("kind", ["pipe", "device-link"])
def test_a_corpus_name_that_is_no_plain_file_is_a_usage_error_not_a_silent_skip(
    project: pytest.Pytester, kind: str
) -> None:
    """A named pipe, or a link to a device, where a corpus file should be: pytest's walk passed
    over it and the run said "1 passed" (found by a black-box prober)."""
    write_corpus(project, "calm", "cases:\n  - {id: lake, prompt: a calm lake, expect: pass, targets: [moderation]}\n")
    odd = project.path / "corpora" / "odd.yaml"
    if kind == "pipe":
        os.mkfifo(odd)
    else:
        odd.symlink_to("/dev/zero")
    result = project.runpytest("--imgsafe", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*corpus file corpora/odd.yaml is not a plain file (a named pipe, a device*"])
