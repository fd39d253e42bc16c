"""Hypothesis mutates every cited answer (tests/data/answers, and the answers the benchmarks
measured once, benchmarks/answers, each against its own reading); a mutation that changes nothing
a provider meant must not change the reading.

- key order, unknown extra fields, whitespace and case in messages: the same reading, exactly;
- a relay's envelope around the answer (one-api / new-api's string-wrapped error, LiteLLM's
  prefixed message, OpenRouter's ``metadata.raw``, an HTML error page): the same reading, or a
  non-verdict; never a pass where the original was none, never a flip between pass and block;
- a stream (or any body) cut at any point: never a pass, and a block only where the original was
  the same block.
"""

from __future__ import annotations

import html
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_imgsafe import ApiError, classify
from tests.unit.providers.test_classify_real_answers import ENTRIES, PENDING, kind_of

Reading = tuple[str, str | None] | None
"""(verdict, stage), or None for a non-verdict."""
MESSAGE_KEYS = ("message", "msg", "finishMessage", "blockReasonMessage", "raiFilteredReason", "detail")
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reading(entry: dict[str, Any], status: int, body: Any, headers: Any = None) -> Reading:
    try:
        outcome = classify(status, body, headers, kind=kind_of(entry), provider=entry.get("provider"))
    except ApiError:
        return None
    return outcome.verdict, outcome.stage


def original(entry: dict[str, Any]) -> Reading:
    return reading(entry, entry["status"], entry["body"], entry.get("headers"))


def walk(value: Any, change: Callable[[str, Any], Any], key: str = "") -> Any:
    """A copy of a JSON value with ``change(key, value)`` applied to every value, innermost first."""
    if isinstance(value, dict):
        value = {k: walk(v, change, str(k)) for k, v in value.items()}
    elif isinstance(value, list):
        value = [walk(v, change, key) for v in value]
    return change(key, value)


def reorder(body: Any, rng: random.Random) -> Any:
    def shuffle(_: str, value: Any) -> Any:
        if isinstance(value, dict):
            items = list(value.items())
            rng.shuffle(items)
            return dict(items)
        return value

    return walk(body, shuffle)


def junk(rng: random.Random) -> Any:
    return rng.choice([None, True, False, rng.randrange(10**6), f"{rng.getrandbits(24):06x}", {"x_note": 1}, []])


def add_fields(body: Any, rng: random.Random) -> Any:
    def extend(_: str, value: Any) -> Any:
        if isinstance(value, dict) and rng.random() < 0.5:
            extra = dict(value)
            extra[f"x_{rng.getrandbits(32):08x}"] = junk(rng)
            return extra
        return value

    return walk(body, extend)


def respace(text: str, rng: random.Random) -> str:
    spaced = "".join(rng.choice([" ", "  ", "\n", "\t ", " \r\n "]) if ch == " " else ch for ch in text)
    case = rng.choice([str, str.upper, str.lower])
    return case(rng.choice(["", " ", "\n"]) + spaced + rng.choice(["", " ", "\n  "]))


def rephrase(body: Any, rng: random.Random) -> Any:
    def change(key: str, value: Any) -> Any:
        if key in MESSAGE_KEYS and isinstance(value, str) and "{" not in value and "[" not in value:
            return respace(value, rng)
        return value

    return walk(body, change)


def as_text(body: Any) -> str:
    return body if isinstance(body, str) else json.dumps(body)


def envelopes(status: int, body: Any) -> list[tuple[int, Any]]:
    """The answer inside each relay's envelope (an error status: a relay reports an error)."""
    error_status = status if status >= 400 else 502
    text = as_text(body)
    return [
        (status, {"error": {"message": text, "type": "new_api_error", "param": "", "code": None}}),
        (
            error_status,
            {
                "error": {
                    "message": f"litellm.BadRequestError: OpenAIException - {text}",
                    "type": None,
                    "param": None,
                    "code": str(error_status),
                }
            },
        ),
        (
            error_status,
            {
                "error": {
                    "message": "Provider returned error",
                    "code": error_status,
                    "metadata": {"raw": text, "provider_name": "OpenAI"},
                }
            },
        ),
        (
            error_status,
            "<!DOCTYPE html><html><head><title>Bad Gateway</title></head><body><h1>Upstream error</h1>"
            f"<pre>{html.escape(text)}</pre></body></html>",
        ),
    ]


READ = [e for e in ENTRIES if e["id"] not in PENDING]
"""The answers read as labelled: a mutation keeps a reading that is right."""
MEASURED = [
    entry
    for path in sorted((Path(__file__).resolve().parents[3] / "benchmarks" / "answers").glob("held_out_*/*.yaml"))
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if isinstance(entry.get("status"), int)
]
"""The answers the benchmarks measured once (a few read otherwise than labelled): a mutation keeps
whatever reading they have, so a shape is read the same however it is dressed."""
DRAWN = READ + MEASURED
entries = st.sampled_from(DRAWN)
json_entries = st.sampled_from([e for e in DRAWN if not isinstance(e["body"], str)])


@FAST
@given(json_entries, st.randoms(use_true_random=False))
def test_key_order_changes_nothing(entry: dict[str, Any], rng: random.Random) -> None:
    body = reorder(entry["body"], rng)
    assert reading(entry, entry["status"], body, entry.get("headers")) == original(entry), entry["id"]


@FAST
@given(json_entries, st.randoms(use_true_random=False))
def test_unknown_extra_fields_change_nothing(entry: dict[str, Any], rng: random.Random) -> None:
    body = add_fields(entry["body"], rng)
    assert reading(entry, entry["status"], body, entry.get("headers")) == original(entry), entry["id"]


@FAST
@given(json_entries, st.randoms(use_true_random=False))
def test_whitespace_and_case_in_messages_change_nothing(entry: dict[str, Any], rng: random.Random) -> None:
    body = rephrase(entry["body"], rng)
    assert reading(entry, entry["status"], body, entry.get("headers")) == original(entry), entry["id"]


@pytest.mark.slow
@FAST
@given(entries, st.integers(0, 3))
def test_a_relay_envelope_keeps_the_reading_or_makes_it_no_verdict(entry: dict[str, Any], which: int) -> None:
    before = original(entry)
    status, body = envelopes(entry["status"], entry["body"])[which]
    after = reading(entry, status, body)
    assert after in (before, None), (entry["id"], which, before, after)
    assert after is None or after[0] == "block", (entry["id"], which)  # an envelope never hands an image over


_ENDS_A_STREAM = re.compile(
    r'"finish_?[rR]eason"\s*:\s*"|"blockReason"|"done"\s*:\s*true|\[DONE\]'
    r'|"type"\s*:\s*"(?:error|(?:response|image_generation)\.(?:completed|failed|incomplete))"'
)
"""What says a stream has ended (a finish reason, a terminal event): a stream cut after the event
that says so is whole but for what follows it (a usage chunk, ``[DONE]``, or, in a fixture whose
every chunk says STOP, the rest), and may be read as ended."""


def short_of_the_end(text: str) -> int:
    """How much of a text a cut may keep and still be short: all but its last character, or, in a
    stream, up to the line that says it ended (not that line's end)."""
    if "data:" in text or text.count("\n{") > 1:
        found = _ENDS_A_STREAM.search(text)
        if found is not None:
            return found.end()
    return max(0, len(text) - 1)


def chunks_short_of_the_end(chunks: list[Any]) -> int:
    """How many chunks a stream cut short may keep: those before the first that says it ended."""
    for index, chunk in enumerate(chunks):
        if _ENDS_A_STREAM.search(json.dumps(chunk)):
            return index
    return len(chunks) - 1


@FAST
@given(entries, st.data())
def test_a_cut_answer_is_never_a_pass(entry: dict[str, Any], data: st.DataObject) -> None:
    before = original(entry)
    body = entry["body"]
    if isinstance(body, list) and len(body) > 1 and data.draw(st.booleans()):
        # a stream of chunks that stopped early
        cut: Any = body[: data.draw(st.integers(0, chunks_short_of_the_end(body)))]
    else:
        text = as_text(body).rstrip()  # a cut takes content away: trailing whitespace is none
        cut = text[: data.draw(st.integers(0, short_of_the_end(text)))]
    after = reading(entry, entry["status"], cut, entry.get("headers"))
    assert after is None or after[0] == "block", (entry["id"], after)
    if prose(body):
        # prose cut between its words is other prose ("Your request was rejected by the safety"
        # names the request: input, where the whole sentence, sent at both stages, names none):
        # no pass and no flip, but its stage may be its own
        assert after is None or (before is not None and after[0] == before[0]), (entry["id"], before, after)
    else:
        assert after in (before, None), (entry["id"], before, after)


def prose(body: Any) -> bool:
    """A body of plain words (no JSON, no stream, no page): a cut of it cannot be told from a whole."""
    return isinstance(body, str) and not body.lstrip().startswith(("{", "[", "data:", "event:", "<", '"'))


def test_every_answer_is_mutated_somewhere() -> None:
    """The strategies draw from the whole table and every measured set (a sanity check of the
    sampling, not of classify)."""
    assert len(ENTRIES) >= 140 and any(isinstance(e["body"], str) for e in ENTRIES)
    assert len(MEASURED) >= 900 and len(DRAWN) == len(READ) + len(MEASURED)
