"""``[tool.imgsafe]`` and the command line -> one :class:`Settings`, resolved once.

Precedence, for every setting that has more than one source:
command line > pytest ini option (``[tool.pytest.ini_options]``) > ``[tool.imgsafe]`` > default.

Pure: no pytest here; the session reads the options and ini keys once and hands their values in
(:func:`resolve_settings` is the one place they become settings).
"""

from __future__ import annotations

import argparse
import dataclasses
import fnmatch
import functools
import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..base import options as opt
from ..base.errors import ConfigError as ConfigError
from ..base.files import refused_outputs, report_files
from ..base.sampling import SampleSize, tonight
from ..base.scrub import Scrubber
from ..base.shards import Shard
from ..base.text import clip, did_you_mean, excerpt
from ..base.urls import check_route_table, key_problem, url_problem
from ..base.yaml_bounds import MAX_DEPTH, MAX_FILE_BYTES
from ..providers.kind import COMMON_KEYS as COMMON_TARGET_KEYS
from ..providers.pool import parse_pool
from ..providers.registry import kind_of, kinds_taking, target_keys, target_kinds
from ..providers.rules import AnswerRule, parse_rules
from ..providers.target import Target
from .shares import shard_share

TOOL_KEYS: tuple[str, ...] = (
    "corpora",
    "cassettes",
    "targets",
    "store_images",
    "term_tables",
    "rewrite_tables",
    "describer",
    "account",
    "image_root",
    "answers",
)
MAX_TARGET_NAME = 64
_TARGET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # fullmatch: '$' accepts a final line break
TARGET_NAME_RULE = (
    f"letters, digits, '-', '_' and '.', starting with a letter or digit, at most {MAX_TARGET_NAME} characters"
)
DEFAULT_TARGETS: dict[str, Target] = {
    "moderation": Target("moderation", "moderation", "omni-moderation-latest"),
    "gpt-image-2": Target(
        "gpt-image-2", "images.generate", "gpt-image-2", params={"quality": "low", "size": "1024x1024"}
    ),
}
"""The targets a project gets with no configuration at all."""


@dataclass(frozen=True)
class RunOptions:
    """What a run does around its items, from the command line: draws, limits, diagnosis, reports.

    Paths are absolute; ``None`` is "off" (or "no limit")."""

    seed: int | None = None
    """--imgsafe-seed (the run's seed is this, else the controller's, else random when live)."""
    save_failures: Path | None = None
    """--imgsafe-save-failures: where failing fuzz examples are written as corpus cases."""
    report: Path | None = None
    """--imgsafe-report: the JSON report (Markdown and HTML beside it)."""
    history_dir: Path | None = None
    """--imgsafe-history: a folder of earlier reports."""
    budget_usd: float | None = None
    """--imgsafe-budget-usd: live runs make no call past this estimated spend."""
    max_blocks: int | None = None
    """--imgsafe-max-blocks: live runs stop sending expected blocks after this many blocks."""
    explain_budget: int | None = None
    """--imgsafe-explain's query budget per explanation (--imgsafe-explain-budget); None: not explaining."""
    appeal_dir: Path | None = None
    """--imgsafe-appeal: where appeal files go."""
    max_error_rate: float | None = None
    """--imgsafe-max-error-rate: the share of called items allowed to get no verdict."""
    rerun_errors: Any = None
    """--imgsafe-rerun-errors: the earlier report (a ``nightly.EarlierReport``, read at parse time)."""
    block_network: bool = False
    """--imgsafe-block-network: in a replay run, a test that connects to another host fails."""
    shard: Shard | None = None
    """--imgsafe-shard K/N: this job runs shard K of N, with its share of the budget and of each rpm."""
    sample: SampleSize | None = None
    """--imgsafe-sample: how many items a sampled night runs (a count or a share)."""
    rotate: int | None = None
    """--imgsafe-rotate: the nights within which the samples cover the corpus."""
    sample_seed: int | None = None
    """The sample's seed: --imgsafe-sample-seed, else tonight's number (UTC) when sampling; None: no sample."""

    @property
    def report_path(self) -> Path | None:
        """Where the report is written: --imgsafe-report, else over the report a rerun completes."""
        if self.report is not None:
            return self.report
        return Path(self.rerun_errors.path) if self.rerun_errors is not None else None


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, resolved once at configure time."""

    rootpath: Path
    corpora: tuple[str, ...] = ("corpora",)
    cassettes: Path = Path("cassettes")
    targets: Mapping[str, Target] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    selected: tuple[str, ...] = ()
    record_mode: str = "none"
    live: bool = False
    store_images: bool = False
    files_root: Path | None = None
    """``image:`` and ``mask:`` files must lie inside this folder (``image_root``; default: the rootdir)."""
    term_tables: tuple[Path, ...] = ()
    rewrite_tables: tuple[Path, ...] = ()
    describer: Target | None = None
    """The chat model the describer strategies ask (``[tool.imgsafe.describer]``), if any."""
    account: str | None = None
    """A label for the provider account in appeal files (never a key)."""
    options: RunOptions = field(default_factory=RunOptions)
    """The run's other command-line options (limits, diagnosis, reports)."""

    @property
    def active_targets(self) -> tuple[str, ...]:
        """The targets this run uses: the selected ones, or all."""
        return self.selected or tuple(self.targets)

    @property
    def needs_network(self) -> bool:
        """True when calls may reach an endpoint (recording or live)."""
        return self.live or self.record_mode != "none"

    def corpus_roots(self) -> list[Path]:
        """Corpus entries that are plain paths (not globs), absolute."""
        return [self.rootpath / c for c in self.corpora if not is_glob(c)]

    def corpus_files(self) -> list[Path]:
        """Every corpus file of the project, whichever files a run collects (links not followed)."""
        found: list[Path] = []
        for root in self.corpus_roots():
            found.extend([root] if root.is_file() else self._yaml_under(root))
        for entry in self.corpora:
            if is_glob(entry):
                found.extend(p for p in sorted(self.rootpath.glob(entry)) if p.is_file())
        return [
            p for p in dict.fromkeys(found) if self.is_corpus_file(p) and self.outside_corpus_file_problem(p) is None
        ]

    def corpus_names_not_read(self) -> list[tuple[Path, str]]:
        """Corpus names (``*.yaml``, ``*.yml`` under a configured corpus) that pytest's walk would
        pass over without a word, as it does anything that is not a plain file, with why: a link
        that cannot be followed (a loop, a target that is gone), or a named pipe, a device or a
        socket, itself or where its link leads (``/dev/zero``). The run would not know a corpus
        file is missing."""
        found: list[tuple[Path, str]] = []
        for root in self.corpus_roots():
            for path in self._yaml_under(root):
                if path.is_symlink() and not path.exists():
                    found.append((path, "is a link that cannot be followed (a loop of links, or its target is gone)"))
                elif not path.is_file() and not path.is_dir():
                    found.append((path, "is not a plain file (a named pipe, a device or a socket, or a link to one)"))
        return found

    @staticmethod
    def _yaml_under(root: Path) -> list[Path]:
        """The ``*.yaml`` and ``*.yml`` names under a folder (none for anything else), links not
        followed: a loop cannot hold the walk."""
        return [
            Path(folder) / name
            for folder, _, names in os.walk(root)  # followlinks=False
            for name in sorted(names)
            if name.endswith((".yaml", ".yml"))
        ]

    def linked_folder_problem(self, path: Path) -> str | None:
        """Why a folder that is a link inside a corpus is not followed, or None to follow it.

        pytest follows linked folders: a link to a folder that contains it walks the same files
        under ever longer names (with two such links, 2^40 names before the system says stop),
        and a link into the corpora collects their files twice. Either is refused with the reason."""
        if not path.is_symlink() or not any(_lexically_under(path, root) for root in self.corpus_roots()):
            return None
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "is a link that cannot be followed (a loop of links, or its target is gone)"
        parent = path.parent.resolve()
        if target == parent or target in parent.parents:
            return f"is a link to {target}, a folder that contains it: following it would loop"
        if any(target == root or root in target.parents for root in (r.resolve() for r in self.corpus_roots())):
            return f"is a link to {target}, inside the corpora already: its files would be collected twice"
        if not self._inside_project(target):
            return f"is a link to {target}, outside the project: its files are not read"
        return None

    def outside_corpus_file_problem(self, path: Path) -> str | None:
        """Why a corpus file is not read (it is a link to a file outside the project), or None.

        A corpus file written under a configured corpus may be a link swapped in for the file; its
        target is read only when it stays inside the project (or inside a corpus configured
        elsewhere on purpose). Anything else is one collection error, never a silent skip."""
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "is a link that cannot be followed (a loop of links, or its target is gone)"
        if self._inside_project(target):
            return None
        return f"is a link to {target}, a file outside the project: it is not read"

    def _inside_project(self, target: Path) -> bool:
        """Is a resolved path inside the rootdir or inside a configured corpus root?"""
        return any(target == root or root in target.parents for root in self._project_roots)

    @functools.cached_property
    def _project_roots(self) -> tuple[Path, ...]:
        """The rootdir and the corpus roots, resolved once (every corpus file is checked against them)."""
        return (self.rootpath.resolve(), *(r.resolve() for r in self.corpus_roots()))

    def is_corpus_file(self, path: Path) -> bool:
        """Does this YAML file belong to a configured corpus (a path under it or a glob match)?"""
        if path.suffix not in (".yaml", ".yml"):
            return False
        for entry in self.corpora:
            if is_glob(entry):
                try:
                    rel = path.relative_to(self.rootpath)
                except ValueError:
                    continue
                if fnmatch.fnmatch(rel.as_posix(), entry):
                    return True
                continue
            if _lexically_under(path, self.rootpath / entry):
                return True  # written under the corpus: collected, and fenced when read
            root = (self.rootpath / entry).resolve()
            resolved = path.resolve()
            if resolved == root or root in resolved.parents:
                return True
        return False


def load_pyproject(rootpath: Path) -> dict[str, Any]:
    """The ``[tool.imgsafe]`` table of ``rootpath/pyproject.toml`` (empty if there is none)."""
    path = rootpath / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError(f"{path}: the file is over {MAX_FILE_BYTES // 2**20} MiB, too big for settings")
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte offset {err.start}): save it as UTF-8") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {excerpt(str(err), 200)}") from None
    except RecursionError:
        raise ConfigError(f"{path}: values are nested too deep for TOML to read: flatten them") from None
    tool = data.get("tool", {})
    table = tool.get("imgsafe", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.imgsafe] must be a table")
    if _depth(table) > MAX_DEPTH:
        raise ConfigError(f"{path}: [tool.imgsafe] nests values more than {MAX_DEPTH} deep: flatten them")
    return table


def _real_folder(rootpath: Path, cassettes: str, targets: Mapping[str, Any]) -> Path:
    """The cassettes folder, refused when it (or a folder on the way to it inside the project, or a
    target's folder in it) is a link: recordings would be written through it, somewhere other
    than where a reviewer sees them, without a word."""
    folder = rootpath / cassettes
    on_the_way = [p for p in (folder, *folder.parents) if rootpath in p.parents] or [folder]
    for path in [*(folder / name for name in targets), *on_the_way]:
        try:
            linked = path.is_symlink()
        except OSError as err:
            raise ConfigError(
                f"[tool.imgsafe] cassettes = {excerpt(cassettes)} cannot be a folder: {err.strerror or err}"
            ) from None
        if linked:
            try:
                where = f" (to {clip(str(path.resolve()))})"
            except (OSError, RuntimeError):
                where = " (that cannot be followed)"
            raise ConfigError(
                f"[tool.imgsafe] cassettes = {excerpt(cassettes)}: {clip(str(path))} is a link{where}; "
                "recordings are never written through a link: make it a real folder, or set cassettes "
                "to the folder it leads to"
            )
    return folder


def _is_dir(path: Path) -> bool:
    """Is it a folder (a name too long or otherwise unusable is not one)?"""
    try:
        return path.is_dir()
    except OSError:
        return False


def _is_file(path: Path) -> bool:
    """Is it a file (a name too long or otherwise unusable is not one)?"""
    try:
        return path.is_file()
    except OSError:
        return False


def _depth(value: Any) -> int:
    """How deep tables and arrays nest (walked with a stack: a deep value cannot overflow it)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def resolve_settings(
    rootpath: Path,
    tool: Mapping[str, Any],
    options: Mapping[str, Any] | None = None,
    ini: Mapping[str, Any] | None = None,
    *,
    cwd: Path | None = None,
) -> Settings:
    """Build the run's settings; raise :class:`ConfigError` naming the bad key or option and the fix.

    ``tool``: the ``[tool.imgsafe]`` table; ``options``: the command line's values by option name
    (``"--imgsafe-record-mode"``; missing ones take their defaults); ``ini``: the ini keys' values by
    name (``"imgsafe_record_mode"``); ``cwd``: what relative option paths are relative to (default:
    the current folder). Values the command line already checked are checked again here, with the
    same words, for callers that do not come through pytest's parser.
    """
    cli = _known(options or {}, opt.OPTIONS, "option")
    ini = _known(ini or {}, opt.INI_KEYS, "ini key")
    for key in tool:
        if key not in TOOL_KEYS:
            raise ConfigError(
                f"[tool.imgsafe] has an unknown key {excerpt(key)}{did_you_mean(key, TOOL_KEYS)}; "
                f"known keys: {', '.join(TOOL_KEYS)}"
            )
    corpora = tool.get("corpora", ["corpora"])
    if isinstance(corpora, str):
        corpora = [corpora]
    if not isinstance(corpora, list) or not all(isinstance(c, str) and c for c in corpora):
        raise ConfigError('[tool.imgsafe] corpora must be a list of paths or globs, e.g. corpora = ["corpora"]')
    cassettes = tool.get("cassettes", "cassettes")
    if not isinstance(cassettes, str) or not cassettes:
        raise ConfigError('[tool.imgsafe] cassettes must be a folder path, e.g. cassettes = "cassettes"')
    files_root = rootpath
    if "image_root" in tool:
        image_root = tool["image_root"]
        if not isinstance(image_root, str) or not image_root:
            raise ConfigError(
                '[tool.imgsafe] image_root must be a folder path relative to the rootdir, e.g. image_root = "corpora"'
            )
        files_root = (rootpath / image_root).resolve()
        if not _is_dir(files_root):
            raise ConfigError(
                f"[tool.imgsafe] image_root = {excerpt(image_root)} is not a folder (paths are relative to the rootdir)"
            )
    store_images = tool.get("store_images", False)
    if not isinstance(store_images, bool):
        raise ConfigError("[tool.imgsafe] store_images is true or false")
    tables = _paths(tool, "term_tables", "terms/brands.yaml", rootpath)
    rewrite_tables = _paths(tool, "rewrite_tables", "rewrite/brands.yaml", rootpath)
    rules = parse_rules(tool.get("answers"), "pyproject.toml")
    targets = _targets(tool.get("targets"), rules)
    describer = None
    if "describer" in tool:
        raw = tool["describer"]
        if isinstance(raw, dict) and "kind" not in raw:
            raw = {**raw, "kind": "chat"}
        describer = _with_rules(_target("describer", raw, where="[tool.imgsafe.describer]", kinds=("chat",)), rules)

    # precedence: command line > ini > default
    cli_mode, ini_mode = (
        _record_mode(cli.get(opt.OPT_RECORD_MODE), opt.OPT_RECORD_MODE),
        _record_mode(ini.get(opt.INI_RECORD_MODE), opt.INI_RECORD_MODE),
    )
    record_mode = cli_mode or ini_mode or "none"
    cli_targets, ini_targets = _names(cli, opt.OPT_TARGET), _names(ini, opt.INI_TARGETS)
    source, chosen = (opt.OPT_TARGET, cli_targets) if cli_targets else (opt.INI_TARGETS, ini_targets)
    for name in chosen:
        if name not in targets:
            raise ConfigError(
                f"{source} {excerpt(name)} is not a configured target{did_you_mean(name, tuple(targets))}; "
                f"configured targets: {', '.join(targets)}"
            )
    live = _flag(cli, opt.OPT_LIVE)
    if live and record_mode != "none":
        raise ConfigError(
            "--imgsafe-live ignores cassettes, so it does not combine with --imgsafe-record-mode; drop one of them"
        )
    run_options = _run_options(cli, Path.cwd() if cwd is None else cwd)
    if run_options.shard is not None:
        targets, budget = shard_share(targets, run_options.budget_usd, run_options.shard)
        run_options = dataclasses.replace(run_options, budget_usd=budget)
    return Settings(
        rootpath=rootpath,
        corpora=tuple(corpora),
        cassettes=_real_folder(rootpath, cassettes, targets),
        targets=targets,
        selected=tuple(dict.fromkeys(chosen)),
        record_mode=record_mode,
        live=live,
        store_images=store_images,
        files_root=files_root,
        term_tables=tables,
        rewrite_tables=rewrite_tables,
        describer=describer,
        account=_account(tool),
        options=run_options,
    )


def _known(values: Mapping[str, Any], names: tuple[str, ...], what: str) -> Mapping[str, Any]:
    for name in values:
        if name not in names:
            raise ConfigError(
                f"{excerpt(name)} is not a pytest-imgsafe {what}{did_you_mean(name, names)}; known: {', '.join(names)}"
            )
    return values


def _record_mode(value: Any, source: str) -> str | None:
    if value is None or value == "":
        return None
    if value not in opt.RECORD_MODES:
        separator = " " if source.startswith("--") else " = "
        raise ConfigError(
            f"{source}{separator}{excerpt(value)} is not a record mode{did_you_mean(value, opt.RECORD_MODES)}; "
            f"use one of: {', '.join(opt.RECORD_MODES)}"
        )
    return str(value)


def _names(values: Mapping[str, Any], source: str) -> list[str]:
    value = values.get(source) or []
    if isinstance(value, str) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{source} takes target names, one per use (got {excerpt(value)})")
    return list(value)


def _flag(values: Mapping[str, Any], source: str) -> bool:
    value = values.get(source, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{source} is a flag (true or false), not {excerpt(value)}")
    return value


def _checked(values: Mapping[str, Any], source: str, parse: Any) -> Any:
    """The option's value through its command-line type: the same check, in the same words."""
    value = values.get(source)
    if value is None:
        return None
    try:
        return parse(str(value))
    except argparse.ArgumentTypeError as err:
        raise ConfigError(f"{source} {err}") from None


def _path(values: Mapping[str, Any], source: str, cwd: Path) -> Path | None:
    value = values.get(source)
    if value is None or value == "":
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise ConfigError(f"{source} takes a path, not {excerpt(value)}")
    return (cwd / value).resolve()


def _finite(value: Any) -> bool:
    """A number TOML can write that is a number to compute with: not a Boolean, nan or inf (a
    budget compared with nan never stops, a timeout of inf overflows the clock)."""
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _report(values: Mapping[str, Any], cwd: Path) -> Path | None:
    """--imgsafe-report, checked before the run: a report replaces only a report (its JSON, its
    Markdown and its page), so a path that names a cassette, a corpus, a link or a device is
    refused now, not after the tests ran."""
    value = values.get(opt.OPT_REPORT)
    if value is None:
        return None
    if value == "":  # an empty value (a CI variable that was not set) would write no report without a word
        raise ConfigError(f"{opt.OPT_REPORT} takes a path (e.g. {opt.OPT_REPORT}=reports/run.json), not nothing")
    if not isinstance(value, (str, os.PathLike)):
        raise ConfigError(f"{opt.OPT_REPORT} takes a path, not {excerpt(value)}")
    named = cwd / value
    resolved = named.resolve() if not named.is_symlink() else named
    refused = refused_outputs(report_files(resolved))
    if refused:
        raise ConfigError(f"{opt.OPT_REPORT} {refused}; name a new file (or a report an earlier run wrote)")
    return resolved


def _run_options(cli: Mapping[str, Any], cwd: Path) -> RunOptions:
    rerun = cli.get(opt.OPT_RERUN_ERRORS)
    if rerun is not None and not (hasattr(rerun, "path") and hasattr(rerun, "errors")):
        raise ConfigError(
            f"{opt.OPT_RERUN_ERRORS} takes a report read by nightly.parse_rerun_report, not {excerpt(rerun)}"
        )
    explain_budget = _checked(cli, opt.OPT_EXPLAIN_BUDGET, opt.parse_count)
    sample = _checked(cli, opt.OPT_SAMPLE, opt.parse_sample)
    rotate = _checked(cli, opt.OPT_ROTATE, opt.parse_days)
    seed = _checked(cli, opt.OPT_SAMPLE_SEED, opt.parse_seed)
    if seed is not None and sample is None and rotate is None:
        raise ConfigError(f"{opt.OPT_SAMPLE_SEED} draws a sample: give it with --imgsafe-sample or --imgsafe-rotate")
    return RunOptions(
        seed=_checked(cli, opt.OPT_SEED, opt.parse_seed),
        save_failures=_path(cli, opt.OPT_SAVE_FAILURES, cwd),
        report=_report(cli, cwd),
        history_dir=_path(cli, opt.OPT_HISTORY, cwd),
        budget_usd=_checked(cli, opt.OPT_BUDGET, opt.parse_usd),
        max_blocks=_checked(cli, opt.OPT_MAX_BLOCKS, opt.parse_count),
        explain_budget=(opt.EXPLAIN_BUDGET_DEFAULT if explain_budget is None else explain_budget)
        if _flag(cli, opt.OPT_EXPLAIN)
        else None,
        appeal_dir=_path(cli, opt.OPT_APPEAL, cwd),
        max_error_rate=_checked(cli, opt.OPT_MAX_ERROR_RATE, opt.parse_error_rate),
        rerun_errors=rerun,
        block_network=_flag(cli, opt.OPT_BLOCK_NETWORK),
        shard=_checked(cli, opt.OPT_SHARD, opt.parse_shard),
        sample=sample,
        rotate=rotate,
        sample_seed=(seed if seed is not None else tonight()) if sample is not None or rotate is not None else None,
    )


def _account(tool: Mapping[str, Any]) -> str | None:
    value = tool.get("account")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            '[tool.imgsafe] account is a label for appeal files, e.g. account = "acme-prod (org-…)"; never a key'
        )
    if re.match(r"^(sk-|sess-|[A-Za-z0-9]{32,}$)", value.strip()):
        raise ConfigError(
            "[tool.imgsafe] account looks like a key: put a label there (the organization name or id), never a key"
        )
    return value.strip()


def _paths(tool: Mapping[str, Any], key: str, example: str, rootpath: Path) -> tuple[Path, ...]:
    value = tool.get(key, [])
    if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
        raise ConfigError(f'[tool.imgsafe] {key} must be a list of YAML paths, e.g. {key} = ["{example}"]')
    paths = tuple(rootpath / t for t in value)
    for path in paths:
        if not _is_file(path):
            raise ConfigError(
                f"[tool.imgsafe] {key} names {clip(str(path))}, which is not a file (paths are relative to the rootdir)"
            )
    return paths


def _targets(raw: Any, rules: tuple[AnswerRule, ...] = ()) -> dict[str, Target]:
    if raw is None:
        targets = dict(DEFAULT_TARGETS)
    else:
        if not isinstance(raw, dict) or not raw:
            raise ConfigError(
                "[tool.imgsafe.targets] must hold one table per target, e.g. [tool.imgsafe.targets.gpt-image-2]"
            )
        for name in raw:
            # a target's name is a folder under cassettes/: it must never climb out of it
            if not isinstance(name, str) or not _TARGET_NAME.fullmatch(name) or len(name) > MAX_TARGET_NAME:
                raise ConfigError(
                    f"[tool.imgsafe.targets] {excerpt(name)} is not a valid target name: use {TARGET_NAME_RULE}"
                )
        targets = {str(name): _target(str(name), table) for name, table in raw.items()}
        _check_links(targets)
    for rule in rules:
        for name in rule.targets:
            if name not in targets:
                raise ConfigError(
                    f"pyproject.toml: [[tool.imgsafe.answers]] rule {rule.number} names target {excerpt(name)}, "
                    "which is "
                    f"not a configured target{did_you_mean(name, tuple(targets))}; configured: {', '.join(targets)}"
                )
    if rules:
        targets = {name: _with_rules(target, rules) for name, target in targets.items()}
    return targets


def _with_rules(target: Target, rules: tuple[AnswerRule, ...]) -> Target:
    """The target, reading its answers with the rules that apply to it first."""
    mine = tuple(rule for rule in rules if rule.applies_to(target.name))
    return dataclasses.replace(target, answer_rules=mine) if mine else target


def _target(name: str, table: Any, where: str = "", kinds: tuple[str, ...] | None = None) -> Target:
    """One target table, checked: the common keys here, the kind's own keys and params by its kind."""
    where = where or f"[tool.imgsafe.targets.{name}]"
    kinds = target_kinds() if kinds is None else kinds
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table with at least kind and model")
    keys = target_keys()
    for key in table:
        if key not in keys:
            raise ConfigError(
                f"{where} has an unknown key {excerpt(key)}{did_you_mean(key, keys)}; known keys: {', '.join(keys)}"
            )
    kind_name = table.get("kind")
    if kind_name not in kinds:
        raise ConfigError(
            f"{where} kind = {excerpt(kind_name)} is not a target kind{did_you_mean(kind_name, kinds)}; "
            f"use one of: {', '.join(kinds)}"
        )
    kind = kind_of(str(kind_name))
    foreign = [k for k in table if k not in COMMON_TARGET_KEYS and k not in kind.keys]
    if foreign:
        takers = kinds_taking(foreign[0])
        raise ConfigError(
            f"{where} sets {', '.join(foreign)}, which only {_and(takers)} targets take"
            if takers
            else f"{where} sets {', '.join(foreign)}, which {kind.name} targets do not take"
        )
    model = table.get("model", kind.default_model)
    if not isinstance(model, str) or not model:
        raise ConfigError(f'{where} needs model = "<model or deployment name>"')
    check_route_table(
        table,
        where,
        (
            "base_url",
            "base_url_env",
            "api_key_env",
            "azure_endpoint",
            "azure_endpoint_env",
            "azure_deployment",
            "api_version",
        ),
    )
    timeout = table.get("timeout")
    if timeout is not None and (not _finite(timeout) or timeout <= 0 or timeout > 86_400):
        raise ConfigError(f"{where} timeout must be a positive number of seconds, at most a day (e.g. timeout = 120)")
    retries = table.get("max_retries", 5)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 20:
        # a billion retries of a failing endpoint is a run that never ends
        raise ConfigError(f"{where} max_retries must be a whole number from 0 to 20")
    rpm = table.get("rpm")
    if rpm is not None and (isinstance(rpm, bool) or not isinstance(rpm, int) or rpm < 1):
        raise ConfigError(f"{where} rpm must be a whole number of requests per minute >= 1 (your tier's limit)")
    pool = parse_pool(where, table.get("pool"))
    if pool and rpm is not None:
        raise ConfigError(f"{where} sets rpm and a pool: give each pool member its rpm (the target's is their sum)")
    concurrency = table.get("concurrency", 4)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 256:
        raise ConfigError(f"{where} concurrency must be a whole number from 1 to 256")
    price = table.get("price")
    if price is not None and (not _finite(price) or price < 0):
        raise ConfigError(f"{where} price must be the USD cost of one billed call, e.g. price = 0.04")
    fields: dict[str, Any] = {
        key: table[key]
        for key in (
            "base_url",
            "base_url_env",
            "azure_endpoint",
            "azure_endpoint_env",
            "azure_deployment",
            "api_version",
        )
        if key in table
    }
    fields.update(kind.check(where, table))
    if "params" in fields:
        fields["params"] = dict(fields["params"])
    return Target(
        name=name,
        kind=kind.name,
        model=model,
        api_key_env=table.get("api_key_env", kind.default_key_env(table)),
        timeout=float(timeout) if timeout is not None else None,
        max_retries=retries,
        rpm=rpm,
        concurrency=concurrency,
        price=float(price) if price is not None else None,
        pool=pool,
        **fields,
    )


def _and(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _check_links(targets: Mapping[str, Target]) -> None:
    """A chain's or gateway's links name image targets that call an endpoint; a gateway's
    pre-check names a target that judges text (moderation or content-safety)."""
    for target in targets.values():
        where = f"[tool.imgsafe.targets.{target.name}]"
        for link in target.links:
            other = targets.get(link)
            if other is None:
                raise ConfigError(
                    f"{where} links names {excerpt(link)}, "
                    f"which is not a configured target{did_you_mean(link, tuple(targets))}"
                )
            linked = kind_of(other.kind)
            if linked.reads != "image" or not linked.calls_endpoint:
                raise ConfigError(
                    f"{where} links names {excerpt(link)}, a {other.kind} target: links are image targets"
                )
        if target.moderation is not None:
            other = targets.get(target.moderation)
            if other is None or kind_of(other.kind).reads not in ("moderation", "content-safety"):
                raise ConfigError(
                    f"{where} moderation = {excerpt(target.moderation)} must "
                    "name a target of kind moderation or content-safety"
                )


def missing_keys(
    settings: Settings, env: Mapping[str, str] | None = None, called: Sequence[str] | None = None
) -> list[str]:
    """Env vars (key, base URL) the targets a run calls (``called``, default: the active ones) need
    for recording or live calls but lack."""
    environ = os.environ if env is None else env
    needed: dict[tuple[str, str], list[str]] = {}  # (variable, what it is) -> the targets that need it
    wanted = settings.active_targets if called is None else called
    names = list(wanted)
    for name in wanted:  # a chain or gateway calls its links and pre-check
        target = settings.targets[name]
        names += [*target.links, *([target.moderation] if target.moderation else [])]
    for name in dict.fromkeys(names):
        pooled = settings.targets[name]
        if not kind_of(pooled.kind).calls_endpoint:
            continue  # local, or made of other targets
        # live, a pool's members make the calls (each its own key and route); recording, the target
        routes = [(f"{name}@{m.name}", pooled.as_member(m)) for m in pooled.pool] if settings.live else []
        for shown, target in routes or [(name, pooled)]:
            if not environ.get(target.api_key_env) and not target.project:
                needed.setdefault((target.api_key_env, "the API key"), []).append(shown)
            if target.base_url_env and not environ.get(target.base_url_env):
                needed.setdefault((target.base_url_env, "the base URL"), []).append(shown)
            if target.azure_endpoint_env and not environ.get(target.azure_endpoint_env):
                needed.setdefault((target.azure_endpoint_env, "the Azure endpoint"), []).append(shown)
    return [
        f"{variable} ({what} of target{'s' if len(targets) > 1 else ''} {', '.join(repr(t) for t in targets)})"
        for (variable, what), targets in needed.items()
    ]


def environment_problem(settings: Settings, env: Mapping[str, str] | None = None) -> str | None:
    """Why a variable the configured targets read holds a value no call can send, or None.

    A base URL (``base_url_env``, ``azure_endpoint_env``, ``OPENAI_BASE_URL`` that the SDK falls
    back to) is checked in every run: a replay builds its requests too. A key is checked when
    the run calls the endpoints (a replay sends none). The answer names the variable and its
    targets, never the value."""
    environ = os.environ if env is None else env
    found: dict[tuple[str, str], list[str]] = {}  # (variable, its problem) -> the targets that read it
    for shown, target in _calling_targets(settings):
        variable = target.base_url_variable(kind_of(target.kind).base_url_fallback)
        value = environ.get(variable) if variable else None
        problem = url_problem(value) if value else None
        if variable and problem:
            found.setdefault((variable, f"(the base URL of target{{s}} {{targets}}) {problem}"), []).append(shown)
        key = environ.get(target.api_key_env) if settings.needs_network else None
        problem = key_problem(key) if key else None
        if problem:
            found.setdefault((target.api_key_env, f"(the API key of target{{s}} {{targets}}) {problem}"), []).append(
                shown
            )
    if not found:
        return None
    (variable, problem), targets = next(iter(found.items()))
    shown_targets = ", ".join(repr(t) for t in dict.fromkeys(targets))
    return (
        f"the environment variable {variable} "
        + problem.format(s="s" if len(set(targets)) > 1 else "", targets=shown_targets)
        + ": set it again without it (its value is not shown: it may hold a key)"
    )


def _calling_targets(settings: Settings) -> list[tuple[str, Target]]:
    """Every configured target that calls an endpoint (the describer too), and each member of
    its pool as that member calls it, with the name shown for it."""
    targets = [*settings.targets.values(), *([settings.describer] if settings.describer else [])]
    found = []
    for target in targets:
        if not kind_of(target.kind).calls_endpoint:
            continue
        found.append((target.name, target))
        found += [(f"{target.name}@{m.name}", target.as_member(m)) for m in target.pool]
    return found


def missing_describer_keys(settings: Settings, env: Mapping[str, str] | None = None) -> list[str]:
    """Env vars the describer needs to be called, if one is configured."""
    environ = os.environ if env is None else env
    target = settings.describer
    if target is None:
        return []
    needs = [
        (target.api_key_env, "API key"),
        (target.base_url_env, "base URL"),
        (target.azure_endpoint_env, "Azure endpoint"),
    ]
    return [f"{var} (the {what} of the describer)" for var, what in needs if var and not environ.get(var)]


def _lexically_under(path: Path, root: Path) -> bool:
    """Is ``path`` written under ``root`` (links not followed)?"""
    return root == path or root in path.parents


def is_glob(entry: str) -> bool:
    """Is a ``corpora`` entry a glob pattern (matched inside the rootdir) rather than a path?"""
    return any(ch in entry for ch in "*?[")


def scrubber_for(settings: Settings, env: Mapping[str, str]) -> Scrubber:
    """The run's scrubber: the values of every key variable and every secret in a base URL that
    the configuration names (targets and describer), so none of them is ever written or printed."""
    targets = [*settings.targets.values(), *([settings.describer] if settings.describer else [])]
    keys = [env.get(t.api_key_env) for t in targets] + [env.get(name) for name in DEFAULT_KEY_VARIABLES]
    urls = [t.resolve_base_url(env) for t in targets]
    return Scrubber.from_config(keys, urls)


DEFAULT_KEY_VARIABLES: tuple[str, ...] = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")
"""Key variables the SDKs read by themselves: scrubbed even when no target names them."""
