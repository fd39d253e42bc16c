"""A worker that finishes first still makes the calls it claimed: another worker waits for them."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from pytest_imgsafe.base.ledger import Ledger
from pytest_imgsafe.calls import live
from pytest_imgsafe.calls.live import LiveScheduler
from pytest_imgsafe.collect.config import resolve_settings
from pytest_imgsafe.collect.corpus import Case
from tests.unit.calls.test_live_gate import OK


def tool(rpm: int) -> dict[str, Any]:
    return {"targets": {"gen": {"kind": "moderation", "model": "omni-moderation-latest", "rpm": rpm, "concurrency": 2}}}


def case(i: int) -> Case:
    return Case(f"c{i}", f"A lighthouse, study {i}", Path("corpora/x.yaml"), 1, ("gen",), {})


@pytest.mark.parametrize(("abandon", "rpm", "made"), [(False, 20, 2), (True, 1, 1)], ids=["finished", "stopped"])
def test_closing_after_the_items_ran_still_makes_the_claimed_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, abandon: bool, rpm: int, made: int
) -> None:
    sent = threading.Event()
    calls: list[Any] = []

    def fake_call(client: Any, spec: Any) -> Any:
        calls.append(spec)
        sent.set()
        return OK

    monkeypatch.setattr(live, "call", fake_call)
    settings = resolve_settings(tmp_path, tool(rpm), {"--imgsafe-live": True})
    ledger = Ledger(tmp_path / "ledger")
    scheduler = LiveScheduler(settings, ledger, lambda target: None)
    scheduler.start([("k0", case(0), "gen"), ("k1", case(1), "gen")])
    # one item's call is made at once; the other's, claimed by the other thread, waits for its slot
    # (3 s, or a minute). Which thread reaches the gate first is the threads' race: either way.
    assert sent.wait(30)
    if not abandon:
        # the case this test is about: both items claimed before the run closes (on a busy machine
        # the second thread may claim later; a call never claimed is cancelled, as it should be)
        claims = tmp_path / "ledger" / "claims"
        for _ in range(12_000):  # bounded: a thread that never claims fails below, not by hanging
            if len(list(claims.iterdir())) >= 2:
                break
            threading.Event().wait(0.01)
    scheduler.close(abandon=abandon)
    if abandon:
        # Stopped: the item whose call was made is published; the other gives up in its wait for
        # a slot (published with no call) or, on a busy machine, had not even been claimed when
        # the run stopped (cancelled before it started: nothing to publish, nothing called).
        results = [_published(ledger, key) for key in ("k0", "k1")]
        assert sorted(len(r.calls) for r in results if r is not None) in ([0, 1], [1]) and len(calls) == made
        return
    published = [ledger.wait_for(key, 30) for key in ("k0", "k1")]
    assert sorted(len(result.calls) for result in published) == sorted([1, made - 1]) and len(calls) == made


def _published(ledger: Ledger, key: str) -> Any:
    """A key's published result, or None when it was never claimed (its work cancelled unstarted)."""
    try:
        return ledger.wait_for(key, 5)
    except TimeoutError:
        return None
