"""Replay reads a recording for its target's kind: an image target's recording whose image is not
an image (edited, or another tool's file) is an error, never a pass."""

from __future__ import annotations

import json

import pytest

from tests.conftest import write_corpus
from tests.plugin.test_read_by_kind import CORPUS


@pytest.mark.parametrize("image", ["aGVsbG8=", "", None, "e30="])
def test_a_recorded_image_answer_without_an_image_is_an_error(project: pytest.Pytester, image: object) -> None:
    write_corpus(project, "probes", CORPUS)
    project.runpytest("--imgsafe", "--imgsafe-record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=2)
    path = project.path / "cassettes" / "gpt-image-2" / "fox.json"
    cassette = json.loads(path.read_text())
    cassette["interactions"][0]["response"]["body"]["json"]["data"] = [{"b64_json": image}]
    path.write_text(json.dumps(cassette))
    result = project.runpytest("--imgsafe", "-p", "no:cacheprovider", "-rE")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*fox*gpt-image-2*"])
