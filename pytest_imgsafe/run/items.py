"""The pytest nodes: a corpus file, and one item per (case, target), with their reports.

Following pytest's non-python example: ``CorpusFile.collect`` yields items built with
``from_parent``; a bad file is a ``CollectError`` whose message is the whole story (no
traceback). Getting the verdict happens in ``setup``, so an item that could not get one (no
recording, rate limit, auth, garbage) is an *error*; comparing it with the expectation happens
in ``runtest``, so a changed outcome is a *failure*. ``repr_failure`` formats only this plugin's
own exceptions and hands everything else (plugin bugs) to pytest, traceback and all.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..base.advice import command
from ..base.exchange import exchange
from ..base.files import shown_path
from ..base.row import Row
from ..base.scrub import escape_line
from ..base.status import FAILING, Status
from ..base.strategies import STRATEGIES
from ..base.text import excerpt
from ..calls.runner import CallSession, ImgsafeError, NotSent, Result, Runner
from ..collect.corpus import Case, CorpusError, Expectation, FuzzSpec, Problem, RateExpectation, load_corpus
from ..judging.judge import Recording, judge
from ..providers.registry import kind_of
from ..providers.verdict import Outcome
from .session import run_state

if TYPE_CHECKING:
    from ..base.wire import Answer
    from ..diagnosis.explain import Explanation
    from ..fuzzing.fuzz import Example, FuzzRun
    from ..judging.drift import Drift
    from ..judging.stats import RateVerdict


class OutcomeMismatch(Exception):
    """The verdict differs from the expectation."""


class RefusedFolder(pytest.Directory):
    """A linked folder inside a corpus that is not followed (a loop, or files collected twice):
    one collection error that says why, instead of a walk without end."""

    problem: str = ""

    @classmethod
    def refused(cls, parent: pytest.Collector, path: Path, problem: str) -> RefusedFolder:
        node = cls.from_parent(parent, path=path)
        node.problem = problem
        return node

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        shown = self.path.relative_to(self.config.rootpath) if self.config.rootpath in self.path.parents else self.path
        raise self.CollectError(
            f"{shown} {self.problem}; it is not followed: remove the link, or link a folder of its own"
        )


class CorpusFile(pytest.File):
    """A corpus YAML file."""

    @classmethod
    def collected(cls, parent: pytest.Collector, path: Path) -> CorpusFile:
        """The file's node, its node id escaped (:func:`escape_line`) when its name holds control
        characters: pytest prints node ids as they are (the "ERROR collecting" header, progress,
        ``-rA``, the short summary), and a file name must not recolour, retitle or break the
        lines of the terminal. Its items' ids, built from it, are escaped with it."""
        node = cls.from_parent(parent, path=path)
        escaped = escape_line(node.nodeid)
        return node if escaped == node.nodeid else cls.from_parent(parent, path=path, nodeid=escaped)

    def collect(self) -> Iterator[pytest.Item]:
        state = run_state(self.config)
        settings = state.settings
        shown = self._shown()
        outside = settings.outside_corpus_file_problem(self.path)
        if outside is not None:
            raise self.CollectError(f"{shown} {outside}; replace the link with the file it points to")
        try:
            corpus = load_corpus(self.path, state.target_kinds, files_root=settings.files_root or settings.rootpath)
        except CorpusError as err:
            raise self.CollectError(err.render(shown=shown)) from None
        entries: list[Case | FuzzSpec] = [*corpus.cases, *corpus.fuzz]
        clashes = [
            Problem(
                entry.line,
                f"duplicate id {excerpt(entry.id)}: already used at {state.ids[entry.id][0]}:{state.ids[entry.id][1]}; "
                "ids must be unique across all corpus files",
            )
            for entry in entries
            if entry.id in state.ids and state.ids[entry.id][0] != shown
        ]
        if state.recording:
            # A run that records may collect one file alone (the re-record command does): the same
            # id in a file it does not collect names the same cassettes, whose recordings it would replace.
            tree = state.tree_ids()
            clashes += [
                Problem(
                    entry.line,
                    f"duplicate id {excerpt(entry.id)}: also used at {elsewhere[0]}:{elsewhere[1]}, whose "
                    "recordings this run would replace (both name the same cassettes); ids must be unique "
                    "across all corpus files, whichever of them a run collects",
                )
                for entry in entries
                if entry.id not in state.ids
                for elsewhere in tree.get(entry.id, [])[:1]
                if elsewhere[0] != shown
            ]
        if clashes:
            raise self.CollectError(CorpusError(self.path, clashes).render(shown=shown))
        active = set(settings.active_targets)
        for case in corpus.cases:
            state.ids[case.id] = (shown, case.line)
            for target in case.targets:
                if target in active:
                    yield CaseItem.from_parent(
                        self,
                        name=f"{case.id}[{target}]",
                        nodeid=self._child_id(case.id, target),
                        case=case,
                        target=target,
                        shown=shown,
                    )
        for spec in corpus.fuzz:
            state.ids[spec.id] = (shown, spec.line)
            for target in spec.targets:
                if target in active:
                    yield FuzzItem.from_parent(
                        self,
                        name=f"{spec.id}[{target}]",
                        nodeid=self._child_id(spec.id, target),
                        spec=spec,
                        target=target,
                        shown=shown,
                    )

    def _child_id(self, entry: str, target: str) -> str:
        # Given as a string, the node id is read the way pytest reads the ids it stores (in
        # lastfailed, stepwise): "id[target]" as a name with a parameter. Built from the name
        # alone, pytest >= 9.1 would keep "[target]" inside the name, and --lf / --sw would
        # never find these items again.
        return f"{self.nodeid}::{entry}[{target}]"

    def _shown(self) -> str:
        return escape_line(shown_path(self.path, self.config.rootpath))


def shown_location(path: Path) -> Path:
    """Where pytest says an item is (``-vv``'s "<- file", a skip's "SKIPPED [n] file:line"):
    the corpus file's path, escaped as its node id is (:meth:`CorpusFile.collected`). Only shown,
    never read: the item reads ``self.path``."""
    escaped = escape_line(str(path))
    return path if escaped == str(path) else Path(escaped)


class CaseItem(pytest.Item):
    """One case checked against one target."""

    # What an item sets only now and then is a default of the class: an attribute set on every
    # item (even to None) is a slot of its dict, kept until the session ends, 10,000 times over.
    drift: Drift | None = None
    recording: Recording | None = None
    """Live: the recorded verdict of this request, for drift (looked up in setup)."""
    explanation: Explanation | None = None
    appeal_problem: str = ""
    """Why ``--imgsafe-appeal`` could not write this item's appeal file, if so."""
    old_explanation: Explanation | None = None
    """A drift from block to pass: the old block's explanation, replayed from its recording."""

    def __init__(self, *, case: Case, target: str, shown: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.target = target
        self.shown_path = shown
        self.expected: Expectation | None = case.expect.get(target)
        self.rate: RateExpectation | None = case.block_rate.get(target)
        self.result: Result | None = None
        """Set in setup, let go in teardown (every item has one: set in the same order on every
        item, the items' dicts share their keys)."""
        # Marks go straight to own_markers (what -m and -k read); add_marker would also copy
        # each into keywords, which costs a lot at 100,000 items and serves no selection.
        self.imgsafe = run_state(self.config)
        """The run this item belongs to (looked up once: every phase of the item reads it)."""
        marks = self.imgsafe.marks
        self.own_markers.append(marks["imgsafe"])
        self.own_markers.append(marks[target])
        if case.scenario:
            self.own_markers.append(marks[case.scenario])
        if case.skip:
            self.add_marker(pytest.mark.skip(reason=case.skip))
        if case.xfail:  # strict: an expectation met while marked so is news, and fails as XPASS
            self.add_marker(pytest.mark.xfail(reason=case.xfail, strict=True))

    @property
    def runner(self) -> Runner:
        return self.imgsafe.runner

    @property
    def expected_text(self) -> str:
        return f"block rate {self.rate}" if self.rate is not None else str(self.expected)

    def setup(self) -> None:
        # pytest.fail(pytrace=False) in setup: an error (not a failure) that shows only our text.
        state = self.imgsafe
        try:
            self.result = self.runner.result(self.case, self.target, self.nodeid)
        except NotSent as err:  # a chain's or gateway's link kept from calling (budget, a stopped run):
            reason = f"not called: {err}"  # skipped as the items the budget kept from calling, never an error
            self._record_properties(None, None, status="skipped", note=reason)
            pytest.skip(reason)
        except ImgsafeError as err:
            problem = str(err)
        else:
            if self.result.skipped:
                self._record_properties(None, None, status="skipped", note=self.result.skipped)
                pytest.skip(self.result.skipped)
            if self.result.error is None:
                try:
                    recording = self._live_recording()
                except ImgsafeError as err:  # an image swapped for a link since collection
                    problem = str(err)
                else:
                    if recording is not None:
                        self.recording = recording
                    return
        if self.result is not None and self.result.error is not None:
            error = self.result.error
            problem = (
                f"target {self.target!r} gave no verdict for case {self.case.id!r}: {error}\n"
                f"  from: {self.result.source}\n"
                "  (an answer that is not a safety verdict is never counted as pass or block"
                + (
                    ", and never written to a cassette: the next run calls again)"
                    if self.runner.settings.record_mode != "none" and not self.runner.settings.live
                    else ")"
                )
            )
            if error.suspended:
                problem += "\n  the account or resource is suspended: the run stops here, and no more prompts are sent"
                self.session.shouldstop = f"imgsafe: target {self.target!r} says the account or resource is suspended"
        self._record_properties(None, problem.splitlines()[0], status="error")
        if state.tolerates_no_verdict and not self.session.shouldstop:  # a suspension is no noise
            pytest.xfail(f"no verdict (counted against --imgsafe-max-error-rate): {problem}")
        pytest.fail(problem, pytrace=False)

    def _live_recording(self) -> Recording | None:
        """Live, for drift: the recorded verdict of this request (None when not live). Looked up
        in setup, because building the request reads the case's files again: a file swapped for a
        link since collection is then the item's error, as in replay, not a traceback."""
        state = self.imgsafe
        if (
            state.live is None
            or self.rate is not None
            or self.case.repeat != 1
            or not kind_of(state.settings.targets[self.target].kind).calls_endpoint
        ):
            return None
        recorded, recorded_at, config_changes = self.runner.recording(self.case, self.target)
        return Recording(recorded.outcome if recorded else None, recorded_at, tuple(config_changes))

    def runtest(self) -> None:
        result = self.result
        assert result is not None and result.outcome is not None
        state = self.imgsafe
        recording = self.recording
        nights = state.nights.get((self.case.id, self.target), []) if recording is not None else []
        judgement = judge(result.outcomes, self.expected, self.rate, recording, nights)
        if judgement.failed and not result.whole:
            # the reader process sent only verdicts: the failure's story needs the answers
            result = self.result = self._whole_result(result)
            judgement = judge(result.outcomes, self.expected, self.rate, recording, nights)
        if judgement.drift is not None:
            self.drift = judgement.drift
        outcome = result.outcome
        assert outcome is not None
        shown = judgement.outcome or outcome
        if judgement.failed and self.rate is None:
            self._unexpected_block(shown)
        elif self.rate is None and shown.verdict == "block":
            self._explain_recorded_block(shown)
        if recording is not None and recording.outcome is not None and self.drift is not None:
            self._old_block(recording.outcome)
        self._record_properties(
            outcome if self.rate is not None else shown,
            None,
            status=judgement.status,
            drift=judgement.drift,
            rate=judgement.rate,
        )
        if judgement.failed:
            raise OutcomeMismatch(shown, judgement.rate)

    def _whole_result(self, result: Result) -> Result:
        """``result`` with its answers, read again; a recording that can no longer be read (a
        link swapped in since it was read ahead) is the item's error, as in setup."""
        try:
            whole = self.runner.whole(result, self.case, self.target, self.nodeid)
        except ImgsafeError as err:
            problem = str(err)
        else:
            if whole.outcome is not None and whole.error is None:
                return whole
            problem = (
                f"the recording of case {self.case.id!r} on target {self.target!r} changed while the run read it: "
                f"read again, it gave no verdict ({whole.error}); replay the run again"
            )
        self.result = None
        self._record_properties(None, problem.splitlines()[0], status="error")
        pytest.fail(problem, pytrace=False)

    def teardown(self) -> None:
        # The item's reports are made: its answers (whole parsed bodies) are not needed again.
        # Kept, they would stay alive with the item until the session ends, and every full
        # collection of the cycle collector would walk them again.
        self.result = None

    def _unexpected_block(self, outcome: Outcome) -> None:
        """A block where the corpus expected a pass: explain it and write the appeal, if asked."""
        if outcome.verdict != "block" or self.expected is None or self.expected.verdict != "pass":
            return
        state = self.imgsafe
        target = state.settings.targets[self.target]
        if state.settings.options.explain_budget is not None and kind_of(target.kind).calls_endpoint:
            from ..diagnosis.explain import explain

            self.explanation = explain(
                self.runner, self.case, target, outcome, self.nodeid, budget=state.settings.options.explain_budget
            )
        if state.settings.options.appeal_dir is not None:
            from ..diagnosis.appeal import AppealCase, write_appeal

            appeal = AppealCase(
                self.case,
                target,
                self.expected_text,
                f"{self.shown_path}:{self.case.line}",
                self.nodeid,
                self.result.answer if self.result else None,
                tuple(o.label for o in (self.result.outcomes if self.result else [])),
                self.explanation.triggers if self.explanation is not None and not self.explanation.problem else (),
            )
            from ..base.files import NotWritten

            try:
                write_appeal(state.settings.options.appeal_dir, appeal, outcome, self.runner, state.history)
            except NotWritten as err:  # the item's failure stays its report, with one line about the appeal
                self.appeal_problem = f"not written: {err}"

    def _explain_recorded_block(self, outcome: Outcome) -> None:
        """Recording with --imgsafe-explain: an expected block is explained too, and its queries
        recorded, so that a drift from block to pass can later say what triggered it."""
        state = run_state(self.config)
        settings = state.settings
        target = settings.targets[self.target]
        if (
            settings.live
            or settings.record_mode == "none"
            or settings.options.explain_budget is None
            or not kind_of(target.kind).calls_endpoint
        ):
            return
        from ..diagnosis.explain import explain

        self.explanation = explain(
            self.runner, self.case, target, outcome, self.nodeid, budget=settings.options.explain_budget
        )

    def _old_block(self, recorded: Outcome) -> None:
        """A drift from block to pass: the old block's words, from the recording's explanation."""

        if self.drift is None or self.drift.status != Status.DRIFT_NOW_PASSES or recorded.verdict != "block":
            return
        from ..base.options import EXPLAIN_BUDGET_DEFAULT
        from ..diagnosis.drift_story import recorded_explanation

        state = run_state(self.config)
        budget = state.settings.options.explain_budget
        self.old_explanation = recorded_explanation(
            self.runner,
            self.case,
            state.settings.targets[self.target],
            recorded,
            self.nodeid,
            EXPLAIN_BUDGET_DEFAULT if budget is None else budget,
        )

    def _exchange(self, answer: Answer | None) -> dict[str, Any] | None:
        """The request as sent and the answer as it came, for a row a reader will open (a
        failing or erroring item only; see ``base.exchange``)."""
        sent = self.runner.request_shown(self.case, self.target)
        if sent is None and answer is None:
            return None
        operation, fields, files = sent if sent is not None else ("", {"prompt": self.case.prompt}, [])
        return exchange(operation, fields, files, answer)

    def _record_properties(
        self,
        outcome: Outcome | None,
        error: str | None,
        *,
        status: str,
        note: str | None = None,
        drift: Drift | None = None,
        rate: RateVerdict | None = None,
    ) -> None:
        # The item's one row: the run keeps this object (user_properties carry it to the run's
        # log, and xdist sends it to the controller as a plain dict).
        result = self.result
        answer = result.answer if result else None
        cause = result.error if result else None
        self.user_properties.append(
            (
                "imgsafe",
                Row(
                    case=self.case.id,
                    target=self.target,
                    scenario=self.case.scenario,
                    expected=self.expected_text,
                    actual=outcome.label if outcome else None,
                    stage=outcome.stage if outcome else None,
                    code=outcome.code if outcome else cause.code if cause and error else None,
                    # a few names over all rows: one string each, not one per row parsed from its answer
                    categories=[sys.intern(c) for c in outcome.categories] if outcome else [],
                    request_id=outcome.request_id if outcome else cause.request_id if cause and error else None,
                    filter=outcome.filter if outcome else None,
                    read_by=outcome.read_by if outcome else None,
                    source=answer.source if answer else result.replayed_from if result else None,
                    # a plain string (xdist sends rows through execnet): the member's own value, one
                    # object for every row, where str() would make a copy per row
                    status=status.value if isinstance(status, Status) else str(status),
                    error=error,
                    error_kind=cause.kind if cause and error else None,
                    http_status=cause.status_code if cause and error else None,
                    message=cause.message if cause and error else None,
                    note=note,
                    mode=self.runner.mode,
                    drift=None
                    if drift is None
                    else {
                        "status": str(drift.status),
                        "since": drift.since,
                        "changes": {k: list(v) for k, v in drift.changes.items()},
                        "config_changes": list(drift.config_changes),
                    },
                    rate=None
                    if rate is None
                    else {
                        "blocks": rate.blocks,
                        "n": rate.n,
                        "low": round(rate.low, 4),
                        "high": round(rate.high, 4),
                        "confidence": rate.confidence,
                        "status": rate.status,
                    },
                    repeat=self.case.repeat,
                    steps=[list(step) for step in result.steps] if result else [],
                    explain=self.explanation.as_dict() if self.explanation else None,
                    prompt=self.case.prompt,
                    reason=self.case.reason,
                    exchange=self._exchange(answer) if error is not None or status in FAILING else None,
                ),
            )
        )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, OutcomeMismatch):
            return self._mismatch_text(*excinfo.value.args)
        return super().repr_failure(excinfo, style=style)

    def _mismatch_text(self, outcome: Outcome, rate: RateVerdict | None = None) -> str:
        answer = self.result.answer if self.result else None
        runner = self.runner
        got = rate.describe() if rate is not None else outcome.label
        lines = [f"case {self.case.id!r} on target {self.target!r}: expected {self.expected_text}, got {got}"]
        if self.drift is not None and not self.drift.ok:
            lines[0] = (
                f"case {self.case.id!r} on target {self.target!r}: "
                f"{self.drift.status} (expected {self.expected_text}, got {outcome.label})"
            )
            lines.append(f"  drift:      {self.drift.describe()}")
            from ..diagnosis.drift_story import drift_lines

            now_blocked = self.drift.status == Status.DRIFT_NOW_BLOCKED
            if now_blocked or self.drift.status == Status.DRIFT_NOW_PASSES:
                lines += drift_lines(
                    now_blocked,
                    self.explanation,
                    self.old_explanation,
                    run_state(self.config).settings.options.explain_budget is not None,
                    command(self.nodeid, "all"),
                )
        lines.append(f"  prompt:     {self.case.prompt}")
        if outcome.verdict == "block":
            detail = f"block at stage {outcome.stage or 'unknown'}, code {outcome.code}"
            if outcome.categories:
                detail += f", categories [{', '.join(outcome.categories)}]"
            lines.append(
                f"  answer:     {detail} (HTTP {answer.status if answer else '?'}, provider {outcome.provider})"
            )
        else:
            lines.append(f"  answer:     pass (HTTP {answer.status if answer else '?'})")
        if outcome.message:
            lines.append(f"  message:    {outcome.message}")
        for layer, said in self.result.steps if self.result else ():
            lines.append(f"  {layer + ':':<11} {said}")
        lines.append(f"  request id: {outcome.request_id or '(none in the answer)'}")
        if answer is not None:
            source = answer.source
            if answer.meta.get("recorded_at"):
                source += f" (recorded {answer.meta['recorded_at']}{_describe_sources(answer.meta)})"
            lines.append(f"  from:       {source}")
        if self.explanation is not None:
            lines += self.explanation.lines()
        if self.appeal_problem:
            lines.append(f"  appeal:     {self.appeal_problem}")
        lines.append(f"  case:       {self.shown_path}:{self.case.line}")
        if runner.mode == "live":
            lines.append(f"  reproduce:  {command(self.nodeid, live=True)}")
            lines.append(f"  re-record:  {command(self.nodeid, 'all')}")
        else:
            lines.append(f"  re-record:  {command(self.nodeid, 'all')}")
            lines.append(f"  live check: {command(self.nodeid, live=True)}")
        return "\n".join(lines)

    def reportinfo(self) -> tuple[Path, int, str]:
        return shown_location(self.path), self.case.line - 1, f"imgsafe case {self.case.id} [{self.target}]"


def _describe_sources(meta: Any) -> str:
    sources = meta.get("sources") or []
    if not sources:
        return ""
    first = sources[0]
    if first.get("kind") == "sandbox":
        return f" from the sandbox, profile {first.get('profile')}, policy version {first.get('policy-version')}"
    return f" from {first.get('base_url')}"


DRAWS_NOTE = "fuzz_draws"
"""Where a fuzz item's cassette keeps the examples its recording drew, and their fingerprint."""


def _recorded_draws(noted: Any, fingerprint: str) -> tuple[str, ...] | None:
    """The draws a cassette noted, if they were drawn under ``fingerprint`` (else hypothesis draws)."""
    if not isinstance(noted, dict) or noted.get("of") != fingerprint:
        return None
    draws = noted.get("draws")
    if not isinstance(draws, list) or not all(isinstance(d, str) for d in draws):
        return None
    return tuple(draws)


def rewrites_of(rewriter: str, describer: CallSession | None) -> str:
    """What a fuzz item's rewrites are noted under: the rewriter's fingerprint, and for a spec that
    asks a describer, the describer's recorded answers they were made from (a recording made now
    has none yet: its rewrites are computed, and noted with the answers it records)."""
    if describer is None:
        return rewriter
    return hashlib.sha256(f"{rewriter}\0{describer.answers_digest()}".encode()).hexdigest()[:32]


class FuzzFailed(Exception):
    """A fuzz spec's shrunk example broke its expectation."""


class FuzzItem(pytest.Item):
    """One ``fuzz:`` spec run with hypothesis against one target.

    As with cases, the calls happen in ``setup`` (an example with no verdict makes the item an
    error) and the comparison in ``runtest`` (a broken expectation is a failure, reported with
    the shrunk example).
    """

    def __init__(self, *, spec: FuzzSpec, target: str, shown: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.target = target
        self.shown_path = shown
        self.run: FuzzRun | None = None
        marks = run_state(self.config).marks
        self.own_markers.extend([marks["imgsafe"], marks["fuzz"], marks[target]])
        if spec.scenario:
            self.own_markers.append(marks[spec.scenario])

    def setup(self) -> None:
        from ..fuzzing.fuzz import NoVerdict, SharedWork, draws_fingerprint, run_spec, spec_seed
        from ..fuzzing.known_rewrites import REWRITES_NOTE, note_of, take_note
        from ..providers.outcome import ApiError

        state = run_state(self.config)
        settings = state.settings
        strategy = STRATEGIES.get(self.spec.strategy or "")
        describe: Callable[[str, str, Path | None], str] | None = None
        describer_session: CallSession | None = None
        if strategy is not None and strategy.needs_describer:
            if settings.describer is None:
                pytest.fail(
                    f"fuzz spec {self.spec.id!r} uses {strategy.name}, which asks a chat model for descriptions, "
                    'but no describer is configured: add [tool.imgsafe.describer] with model = "..." '
                    "(and base_url_env / api_key_env as for a target)",
                    pytrace=False,
                )
            if settings.needs_network:
                from ..collect.config import missing_describer_keys

                missing = missing_describer_keys(settings)
                if missing:
                    pytest.fail(
                        f"fuzz spec {self.spec.id!r} uses {strategy.name}, "
                        f"whose describer needs {'; '.join(missing)} to be set",
                        pytrace=False,
                    )
            describer = describer_session = state.runner.session(settings.describer, self.spec.id, self.nodeid)

            def ask_describer(instruction: str, text: str, image: Path | None) -> str:
                try:
                    return describer.describe(instruction, text, image)
                except (ImgsafeError, ApiError) as err:
                    raise NoVerdict(
                        f"the describer gave no description: {err}", not_sent=isinstance(err, NotSent)
                    ) from None

            describe = ask_describer

        session = state.runner.session(settings.targets[self.target], self.spec.id, self.nodeid)

        def ask(prompt: str, kind: str | None) -> Outcome:
            try:
                return session.outcome(prompt, None, self.spec.images, None, kind=kind)[0]
            except (ImgsafeError, ApiError) as err:
                raise NoVerdict(
                    str(err), not_sent=isinstance(err, NotSent), cause=err if isinstance(err, ApiError) else None
                ) from None

        fingerprint = draws_fingerprint(self.spec, state.tables.terms, spec_seed(self.spec.id, state.fuzz_seed))
        image = self.spec.images[0] if self.spec.images else None
        # what the examples imply is shared by the spec's targets, unless each asks its describer
        work = state.fuzz_work if describer_session is None else SharedWork()
        with session:
            take_note(
                work,
                session.noted(REWRITES_NOTE),
                rewrites_of(state.rewriter_fingerprint, describer_session),
                self.spec.strategy,
                image,
            )
            with describer_session or nullcontext():
                self.run = run_spec(
                    self.spec,
                    dict(self.spec.expect.get(self.target, {})),
                    ask,
                    rewriter=state.fuzz_rewriter,
                    tables=state.tables.terms,
                    describe=describe,
                    run_seed=state.fuzz_seed,
                    shared=work,
                    recorded=_recorded_draws(session.noted(DRAWS_NOTE), fingerprint),
                )
            if session.recording and self.run.failure is None and self.run.error is None:
                session.note(DRAWS_NOTE, {"of": fingerprint, "draws": list(self.run.drawn)})
                # after the describer's session closed: a recording's answers are saved by then
                of = rewrites_of(state.rewriter_fingerprint, describer_session)
                session.note(REWRITES_NOTE, note_of(work, self.spec.strategy, self.run.drawn, image, of))
        if self.run.error is not None and self.run.error.not_sent:
            reason = f"fuzz spec {self.spec.id!r} stopped after {self.run.examples} examples: {self.run.error}"
            self._record_properties(None, status="skipped")
            pytest.skip(reason)
        if self.run.error is not None:
            message = (
                f"fuzz spec {self.spec.id!r} on target {self.target!r} got no verdict "
                f"(after {self.run.examples} examples, seed {self.run.seed}): {self.run.error}\n"
                "  (an answer that is not a safety verdict is never counted as pass or block)"
            )
            self._record_properties(message.splitlines()[0])
            if state.tolerates_no_verdict:
                pytest.xfail(f"no verdict (counted against --imgsafe-max-error-rate): {message}")
            pytest.fail(message, pytrace=False)

    def runtest(self) -> None:
        assert self.run is not None
        self._record_properties(None)
        if self.run.failure is not None:
            raise FuzzFailed(self.run.failure)

    def _record_properties(self, error: str | None, status: str | None = None) -> None:
        from datetime import date

        from ..fuzzing.fuzz import failure_cases

        run = self.run
        failure = run.failure if run else None
        cause = run.error.cause if run and run.error and error else None
        self.user_properties.append(
            (
                "imgsafe",
                Row(
                    case=self.spec.id,
                    target=self.target,
                    scenario=self.spec.scenario,
                    expected=", ".join(f"{k}: {v}" for k, v in self.spec.expect.get(self.target, {}).items()),
                    error=error,
                    error_kind=cause.kind if cause else None,
                    http_status=cause.status_code if cause else None,
                    code=cause.code if cause else None,
                    message=cause.message if cause else None,
                    mode=run_state(self.config).runner.mode,
                    status=status or ("error" if error else "mismatch" if failure is not None else "ok"),
                    fuzz={"seed": run.seed if run else None, "examples": run.examples if run else 0},
                ),
            )
        )
        if failure is not None and run is not None:
            reason = (
                f"found by fuzz spec {self.spec.id} on {date.today().isoformat()} (seed {run.seed}, "
                f"{run_state(self.config).runner.mode})"
            )
            self.user_properties.append(
                ("imgsafe-fuzz-failure", failure_cases(self.spec, self.target, failure, reason))
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, FuzzFailed):
            return self._failure_text(excinfo.value.args[0])
        return super().repr_failure(excinfo, style=style)

    def _failure_text(self, example: Example) -> str:
        run = self.run
        runner = run_state(self.config).runner
        assert run is not None
        lines = [
            f"fuzz spec {self.spec.id!r} on target {self.target!r}: an example broke the expectation "
            f"({run.examples} examples drawn and shrunk, seed {run.seed})",
            f"  example:   {example.original}",
        ]
        for phase in example.phases:
            verdict = "ok" if phase.ok else "FAILED"
            lines.append(f"  {phase.name + ':':<10} expected {phase.expected}, got {phase.actual}  [{verdict}]")
            if phase.name == "rewritten" and phase.prompt != example.original:
                lines.append(
                    f"  rewrite:   {phase.prompt}  (strategy "
                    f"{example.rewrite.strategy if example.rewrite else self.spec.strategy})"
                )
            if phase.outcome is not None and phase.outcome.verdict == "block":
                lines.append(
                    f"             code {phase.outcome.code}, request id {phase.outcome.request_id or '(none)'}"
                )
        if example.rewrite is not None:
            for change in example.rewrite.changes:
                lines.append(f"  change:    {change.original!r} -> {change.replacement!r}")
        lines.append(f"  spec:      {self.shown_path}:{self.spec.line}")
        if runner.mode == "live":
            lines.append(
                f"  reproduce: {command(self.nodeid, live=True)} --imgsafe-seed {run_state(self.config).fuzz_seed}"
            )
        else:
            lines.append(f"  re-record: {command(self.nodeid, 'all')}")
        saved = run_state(self.config).settings.options.save_failures
        if saved is None:
            lines.append("  keep it:   add --imgsafe-save-failures PATH to write it as corpus cases")
        else:
            lines.append(f"  kept:      written to {saved} as corpus cases at the end of the run")
        return "\n".join(lines)

    def reportinfo(self) -> tuple[Path, int, str]:
        return shown_location(self.path), self.spec.line - 1, f"imgsafe fuzz {self.spec.id} [{self.target}]"


__all__ = ["CaseItem", "CorpusFile", "FuzzItem", "OutcomeMismatch"]
