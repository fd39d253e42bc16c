"""The one command line for an item or a test, quoted for a shell."""

from __future__ import annotations

from pytest_imgsafe.base.advice import command


def test_a_corpus_item_is_re_recorded_through_the_corpus_run() -> None:
    assert (
        command("corpora/a.yaml::fox[gpt]", "all")
        == "pytest --imgsafe --imgsafe-record-mode=all 'corpora/a.yaml::fox[gpt]'"
    )
    assert command("corpora/a.yaml::fox", live=True) == "pytest --imgsafe --imgsafe-live corpora/a.yaml::fox"


def test_a_client_test_is_recorded_without_switching_on_the_corpus_run() -> None:
    assert (
        command("tests/test_x.py::test_y", "once", corpus_run=False)
        == "pytest --imgsafe-record-mode=once tests/test_x.py::test_y"
    )
