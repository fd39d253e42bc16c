"""Case + target -> answer -> outcome, from a cassette or an endpoint.

The run-wide state of a session (settings, one SDK client per target, the scrubber) lives in a
:class:`Runner`; ``plugin.py`` keeps one in ``config.stash``. No pytest here: errors are this
module's own exceptions, which the items turn into reports.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..base.advice import broken_cassette, command, missing_recording
from ..base.files import OutsideFence, fenced_files, shown_path
from ..base.scrub import Scrubber
from ..base.wire import Answer, RequestSpec
from ..collect.config import Settings, scrubber_for
from ..collect.corpus import Case
from ..providers.openai import build_describe_request, read_description
from ..providers.registry import build_request, call, kind_of, make_client, outcome_for, price_per_call
from ..providers.target import Target
from ..providers.verdict import ApiError, Outcome
from ..routing.tables import Tables
from .recording import (
    Cassette,
    CassetteError,
    CassetteFilter,
    Recorder,
    WriteFailed,
    cassette_path,
    derived_cassette_path,
    is_description,
    is_verdict,
    legacy_derived_path,
    load_cassette,
    spec_key,
)

if TYPE_CHECKING:
    from openai import OpenAI

    from ..base.ledger import Ledger
    from ..base.read_ahead import ReadAhead
    from ..base.reader_process import ReaderProcess
    from ..routing.screen import Screen
    from .live import LiveScheduler


_CLIENT_LOCK = threading.Lock()


class ImgsafeError(Exception):
    """An item could not get a verdict; the message is the whole story."""


class Unrecorded(ImgsafeError):
    """No recording for this request, and the run may not record."""


class NotSent(ImgsafeError):
    """A live call that was not made (budget, a stopped run): the item is skipped, not failed."""


@dataclass
class Result:
    """One item's verdict (or why it has none), for the failure text and the summary.

    ``answer`` and ``outcome`` are the last call's; a repeated case has every call's verdict in
    ``outcomes``. ``skipped`` says why a live call was not made (budget, max blocks, a stop).
    """

    answer: Answer | None = None
    outcome: Outcome | None = None
    error: ApiError | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: str | None = None
    steps: tuple[tuple[str, str], ...] = ()
    """Chain and gateway targets: what each link or layer answered."""
    replayed_from: str | None = None
    """A verdict the reader process sent (:meth:`unpacked`): the cassette it was read from. Its
    answer stayed in that process: :attr:`whole` is False, and an item that needs the answer
    (to explain a failure) reads it again."""

    @classmethod
    def of(cls, answers: list[Answer], target: Target | None = None) -> Result:
        """Classify answers (with ``target``'s thresholds); the first that is no verdict makes the result an error."""
        outcomes: list[Outcome] = []
        for answer in answers:
            try:
                outcomes.append(outcome_for(target, answer))
            except ApiError as err:
                return cls(answer, None, err, outcomes)
        return cls(answers[-1] if answers else None, outcomes[-1] if outcomes else None, None, outcomes)

    @property
    def source(self) -> str:
        """Where the answer came from (a cassette, or the URL that was called)."""
        if self.answer is not None:
            return self.answer.source
        return self.replayed_from or "no answer"

    @property
    def whole(self) -> bool:
        """Does this result hold its answers (False: only their verdicts, from the reader process)?"""
        return self.replayed_from is None

    def packed(self) -> tuple[str, tuple[tuple[Any, ...], ...]] | None:
        """A plain replayed verdict in a few bytes, for the reader process to send: the answer's
        source and each outcome's fields. None for anything else (an error, no answer, a chain's
        steps): the item reads that one itself, with its own message."""
        if (
            self.error is not None
            or self.skipped is not None
            or self.steps
            or self.answer is None
            or not self.outcomes
            or self.outcome is not self.outcomes[-1]
        ):
            return None
        return self.answer.source, tuple(tuple(getattr(o, name) for name in _OUTCOME_FIELDS) for o in self.outcomes)

    @classmethod
    def unpacked(cls, packed: Any) -> Result | None:
        """The result :meth:`packed` made, without its answers; None if ``packed`` is not one."""
        try:
            source, fields = packed
            outcomes = [Outcome(*values) for values in fields]
        except (TypeError, ValueError):
            return None
        if not isinstance(source, str) or not outcomes:
            return None
        return cls(None, outcomes[-1], None, outcomes, replayed_from=source)


_OUTCOME_FIELDS = tuple(f.name for f in dataclasses.fields(Outcome))


@dataclass
class Runner:
    """Gets answers for items: replay, record or live, as the settings say."""

    settings: Settings
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    _clients: dict[str, OpenAI] = field(default_factory=dict)
    _scrubber: Scrubber | None = None
    _filters: dict[str, CassetteFilter] = field(default_factory=dict)
    _tables: Tables | None = None
    ledger: Ledger | None = None
    """Live runs: budget, pace, blocks and the stop flag, shared with the xdist workers."""
    _case_ids: frozenset[str] | None = None
    """Every case and fuzz id of the project's corpora, read when a legacy recording name is met."""
    prefetcher: LiveScheduler | None = None
    """Live runs: the items' calls, made ahead of them (started when collection is final)."""
    read_ahead: ReadAhead[tuple[str, Case, str], Result] | None = None
    """Replay: the items' answers, read from their cassettes a window ahead of them."""
    reader: ReaderProcess[tuple[str, Case, str]] | None = None
    """Replay with a core to spare: the items' verdicts, read by a forked copy of the run."""

    @property
    def tables(self) -> Tables:
        """The project's one set of term and replacement tables (screen, rewrite, localize, routing)."""
        if self._tables is None:
            self._tables = Tables.of(self.settings.term_tables, self.settings.rewrite_tables)
        return self._tables

    @property
    def mode(self) -> str:
        """``live``, ``replay`` or ``record:<vcr mode>``."""
        if self.settings.live:
            return "live"
        return "replay" if self.settings.record_mode == "none" else f"record:{self.settings.record_mode}"

    def scrubber(self) -> Scrubber:
        """The run's one scrubber: it knows every configured key's value and every secret in a
        configured base URL, so none is ever written or printed."""
        if self._scrubber is None:
            self._scrubber = scrubber_for(self.settings, self.env)
        return self._scrubber

    def cassette_filter(self, target: Target) -> CassetteFilter:
        """What vcrpy may record for ``target``: verdicts of its kind only (a describer's
        descriptions too), scrubbed, images as placeholders."""
        made = self._filters.get(target.name)
        if made is None:
            if kind_of(target.kind).reads == "text":  # a describer: its descriptions are kept too
                made = CassetteFilter(self.scrubber(), self.settings.store_images, accept=is_description)
            else:
                made = CassetteFilter(
                    self.scrubber(),
                    self.settings.store_images,
                    accept=lambda status, body, headers: is_verdict(status, body, headers, target),
                )
            self._filters[target.name] = made
        return made

    def load(self, path: Path, nodeid: str) -> Cassette | None:
        """A cassette for replay; a damaged one is an :class:`ImgsafeError` naming the file and the fix."""
        try:
            return load_cassette(path, self._rel(path))
        except CassetteError as err:
            raise ImgsafeError(broken_cassette(self._rel(path), err.why, nodeid)) from None

    def client(self, target: Target) -> OpenAI:
        """One SDK client per target per session, never per item (live threads share it).

        Live, the SDK does not retry: the plugin does, through the rate gate (``live.gated_send``),
        so that every attempt is paced and budgeted like a first call.
        """
        name = f"{target.name}@{target.member}" if target.member else target.name  # a pool member has its own
        with _CLIENT_LOCK:
            client = self._clients.get(name)
            if client is None:
                made = dataclasses.replace(target, max_retries=0) if self.settings.live else target
                client = self._clients[name] = make_client(made, self.env)
            return client

    def result(self, case: Case, target_name: str, nodeid: str) -> Result:
        """One item's answers and verdicts, whatever its target's kind and the run's source: the
        local screen, a chain or gateway (its links called one by one), the live prefetcher's
        answers, or one call session (replay or record). Raises :class:`ImgsafeError` when there
        is no verdict to be had (nothing recorded, a damaged cassette, a live result not made)."""
        target = self.settings.targets[target_name]
        kind = kind_of(target.kind)
        if kind.local:
            return screen_result(case, target, self.tables.screen)
        if kind.composite:
            return composite_result(self, case, target, nodeid)
        if self.prefetcher is not None:
            return self._prefetched(case, target, nodeid)
        reader = self.reader
        if reader is not None and reader.running:
            packed = reader.take(nodeid)
            made = Result.unpacked(packed) if packed is not None else None
            if made is not None:
                return made
            if reader.running:  # one the child declined (an error, a damaged cassette): read here
                return self.run(case, target_name, nodeid)
        if self.read_ahead is not None:
            return self.read_ahead.result(nodeid, (nodeid, case, target_name))
        return self.run(case, target_name, nodeid)

    def whole(self, result: Result, case: Case, target_name: str, nodeid: str) -> Result:
        """``result`` with its answers: read again here if the reader process sent only verdicts."""
        return result if result.whole else self.run(case, target_name, nodeid)

    def replay_ahead(self, work: Sequence[tuple[str, Case, str]], in_another_process: bool = False) -> None:
        """Replay: read the answers of ``work`` (node id, case, target; in run order) ahead of the
        items (see :mod:`read_ahead`); with ``in_another_process``, by a forked copy of the run
        where a core is spare (see :mod:`reader_process`). Record modes and live runs read
        nothing ahead."""
        if self.settings.live or self.settings.record_mode != "none":
            return
        from ..base.read_ahead import ReadAhead

        self.read_ahead = ReadAhead(work, self._run_work, name=_nodeid_of)
        if in_another_process:
            from ..base.reader_process import ReaderProcess

            self.reader = ReaderProcess.start(
                work, self._run_work, _nodeid_of, Result.packed, self.read_ahead.positions
            )

    def stop_reading(self) -> None:
        """The run is over (or interrupted): end the reader process, if one runs."""
        reader, self.reader = self.reader, None
        if reader is not None:
            reader.close()

    def _run_work(self, work: tuple[str, Case, str]) -> Result:
        nodeid, case, target = work
        return self.run(case, target, nodeid)

    def run(self, case: Case, target_name: str, nodeid: str) -> Result:
        """The outcome of one case on one target, through a call session of its own cassette
        (replayed, or recorded as the record mode says); raises :class:`ImgsafeError` if unrecorded."""
        target = self.settings.targets[target_name]
        spec, path = self._request(case, target)
        with CallSession(self, target, path, nodeid, case=case) as calls:
            try:
                answers = calls.answers(spec, case.prompt, case.repeat)
            except ApiError as err:
                return Result(None, None, err)
        return Result.of(answers, target)

    def _prefetched(self, case: Case, target: Target, nodeid: str) -> Result:
        """A live item's result, from the calls the prefetcher made ahead of it (through the gate)."""
        assert self.prefetcher is not None
        try:
            live = self.prefetcher.result(nodeid)
        except (KeyError, TimeoutError):
            raise ImgsafeError(
                f"no live result was produced for {nodeid} (the run was stopped before its call)"
            ) from None
        outcomes = [c.outcome for c in live.calls if c.outcome is not None]
        errors = [c for c in live.calls if c.error]
        if errors:
            return Result(errors[0].answer, None, errors[0].api_error, outcomes)
        if not live.calls:
            return Result(skipped=live.skipped or "no call was made")
        last = live.calls[-1]
        return Result(
            last.answer, last.outcome, None, outcomes, skipped=live.skipped if len(outcomes) < case.repeat else None
        )

    def recording(self, case: Case, target_name: str) -> tuple[Result | None, str | None, list[str]]:
        """For drift: the recorded verdict of this request, when it was recorded, and which request
        fields differ from the recording when the request itself changed (a config change)."""
        spec, path = self._request(case, self.settings.targets[target_name])
        try:
            cassette = load_cassette(path, self._rel(path))
        except CassetteError:
            return None, None, ["the recording (the cassette cannot be read)"]
        if cassette is None:
            return None, None, []
        found = cassette.all_answers(spec_key(spec))
        if found:
            return (
                Result.of(found[-case.repeat :], self.settings.targets[target_name]),
                found[-1].meta.get("recorded_at"),
                [],
            )
        changed: list[str] = []
        if cassette.requests:
            before, now = cassette.requests[-1], dict(spec.fields)
            changed = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
        return None, str(cassette.meta.get("recorded_at") or "") or None, changed or ["the request"]

    def request_shown(self, case: Case, target_name: str) -> tuple[str, dict[str, Any], list[str]] | None:
        """What an item's call sends (operation, body fields, uploaded files by field and name), for
        a failing item's row; None for a target that calls no endpoint itself (the local screen, a
        chain or gateway: their steps say what each link did) or a case whose files are refused."""
        target = self.settings.targets[target_name]
        if not kind_of(target.kind).calls_endpoint or kind_of(target.kind).composite:
            return None
        try:
            spec, _ = self._request(case, target)
        except ImgsafeError:
            return None
        return spec.operation, dict(spec.fields), [f"{name}: {path.name}" for name, path in spec.files]

    def _request(self, case: Case, target: Target) -> tuple[RequestSpec, Path]:
        """The request a case sends to a target, and the cassette that holds its answers."""
        images, mask = self.fenced(case.images, case.mask)
        return build_request(target, case.prompt, case.params, images, mask), cassette_path(
            self.settings.cassettes, target.name, case.id
        )

    def fenced(self, images: tuple[Path, ...], mask: Path | None) -> tuple[tuple[Path, ...], Path | None]:
        """A case's files checked again, right before they are read: inside the project (a link
        swapped in since collection, or a corpus that came from the cache, is caught here)."""
        try:
            return fenced_files(images, mask, self.settings.files_root or self.settings.rootpath)
        except OutsideFence as err:
            raise ImgsafeError(str(err)) from None

    def session(self, target: Target, item_id: str, nodeid: str, role: str | None = None) -> CallSession:
        """The calls of one item that makes many (a fuzz spec), sharing one cassette (and, live,
        the run's budget and pace); with ``role`` (``explain``), the item's recordings for that role."""
        cassettes = self.settings.cassettes
        if role is None:
            return CallSession(self, target, cassette_path(cassettes, target.name, item_id), nodeid)
        return CallSession(
            self,
            target,
            derived_cassette_path(cassettes, target.name, item_id, role),
            nodeid,
            legacy=self.legacy_name(target.name, item_id, role),
        )

    def legacy_name(self, target: str, item_id: str, role: str) -> Path | None:
        """The older name of an item's derived recording (``<item>.<role>.json``), to read while the
        new one is missing; None when a case of the project has that very name as its id (an id
        may hold a dot): that file is the case's own cassette, never another item's recording."""
        legacy = legacy_derived_path(self.settings.cassettes, target, item_id, role)
        if not legacy.exists():
            return None
        if self._case_ids is None:
            from ..collect.corpus import ids_in_file

            self._case_ids = frozenset(i for p in self.settings.corpus_files() for i, _ in ids_in_file(p))
        return None if legacy.stem in self._case_ids else legacy

    def _rel(self, path: Any) -> str:
        return shown_path(path, self.settings.rootpath)


def _nodeid_of(work: tuple[str, Case, str]) -> str:
    return work[0]


def composite_result(runner: Runner, case: Case, target: Target, nodeid: str) -> Result:
    """A chain or gateway target: its links are called (recorded, replayed or live) one by one,
    each in its own cassette under the composite's folder, and every link called is counted."""
    from ..routing.chain import route

    settings = runner.settings
    sessions: dict[str, CallSession] = {}
    answers: list[Answer] = []

    def ask(name: str, prompt: str) -> Outcome:
        link = settings.targets[name]
        session = sessions.get(name)
        if session is None:
            path = derived_cassette_path(settings.cassettes, target.name, case.id, name)
            legacy = runner.legacy_name(target.name, case.id, name)
            session = sessions[name] = CallSession(runner, link, path, nodeid, legacy=legacy)
        outcome, answer = session.outcome(
            prompt, case.params if kind_of(link.kind).reads == "image" else None, case.images, case.mask
        )
        answers.append(answer)
        return outcome

    models = {n: settings.targets[n].model for n in target.links}
    links = (
        route(target.links, models, case.scenario, prompt=case.prompt, params=case.params, screen=runner.tables.screen)
        if target.routing
        else list(target.links)
    )
    try:
        result = _composite(case, target, links, ask, answers, runner.tables)
    except BaseException:
        for session in sessions.values():
            session.discard()
        raise
    for session in sessions.values():
        session.close()
    return result


def _composite(case: Case, target: Target, links: list[str], ask: Any, answers: list[Answer], tables: Tables) -> Result:
    from ..routing.cause import BlockReader
    from ..routing.chain import run_chain
    from ..routing.gateway import GatewayConfig, run_gateway

    try:
        reader = BlockReader(tables.rewriter)
        if target.kind == "chain":
            chain = run_chain(case.prompt, links, ask, reader=reader)
            outcome, steps = chain.outcome, chain.steps
        else:
            config = GatewayConfig(tuple(links), target.moderation, target.screen, target.rewrite)
            result = run_gateway(
                case.prompt,
                config,
                ask,
                rewriter=tables.rewriter,
                screen=tables.screen if target.screen else None,
                reader=reader,
            )
            outcome, steps = result.outcome, result.steps
    except ApiError as err:
        return Result(answers[-1] if answers else None, None, err)
    return Result(answers[-1] if answers else None, outcome, None, [outcome], steps=steps)


def screen_result(case: Case, target: Target, screen: Screen) -> Result:
    """The local screen as a target: it blocks (at the input stage, locally) a prompt holding a
    term of level ``min_level`` or more (a param, default 1) of the scenarios it watches."""
    found = screen.screen(case.prompt)
    min_level = int(target.params.get("min_level", 1))
    hits = [m for m in found.matches if m.level >= min_level]
    if hits:
        scenarios = tuple(dict.fromkeys(m.scenario for m in hits))
        outcome = Outcome(
            "block", "input", "screen", "local", None, scenarios, "matched: " + ", ".join(m.text for m in hits)
        )
    else:
        outcome = Outcome("pass", None, None, "local")
    return Result(None, outcome, None, [outcome] * case.repeat)


class CallSession:
    """Answers for the many calls of one item, from one cassette (or live), memoized by request.

    The record modes act on the item as a whole: ``all`` starts the item's cassette afresh,
    ``once`` records only an item that has no cassette yet (else it replays), ``new_episodes``
    records what is missing. The same request asked twice (hypothesis draws repeats, and
    shrinking re-asks) is answered once, so a replay sees exactly the calls a recording made.

    Every call of the plugin that is not made ahead by the live prefetcher goes through
    :meth:`answers`: a corpus case (``case`` names it in messages), a fuzz example, a chain or
    gateway link, an explanation's query, a describer's question.
    """

    def __init__(
        self,
        runner: Runner,
        target: Target,
        path: Path,
        nodeid: str,
        *,
        case: Case | None = None,
        legacy: Path | None = None,
    ) -> None:
        """``legacy``: the name these recordings had before, read (never written) while ``path``
        does not exist yet: recording writes ``path``, and the old file stays as it was."""
        self.runner = runner
        self.ledger = runner.ledger  # live runs: the run's budget, pace and stop flag
        self.target = target
        self.path = path
        self.nodeid = nodeid
        self.case = case
        self.calls = 0
        self._memo: dict[str, list[Answer] | ApiError] = {}
        settings = runner.settings
        source = legacy if legacy is not None and not path.exists() and legacy.exists() else path
        self.recording = not settings.live and settings.record_mode != "none"
        if settings.record_mode == "once" and source.exists():
            self.recording = False
        self._complete = True
        self._recorder: Recorder | None = None
        if self.recording:
            # Calls are recorded in memory; the cassette is replaced once, when the item is done
            # and every answer was a verdict (see close()). new_episodes adds to the old one.
            self._recorder = Recorder(
                path, runner.cassette_filter(target), fresh=settings.record_mode != "new_episodes", source=source
            )
            self._checked_before_adding(self._recorder)
        self._cassette: Cassette | None = None if settings.live or self.recording else runner.load(source, nodeid)

    def __enter__(self) -> CallSession:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: Any) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()

    def close(self) -> None:
        """The item is done: its recordings replace the cassette (atomically), if every answer
        was a verdict, or the mode only adds (``new_episodes``); else the old cassette stays."""
        recorder, self._recorder = self._recorder, None
        if recorder is not None and (self._complete or self.runner.settings.record_mode == "new_episodes"):
            try:
                recorder.save()
            except WriteFailed as failed:
                raise self._unwritable(failed.error) from None

    def answers_digest(self) -> str | None:
        """A digest of the answers this session replays, or has recorded and saved (None when
        there are none): what was computed from them may be noted beside another recording,
        under this digest."""
        cassette = self._cassette
        if cassette is None and not self.runner.settings.live and self._recorder is None:
            try:  # a recording this session has saved: read back as a replay will read it
                cassette = self.runner.load(self.path, self.nodeid)
            except ImgsafeError:
                return None
        if cassette is None:
            return None
        text = json.dumps(cassette.answers, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def noted(self, name: str) -> Any:
        """What the replayed cassette noted under ``name`` beside its answers, or None."""
        return self._cassette.notes.get(name) if self._cassette is not None else None

    def note(self, name: str, value: Any) -> None:
        """Keep ``value`` beside the answers recorded in this session (nothing when replaying)."""
        if self._recorder is not None:
            self._recorder.note(name, value)

    def discard(self) -> None:
        """The item was interrupted or crashed: nothing it recorded is kept; the old cassette stays."""
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            recorder.discard()

    def _unwritable(self, err: OSError) -> ImgsafeError:
        """A full or read-only disk while recording: one line naming the cassette, never a
        traceback; nothing replaced the old cassette."""
        name = errno.errorcode.get(err.errno or 0)
        return ImgsafeError(
            f"cannot write {self.runner._rel(self.path)}: {err.strerror or err}"
            f"{f' ({name})' if name else ''}; the old cassette is kept as it was"
        )

    def outcome(
        self,
        prompt: str,
        params: Mapping[str, Any] | None = None,
        images: tuple[Path, ...] = (),
        mask: Path | None = None,
        *,
        kind: str | None = None,
    ) -> tuple[Outcome, Answer]:
        """The verdict on one prompt (``kind`` sends it as another kind, e.g. an edit as a generate)."""
        target = dataclasses.replace(self.target, kind=kind) if kind and kind != self.target.kind else self.target
        images, mask = self.runner.fenced(images, mask)
        answer = self.send(build_request(target, prompt, params, images, mask), prompt)
        return outcome_for(target, answer), answer

    def describe(self, instruction: str, text: str, image: Path | None = None) -> str:
        """Ask this session's target (a describer) for a description."""
        if image is not None:
            image = self.runner.fenced((image,), None)[0][0]
        answer = self.send(build_describe_request(self.target, instruction, text, image), text)
        return read_description(answer, lambda a: outcome_for(self.target, a))

    def send(self, spec: RequestSpec, what: str) -> Answer:
        """One answer (see :meth:`answers`)."""
        return self.answers(spec, what)[-1]

    def answers(self, spec: RequestSpec, what: str, repeat: int = 1) -> list[Answer]:
        """The answers to ``repeat`` sends of one request: memoized, replayed, recorded or live.

        Raises :class:`Unrecorded`, :class:`NotSent` or the :class:`ApiError` of a call that got
        no answer; an answer that is no verdict is returned (its reader raises).
        """
        key = spec_key(spec)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = self._fetch(spec, key, what, repeat)
        if isinstance(known, ApiError):
            raise known
        return known

    def _fetch(self, spec: RequestSpec, key: str, what: str, repeat: int) -> list[Answer] | ApiError:
        runner = self.runner
        if self._cassette is not None or not (runner.settings.live or self.recording):
            found = self._cassette.all_answers(key) if self._cassette is not None else []
            if not found:
                raise Unrecorded(self._unrecorded(what))
            return found[-repeat:]
        if runner.settings.live and self.ledger is not None:
            made: list[Answer] = []
            for _ in range(repeat):
                answer_or_error = self._live_within_ledger(spec, key, self.ledger)
                if isinstance(answer_or_error, ApiError):
                    return answer_or_error
                made.append(answer_or_error)
            return made
        self.calls += repeat
        try:
            if runner.settings.live:
                return [call(runner.client(self.target), spec) for _ in range(repeat)]
            assert self._recorder is not None
            answers: list[Answer] = self._recorder.record(
                key, lambda: [call(runner.client(self.target), spec) for _ in range(repeat)]
            )
        except ApiError as err:
            self._complete = False
            return err
        kept = runner.cassette_filter(self.target).accept
        if not all(kept(a.status, a.body, a.headers) for a in answers):
            self._complete = False
        return answers

    def _checked_before_adding(self, recorder: Recorder) -> None:
        """The cassette ``new_episodes`` adds to, read once; a damaged one is an error, left as it is."""
        try:
            recorder.load()
        except CassetteError as err:
            raise ImgsafeError(broken_cassette(self.runner._rel(self.path), err.why, self.nodeid)) from None

    def _live_within_ledger(self, spec: RequestSpec, key: str, ledger: Ledger) -> Answer | ApiError:
        from .live import send_through_gate, settled_call

        stopped = ledger.stopped()
        if stopped:
            raise NotSent(f"the run was stopped: {stopped}")
        price = price_per_call(self.target)
        if not ledger.reserve(price):
            raise NotSent(
                f"--imgsafe-budget-usd {ledger.budget_usd:g} would be passed by the next call (estimated ${price:.4f})"
            )
        self.calls += 1
        made = settled_call(
            ledger,
            lambda: send_through_gate(ledger, self.target, lambda to: call(self.runner.client(to), spec)),
            price,
            target=self.target,
        )
        if made.answer is not None:
            return made.answer  # a non-verdict answer is classified (and raised) by the caller
        error = made.api_error
        assert error is not None
        return error

    def _unrecorded(self, what: str) -> str:
        """Why there is no answer, and the one command that records it."""
        runner = self.runner
        shown = runner._rel(self.path)
        exists = self.path.exists()
        needs = [self.target.api_key_env] + [e for e in (self.target.base_url_env, self.target.azure_endpoint_env) if e]
        case = self.case
        if case is not None and exists and runner.settings.record_mode == "once":
            return (
                f"case {case.id!r} on target {self.target.name!r} changed since it was recorded in {shown}, "
                f"and record mode 'once' does not overwrite an existing cassette.\n"
                f"Re-record it with:\n  {command(self.nodeid, 'all')}"
            )
        if case is not None:
            subject = f"case {case.id!r} for target {self.target.name!r}"
            changed = "the prompt, params or target changed"
        elif "@" in self.path.stem:  # a recording an item makes besides its own (``<id>@explain``, a link's)
            role = self.path.stem.split("@", 1)[1]
            subject = f"the {role} query {what!r} on target {self.target.name!r}"
            changed = "the prompt, the target or the words asked about changed"
        else:
            subject = f"the drawn example {what!r} on target {self.target.name!r}"
            changed = "the spec, its tables or the strategies changed"
        return missing_recording(subject, shown, exists, self.nodeid, needs, changed)
