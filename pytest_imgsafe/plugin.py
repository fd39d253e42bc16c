"""pytest hooks, options and fixtures of pytest-imgsafe: thin glue only.

Off by default: without ``--imgsafe`` (or ``imgsafe = true`` in the ini options) every hook
returns at once and nothing heavy is imported (the SDK, vcrpy, PyYAML and the sandbox are
imported inside the hooks and fixtures that need them).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .items import CorpusFile
    from .sandbox import Sandbox
    from .state import RunState

from .options import (
    EXPLAIN_BUDGET_DEFAULT,
    INI_ENABLE,
    INI_RECORD_MODE,
    INI_TARGETS,
    OPT_APPEAL,
    OPT_BUDGET,
    OPT_ENABLE,
    OPT_EXPLAIN,
    OPT_EXPLAIN_BUDGET,
    OPT_HISTORY,
    OPT_LIVE,
    OPT_MAX_BLOCKS,
    OPT_MAX_ERROR_RATE,
    OPT_RECORD_MODE,
    OPT_REPORT,
    OPT_RERUN_ERRORS,
    OPT_SAVE_FAILURES,
    OPT_SEED,
    OPT_TARGET,
    parse_count,
    parse_error_rate,
    parse_seed,
    parse_usd,
)

RECORD_MODES = ("none", "once", "new_episodes", "all")
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


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("imgsafe", "image-generation prompt safety (pytest-imgsafe)")
    group.addoption(
        OPT_ENABLE,
        action="store_true",
        default=False,
        help="collect the corpus YAML files ([tool.imgsafe] corpora) as test items, one per case and target.",
    )
    group.addoption(
        OPT_RECORD_MODE,
        choices=RECORD_MODES,
        default=None,
        help="vcrpy record mode: none (default: replay only, no network), once (record items that have "
        "no cassette), new_episodes (record requests not yet recorded), all (re-record everything selected).",
    )
    group.addoption(
        OPT_LIVE,
        action="store_true",
        default=False,
        help="ignore cassettes and call the configured endpoints (needs each target's API key).",
    )
    group.addoption(
        OPT_TARGET,
        action="append",
        default=[],
        metavar="NAME",
        help="run only this target (repeatable); default: every configured target.",
    )
    group.addoption(
        OPT_SEED,
        type=parse_seed,
        default=None,
        metavar="N",
        help="seed of the fuzz specs' draws. Default: each spec's own fixed seed in replay and record "
        "(so replay draws what was recorded), a fresh random seed in live runs (printed in the header).",
    )
    group.addoption(
        OPT_SAVE_FAILURES,
        default=None,
        metavar="PATH",
        help="write the failing fuzz examples to this YAML file as ready corpus cases (appended if it exists).",
    )
    group.addoption(
        OPT_REPORT,
        default=None,
        metavar="PATH",
        help="write the run report as JSON to PATH, with a Markdown summary and a self-contained HTML page beside it (same name, .md and .html).",
    )
    group.addoption(
        OPT_HISTORY,
        default=None,
        metavar="DIR",
        help="a folder of earlier JSON reports: the report compares with the newest and charts block rates across them.",
    )
    group.addoption(
        OPT_BUDGET,
        type=parse_usd,
        default=None,
        metavar="USD",
        help="live runs: make no call that would take the estimated spend past USD (those items are skipped with the reason).",
    )
    group.addoption(
        OPT_MAX_BLOCKS,
        type=parse_count,
        default=None,
        metavar="N",
        help="live runs: after N blocked answers, stop sending prompts expected to be blocked (protects the account).",
    )
    group.addoption(
        OPT_EXPLAIN,
        action="store_true",
        default=False,
        help="on an unexpected block, find the triggering words (asking the free moderation endpoint when it "
        "flags the prompt, else the target at its cheapest settings) and suggest a rewrite.",
    )
    group.addoption(
        OPT_EXPLAIN_BUDGET,
        type=parse_count,
        default=EXPLAIN_BUDGET_DEFAULT,
        metavar="N",
        help="most queries one explanation may make (default 24).",
    )
    group.addoption(
        OPT_APPEAL,
        default=None,
        metavar="DIR",
        help="write an appeal file for each block the corpus expected to pass (a false positive) into DIR.",
    )
    from .nightly import parse_rerun_report

    group.addoption(
        OPT_MAX_ERROR_RATE,
        type=parse_error_rate,
        default=None,
        metavar="SHARE",
        help="live runs: items that get no verdict (rate limits, 5xx, timeouts) are reported as xfailed with the error, "
        "and fail the run only if they are more than SHARE (0 to 1) of the items called; drift and mismatch still fail.",
    )
    group.addoption(
        OPT_RERUN_ERRORS,
        type=parse_rerun_report,
        default=None,
        metavar="REPORT.json",
        help="select only the items that had no verdict in this JSON report, call them again, and write a merged "
        "report (to --imgsafe-report, else over REPORT.json); its changed outcomes still fail the run.",
    )
    parser.addini(INI_ENABLE, type="bool", default=False, help="collect corpora as if --imgsafe were given.")
    parser.addini(INI_RECORD_MODE, default=None, help="default for --imgsafe-record-mode (none, once, new_episodes, all).")
    parser.addini(INI_TARGETS, type="args", default=[], help="default for --imgsafe-target: the targets to run.")


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption(OPT_ENABLE) or config.getini(INI_ENABLE))


@pytest.hookimpl(trylast=True)  # after the cache plugin has set config.cache
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "imgsafe_record(mode=None, cassette=None): per-test record mode and cassette name of the imgsafe_client fixture")
    if not _enabled(config):
        return
    from .config import ConfigError, load_pyproject, missing_keys, resolve_settings
    from .runner import Runner
    from .state import STATE_KEY, RunState

    try:
        settings = resolve_settings(
            config.rootpath,
            load_pyproject(config.rootpath),
            cli_record_mode=config.getoption(OPT_RECORD_MODE),
            ini_record_mode=config.getini(INI_RECORD_MODE) or None,
            cli_targets=config.getoption(OPT_TARGET),
            ini_targets=config.getini(INI_TARGETS),
            live=config.getoption(OPT_LIVE),
            fuzz_seed=config.getoption(OPT_SEED),
            save_failures=Path(config.getoption(OPT_SAVE_FAILURES)).resolve() if config.getoption(OPT_SAVE_FAILURES) else None,
        )
    except ConfigError as err:
        raise pytest.UsageError(f"pytest-imgsafe: {err}") from None
    if settings.needs_network:
        missing = missing_keys(settings)
        if missing:
            what = "--imgsafe-live" if settings.live else f"--imgsafe-record-mode={settings.record_mode}"
            raise pytest.UsageError(
                f"pytest-imgsafe: {what} calls the endpoints, but these environment variables are not set: "
                f"{'; '.join(missing)}. Set them, or pick targets with --imgsafe-target. "
                "(Replay, the default, needs no key.)"
            )
    config.addinivalue_line("markers", "imgsafe: an item collected from an imgsafe corpus")
    config.addinivalue_line("markers", "fuzz: an imgsafe fuzz spec run with hypothesis")
    for name, description in SCENARIO_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: imgsafe scenario: {description}")
    for name in settings.targets:
        config.addinivalue_line("markers", f"{name}: imgsafe target {name}")
    # Validated corpora are cached by content in pytest's cache folder (when the cache plugin is on).
    cache_dir = config.cache.mkdir("imgsafe-corpus") if getattr(config, "cache", None) is not None else None
    state = RunState(settings, Runner(settings), corpus_cache=cache_dir, fuzz_seed=_fuzz_seed(config, settings.live))
    if settings.live:
        state.ledger = _ledger(config)
    state.explain_budget = config.getoption(OPT_EXPLAIN_BUDGET) if config.getoption(OPT_EXPLAIN) else None
    appeal = config.getoption(OPT_APPEAL)
    state.appeal_dir = Path(appeal).resolve() if appeal else None
    history = config.getoption(OPT_HISTORY)
    state.history_dir = Path(history).resolve() if history else None
    if settings.term_tables or settings.rewrite_tables:
        try:  # a user's table that cannot be read is a usage error, found before any item runs
            state.rewriter  # noqa: B018
        except (OSError, ValueError) as err:
            raise pytest.UsageError(f"pytest-imgsafe: {err}") from None
    config.stash[STATE_KEY] = state
    config.pluginmanager.register(_SessionHooks(state), "imgsafe-session")
    # With no paths on the command line, also collect the corpora (pytest would otherwise walk
    # only testpaths or the current folder).
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        present = [Path(a).resolve() for a in config.args]
        for root in settings.corpus_roots():
            if root.exists() and not any(p == root.resolve() or p in root.resolve().parents for p in present):
                config.args.append(str(root))


def _ledger(config: pytest.Config) -> Any:
    """The live run's shared ledger: made by the controller, opened by xdist workers."""
    import tempfile

    from .ledger import Ledger

    workerinput = getattr(config, "workerinput", None)
    folder = Path(workerinput["imgsafe_ledger"]) if workerinput and "imgsafe_ledger" in workerinput else Path(tempfile.mkdtemp(prefix="imgsafe-live-"))
    return Ledger(folder, config.getoption(OPT_BUDGET), config.getoption(OPT_MAX_BLOCKS))


def _fuzz_seed(config: pytest.Config, live: bool) -> int | None:
    """--imgsafe-seed; else the controller's seed on an xdist worker; else random when live."""
    given: int | None = config.getoption(OPT_SEED)
    if given is not None:
        return given
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and "imgsafe_seed" in workerinput:
        return int(workerinput["imgsafe_seed"]) if workerinput["imgsafe_seed"] is not None else None
    if live:
        import secrets

        return secrets.randbelow(2**31)
    return None


def scrub_report(report: pytest.TestReport | pytest.CollectReport, scrubber: Any) -> None:
    """Redact secrets from a report's failure text, captured sections and properties in place."""
    longrepr = report.longrepr
    if longrepr is not None and not isinstance(longrepr, tuple):
        text = str(longrepr)
        clean = scrubber.text(text)
        if clean != text:  # only a report that held a secret loses its rich formatting
            report.longrepr = clean
    elif isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        report.longrepr = (longrepr[0], longrepr[1], scrubber.text(str(longrepr[2])))
    if report.sections:
        report.sections = [(title, scrubber.text(content)) for title, content in report.sections]
    if isinstance(report, pytest.TestReport) and report.user_properties:
        # one look at the whole repr first: walking every value of every item is the slow path
        if scrubber.holds_secret(repr(report.user_properties)):
            report.user_properties = [(name, scrubber.value(value)) for name, value in report.user_properties]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> CorpusFile | None:
    if file_path.suffix not in (".yaml", ".yml") or not _enabled(parent.config):
        return None
    from .items import CorpusFile
    from .state import run_state

    if not run_state(parent.config).settings.is_corpus_file(file_path):
        return None
    corpus_file: CorpusFile = CorpusFile.from_parent(parent, path=file_path)
    return corpus_file


class _SessionHooks:
    """Hooks that need the run state, registered only when --imgsafe is on."""

    def __init__(self, state: RunState) -> None:
        self.state = state

    def pytest_report_header(self) -> list[str]:
        settings = self.state.settings
        lines = [f"imgsafe: {self.state.runner.mode}; targets: {', '.join(settings.active_targets)}; cassettes: {settings.cassettes}"]
        if self.state.fuzz_seed is not None:
            lines.append(f"imgsafe: fuzz seed {self.state.fuzz_seed} (reproduce the draws with --imgsafe-seed {self.state.fuzz_seed})")
        return lines

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        # xdist: every worker draws with the controller's seed (one run, one seed) and shares
        # the controller's ledger (one budget, one pace).
        node.workerinput["imgsafe_seed"] = self.state.fuzz_seed
        if self.state.ledger is not None:
            node.workerinput["imgsafe_ledger"] = str(self.state.ledger.folder)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        import time

        self.state.started = time.time()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if self.state.ledger is None:
            return
        from .items import CaseItem
        from .live import LiveScheduler

        workerinput = getattr(session.config, "workerinput", None)
        workers = int(workerinput.get("workercount", 1)) if workerinput else 1
        scheduler = LiveScheduler(self.state.settings, self.state.ledger, self.state.runner.client, workers)
        targets = self.state.settings.targets
        scheduler.start(
            [
                (item.nodeid, item.case, item.target)
                for item in session.items
                if isinstance(item, CaseItem) and not item.case.skip and targets[item.target].kind not in ("screen", "chain", "gateway")
            ]
        )
        self.state.live = scheduler

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        # The one place every per-test byte passes before pytest prints it, writes it to junit
        # XML or sends it to the xdist controller: failure text, captured output and logs,
        # properties. None of it may hold a key.
        report = yield
        scrub_report(report, self.state.runner.scrubber())
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        report = yield
        scrub_report(report, self.state.runner.scrubber())
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Items put their verdicts in user_properties, which xdist sends to the controller.
        for name, value in report.user_properties:
            if name == "imgsafe" and isinstance(value, dict) and (report.when == "call" or report.failed or report.skipped):
                self.state.results.append({**value, "outcome": report.outcome, "when": report.when})
            elif name == "imgsafe-fuzz-failure" and isinstance(value, list) and report.when == "call":
                self.state.fuzz_failures.extend(value)

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        rerun = config.getoption(OPT_RERUN_ERRORS)
        if rerun is not None:  # --imgsafe-rerun-errors: only the items that had no verdict
            from .nightly import select_reruns

            kept, dropped = select_reruns(items, rerun.errors)
            if dropped:
                config.hook.pytest_deselected(items=dropped)
                items[:] = kept

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.state.live is not None:
            self.state.live.close()
        if hasattr(session.config, "workerinput"):
            return
        scrubber = self.state.runner.scrubber()
        path = self.state.settings.save_failures
        if path is not None and self.state.fuzz_failures:
            from .failures import save_failures

            self.written = save_failures(path, scrubber.value(self.state.fuzz_failures))
        report_path = session.config.getoption(OPT_REPORT)
        rerun = session.config.getoption(OPT_RERUN_ERRORS)
        if rerun is not None and not report_path:
            report_path = str(rerun.path)  # the merged report takes the place of the one it completes
        if report_path or self.state.ledger is not None:
            from .report import build_report, write_reports

            report = build_report(self.state, history=self.state.history)
            # An interrupted run (Ctrl-C, a CI timeout's SIGINT) still writes its report, and says
            # so: the rows are the items that had run, not the corpus.
            report["run"]["interrupted"] = exitstatus == pytest.ExitCode.INTERRUPTED
            report["run"]["items_run"] = len({(r.get("case"), r.get("target")) for r in self.state.results})
            from .nightly import finish

            # Tolerated non-verdicts and a rerun's merged rows decide the exit status, never against an
            # interruption: see nightly.py.
            report = finish(report, rerun, session.config.getoption(OPT_MAX_ERROR_RATE), self.state.history)
            if session.exitstatus == pytest.ExitCode.OK or (rerun is not None and session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED):
                session.exitstatus = pytest.ExitCode.TESTS_FAILED if report["run"]["failed_because"] else pytest.ExitCode.OK
            self.report = scrubber.value(report)
            if report_path:
                self.report_paths = write_reports(Path(report_path), self.report, history=self.state.history)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        ledger = self.state.ledger
        if ledger is not None and not hasattr(config, "workerinput"):
            import shutil

            shutil.rmtree(ledger.folder, ignore_errors=True)

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from .summary import summary_lines

        scrubber = self.state.runner.scrubber()
        for line in summary_lines(self.state.results, self.state.runner.mode, getattr(self, "report", None)):
            terminalreporter.write_line(scrubber.text(line))
        paths = getattr(self, "report_paths", None)
        if paths:
            terminalreporter.write_line(f"imgsafe report: {paths[0]} (and {', '.join(p.name for p in paths[1:])} beside it)")
        written = getattr(self, "written", None)
        if written:
            terminalreporter.write_line(f"imgsafe: {written} failing fuzz example case(s) written to {self.state.settings.save_failures}")


@pytest.fixture(scope="session")
def _imgsafe_sandbox_server() -> Iterator[Sandbox]:
    from .sandbox import Sandbox

    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def imgsafe_sandbox(_imgsafe_sandbox_server: Sandbox) -> Sandbox:
    """A running sandbox server (shared by the session), reset to defaults for this test."""
    _imgsafe_sandbox_server.reset()
    return _imgsafe_sandbox_server


@pytest.fixture
def imgsafe_client(request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """``imgsafe_client("NAME")``: the SDK client of target NAME, recorded and replayed per test."""
    import os

    from .clients import RecordedClients, UnrecordedRequests, cassette_for
    from .config import ConfigError, load_pyproject, resolve_settings
    from .recording import CassetteError

    config = request.config
    marker = request.node.get_closest_marker("imgsafe_record")
    options = dict(marker.kwargs) if marker else {}
    unknown = set(options) - {"mode", "cassette"}
    if unknown:
        pytest.fail(f"@pytest.mark.imgsafe_record takes mode= and cassette=, not {', '.join(sorted(unknown))}", pytrace=False)
    mode = options.get("mode")
    if mode is not None and mode not in RECORD_MODES:
        pytest.fail(f"@pytest.mark.imgsafe_record(mode={mode!r}): use one of {', '.join(RECORD_MODES)}", pytrace=False)
    try:
        # precedence: the test's marker > --imgsafe-record-mode > imgsafe_record_mode (ini) > none
        settings = resolve_settings(
            config.rootpath,
            load_pyproject(config.rootpath),
            cli_record_mode=mode or config.getoption(OPT_RECORD_MODE),
            ini_record_mode=config.getini(INI_RECORD_MODE) or None,
            cli_targets=[],
            ini_targets=[],
            live=False,
        )
    except ConfigError as err:
        pytest.fail(f"pytest-imgsafe: {err}", pytrace=False)
    path = cassette_for(settings.cassettes, request.node.nodeid, options.get("cassette"))
    try:
        shown = str(path.relative_to(config.rootpath))
    except ValueError:
        shown = str(path)
    clients = RecordedClients(settings, dict(os.environ), request.node.nodeid, path, shown, settings.record_mode)
    damaged = None
    try:
        clients.__enter__()
    except CassetteError as err:
        damaged = f"pytest-imgsafe: the cassette {shown} {err.why}: restore it, or record it again with --imgsafe-record-mode=all"
    if damaged:
        pytest.fail(damaged, pytrace=False)

    def factory(name: str, *, async_client: bool = False) -> Any:
        try:
            return clients.client(name, async_client=async_client)
        except KeyError as err:
            pytest.fail(str(err.args[0]), pytrace=False)

    yield factory
    # pytest does not pass the test's own exception into a fixture: a test that failed still
    # keeps what it recorded (every answer in it is a verdict); a Ctrl-C never reaches here.
    missing = None
    try:
        clients.__exit__(None, None, None)
    except UnrecordedRequests as err:
        missing = str(err)
    if missing:
        pytest.fail(missing, pytrace=False)
