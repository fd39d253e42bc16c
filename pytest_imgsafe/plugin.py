"""pytest hooks, options and fixtures of pytest-imgsafe: thin glue only.

Off by default: without ``--imgsafe`` (or ``imgsafe = true`` in the ini options) the run's hooks
are never registered and nothing heavy is imported (the SDK, vcrpy, PyYAML and the sandbox are
imported inside the hooks and fixtures that need them). With it, ``pytest_configure`` makes the
run (``session.ImgsafeRun``), and each of its hooks is a call into it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .base.options import (
    EXPLAIN_BUDGET_DEFAULT,
    INI_ENABLE,
    INI_KEYS,
    INI_RECORD_MODE,
    INI_TARGETS,
    OPT_APPEAL,
    OPT_BLOCK_NETWORK,
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
    OPT_ROTATE,
    OPT_SAMPLE,
    OPT_SAMPLE_SEED,
    OPT_SAVE_FAILURES,
    OPT_SEED,
    OPT_SHARD,
    OPT_TARGET,
    OPTIONS,
    RECORD_MARKER_HELP,
    RECORD_MODES,
    parse_count,
    parse_days,
    parse_error_rate,
    parse_history_dir,
    parse_sample,
    parse_seed,
    parse_shard,
    parse_usd,
)
from .run.freezing import run_starts

if TYPE_CHECKING:
    from .collect.config import Settings
    from .run.items import CorpusFile
    from .run.session import ImgsafeRun
    from .sandbox import Sandbox

COMMAND_LINE = pytest.StashKey[tuple[dict[str, Any], dict[str, Any]]]()
"""Every imgsafe option's and ini key's value, read once at configure (what the settings are resolved from)."""
CLIENTS = pytest.StashKey[Any]()
"""A test's ``imgsafe_client`` recorder (``calls.clients.RecordedClients``), while the test runs."""
BLOCK_NETWORK = pytest.StashKey[bool]()
"""--imgsafe-block-network in a replay run (record mode none, not live): each test's call is guarded."""
UNRECORDED_REPORTED = pytest.StashKey[bool]()
"""The test already failed for its unrecorded requests: its teardown does not say it again."""


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
        help="write the run report as JSON to PATH, "
        "with a Markdown summary and a self-contained HTML page beside it (same name, .md and .html).",
    )
    group.addoption(
        OPT_HISTORY,
        type=parse_history_dir,
        default=None,
        metavar="DIR",
        help="a folder of earlier JSON reports: "
        "the report compares with the newest and charts block rates across them.",
    )
    group.addoption(
        OPT_BUDGET,
        type=parse_usd,
        default=None,
        metavar="USD",
        help="live runs: make no call that would take the estimated "
        "spend past USD (those items are skipped with the reason).",
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
    group.addoption(
        OPT_MAX_ERROR_RATE,
        type=parse_error_rate,
        default=None,
        metavar="SHARE",
        help="live runs: items that get no verdict (rate limits, "
        "5xx, timeouts) are reported as xfailed with the error, "
        "and fail the run only if they are more than SHARE (0 to 1) "
        "of the items called; drift and mismatch still fail.",
    )
    group.addoption(
        OPT_RERUN_ERRORS,
        type=parse_rerun_report,
        default=None,
        metavar="REPORT.json",
        help="select only the items that had no verdict in this JSON report, call them again, and write a merged "
        "report (to --imgsafe-report, else over REPORT.json); its changed outcomes still fail the run.",
    )
    group.addoption(
        OPT_BLOCK_NETWORK,
        action="store_true",
        default=False,
        help="replay runs: a test that connects to any host but this machine fails (imgsafe_client's "
        "recorded answers and loopback servers such as the sandbox still work).",
    )
    group.addoption(
        OPT_SHARD,
        type=parse_shard,
        default=None,
        metavar="K/N",
        help="run shard K of N (one CI job of N): items split by their past cost, the same in every job; a live "
        "shard takes 1/N of the budget and of each target's rpm. Merge the shards' reports with "
        "python -m pytest_imgsafe.report merge.",
    )
    group.addoption(
        OPT_SAMPLE,
        type=parse_sample,
        default=None,
        metavar="SIZE",
        help="run a sample of SIZE items (500) or of the corpus (5%%): stratified by scenario x target, seeded "
        "(the seed is printed), with the items that failed, drifted or changed recently always in.",
    )
    group.addoption(
        OPT_ROTATE,
        type=parse_days,
        default=None,
        metavar="DAYS",
        help="rotate the sample by date: each night a different slice, every item within DAYS nights "
        "(without --imgsafe-sample: one slice, 1/DAYS of the corpus).",
    )
    group.addoption(
        OPT_SAMPLE_SEED,
        type=parse_seed,
        default=None,
        metavar="N",
        help="the sample's seed, printed in the header (with --imgsafe-rotate: the night, days since 1970-01-01; "
        "default: tonight's, UTC).",
    )
    parser.addini(INI_ENABLE, type="bool", default=False, help="collect corpora as if --imgsafe were given.")
    parser.addini(
        INI_RECORD_MODE, default=None, help="default for --imgsafe-record-mode (none, once, new_episodes, all)."
    )
    parser.addini(INI_TARGETS, type="args", default=[], help="default for --imgsafe-target: the targets to run.")


def parse_rerun_report(value: str) -> Any:
    """``--imgsafe-rerun-errors``'s argparse type: the report's reader is imported only when the
    option is given (a plain ``pytest`` run loads nothing of the report package)."""
    from .report.nightly import parse_rerun_report as parse

    return parse(value)


def command_line(config: pytest.Config) -> tuple[dict[str, Any], dict[str, Any]]:
    """(options by name, ini keys by name): the one place their values are read."""
    return {name: config.getoption(name) for name in OPTIONS}, {name: config.getini(name) for name in INI_KEYS}


@pytest.hookimpl(tryfirst=True, specname="pytest_configure")
def pytest_configure_first(config: pytest.Config) -> None:  # pytest reads only "pytest_" names
    run_starts(config)


@pytest.hookimpl(trylast=True)  # after the cache plugin has set config.cache
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", RECORD_MARKER_HELP)
    options, ini = config.stash[COMMAND_LINE] = command_line(config)
    replay = (options[OPT_RECORD_MODE] or ini[INI_RECORD_MODE] or "none") == "none" and not options[OPT_LIVE]
    config.stash[BLOCK_NETWORK] = bool(options[OPT_BLOCK_NETWORK]) and replay
    if not (options[OPT_ENABLE] or ini[INI_ENABLE]):
        config.pluginmanager.register(_ClientWarnings(), CLIENT_WARNINGS_PLUGIN)
        return
    from .run.session import ImgsafeRun

    config.pluginmanager.register(_SessionHooks(ImgsafeRun.configure(config, options, ini)), "imgsafe-session")


class _SessionHooks:
    """The hooks of an ``--imgsafe`` run (registered only then): each a call into the run."""

    def __init__(self, run: ImgsafeRun) -> None:
        self.run = run

    def pytest_report_header(self) -> list[str]:
        return self.run.header_lines()

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:  # xdist
        node.workerinput.update(self.run.worker_input())

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:  # xdist: what a worker's collection planned
        self.run.worker_done(getattr(node, "workeroutput", {}))

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.run.start(session.config)

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> CorpusFile | None:
        from .run.items import CorpusFile

        return CorpusFile.collected(parent, file_path) if self.run.is_corpus_file(file_path) else None

    def pytest_collect_directory(self, path: Path, parent: pytest.Collector) -> pytest.Collector | None:
        problem = self.run.linked_folder_problem(path)
        if problem is None:
            return None
        from .run.items import RefusedFolder

        return RefusedFolder.refused(parent, path, problem)

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        self.run.select(config, items)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.run.collected(session.config, session.items)

    @pytest.hookimpl(tryfirst=True)  # a historic hook: no wrapper; first, it changes what the others read
    def pytest_warning_recorded(self, warning_message: Any) -> None:
        # before the terminal (its warnings summary) and xdist (sending it to the controller) read it
        self.run.scrub_warning(warning_message)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        # The one place every per-test byte passes before pytest prints it, writes it to junit
        # XML or sends it to the xdist controller: failure text, skip and xfail reasons, captured
        # output and logs, properties. None of it may hold a key. Outermost (tryfirst), so it sees
        # what inner wrappers add, such as the xfail reason pytest's skipping plugin sets.
        report = yield
        self.run.scrub(report, item)
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        report = yield
        self.run.scrub(report)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.run.log(report)

    @pytest.hookimpl(wrapper=True)
    def pytest_report_to_serializable(
        self, config: pytest.Config, report: pytest.CollectReport | pytest.TestReport
    ) -> Generator[None, dict[str, Any] | None, dict[str, Any] | None]:
        # xdist's worker sends each report as plain data: the items' rows go as dicts.
        data = yield
        return self.run.serializable(data) if data is not None else data

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.run.finish(session, exitstatus)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.run.unconfigure()

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for line in self.run.summary_lines():
            terminalreporter.write_line(line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """A test whose ``imgsafe_client`` asked what its cassette does not hold, or that connected to
    another host with ``--imgsafe-block-network``, fails once, in its call, with the plugin's
    message: not with vcrpy's own error (which also suggests a record mode this plugin does not
    default to) and then again in teardown, and even when the code under test caught the error.
    Other tests pass through untouched."""
    clients = item.stash.get(CLIENTS, None)
    guard = None
    if item.config.stash.get(BLOCK_NETWORK, False):
        from .calls.network import NetworkBlock

        guard = NetworkBlock(OPT_BLOCK_NETWORK)
    if clients is None and guard is None:
        return (yield)
    with guard or nullcontext():
        try:
            result = yield
        except Exception as err:
            message = _unrecorded(clients, guard, item.nodeid)
            if message is None:
                raise
            if not _from_the_cassette(err) and not type(err).__name__ == "NetworkBlocked":
                message += f"\nThe test then failed with {type(err).__name__}: {err}"
        else:
            message = _unrecorded(clients, guard, item.nodeid)
            if message is None:
                return result
    item.stash[UNRECORDED_REPORTED] = True
    pytest.fail(message, pytrace=False)  # outside the except: vcrpy's error is no part of the story


def _unrecorded(clients: Any, guard: Any, nodeid: str) -> str | None:
    """What the test asked that no recording answers, and where it tried to connect, or None."""
    found = [
        m
        for m in (
            clients.unrecorded_so_far() if clients is not None else None,
            guard.message(nodeid) if guard is not None else None,
        )
        if m
    ]
    return "\n".join(found) if found else None


def _from_the_cassette(err: BaseException) -> bool:
    """Does the error come from vcrpy refusing a request (raised bare, or wrapped by the SDK)?"""
    seen: BaseException | None = err
    for _ in range(8):
        if seen is None:
            return False
        if type(seen).__name__ == "CannotOverwriteExistingCassetteException":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


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


CLIENT_SCRUBBER = pytest.StashKey[Any]()
"""The scrubber of a test that uses ``imgsafe_client`` (set by the fixture)."""


class _ClientWarnings:
    """The warnings of tests that use ``imgsafe_client`` in a run without ``--imgsafe``: scrubbed
    before pytest's warnings summary prints them (an ``--imgsafe`` run scrubs every warning)."""

    def __init__(self) -> None:
        self.scrubbers: dict[str, Any] = {}
        """Node id -> the scrubber its ``imgsafe_client`` fixture made."""

    @pytest.hookimpl(tryfirst=True)  # a historic hook: no wrapper; first, it changes what the others read
    def pytest_warning_recorded(self, warning_message: Any, nodeid: str) -> None:
        scrubber = self.scrubbers.get(nodeid)
        if scrubber is not None:
            from .run.session import scrub_warning

            scrub_warning(warning_message, scrubber)


CLIENT_WARNINGS_PLUGIN = "imgsafe-client-warnings"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    # A test that uses imgsafe_client: its failure text, captured output and logs are scrubbed
    # as an --imgsafe run scrubs every item (which then does it itself). One stash lookup for
    # every other test.
    report = yield
    scrubber = item.stash.get(CLIENT_SCRUBBER, None)
    if scrubber is not None and not item.config.pluginmanager.has_plugin("imgsafe-session"):
        from .run.session import scrub_report

        scrub_report(report, scrubber)
    return report


CLIENT_SETTINGS = pytest.StashKey["Settings"]()
"""The settings of the run's ``imgsafe_client`` fixtures (:func:`client_settings`)."""


def client_settings(config: pytest.Config) -> Settings:
    """The settings every ``imgsafe_client`` of the run starts from, made once: the ``--imgsafe``
    run's own (never live: the fixture records or replays), else ``[tool.imgsafe]`` with the
    record mode's option and ini key. A bad value is a :class:`ConfigError` for each test."""
    found = config.stash.get(CLIENT_SETTINGS, None)
    if found is not None:
        return found
    import dataclasses

    from .collect.config import ConfigError, environment_problem, load_pyproject, resolve_settings
    from .run.session import RUN_KEY

    run = config.stash.get(RUN_KEY, None)
    if run is not None:
        found = dataclasses.replace(run.settings, live=False)
    else:
        given, ini = config.stash[COMMAND_LINE]
        found = resolve_settings(
            config.rootpath,
            load_pyproject(config.rootpath),
            {OPT_RECORD_MODE: given[OPT_RECORD_MODE]},
            {INI_RECORD_MODE: ini[INI_RECORD_MODE]},
            cwd=config.invocation_params.dir,
        )
        problem = environment_problem(found)
        if problem:
            raise ConfigError(problem)
    config.stash[CLIENT_SETTINGS] = found
    return found


@pytest.fixture
def imgsafe_vcr_config() -> dict[str, Any]:
    """imgsafe_client's options for the tests in its scope (override it, as pytest-recording's vcr_config)."""
    return {}


@pytest.fixture
def imgsafe_client(request: pytest.FixtureRequest, imgsafe_vcr_config: dict[str, Any]) -> Iterator[Callable[..., Any]]:
    """``imgsafe_client("NAME")``: the SDK client of target NAME, recorded and replayed per test."""
    import os

    from .base.advice import broken_cassette
    from .base.files import shown_path
    from .calls.client_options import ClientOptionsError, client_options
    from .calls.clients import RecordedClients, UnrecordedRequests, cassette_for
    from .calls.recording import CassetteError
    from .collect.config import ConfigError, scrubber_for
    from .run.logs import scrub_logs

    config = request.config
    from .run.session import RUN_KEY

    run = config.stash.get(RUN_KEY, None)
    if run is not None and run.settings.live:
        # vcrpy patches the HTTP client process-wide: while this test's cassette is open, the live
        # calls the run makes ahead of the corpus items on other threads would meet it
        pytest.skip(
            f"imgsafe_client records and replays; in a live run ({OPT_LIVE}) its cassette would answer the "
            "corpus items' live calls: run your own tests without it"
        )
    given, _ini = config.stash[COMMAND_LINE]
    marker = request.node.get_closest_marker("imgsafe_record")
    vcr_marker = request.node.get_closest_marker("vcr")  # pytest-recording's, when a test has one
    problem = None
    try:
        options = client_options(
            dict(marker.kwargs) if marker else {},
            dict(vcr_marker.kwargs) if vcr_marker else {},
            imgsafe_vcr_config,
            given[OPT_RECORD_MODE],
            config.getoption("record_mode", None),
            config.rootpath,
        )
        settings = client_settings(config)
    except ClientOptionsError as err:
        problem = str(err)
    except ConfigError as err:
        problem = f"pytest-imgsafe: {err}"
    if problem:
        pytest.fail(problem, pytrace=False)
    # precedence (calls.client_options): the test's marks > --imgsafe-record-mode > --record-mode
    # (pytest-recording) > imgsafe_vcr_config > imgsafe_record_mode (ini, in the settings) > none
    record_mode = options.mode or settings.record_mode
    path = cassette_for(settings.cassettes, request.node.nodeid, options.cassette)
    if options.cassette_dir is not None:
        path = options.cassette_dir / path.name
    shown = shown_path(path, config.rootpath)
    if record_mode == "once" and path.exists():
        record_mode = "none"  # vcrpy's once records nothing into a cassette that exists: a replay, needing no key
    clients = RecordedClients(settings, dict(os.environ), request.node.nodeid, path, shown, record_mode)
    # what this test prints or fails with is scrubbed (pytest_runtest_makereport above), with or
    # without --imgsafe: its code holds the client, and so the key
    request.node.stash[CLIENT_SCRUBBER] = scrubber = scrubber_for(settings, dict(os.environ))
    warnings_plugin = config.pluginmanager.get_plugin(CLIENT_WARNINGS_PLUGIN)
    if warnings_plugin is not None:  # and the warnings it raises, which pytest prints at the end
        warnings_plugin.scrubbers[request.node.nodeid] = scrubber
    scrub_logs(config, scrubber)  # and what the SDK and httpx log while it runs
    damaged = None
    try:
        clients.__enter__()
    except CassetteError as err:
        damaged = f"pytest-imgsafe: {broken_cassette(shown, err.why, request.node.nodeid)}"
    if damaged:
        pytest.fail(damaged, pytrace=False)
    request.node.stash[CLIENTS] = clients

    def factory(name: str, *, async_client: bool = False) -> Any:
        try:
            return clients.client(name, async_client=async_client)
        except KeyError as err:
            problem = str(err.args[0])
        pytest.fail(problem, pytrace=False)  # outside the except: the KeyError is no part of the story

    yield factory
    # pytest does not pass the test's own exception into a fixture: a test that failed still
    # keeps what it recorded (every answer in it is a verdict); a Ctrl-C never reaches here.
    del request.node.stash[CLIENTS]
    missing = None
    try:
        clients.__exit__(None, None, None)
    except UnrecordedRequests as err:
        missing = str(err)
    if missing and not request.node.stash.get(UNRECORDED_REPORTED, False):
        pytest.fail(missing, pytrace=False)
