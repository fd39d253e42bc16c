"""Live runs: every selected item's calls issued ahead, concurrently, within pace and budget.

When collection is final (after ``-k``, ``-m``, ``--lf``), the scheduler queues each item's calls
on a thread pool per target (``concurrency`` threads, paced at ``rpm`` through the shared
:class:`~pytest_imgsafe.base.ledger.Ledger`), in item order; items then take their results as pytest
reaches them, so pytest still reports one item at a time. Under xdist every worker runs the same
scheduler: the first process to claim an item calls for it, the others wait for its result, so
no call is made twice and none is lost whichever worker xdist hands the item to.

Retrying is the plugin's, not the SDK's (its clients are built with ``max_retries=0`` in live
runs): every attempt, a retry as much as a first call, passes one gate (:func:`gated_send`) that
waits for the target's next rate slot, so a retry can never take the slot of a paced request. An
attempt that the provider did not count (a 429, a 5xx, a dropped connection) gives its slot back,
so the pace of counted requests stays at ``rpm``. Back-off follows the SDK's rules: the answer's
``Retry-After`` (or ``retry-after-ms``) when it gives one of at most a minute, else 0.5 s doubled
per retry up to 8 s, less up to a quarter at random. What still fails is an error with its kind.
Before each call the ledger checks the budget (the call's estimated price is set aside first),
the max-blocks limit (for prompts expected to be blocked) and the stop flag (set by a suspended
account).
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from ..base.files import OutsideFence, fenced_files
from ..base.ledger import Ledger
from ..base.wire import Answer
from ..collect.config import Settings
from ..collect.corpus import Case
from ..providers.registry import build_request, call, call_cost, outcome_for, price_per_call
from ..providers.retry import retry_delay, should_retry
from ..providers.target import Target
from ..providers.verdict import ApiError, Outcome


@dataclass
class Call:
    """One call's answer and verdict (or the error that stands for it)."""

    answer: Answer | None
    outcome: Outcome | None
    error: dict[str, Any] | None = None
    cost: float = 0.0

    @property
    def api_error(self) -> ApiError | None:
        return ApiError(**self.error) if self.error else None


@dataclass
class LiveResult:
    """An item's calls (several when the case repeats), or why none was made."""

    calls: list[Call] = field(default_factory=list)
    skipped: str | None = None


def _error_fields(err: ApiError) -> dict[str, Any]:
    return {
        "kind": err.kind,
        "message": err.message,
        "status_code": err.status_code,
        "code": err.code,
        "request_id": err.request_id,
        "provider": err.provider,
        "suspended": err.suspended,
    }


def expects_block(case: Case, target: str) -> bool:
    """Is this prompt expected to be blocked on this target (what --imgsafe-max-blocks holds back)?"""
    expectation = case.expect.get(target)
    if expectation is not None:
        return expectation.verdict == "block"
    rate = case.block_rate.get(target)
    return rate is not None and not (rate.op in ("<=", "<", "==") and rate.value == 0)


class LiveScheduler:
    """Issues the live calls of a session's items ahead of them."""

    def __init__(self, settings: Settings, ledger: Ledger, client_for: Any, workers: int = 1) -> None:
        self.settings = settings
        self.ledger = ledger
        self.client_for = client_for
        self.workers = max(1, workers)
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._local: dict[str, LiveResult] = {}
        self._events: dict[str, threading.Event] = {}
        self._closed = threading.Event()

    def start(self, work: Sequence[tuple[str, Case, str]]) -> None:
        """Queue ``(key, case, target name)`` in order; each key's calls happen once per run."""
        for key, case, target_name in work:
            target = self.settings.targets[target_name]
            pool = self._pools.get(target_name)
            if pool is None:
                # the target's concurrency is for the whole run: shared out among xdist workers
                threads = max(1, math.ceil(target.concurrency / self.workers))
                pool = self._pools[target_name] = ThreadPoolExecutor(
                    threads, thread_name_prefix=f"imgsafe-{target_name}"
                )
            self._events[key] = threading.Event()
            pool.submit(self._run, key, case, target)

    def result(self, key: str, timeout: float = 3600.0) -> LiveResult:
        """The item's result: made here, or by the process that claimed it."""
        event = self._events.get(key)
        if event is None:
            raise KeyError(key)
        while not event.wait(0.05):
            if self._closed.is_set():
                raise TimeoutError(key)
        value = self._local.get(key)
        if value is None:
            raise TimeoutError(key)
        if value is _ELSEWHERE:
            found: LiveResult = self.ledger.wait_for(key, timeout, alive=lambda: not self._closed.is_set())
            return found
        return value

    def close(self, abandon: bool = True) -> None:
        """Cancel what has not started; calls in flight finish.

        ``abandon`` (``-x``, Ctrl-C, a stop): calls still waiting for their slot or back-off give up
        too. Otherwise (this process ran its items: an xdist worker that finished first) they are
        made and published: another worker may be waiting for an item this one claimed, and a
        call given up there would be an item without a verdict (with a pool, a call can wait a
        while for a resting member)."""
        if abandon:
            self._closed.set()
        for pool in self._pools.values():
            pool.shutdown(wait=not abandon, cancel_futures=True)
        self._closed.set()

    # --- one item ---------------------------------------------------------------------------

    def _run(self, key: str, case: Case, target: Target) -> None:
        try:
            if self._closed.is_set():
                return
            if not self.ledger.claim(key):
                self._local[key] = _ELSEWHERE
                return
            result = self._calls(case, target)
            self.ledger.publish(key, result)
            self._local[key] = result
        except BaseException as err:  # noqa: BLE001 - a scheduler bug must reach the item, not vanish in a thread
            failure = LiveResult(
                [Call(None, None, {"kind": "server_error", "message": f"imgsafe live scheduler: {err!r}"})]
            )
            self.ledger.publish(key, failure)
            self._local[key] = failure
        finally:
            self._events[key].set()

    def _calls(self, case: Case, target: Target) -> LiveResult:
        result = LiveResult()
        price = price_per_call(target, dict(case.params))
        try:  # checked again right before the upload: a link swapped in since collection is refused
            images, mask = fenced_files(case.images, case.mask, self.settings.files_root or self.settings.rootpath)
        except OutsideFence as err:
            result.calls.append(Call(None, None, {"kind": "invalid_request", "message": str(err)}))
            return result
        spec = build_request(target, case.prompt, case.params, images, mask)
        for _ in range(case.repeat):
            stopped = self.ledger.stopped()
            if stopped:
                result.skipped = f"the run was stopped: {stopped}"
                return result
            block_slot = expects_block(case, target.name) and self.ledger.max_blocks is not None
            if block_slot and not self.ledger.reserve_block():
                result.skipped = (
                    f"--imgsafe-max-blocks {self.ledger.max_blocks} reached: "
                    "prompts expected to be blocked are not sent any more in this run "
                    "(repeated blocks can get an account suspended)"
                )
                return result
            if not self.ledger.reserve(price):
                if block_slot:
                    self.ledger.settle(0.0, 0.0, called=False, blocked=False, block_slot=True)
                totals = self.ledger.totals()
                result.skipped = (
                    f"--imgsafe-budget-usd {self.ledger.budget_usd:g} would be passed: "
                    f"this call is estimated at ${price:.4f} "
                    f"and ${totals.spent_usd:.4f} is spent (calls are not made past the budget)"
                )
                return result
            made = self._one(spec, target, price, block_slot)
            if made is None:  # the run was closed while this call waited for its slot
                return result
            result.calls.append(made)
            error = result.calls[-1].error
            if error and error.get("suspended"):
                self.ledger.stop(
                    f"target {target.name!r} answered that the account or resource is suspended: {error['message']}"
                )
                return result
        return result

    def _one(self, spec: Any, target: Target, price: float, block_slot: bool) -> Call | None:
        try:
            return settled_call(
                self.ledger,
                lambda: send_through_gate(
                    self.ledger, target, lambda to: call(self.client_for(to), spec), self._closed.wait
                ),
                price,
                block_slot=block_slot,
                target=target,
            )
        except Closed:
            self.ledger.settle(price, 0.0, called=False, blocked=False, block_slot=block_slot)
            return None


class Closed(Exception):
    """The run was closed (``-x``, a stop) while a call waited for its slot or its back-off."""


def gated_send(
    ledger: Ledger,
    target: Target,
    send: Callable[[], Answer],
    wait: Callable[[float], bool] | None = None,
    rng: random.Random | None = None,
) -> Answer:
    """One logical call: up to ``1 + target.max_retries`` attempts, each through the gate.

    Each attempt first waits for the target's next rate slot; an answer the provider does not
    count (429, 5xx, no connection) gives the slot back and is retried after the back-off, until
    the retries are spent. ``wait(seconds)`` sleeps and returns True when the run was closed
    (then :class:`Closed` is raised). Returns the last answer, or raises the last ``ApiError``.
    """
    rand = rng or random
    wait = wait or _sleep
    for attempt in range(target.max_retries + 1):
        stopped = ledger.stopped()
        if stopped and attempt:
            break
        pause = ledger.next_slot(target.name, target.rpm)
        if pause > 0 and wait(pause):
            raise Closed()
        last_attempt = attempt == target.max_retries
        try:
            answer = send()
        except ApiError:  # no answer at all: connection refused, dropped, timed out
            ledger.release_slot(target.name, target.rpm)
            if last_attempt:
                raise
            delay = retry_delay(attempt, None, rand)
        else:
            if not should_retry(answer) or last_attempt:
                return answer
            ledger.release_slot(target.name, target.rpm)
            delay = retry_delay(attempt, answer.headers, rand)
        if wait(delay):
            raise Closed()
    raise ApiError("server_error", "the run was stopped before the call could be retried", None)


def send_through_gate(
    ledger: Ledger,
    target: Target,
    send_to: Callable[[Target], Answer],
    wait: Callable[[float], bool] | None = None,
    rng: random.Random | None = None,
) -> Answer:
    """One logical call through the gate: over the target's pool when it has one, else on the target."""
    if target.pool:
        return pooled_send(ledger, target, send_to, wait, rng)
    return gated_send(ledger, target, lambda: send_to(target), wait, rng)


POOL_MEMBER = "pool_member"
"""The ``Answer.meta`` entry naming the pool member that answered (reports count by it)."""


def pooled_send(
    ledger: Ledger,
    target: Target,
    send_to: Callable[[Target], Answer],
    wait: Callable[[float], bool] | None = None,
    rng: random.Random | None = None,
) -> Answer:
    """One logical call over a pool: each attempt to the member free first (``base.pools``).

    A member that answers 429 or 5xx, or does not answer, gives its slot back and rests for the
    back-off (its answer's ``Retry-After`` when it gives one) while the others take the work; a
    member out of quota is out for the run. Up to ``1 + max_retries`` attempts per member, each
    member's refusals spending its own; an ``ApiError`` of kind ``quota`` only when every member is
    out. The answer's ``meta`` names the member that gave it.
    """
    rand = rng or random
    wait = wait or _sleep
    members = [(m.name, m.rpm, m.budget_usd) for m in target.pool]
    by_name = {m.name: target.as_member(m) for m in target.pool}
    last: Answer | ApiError | None = None
    tries: dict[str, int] = {}  # a refusing member spends its own retries, never the others'
    for attempt in range((target.max_retries + 1) * len(members)):
        if ledger.stopped() and attempt:
            break
        left = [m for m in members if tries.get(m[0], 0) <= target.max_retries]
        if not left:
            break
        name, pause = ledger.pool_slot(target.name, left)
        if name is None:
            reasons = "; ".join(f"{m}: {why}" for m, why in sorted(ledger.pool_out(target.name).items()))
            raise ApiError("quota", f"every member of target {target.name!r}'s pool is out ({reasons})", None)
        if pause > 0 and wait(pause):
            raise Closed()
        member = by_name[name]
        tries[name] = tries.get(name, 0) + 1
        try:
            answer = send_to(member)
        except ApiError as err:  # no answer at all: this member rests, the others take the work
            ledger.pool_refused(target.name, name, member.rpm or 1, retry_delay(tries[name] - 1, None, rand))
            last = err
            continue
        answer = replace(answer, meta={**answer.meta, POOL_MEMBER: name})
        if answer.status >= 400 and _out_of_quota(member, answer):
            ledger.pool_retire(target.name, name, f"out of quota (HTTP {answer.status})")
            last = answer
            continue
        if should_retry(answer):
            ledger.pool_refused(target.name, name, member.rpm or 1, retry_delay(tries[name] - 1, answer.headers, rand))
            last = answer
            continue
        return answer
    if isinstance(last, Answer):
        return last
    if isinstance(last, ApiError):
        raise last
    raise ApiError("server_error", "the run was stopped before the call could be retried", None)


def _out_of_quota(member: Target, answer: Answer) -> bool:
    """Does this refusal say the member's quota (not its rate) is spent?"""
    try:
        outcome_for(member, answer)
    except ApiError as err:
        return err.kind == "quota"
    return False


def _sleep(seconds: float) -> bool:
    time.sleep(seconds)
    return False


def settled_call(
    ledger: Ledger, send: Callable[[], Answer], price: float, *, target: Target, block_slot: bool = False
) -> Call:
    """Make one paid call (its price already set aside) and book it in the ledger: what it
    cost (the kind's ``cost``; a non-verdict costs nothing), whether it blocked, the block slot."""
    try:
        answer = send()
    except ApiError as err:
        ledger.settle(price, 0.0, called=True, blocked=False, block_slot=block_slot)
        return Call(None, None, _error_fields(err))
    try:
        outcome = outcome_for(target, answer)
    except ApiError as err:
        ledger.settle(price, 0.0, called=True, blocked=False, block_slot=block_slot)
        if answer.meta.get(POOL_MEMBER):
            ledger.pool_book(target.name, str(answer.meta[POOL_MEMBER]), 0.0)
        return Call(answer, None, _error_fields(err))
    cost = call_cost(target, outcome, price)
    ledger.settle(price, cost, called=True, blocked=outcome.verdict == "block", block_slot=block_slot)
    member = answer.meta.get(POOL_MEMBER)
    if member:
        ledger.pool_book(target.name, str(member), cost)
    return Call(answer, outcome, None, cost)


_ELSEWHERE = LiveResult(skipped="claimed by another process")
