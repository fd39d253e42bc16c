"""Every text of a report pytest prints, writes to junit XML or sends to the xdist controller
passes the scrubber: the failure text, a skip's place and reason, an xfail's reason, captured
sections and properties. One distinct key, planted in each, must come out of none."""

from __future__ import annotations

import pytest

from pytest_imgsafe.base.scrub import Scrubber
from pytest_imgsafe.run.session import scrub_report

KEY = "sk-imgsafe-REPORTTEXT-8e1f3b5a7c9d2046"
SAID = f"Incorrect API key provided: {KEY[:6]}****2046 for {KEY} at https://h/v1?api-key=qs-7a9c1e3b5d \x1b[31m"


def report(**extra: object) -> pytest.TestReport:
    made = pytest.TestReport(
        "corpora/c.yaml::fox[gpt-image-2]",
        ("corpora/c.yaml", 1, "imgsafe case fox [gpt-image-2]"),
        {},
        "skipped",
        None,
        "setup",
        sections=[("Captured stdout setup", SAID)],
        user_properties=[("imgsafe", {"error": SAID})],
    )
    for name, value in extra.items():
        setattr(made, name, value)
    return made


@pytest.mark.parametrize(
    "extra",
    [
        {"wasxfail": f"no verdict (counted against --imgsafe-max-error-rate): {SAID}"},
        {"longrepr": (f"corpora/{SAID}.yaml", 3, f"Skipped: {SAID}")},
        {"longrepr": f"E   {SAID}"},
    ],
    ids=["xfail reason", "skip place and reason", "failure text"],
)
def test_no_text_of_a_report_keeps_the_key(extra: dict[str, object]) -> None:
    made = report(**extra)
    scrub_report(made, Scrubber.from_config([KEY]))
    texts = [str(made.longrepr), getattr(made, "wasxfail", ""), repr(made.sections), repr(made.user_properties)]
    for text in texts:
        for secret in (KEY, KEY[:6] + "****", "qs-7a9c1e3b5d"):
            assert secret not in text
    assert all("\x1b" not in text for text in texts[:3])
