"""The image fence holds at the moment a file is read, not only at collection: a link swapped in
after collection (or under a corpus that came from the cache) is refused before a byte is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_imgsafe.calls.live import LiveScheduler
from pytest_imgsafe.calls.runner import CallSession, ImgsafeError, Runner
from pytest_imgsafe.collect.config import Settings
from pytest_imgsafe.collect.corpus import Case, Expectation
from pytest_imgsafe.providers.target import Target

EDITOR = Target("editor", "images.edit", "gpt-image-2")


def _project(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "project"
    (root / "corpora").mkdir(parents=True)
    image = root / "corpora" / "photo.png"
    image.write_bytes(b"\x89PNG inside")
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG outside")
    return root, image


def _swap_for_link(image: Path, target: Path) -> None:
    image.unlink()
    image.symlink_to(target)


def _runner(root: Path, record_mode: str = "none", live: bool = False) -> Runner:
    settings = Settings(
        rootpath=root, cassettes=root / "cassettes", targets={"editor": EDITOR}, record_mode=record_mode, live=live
    )
    return Runner(settings, env={})


def _case(image: Path) -> Case:
    return Case(
        id="edit",
        prompt="Make the sky orange",
        expect={"editor": Expectation.parse("pass")},
        targets=("editor",),
        path=image.parent / "edits.yaml",
        line=2,
        images=(image,),
    )


@pytest.mark.parametrize("record_mode", ["none", "once", "all"])
def test_a_case_whose_image_became_a_link_outside_is_an_item_error(tmp_path: Path, record_mode: str) -> None:
    root, image = _project(tmp_path)
    case = _case(image.resolve())  # as collection left it: resolved, inside
    _swap_for_link(image, tmp_path / "secret.png")
    with pytest.raises(
        ImgsafeError, match=r"photo\.png now leads to .*secret\.png, outside .*: it is not read or sent"
    ):
        _runner(root, record_mode).result(case, "editor", "corpora/edits.yaml::edit[editor]")
    assert not (root / "cassettes").exists()


def test_a_call_session_refuses_a_link_outside_before_it_builds_the_request(tmp_path: Path) -> None:
    root, image = _project(tmp_path)
    _swap_for_link(image, tmp_path / "secret.png")
    runner = _runner(root, "all")
    session = CallSession(runner, EDITOR, root / "cassettes" / "editor" / "f.json", "corpora/x.yaml::f[editor]")
    with pytest.raises(ImgsafeError, match="outside"):
        session.outcome("Make the sky orange", None, (image,))
    session.discard()


def test_a_link_loop_or_a_missing_image_is_an_item_error_naming_it(tmp_path: Path) -> None:
    root, image = _project(tmp_path)
    image.unlink()
    image.symlink_to(image)  # a link to itself
    with pytest.raises(ImgsafeError, match=r"photo\.png cannot be read \((RuntimeError|OSError)\): restore it"):
        _runner(root).fenced((image,), None)


def test_the_live_prefetcher_never_uploads_a_link_outside(tmp_path: Path) -> None:
    root, image = _project(tmp_path)
    case = _case(image.resolve())
    _swap_for_link(image, tmp_path / "secret.png")
    sent: list[object] = []
    scheduler = LiveScheduler(_runner(root, live=True).settings, ledger=None, client_for=sent.append)  # type: ignore[arg-type]
    result = scheduler._calls(case, EDITOR)
    assert sent == [] and result.calls and result.calls[0].error is not None
    assert "it is not read or sent" in result.calls[0].error["message"]
