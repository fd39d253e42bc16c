"""An item's row is kept once for the session, and its answers are let go once it has reported.

A replay of 10,000 items should cost about what pytest's own items cost: the run keeps the very
row object the item made (no copy beside it in ``user_properties``, junit XML gets a short
reference), and an item's parsed answer is free once the item's reports are made.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tests.plugin.test_recording import recorded  # noqa: F401  (the fixture)

PROBE = """
import gc, json, weakref
import pytest
from pytest_imgsafe.run.session import RUN_KEY

answers = {}
alive_after_report = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    finally:
        result = getattr(item, "result", None)
        if result is not None and result.answer is not None:
            answers[item.nodeid] = weakref.ref(result.answer)


def pytest_runtest_logreport(report):
    if report.when == "teardown" and report.nodeid in answers:
        gc.collect()
        alive_after_report[report.nodeid] = answers[report.nodeid]() is not None


def pytest_sessionfinish(session):
    run = session.config.stash[RUN_KEY]
    kept = {id(r) for r in run.results}
    own = [v for item in session.items for n, v in item.user_properties if n == "imgsafe"]
    with open("probe.json", "w") as out:
        json.dump(
            {
                "answers": len(answers),
                "alive": sorted(k for k, v in alive_after_report.items() if v),
                "rows": len(run.results),
                "own_rows": len(own),
                "same_object": sum(id(v) in kept for v in own),
            },
            out,
        )
"""


def test_rows_are_kept_once_and_answers_let_go(recorded: pytest.Pytester) -> None:  # noqa: F811
    recorded.makeconftest(PROBE)
    result = recorded.runpytest("--imgsafe", "-p", "no:cacheprovider", "--junitxml=junit.xml")
    result.assert_outcomes(passed=8)
    probe = json.loads((recorded.path / "probe.json").read_text())
    assert probe["answers"] == 8 and probe["alive"] == []  # every parsed answer is gone after its report
    assert probe["rows"] == probe["own_rows"] == probe["same_object"] == 8  # the run keeps the item's own row
    properties = [p.get("value") for p in ET.parse(recorded.path / "junit.xml").iter("property")]
    assert len(properties) == 8
    assert "founder-on-mars [gpt-image-2]: ok (pass)" in properties  # a reference, not the row
