"""The ``--imgsafe`` run: one object owns it from ``pytest_configure`` to the terminal summary.

:class:`ImgsafeRun` holds the frozen settings, the runner, the live run's ledger and scheduler,
what collection has seen, the items' results and fuzz failures, and the report; ``plugin.py``'s
hooks are one-line calls into it. It lives in ``config.stash`` (never a global), where the items
find it (:func:`run_state`). What it decides (the run's fuzz seed, the report, the exit status,
the summary lines) is computed by plain functions and methods, testable without pytester.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import pytest

from ..base.files import shown_path
from ..base.options import OPT_LIVE, OPT_RECORD_MODE, OPT_TARGET
from ..base.row import Row
from ..base.scrub import escape_line
from ..base.terms import ALL_SCENARIOS
from ..calls.runner import Runner
from ..collect.config import (
    ConfigError,
    Settings,
    environment_problem,
    load_pyproject,
    missing_keys,
    resolve_settings,
)
from ..collect.corpus import Case
from ..collect.notices import config_notices
from ..providers.registry import kind_of
from .freezing import freeze_collected

if TYPE_CHECKING:
    from ..base.ledger import Ledger
    from ..base.scrub import Scrubber
    from ..calls.live import LiveScheduler
    from ..fuzzing.fuzz import LazyRewriter, SharedWork
    from ..rewrite import Rewriter
    from ..routing.tables import Tables

SCENARIO_MARKERS = {
    "celebrity": "real public figures named in the prompt",
    "living_artist": "living artists named as a style",
    "copyrighted_ip": "copyrighted characters, franchises and brands",
    "violence": "violence, gore and weapons",
    "sexual": "sexual or suggestive content (hard-prohibited)",
    "minors": "realistic depictions of minors (hard-prohibited)",
    "hate": "hate symbols and extremism (hard-prohibited)",
    "benign": "benign control prompts",
}


def settings_for(
    config: pytest.Config, options: Mapping[str, Any], ini: Mapping[str, Any], notices: list[str] | None = None
) -> Settings:
    """The run's settings from ``[tool.imgsafe]``, the options and the ini keys; a bad value, or a
    network run without the keys it needs, is a usage error naming the key, option or variable.
    ``notices``: filled with the lines about configuration that does not apply (one read of pyproject)."""
    try:
        tool = load_pyproject(config.rootpath)
        settings = resolve_settings(config.rootpath, tool, options, ini, cwd=config.invocation_params.dir)
    except ConfigError as err:
        raise pytest.UsageError(f"pytest-imgsafe: {err}") from None
    problem = environment_problem(settings)
    if problem:
        raise pytest.UsageError(f"pytest-imgsafe: {problem}")
    if notices is not None:
        notices.extend(config_notices(config.rootpath, config.invocation_params.dir, tool))
    if not keys_checked_after_collection(config):
        problem = network_problem(settings)
        if problem:
            raise pytest.UsageError(f"pytest-imgsafe: {problem}")
    return settings


def keys_checked_after_collection(config: pytest.Config) -> bool:
    """Whether the key check waits for collection, to ask only for what the selected items call.

    An xdist controller collects nothing (it checks every active target at configure) and its
    workers leave the check to it; a run without xdist knows its items after collection."""
    if hasattr(config, "workerinput"):
        return True
    return str(config.getoption("dist", "no") or "no") == "no"


def network_problem(
    settings: Settings, env: Mapping[str, str] | None = None, called: Sequence[str] | None = None
) -> str | None:
    """Why a recording or live run cannot start (key variables not set), or None.

    ``called``: the targets the run will call (default: every active target)."""
    if not settings.needs_network:
        return None
    missing = missing_keys(settings, env, called)
    if not missing:
        return None
    what = OPT_LIVE if settings.live else f"{OPT_RECORD_MODE}={settings.record_mode}"
    return (
        f"{what} calls the endpoints, but these environment variables are not set: "
        f"{'; '.join(missing)}. Set them, or pick targets with {OPT_TARGET}. "
        "(Replay, the default, needs no key.)"
    )


def marker_lines(settings: Settings) -> list[str]:
    """The markers an imgsafe run adds (scenarios and targets), as ini ``markers`` lines."""
    lines = ["imgsafe: an item collected from an imgsafe corpus", "fuzz: an imgsafe fuzz spec run with hypothesis"]
    lines += [f"{name}: imgsafe scenario: {description}" for name, description in SCENARIO_MARKERS.items()]
    return lines + [f"{name}: imgsafe target {name}" for name in settings.targets]


def run_seed(given: int | None, workerinput: Mapping[str, Any] | None, live: bool) -> int | None:
    """The run's fuzz seed: --imgsafe-seed; else the controller's on an xdist worker; else random
    when live; else None (each spec seeds from its id, so replay draws what was recorded)."""
    if given is not None:
        return given
    if workerinput is not None and "imgsafe_seed" in workerinput:
        return int(workerinput["imgsafe_seed"]) if workerinput["imgsafe_seed"] is not None else None
    if live:
        import secrets

        return secrets.randbelow(2**31)
    return None


def exit_status(current: int, failed_because: Sequence[str], rerunning: bool) -> int:
    """pytest's exit status once the report's own rules are applied (see ``nightly``): tolerated
    non-verdicts and a rerun's merged rows decide a run that pytest found OK (or, for a rerun
    that selected nothing, empty); never a run that was interrupted or failed on its own."""
    if current == pytest.ExitCode.OK or (rerunning and current == pytest.ExitCode.NO_TESTS_COLLECTED):
        return pytest.ExitCode.TESTS_FAILED if failed_because else pytest.ExitCode.OK
    return current


def scrub_warning(warning: Any, scrubber: Scrubber) -> None:
    """No key in a warning's text: pytest prints it in the warnings summary, as it was raised.

    ``warning`` is the :class:`warnings.WarningMessage` pytest hands its hooks; its message is
    replaced, in place, by one of the same category whose text is scrubbed (the category's own
    constructor may want other arguments: then a plain :class:`UserWarning` carries it)."""
    text = str(warning.message)
    clean = scrubber.shown(text)
    if clean == text:
        return
    try:
        warning.message = warning.category(clean)
    except Exception:
        warning.message = UserWarning(clean)


def scrub_report(
    report: pytest.TestReport | pytest.CollectReport, scrubber: Scrubber, properties_checked: int = 0
) -> int:
    """Redact secrets from every text of a report pytest prints, writes or sends, in place: the
    failure text, a skip's reason, an xfail's reason (``wasxfail``: ``-rx`` and ``-rA`` print it),
    captured sections and properties.

    ``properties_checked``: how many of the report's properties an earlier report of the same
    item already checked (each report copies the item's list); returns how many are checked now.
    """
    longrepr = report.longrepr
    if longrepr is not None and not isinstance(longrepr, tuple):
        text = str(longrepr)
        clean = scrubber.shown(text)
        if clean != text:  # only a report that held a secret or a control character loses its rich formatting
            report.longrepr = clean
    elif isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        report.longrepr = (scrubber.shown(str(longrepr[0])), longrepr[1], scrubber.shown(str(longrepr[2])))
    if report.sections:
        report.sections = [(title, scrubber.shown(content)) for title, content in report.sections]
    if not isinstance(report, pytest.TestReport):
        return 0
    reason = getattr(report, "wasxfail", None)
    if isinstance(reason, str):
        report.wasxfail = scrubber.shown(reason)
    properties = report.user_properties
    if len(properties) > properties_checked:
        # one look at all their text first: walking every value of every item is the slow path
        if scrubber.holds_secret(
            "\n".join(
                value.scanned_text() if isinstance(value, Row) else repr((name, value))
                for name, value in properties[properties_checked:]
            )
        ):
            properties[properties_checked:] = [
                (
                    name,
                    Row.from_dict(scrubber.value(value.as_dict())) if isinstance(value, Row) else scrubber.value(value),
                )
                for name, value in properties[properties_checked:]
            ]
    return len(properties)


class EndpointWork(Sequence[tuple[str, Case, str]]):
    """(node id, case, target) of each item that calls an endpoint, in run order, made when asked
    from the items themselves: the plan lives as long as the run, and a tuple kept per item would
    be memory held for nothing at 100,000 items (read-ahead and the live scheduler read it a
    window at a time)."""

    def __init__(self, items: list[Any]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> tuple[str, Case, str]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[str, Case, str]]: ...
    def __getitem__(self, index: int | slice) -> tuple[str, Case, str] | list[tuple[str, Case, str]]:
        if isinstance(index, slice):
            return [(item.nodeid, item.case, item.target) for item in self._items[index]]
        item = self._items[index]
        return item.nodeid, item.case, item.target


PROPERTIES_CHECKED = pytest.StashKey[int]()
"""How many of an item's user_properties are known to hold no secret (scrubbed in place)."""


@dataclass
class ImgsafeRun:
    """One ``--imgsafe`` run: its settings, runner, ledger and live calls, what collection has
    seen (ids across files, the shared marks), the items' results, and the report."""

    settings: Settings
    runner: Runner
    fuzz_seed: int | None = None
    """The run's fuzz seed (:func:`run_seed`)."""
    _fuzz_work: SharedWork | None = None
    ledger: Ledger | None = None
    """Live runs: budget, pace, blocks and the stop flag, shared with the xdist workers."""
    is_worker: bool = False
    """An xdist worker: it runs items; the controller writes the report and removes the ledger."""
    workers: int = 1
    ids: dict[str, tuple[str, int]] = field(default_factory=dict)
    _tree_ids: dict[str, list[tuple[str, int]]] | None = None
    marks: dict[str, pytest.Mark] = field(default_factory=dict)
    results: list[Row] = field(default_factory=list)
    """One row per item that ran, the very object the item made (never a copy)."""
    fuzz_failures: list[dict[str, Any]] = field(default_factory=list)
    started: float = 0.0
    report: dict[str, Any] | None = None
    """The scrubbed report, once the run has finished (the summary quotes it)."""
    report_paths: list[Path] = field(default_factory=list)
    failures_written: int = 0
    notices: list[str] = field(default_factory=list)
    """Lines about configuration that does not apply (``collect.notices``), shown in the header."""
    run_notes: dict[str, Any] = field(default_factory=dict)
    """What the run's selection drew (``sample``: --imgsafe-sample/--imgsafe-rotate; ``shard``:
    --imgsafe-shard): copied into the report's ``run``."""
    failures_error: str = ""
    report_error: str = ""
    """Why ``--imgsafe-report`` could not be written (a full disk, a folder in its place), if so."""
    """Why the failing fuzz examples could not be saved (an unreadable file left as it is)."""
    _history: list[dict[str, Any]] | None = None
    stages_removed: list[Path] = field(default_factory=list)
    """Stage files a killed run left beside the cassettes, removed as this run started."""
    history_warnings: list[str] = field(default_factory=list)
    """One line per --imgsafe-history file that was skipped (shown at the end of the run)."""

    def __post_init__(self) -> None:
        # One Mark per name for the whole run: items share them (collection hot path).
        names = ["imgsafe", "fuzz", *ALL_SCENARIOS, *self.settings.targets]
        self.marks = {name: getattr(pytest.mark, name).mark for name in names}
        self.runner.ledger = self.ledger  # the runner's calls (links, fuzz, explain) book in it

    @property
    def live(self) -> LiveScheduler | None:
        """Live runs: the calls issued ahead of the items (started when collection is final)."""
        return self.runner.prefetcher

    # -- configure ---------------------------------------------------------------------------

    @classmethod
    def configure(cls, config: pytest.Config, options: Mapping[str, Any], ini: Mapping[str, Any]) -> ImgsafeRun:
        """Resolve the settings, make the run and keep it in ``config.stash``; every bad value is
        a usage error here, before collection."""
        notices: list[str] = []
        settings = settings_for(config, options, ini, notices)
        workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
        if workerinput is not None and "imgsafe_sample_seed" in workerinput:  # the controller's night
            seed = int(workerinput["imgsafe_sample_seed"])
            settings = dataclasses.replace(settings, options=dataclasses.replace(settings.options, sample_seed=seed))
        for line in marker_lines(settings):  # before the run makes its marks
            config.addinivalue_line("markers", line)
        run = cls(
            settings,
            Runner(settings),
            fuzz_seed=run_seed(settings.options.seed, workerinput, settings.live),
            ledger=_ledger(settings, workerinput) if settings.live else None,
            is_worker=workerinput is not None,
            workers=int(workerinput.get("workercount", 1)) if workerinput else 1,
            notices=notices,
        )
        if settings.term_tables or settings.rewrite_tables:
            try:  # a user's table that cannot be read is a usage error, found before any item runs
                run.rewriter  # noqa: B018
            except (OSError, ValueError) as err:
                raise pytest.UsageError(f"pytest-imgsafe: {err}") from None
        not_read = settings.corpus_names_not_read()
        if not_read:
            shown = "; ".join(f"{escape_line(shown_path(p, settings.rootpath))} {why}" for p, why in not_read[:5])
            raise pytest.UsageError(
                f"pytest-imgsafe: corpus file {shown}{' (and more)' if len(not_read) > 5 else ''}: "
                "remove it, or put a plain YAML file in its place"
            )
        config.stash[RUN_KEY] = run
        # With no paths on the command line, also collect the corpora (pytest would otherwise walk
        # only testpaths or the current folder).
        if config.args_source != pytest.Config.ArgsSource.ARGS:
            config.args.extend(run.corpus_args(config.args))
        return run

    def corpus_args(self, args: Sequence[str]) -> list[str]:
        """The corpus folders that pytest's arguments do not already cover."""
        present = [Path(a).resolve() for a in args]
        extra = []
        for root in self.settings.corpus_roots():
            if root.exists() and not any(p == root.resolve() or p in root.resolve().parents for p in present):
                extra.append(str(root))
        return extra

    def header_lines(self) -> list[str]:
        settings = self.settings
        lines = [
            f"imgsafe: {self.mode}; targets: {', '.join(settings.active_targets)}; "
            f"cassettes: {escape_line(str(settings.cassettes))}"
        ]
        given = settings.options
        if given.sample_seed is not None:
            from ..report.sample import reproduce_flags

            again = reproduce_flags(given.sample, given.sample_seed, given.rotate)
            lines.append(
                f"imgsafe: a sample, stratified by scenario x target, seed {given.sample_seed} "
                f"(draw it again with {again})"
            )
        shard = settings.options.shard
        if shard is not None:
            targets = settings.targets
            rpms = ", ".join(f"{n} {targets[n].rpm}" for n in settings.active_targets if targets[n].rpm)
            budget = settings.options.budget_usd
            lines.append(
                f"imgsafe: shard {shard} (its items by past cost, the same split in every job); "
                f"1/{shard.count} of the limits: budget {'none' if budget is None else f'${budget:g}'}, "
                f"rpm {rpms or 'none'}"
            )
        if self.fuzz_seed is not None:
            lines.append(
                f"imgsafe: fuzz seed {self.fuzz_seed} (reproduce the draws with --imgsafe-seed {self.fuzz_seed})"
            )
        return lines + self.notices

    def worker_input(self) -> dict[str, Any]:
        """What each xdist worker gets: the controller's seed (one run, one seed) and its ledger
        (one budget, one pace)."""
        given: dict[str, Any] = {"imgsafe_seed": self.fuzz_seed}
        if self.settings.options.sample_seed is not None:  # one night for the run, even across midnight
            given["imgsafe_sample_seed"] = self.settings.options.sample_seed
        if self.ledger is not None:
            given["imgsafe_ledger"] = str(self.ledger.folder)
        return given

    # -- what items and collection read ------------------------------------------------------

    @property
    def history(self) -> list[dict[str, Any]]:
        """The earlier reports of --imgsafe-history, read once (the report and every appeal use them)."""
        if self._history is None:
            from ..report import load_history

            self._history = load_history(self.settings.options.history_dir, self.history_warnings.append)
        return self._history

    @functools.cached_property
    def nights(self) -> dict[tuple[Any, Any], list[tuple[str, str]]]:
        """(case, target) -> the item's (night, outcome) in the earlier reports, read once."""
        from ..judging.drift import item_histories

        return item_histories(self.history)

    @property
    def tolerates_no_verdict(self) -> bool:
        """--imgsafe-max-error-rate in a live run: a missing verdict is xfailed, and judged at the end."""
        return self.live is not None and self.settings.options.max_error_rate is not None

    @property
    def mode(self) -> str:
        """``live``, ``replay`` or ``record:<vcr mode>``."""
        return self.runner.mode

    @property
    def tables(self) -> Tables:
        """The project's one set of tables (bundled plus ``term_tables`` and ``rewrite_tables``)."""
        return self.runner.tables

    @property
    def rewriter(self) -> Rewriter:
        """The strategies over this project's term and replacement tables."""
        return self.runner.tables.rewriter

    @property
    def fuzz_work(self) -> SharedWork:
        """What the fuzz specs' examples imply whatever the target: one per run (hypothesis is
        imported on the first fuzz item, never at collection)."""
        if self._fuzz_work is None:
            from ..fuzzing.fuzz import SharedWork

            self._fuzz_work = SharedWork()
        return self._fuzz_work

    @functools.cached_property
    def rewriter_fingerprint(self) -> str:
        """The fingerprint of this run's rewriter (see ``fuzzing.known_rewrites``)."""
        from ..fuzzing.known_rewrites import rewriter_fingerprint

        settings = self.settings
        return rewriter_fingerprint(settings.term_tables, settings.rewrite_tables)

    @functools.cached_property
    def fuzz_rewriter(self) -> LazyRewriter:
        """The rewriter the fuzz specs' examples use, built only when one needs it (a replay whose
        rewrites are noted in its recordings never does)."""
        from ..fuzzing.fuzz import LazyRewriter

        return LazyRewriter(lambda: self.rewriter)

    @property
    def target_kinds(self) -> dict[str, str]:
        """Target name -> kind, what corpus validation needs."""
        return {name: t.kind for name, t in self.settings.targets.items()}

    @functools.cached_property
    def scrubber(self) -> Scrubber:
        """The runner's one scrubber, asked once (every report of every item passes it)."""
        return self.runner.scrubber()

    @property
    def recording(self) -> bool:
        """Does this run write cassettes?"""
        return not self.settings.live and self.settings.record_mode != "none"

    def tree_ids(self) -> dict[str, list[tuple[str, int]]]:
        """Every id of every corpus file of the project (not only the collected ones), with where
        it is defined; read once per run, and only by runs that record."""
        if self._tree_ids is None:
            from ..base.scrub import escape_line
            from ..collect.corpus import ids_in_file

            found: dict[str, list[tuple[str, int]]] = {}
            root = self.settings.rootpath
            for path in self.settings.corpus_files():
                # as a corpus file shows itself (escaped): the two are compared to tell files apart
                shown = escape_line(str(path.relative_to(root)) if root in path.parents else str(path))
                for entry_id, line in ids_in_file(path):
                    found.setdefault(entry_id, []).append((shown, line))
            self._tree_ids = found
        return self._tree_ids

    def is_corpus_file(self, path: Path) -> bool:
        return self.settings.is_corpus_file(path)

    def linked_folder_problem(self, path: Path) -> str | None:
        return self.settings.linked_folder_problem(path)

    # -- the session -------------------------------------------------------------------------

    def start(self, config: pytest.Config) -> None:
        """The session starts: the log handlers scrub from now on; a killed run's stage files go."""
        from .logs import scrub_logs

        self.started = time.time()
        scrub_logs(config, self.scrubber)
        if not self.is_worker:
            from ..calls.recording import remove_stale_stages

            self.stages_removed = remove_stale_stages(self.settings.cassettes)

    def endpoint_work(self, items: Sequence[pytest.Item]) -> EndpointWork:
        """The calls the items will make, in run order: every case item not skipped, on a target
        that is called (a screen is local; a chain or gateway calls as its item runs)."""
        targets = self.settings.targets
        calling = []
        for item in items:
            case = getattr(item, "case", None)
            target = getattr(item, "target", None)
            if (
                isinstance(case, Case)
                and isinstance(target, str)
                and not case.skip
                and kind_of(targets[target].kind).calls_endpoint
            ):
                calling.append(item)
        return EndpointWork(calling)

    def called_targets(self, items: Sequence[pytest.Item]) -> list[str]:
        """The targets the selected items will call, in order: with record mode ``once``, only
        those of items that have no recording yet (the rest replay and need no key)."""
        settings = self.settings
        once = not settings.live and settings.record_mode == "once"
        names: dict[str, None] = {}
        for item in items:
            target = getattr(item, "target", None)
            owner = getattr(item, "case", None) or getattr(item, "spec", None)
            if not isinstance(target, str) or target not in settings.targets or owner is None:
                continue
            if once and self._recorded(target, str(owner.id)):
                continue
            names[target] = None
        return list(names)

    def _recorded(self, target: str, item_id: str) -> bool:
        """Has this item a recording (a chain or gateway: one of its links' cassettes)?"""
        from ..calls.recording import cassette_path

        folder = self.settings.cassettes
        if kind_of(self.settings.targets[target].kind).composite:
            return any((folder / target).glob(f"{item_id}.*.json"))
        return cassette_path(folder, target, item_id).exists()

    def check_keys(self, config: pytest.Config, items: Sequence[pytest.Item]) -> None:
        """A recording or live run without xdist asks only for the variables of the targets its
        selected items call (see :func:`keys_checked_after_collection`)."""
        if hasattr(config, "workerinput") or not keys_checked_after_collection(config):
            return
        problem = network_problem(self.settings, called=self.called_targets(items))
        if problem:
            raise pytest.UsageError(f"pytest-imgsafe: {problem}")

    def collected(self, config: pytest.Config, items: Sequence[pytest.Item]) -> None:
        """Collection is final: a live run starts its calls (the prefetcher the runner reads); a
        replay reads its answers a window ahead of the items."""
        self.check_keys(config, items)
        freeze_collected(config)
        if self.ledger is None:
            # an xdist worker leaves the other cores to the other workers; --collect-only runs nothing
            self.runner.replay_ahead(
                self.endpoint_work(items), in_another_process=not (self.is_worker or config.option.collectonly)
            )
            return
        from ..calls.live import LiveScheduler

        scheduler = LiveScheduler(self.settings, self.ledger, self.runner.client, self.workers)
        scheduler.start(self.endpoint_work(items))
        self.runner.prefetcher = scheduler

    def select(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """--imgsafe-sample / --imgsafe-rotate: keep tonight's sample; --imgsafe-shard: keep this
        shard's items; --imgsafe-rerun-errors: keep only the items that had no verdict in the
        earlier report. Other tests than corpus items are always kept."""
        options = self.settings.options
        if options.sample_seed is not None:
            self.take_sample(config, items)
        if options.shard is not None:
            self.take_shard(config, items)
        workeroutput = getattr(config, "workeroutput", None)
        if workeroutput is not None and self.run_notes:  # xdist: the controller does not collect
            workeroutput["imgsafe_notes"] = self.run_notes
        rerun = options.rerun_errors
        if rerun is None:
            return
        from ..report.nightly import select_reruns

        kept, dropped = select_reruns(items, rerun.errors)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept

    def take_sample(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """Deselect what tonight's sample did not draw (stratified, seeded, rotating; recent news always in)."""
        from ..base.sampling import draw_sample
        from ..report.nightly import item_key
        from ..report.sample import RECENT_NIGHTS, describe, recent_news, stratum

        options = self.settings.options
        assert options.sample_seed is not None
        strata = {}
        for item in items:
            key = item_key(item)
            if key is not None:
                entry = getattr(item, "case", None) or getattr(item, "spec", None)
                strata[key] = stratum(str(getattr(entry, "scenario", None) or "unspecified"), key[1])
        news = recent_news(self.history, options.rotate or RECENT_NIGHTS)
        try:
            draw = draw_sample(strata, options.sample, options.sample_seed, options.rotate, news)
        except ValueError as err:
            raise pytest.UsageError(f"pytest-imgsafe: {err}") from None
        self.run_notes["sample"] = describe(draw, options.sample, options.sample_seed, options.rotate)
        self._keep(config, items, draw.chosen)

    def take_shard(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """Deselect the other shards' items."""
        from ..report.nightly import item_key
        from ..report.shards import plan_shard

        assert self.settings.options.shard is not None
        keyed = [(item, item_key(item)) for item in items]
        repeats = {key: float(getattr(getattr(item, "case", None), "repeat", 1) or 1) for item, key in keyed if key}
        plan = plan_shard(self.settings.options.shard, [key for _, key in keyed if key], self.history, repeats)
        self.run_notes["shard"] = plan.as_dict()
        self._keep(config, items, plan.mine)

    @staticmethod
    def _keep(config: pytest.Config, items: list[pytest.Item], keys: frozenset[tuple[str, str]]) -> None:
        from ..report.nightly import item_key

        keyed = [(item, item_key(item)) for item in items]
        dropped = [item for item, key in keyed if key is not None and key not in keys]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [item for item, key in keyed if key is None or key in keys]

    def worker_done(self, workeroutput: Mapping[str, Any]) -> None:
        """xdist: what an ended worker's selection drew (every worker collects the same: any one will do)."""
        notes = workeroutput.get("imgsafe_notes")
        if isinstance(notes, dict) and not self.run_notes:
            self.run_notes.update(notes)

    def scrub(self, report: pytest.TestReport | pytest.CollectReport, item: pytest.Item | None = None) -> None:
        """No key in anything pytest will print, write or send to the controller.

        Each report of an item copies the item's properties: those an earlier report of the
        item checked (and scrubbed, in the item too) are not looked at again.
        """
        if item is None or not isinstance(report, pytest.TestReport):
            scrub_report(report, self.scrubber)
            return
        checked = item.stash.get(PROPERTIES_CHECKED, 0)
        if checked and report.user_properties[:checked] != item.user_properties[:checked]:
            checked = 0  # changed since (another plugin): look at all of them
        now = scrub_report(report, self.scrubber, checked)
        if checked < now <= len(item.user_properties):
            item.user_properties[:now] = report.user_properties[:now]
            item.stash[PROPERTIES_CHECKED] = now

    def scrub_warning(self, warning: Any) -> None:
        """No key in a warning's text (:func:`scrub_warning`)."""
        scrub_warning(warning, self.scrubber)

    def log(self, report: pytest.TestReport) -> None:
        """Keep an item's row (and a fuzz spec's failing examples) from its report's properties,
        which xdist sends to the controller (there the row arrives as a plain dict). A worker
        keeps none: the controller reports, and a worker's row must reach it untouched."""
        if self.is_worker:
            return
        for name, value in report.user_properties:
            if name == "imgsafe" and isinstance(value, (Row, dict)):
                if report.when == "call" or report.failed or report.skipped:
                    row = value if isinstance(value, Row) else Row.from_dict(value)
                    if row.when is not None:  # logged already, from an earlier report of the item
                        continue
                    row.outcome, row.when = report.outcome, report.when
                    self.results.append(row)
            elif name == "imgsafe-fuzz-failure" and isinstance(value, list) and report.when == "call":
                self.fuzz_failures.extend(value)

    def build_report(self, exitstatus: int, now: float | None = None) -> dict[str, Any]:
        """The run's report (unscrubbed), with ``run.failed_because`` (see ``nightly.finish``)."""
        from ..report import build_report
        from ..report.nightly import finish

        report = build_report(self, history=self.history, now=now)
        # An interrupted run (Ctrl-C, a CI timeout's SIGINT) still writes its report, and says
        # so: the rows are the items that had run, not the corpus.
        report["run"]["interrupted"] = exitstatus == pytest.ExitCode.INTERRUPTED
        report["run"]["items_run"] = len({r.key for r in self.results})
        options = self.settings.options
        if options.shard is not None and "shard" not in report["run"]:  # nothing collected
            report["run"]["shard"] = {"index": options.shard.index, "count": options.shard.count}
        return finish(report, options.rerun_errors, options.max_error_rate, self.history)

    def finish(self, session: pytest.Session, exitstatus: int) -> None:
        """Stop the live calls; on the controller, save the failing fuzz examples, and build,
        write and judge the report."""
        self.runner.stop_reading()
        if self.live is not None:
            stopped = exitstatus == pytest.ExitCode.INTERRUPTED or bool(session.shouldstop or session.shouldfail)
            self.live.close(abandon=stopped)
        if self.is_worker:
            return
        options = self.settings.options
        if options.save_failures is not None and self.fuzz_failures:
            from ..base.files import NotWritten
            from ..fuzzing.failures import save_failures

            try:
                self.failures_written = save_failures(options.save_failures, self.scrubber.value(self.fuzz_failures))
            except (ValueError, NotWritten) as err:  # unreadable or unwritable: the file is left as it is
                self.failures_error = f"imgsafe: failing fuzz examples not saved: {err}"
        path = options.report_path
        if path is None and self.ledger is None:
            return
        report = self.build_report(exitstatus)
        session.exitstatus = exit_status(
            session.exitstatus, report["run"]["failed_because"], options.rerun_errors is not None
        )
        self.report = self.scrubber.shown_value(report)
        if path is not None:
            from ..base.files import NotWritten
            from ..report import write_reports

            try:
                self.report_paths = write_reports(path, self.report, history=self.history)
            except NotWritten as err:  # one line, never a traceback; the tests' exit status stays theirs
                self.report_error = f"imgsafe: report not written: {err}"

    def summary_lines(self) -> list[str]:
        """The end-of-run lines: the summary, where the report went, what fuzzing saved."""
        from ..report.summary import summary_lines

        lines = [self.scrubber.shown(line) for line in summary_lines(self.results, self.mode, self.report)]
        lines += [self.scrubber.shown(f"imgsafe: {line}") for line in self.history_warnings]
        if self.stages_removed:
            names = [self.runner._rel(p) for p in self.stages_removed]
            more = f" and {len(names) - 5} more" if len(names) > 5 else ""
            lines.append(
                f"imgsafe: removed {len(names)} stage file(s) left by an interrupted run: {', '.join(names[:5])}{more}"
            )
        if self.report_paths:
            first, *beside = self.report_paths
            lines.append(escape_line(f"imgsafe report: {first} (and {', '.join(p.name for p in beside)} beside it)"))
        if self.report_error:
            lines.append(self.scrubber.text(self.report_error))
        if self.failures_error:
            lines.append(self.scrubber.text(self.failures_error))
        if self.failures_written:
            lines.append(
                f"imgsafe: {self.failures_written} failing fuzz example case(s) "
                f"written to {escape_line(str(self.settings.options.save_failures))}"
            )
        return lines

    @staticmethod
    def serializable(data: dict[str, Any]) -> dict[str, Any]:
        """A report on its way to the xdist controller: its rows as plain dicts (execnet carries
        only plain values). The report's own list is left alone: the item still holds it."""
        properties = data.get("user_properties")
        if properties and any(isinstance(value, Row) for _, value in properties):
            data["user_properties"] = [
                (name, value.as_dict() if isinstance(value, Row) else value) for name, value in properties
            ]
        return data

    def unconfigure(self) -> None:
        """The controller removes the live run's ledger folder."""
        if self.ledger is not None and not self.is_worker:
            import shutil

            shutil.rmtree(self.ledger.folder, ignore_errors=True)


def _ledger(settings: Settings, workerinput: Mapping[str, Any] | None) -> Ledger:
    """The live run's shared ledger: made by the controller, opened by xdist workers."""
    import tempfile

    from ..base.ledger import Ledger

    folder = (
        Path(workerinput["imgsafe_ledger"])
        if workerinput and "imgsafe_ledger" in workerinput
        else Path(tempfile.mkdtemp(prefix="imgsafe-live-"))
    )
    return Ledger(folder, settings.options.budget_usd, settings.options.max_blocks)


RUN_KEY = pytest.StashKey[ImgsafeRun]()


def run_state(config: pytest.Config) -> ImgsafeRun:
    """The run of this config; only present when ``--imgsafe`` is on."""
    return config.stash[RUN_KEY]
