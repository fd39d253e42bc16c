"""One judge: what an item's answers mean against its expectation and its recording (pure).

Every place that needs the verdict of an item (the item itself, the reports, the summary, the
appeal files, explain) reads one :class:`Judgement`, made by :func:`judge` from plain data. The
statuses are defined here once, as :class:`Status`.

| status              | when                                                                          |
|---------------------|-------------------------------------------------------------------------------|
| `ok`                | the answers are what the case expects (and, live, what was recorded)         |
| `mismatch`          | an answer is not the expected one (live: and the recording agrees with it)   |
| `drift: now blocked`| live: recorded as a pass, blocked now                                         |
| `drift: now passes` | live: recorded as a block, passes now                                         |
| `stage changed`     | live: blocked in both, at another stage                                       |
| `config changed`    | live: the request is not the recorded one: re-record before reading it as drift |
| `flaky`             | a block rate whose interval straddles the expected bound (reported, not failed) |
| `error`             | no verdict (never pass or block)                                              |
| `skipped`           | no call was made (budget, max blocks, a stopped run)                          |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..base.status import Status
from ..collect.corpus import Expectation, RateExpectation
from ..providers.outcome import Outcome
from .drift import Drift, compare
from .stats import RateVerdict
from .stats import judge as judge_rate


@dataclass(frozen=True)
class Recording:
    """What the recording of a live item says (for drift)."""

    outcome: Outcome | None
    recorded_at: str | None = None
    config_changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Judgement:
    """The meaning of an item's answers."""

    status: Status
    outcome: Outcome | None
    """The answer to report: the first wrong one, else the last one."""
    drift: Drift | None = None
    rate: RateVerdict | None = None

    @property
    def failed(self) -> bool:
        return self.status.failed


def judge(
    outcomes: Sequence[Outcome],
    expected: Expectation | None = None,
    rate: RateExpectation | None = None,
    recording: Recording | None = None,
    nights: Sequence[tuple[str, str]] = (),
) -> Judgement:
    """Judge an item's answers: against a block rate (``rate``), or each against ``expected``; live
    (``recording`` given, one answer), also against what was recorded, with ``nights`` (the item's
    earlier outcomes, oldest first) to say since when."""
    if not outcomes:
        return Judgement(Status.ERROR, None)
    last = outcomes[-1]
    if rate is not None:
        blocks = sum(1 for o in outcomes if o.verdict == "block")
        verdict = judge_rate(rate, blocks, len(outcomes))
        status = {"ok": Status.OK, "flaky": Status.FLAKY}.get(verdict.status, Status.MISMATCH)
        return Judgement(status, last, rate=verdict)
    if expected is None:
        raise ValueError("an item is judged against an expectation or a block rate")
    if recording is not None and len(outcomes) == 1:
        drift = compare(
            expected, last, recording.outcome, recording.recorded_at, recording.config_changes, nights=nights
        )
        return Judgement(Status(drift.status), last, drift=drift)
    wrong = next((o for o in outcomes if not expected.matches(o.verdict, o.stage, o.link)), None)
    return Judgement(Status.MISMATCH if wrong is not None else Status.OK, wrong or last)
