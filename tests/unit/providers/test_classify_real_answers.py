"""classify() against real provider answers collected from public sources (tests/data/answers).

One parametrized table: every answer must come out exactly as labelled, read for the target kind
it was answered to (``kind``; none given or ``unknown``: read without one) and, where the source
says the target was an Azure endpoint and the answer does not, for that provider (``provider``). A non-verdict must
raise ApiError of the labelled kind (never pass, never block); a verdict must have the labelled
verdict, stage and filter, and the code and categories where the label gives them. The table's
own shape is checked too, so an entry cannot silently lose its source or its label.

Two conventions of the labels. A pass labelled with no filter (``filter: null``: its collector
names a filter only for a block) is checked for its verdict and stage; the reader still names the
filter the answer went through. An entry whose label the project reads otherwise on purpose keeps
its collector's label and says how it is read in ``read_as``, with the reason in its note
(``DEBATABLE``): the label stays what its collector saw, the test checks what the project decided.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from pytest_imgsafe import ApiError, classify
from pytest_imgsafe.providers.registry import KINDS as PROVIDER_KINDS
from tests.conftest import ROOT

ANSWERS = ROOT / "tests" / "data" / "answers"
KINDS = {"rate_limited", "quota", "auth", "invalid_request", "server_error", "unreadable"}
FILTERS = {"openai", "azure", "gemini", "imagen", "relay"}


def load_answers() -> list[dict[str, Any]]:
    """Every entry of every family file, with the family (file stem) added."""
    entries: list[dict[str, Any]] = []
    for path in sorted(ANSWERS.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
            entries.append({**entry, "family": path.stem})
    return entries


ENTRIES = load_answers()
PENDING: set[str] = set()
"""Answers of the table the reader does not read as labelled yet: a new answer may wait here for the
principle it lacks (strict xfail), and the commit that adds the principle takes it off."""


def expected(entry: dict[str, Any]) -> dict[str, Any]:
    """What the project reads: the label, or ``read_as`` where it reads the answer otherwise on purpose."""
    return dict(entry.get("read_as") or entry["label"])


def kind_of(entry: dict[str, Any]) -> str | None:
    kind = entry.get("kind")
    return None if kind in (None, "unknown") else str(kind)


@pytest.mark.parametrize(
    "entry",
    [pytest.param(e, marks=pytest.mark.xfail(strict=True)) if e["id"] in PENDING else e for e in ENTRIES],
    ids=[e["id"] for e in ENTRIES],
)
def test_real_answer_is_read_as_labelled(entry: dict[str, Any]) -> None:
    label = expected(entry)
    if "error" in label:
        with pytest.raises(ApiError) as info:
            classify(
                entry["status"],
                entry["body"],
                entry.get("headers"),
                kind=kind_of(entry),
                provider=entry.get("provider"),
            )
        assert info.value.kind == label["error"], str(info.value)
        return
    outcome = classify(
        entry["status"], entry["body"], entry.get("headers"), kind=kind_of(entry), provider=entry.get("provider")
    )
    got = (outcome.verdict, outcome.stage, outcome.filter)
    if label["verdict"] == "pass" and label["filter"] is None:
        got = (outcome.verdict, outcome.stage, None)  # the label names no filter for a pass
    assert got == (label["verdict"], label["stage"], label["filter"]), outcome
    if "code" in label:
        assert outcome.code == label["code"]
    if "categories" in label:
        assert list(outcome.categories) == label["categories"]


def test_the_table_is_large_and_every_entry_is_sourced_and_labelled() -> None:
    assert len(ENTRIES) >= 80
    assert len({e["id"] for e in ENTRIES}) == len(ENTRIES)
    for entry in ENTRIES:
        assert entry["source"].strip() and isinstance(entry["status"], int) and "body" in entry, entry["id"]
        assert entry.get("kind", "unknown") in (*PROVIDER_KINDS, "unknown"), entry["id"]
        assert entry.get("provider") in (None, "azure"), entry["id"]
        if "read_as" in entry:
            assert "DEBATABLE" in (entry.get("note") or ""), entry["id"]
        for label in (entry["label"], entry.get("read_as") or entry["label"]):
            if "error" in label:
                assert label["error"] in KINDS, entry["id"]
                continue
            # a filter of none is a pass's filter left unnamed, or a block by a filter outside the known ones
            assert label["verdict"] in ("pass", "block") and label["filter"] in (*FILTERS, None), entry["id"]
            assert label["stage"] in (("input", "output", None) if label["verdict"] == "block" else (None,)), entry[
                "id"
            ]


def test_every_family_and_every_required_signal_is_covered() -> None:
    families = {e["family"] for e in ENTRIES}
    assert {"openai", "azure", "gemini", "vertex", "imagen", "relays", "html", "responses", "chat"} <= families
    codes = {e["label"].get("code") for e in ENTRIES}
    google = {"SAFETY", "PROHIBITED_CONTENT", "IMAGE_SAFETY", "RECITATION", "BLOCKLIST", "SPII", "OTHER"}
    assert google <= codes, google - codes
    kinds = {e["label"].get("error") for e in ENTRIES}
    assert KINDS <= kinds, KINDS - kinds
    filters = {e["label"].get("filter") for e in ENTRIES}
    assert FILTERS <= filters, FILTERS - filters


def test_streamed_bodies_are_in_the_table() -> None:
    streamed = [e for e in ENTRIES if isinstance(e["body"], str) and e["body"].lstrip().startswith(("data:", "event:"))]
    arrays = [e for e in ENTRIES if isinstance(e["body"], list) and len(e["body"]) > 1]
    assert len(streamed) >= 8 and arrays


def test_a_debatable_label_says_why() -> None:
    for entry in ENTRIES:
        note = entry.get("note") or ""
        if "DEBATABLE" in note:
            assert len(note) > len("DEBATABLE") + 40, entry["id"]
