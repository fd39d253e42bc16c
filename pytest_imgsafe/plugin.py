"""pytest hooks, options and fixtures of pytest-imgsafe: thin glue only.

Off by default: without ``--imgsafe`` (or ``imgsafe = true`` in the ini options) every hook
returns at once and nothing heavy is imported (the SDK, vcrpy, PyYAML and the sandbox are
imported inside the hooks and fixtures that need them).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .items import CorpusFile
    from .sandbox import Sandbox
    from .state import RunState

OPT_ENABLE = "--imgsafe"
OPT_RECORD_MODE = "--imgsafe-record-mode"
OPT_LIVE = "--imgsafe-live"
OPT_TARGET = "--imgsafe-target"
INI_ENABLE = "imgsafe"
INI_RECORD_MODE = "imgsafe_record_mode"
INI_TARGETS = "imgsafe_targets"
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
    parser.addini(INI_ENABLE, type="bool", default=False, help="collect corpora as if --imgsafe were given.")
    parser.addini(INI_RECORD_MODE, default=None, help="default for --imgsafe-record-mode (none, once, new_episodes, all).")
    parser.addini(INI_TARGETS, type="args", default=[], help="default for --imgsafe-target: the targets to run.")


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption(OPT_ENABLE) or config.getini(INI_ENABLE))


@pytest.hookimpl(trylast=True)  # after the cache plugin has set config.cache
def pytest_configure(config: pytest.Config) -> None:
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
    for name, description in SCENARIO_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: imgsafe scenario: {description}")
    for name in settings.targets:
        config.addinivalue_line("markers", f"{name}: imgsafe target {name}")
    # Validated corpora are cached by content in pytest's cache folder (when the cache plugin is on).
    cache_dir = config.cache.mkdir("imgsafe-corpus") if getattr(config, "cache", None) is not None else None
    state = RunState(settings, Runner(settings), corpus_cache=cache_dir)
    config.stash[STATE_KEY] = state
    config.pluginmanager.register(_SessionHooks(state), "imgsafe-session")
    # With no paths on the command line, also collect the corpora (pytest would otherwise walk
    # only testpaths or the current folder).
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        present = [Path(a).resolve() for a in config.args]
        for root in settings.corpus_roots():
            if root.exists() and not any(p == root.resolve() or p in root.resolve().parents for p in present):
                config.args.append(str(root))


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
        return [f"imgsafe: {self.state.runner.mode}; targets: {', '.join(settings.active_targets)}; cassettes: {settings.cassettes}"]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Items put their verdicts in user_properties, which xdist sends to the controller.
        for name, value in report.user_properties:
            if name == "imgsafe" and (report.when == "call" or report.failed or report.skipped):
                self.state.results.append({**value, "outcome": report.outcome, "when": report.when})
                break

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from .summary import summary_lines

        for line in summary_lines(self.state.results, self.state.runner.mode):
            terminalreporter.write_line(line)


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
