"""Corpus YAML -> validated cases and fuzz specs, keeping ``file:line`` for every error.

One place loads a corpus. Every problem in a file is collected (not just the first), each with
its line and what to write instead, and raised together as :class:`CorpusError`. The allowed
keys come from the JSON Schema shipped in ``schema/corpus.schema.json``, so the schema an editor
uses and this validator cannot disagree about them.

Pure: no pytest here.
"""

from __future__ import annotations

import gc
import json
import re
import string
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..base.files import bundled_text
from ..base.strategies import STRATEGY_ORDER
from ..base.terms import ALL_SCENARIOS, SCENARIOS
from ..base.text import did_you_mean, excerpt
from ..base.yaml_bounds import BoundedLoader, YamlLimitError, repeated_key

STRATEGY_NAMES: tuple[str, ...] = STRATEGY_ORDER
"""The six rewriting strategies of the domain notes, by the names fuzz specs use."""

MAX_ID_LENGTH = 100
"""Case and fuzz ids name cassette files (``<id>.json``, ``<id>@<link>.json``, ``<id>@explain.json``):
this keeps every such name well inside the 255 bytes a file system allows."""
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_KEY_LIKE = re.compile(r"(?:^|[._-])(?:sk|rk|pk|sess|key)-[A-Za-z0-9_-]{16,}|[A-Za-z0-9]{32,}|AIza[0-9A-Za-z_-]{20,}")
"""What an API key looks like in an id: a provider's key prefix and a long tail (``sk-proj-...``,
Google's ``AIza...``), or a run of 32 letters and digits with no separator (a hex or base62 key)."""
"""Matched whole (``fullmatch``): ``$`` would let an id end in a line break, into file names and node ids."""
ID_RULE = f"letters, digits, '-', '_' and '.', starting with a letter or digit, at most {MAX_ID_LENGTH} characters"
_OUTCOME = re.compile(r"(pass|block|block:input|block:output)(?:@([A-Za-z0-9_.-]+))?")
OUTCOME_WORDS = "pass, block, block:input or block:output"


@dataclass(frozen=True)
class Expectation:
    """What a case expects from one target."""

    verdict: str
    stage: str | None = None
    link: str | None = None

    @classmethod
    def parse(cls, text: str) -> Expectation:
        """``pass``, ``block``, ``block:input``, ``block:output``, optionally ``@LINK``."""
        m = _OUTCOME.fullmatch(text)
        if not m:
            raise ValueError(text)
        verdict, _, stage = m.group(1).partition(":")
        return cls(verdict, stage or None, m.group(2))

    def matches(self, verdict: str, stage: str | None, link: str | None = None) -> bool:
        """Does an actual (verdict, stage, link) satisfy this expectation?"""
        if verdict != self.verdict:
            return False
        if self.stage is not None and stage != self.stage:
            return False
        return self.link is None or link == self.link

    @property
    def refused(self) -> bool:
        """A fuzz spec's ``rewritten: refused`` (compared by value: corpora come back from the
        parse cache as copies, so no identity test may decide anything)."""
        return self.verdict == "refused"

    def __str__(self) -> str:
        text = f"{self.verdict}:{self.stage}" if self.stage else self.verdict
        return f"{text}@{self.link}" if self.link else text


_RATE = re.compile(r"\s*(<=|>=|<|>|==)\s*(0(?:\.\d+)?|1(?:\.0*)?)\s*")


@dataclass(frozen=True)
class RateExpectation:
    """``block_rate: "<=0.2"``: the expected share of blocked answers over a case's repeats."""

    op: str
    value: float

    @classmethod
    def parse(cls, text: str) -> RateExpectation:
        m = _RATE.fullmatch(text)
        if not m:
            raise ValueError(text)
        return cls(m.group(1), float(m.group(2)))

    def holds(self, rate: float) -> bool:
        """Does a rate satisfy it?"""
        return {
            "<=": rate <= self.value,
            ">=": rate >= self.value,
            "<": rate < self.value,
            ">": rate > self.value,
            "==": abs(rate - self.value) < 1e-9,
        }[self.op]

    def __str__(self) -> str:
        return f"{self.op}{self.value:g}"


REFUSED = Expectation("refused")
"""A fuzz spec's ``rewritten: refused``: the strategies must refuse the prompt, nothing is sent."""


@dataclass(frozen=True)
class Case:
    """One prompt of a corpus, with what it expects from each target."""

    id: str
    prompt: str
    path: Path
    line: int
    targets: tuple[str, ...]
    expect: Mapping[str, Expectation]
    scenario: str | None = None
    rewrite_of: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    images: tuple[Path, ...] = ()
    mask: Path | None = None
    reason: str | None = None
    xfail: str | None = None
    skip: str | None = None
    repeat: int = 1
    """How many times the prompt is sent (output-stage filtering depends on the generated image)."""
    block_rate: Mapping[str, RateExpectation] = field(default_factory=dict)
    """Per target: the block rate expected over the repeats, instead of ``expect``."""


@dataclass(frozen=True)
class FuzzSpec:
    """A ``fuzz:`` entry: validated here, run by the fuzz items."""

    id: str
    template: str
    path: Path
    line: int
    targets: tuple[str, ...]
    expect: Mapping[str, Mapping[str, Expectation]]
    slots: Mapping[str, tuple[str, ...] | str] = field(default_factory=dict)
    strategy: str | None = None
    scenario: str | None = None
    max_examples: int = 25
    variations: bool = False
    reason: str | None = None
    images: tuple[Path, ...] = ()
    """For images.edit targets: the image(s) every drawn prompt edits."""


@dataclass(frozen=True)
class Corpus:
    """A loaded corpus file."""

    path: Path
    cases: tuple[Case, ...]
    fuzz: tuple[FuzzSpec, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a corpus file."""

    line: int
    message: str


class CorpusError(Exception):
    """A corpus file with problems; ``str()`` is the whole story, one ``file:line`` per problem."""

    def __init__(self, path: Path, problems: Sequence[Problem]) -> None:
        self.path = path
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__(self.render())

    def render(self, shown: str | None = None) -> str:
        """The message, naming the file as ``shown`` (default: the path as given)."""
        name = shown or str(self.path)
        count = len(self.problems)
        head = f"{name}: {count} problem{'s' if count != 1 else ''} in this corpus file"
        return "\n".join([head, *(f"  {name}:{p.line}: {p.message}" for p in self.problems)])


# --- the line-aware loader ---------------------------------------------------------------


class _Node(dict[Any, Any]):
    """A mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    lines: dict[Any, int]


class _LineLoader(BoundedLoader):
    """The bounded loader, keeping lines; repeated keys are reported with the file's other problems."""

    allow_duplicates = True


def _construct_map(loader: Any, node: Any) -> Iterator[_Node]:
    data = _Node()
    data.line = node.start_mark.line + 1
    lines: dict[Any, int] = {}
    data.lines = lines
    yield data
    construct = loader.construct_object
    for key_node, value_node in node.value:
        key = construct(key_node, deep=False)
        if not isinstance(key, (str, int, float, bool)):
            key = excerpt(key)
        data[key] = construct(value_node, deep=False)
        lines.setdefault(key, key_node.start_mark.line + 1)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


class _Seq(list[Any]):
    """A list that remembers the line of each item (1-based): an item that is not a mapping has
    no line of its own to be reported at."""

    item_lines: list[int]


def _construct_seq(loader: Any, node: Any) -> Iterator[_Seq]:
    data = _Seq()
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_object(item, deep=False) for item in node.value)


_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _item_line(items: list[Any], index: int, fallback: int) -> int:
    """The line of ``items[index]`` as the file writes it (``fallback`` for a list without lines)."""
    lines = getattr(items, "item_lines", None)
    return lines[index] if lines is not None and index < len(lines) else fallback


def parse_yaml(text: str) -> Any:
    """Parse YAML whose mappings remember their lines; raises ``yaml.YAMLError``."""
    return parse_yaml_keys(text)[0]


def parse_yaml_keys(text: str) -> tuple[Any, list[tuple[int, str, int]]]:
    """:func:`parse_yaml`, and the keys repeated at any level as ``(line, key, first_line)``.

    The loader is :class:`~pytest_imgsafe.base.yaml_bounds.BoundedLoader`: depth, what aliases
    add, merge keys and self-containing aliases are refused (``YamlLimitError``) before any value is built.
    """
    loader = _LineLoader(text)
    try:
        with _gc_paused():
            data = loader.get_single_data()
        return data, loader.duplicates
    finally:
        loader.dispose()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cycle collector while a file's tree is built.

    The tree is acyclic (reference counting frees it), but while it is being built its
    thousands of tracked mappings survive the young collections, are promoted, and trigger
    full collections over every item collected so far: at 100,000 cases that was a third of
    collection time. The collector is restored on exit, whatever happens.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- the schema's key sets ----------------------------------------------------------------


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The corpus JSON Schema shipped with the package."""
    text = bundled_text("schema", "corpus.schema.json")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=8)
def allowed_keys(section: str) -> tuple[str, ...]:
    """Keys the schema allows in ``top``, ``defaults``, ``case`` or ``fuzz``."""
    data = schema()
    props = data["properties"] if section == "top" else data["$defs"][section]["properties"]
    return tuple(props)


@lru_cache(maxsize=8)
def _allowed_set(section: str) -> frozenset[str]:
    return frozenset(allowed_keys(section))


@lru_cache(maxsize=256)
def _parse_outcome(text: str) -> Expectation:
    return Expectation.parse(text)


# --- validation ---------------------------------------------------------------------------


class _Checker:
    def __init__(
        self, path: Path, targets: Mapping[str, str], default_targets: Sequence[str], files_root: Path | None = None
    ) -> None:
        self.path = path
        self.files_root = files_root.resolve() if files_root is not None else None
        self.targets = targets
        self.default_targets = tuple(default_targets)
        self.problems: list[Problem] = []
        self.shared_expect: dict[tuple[Expectation, tuple[str, ...]], dict[str, Expectation]] = {}

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(line, message))

    def keys(self, node: _Node, section: str, what: str) -> None:
        allowed = allowed_keys(section)
        if _allowed_set(section).issuperset(node):
            return
        for key in node:
            if key not in allowed:
                self.add(
                    node.lines.get(key, node.line),
                    f"unknown key {excerpt(key)} in {what}{did_you_mean(key, allowed)}; "
                    f"allowed keys: {', '.join(allowed)}",
                )

    def scenario(self, node: _Node, key: str, what: str) -> str | None:
        value = node.get(key)
        if value is None:
            return None
        if value not in ALL_SCENARIOS:
            self.add(
                node.lines[key],
                f"unknown scenario {excerpt(value)} in {what}{did_you_mean(value, ALL_SCENARIOS)}; "
                f"scenarios: {', '.join(ALL_SCENARIOS)}",
            )
            return None
        return str(value)

    def target_list(self, node: _Node, key: str, what: str) -> tuple[str, ...] | None:
        if key not in node:
            return None
        value = node[key]
        line = node.lines[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.add(line, f"{key} in {what} must be a list of target names, e.g. [gpt-image-2, moderation]")
            return None
        known = tuple(self.targets)
        good: list[str] = []
        for name in value:
            if name not in self.targets:
                self.add(
                    line,
                    f"unknown target {excerpt(name)} in {what}{did_you_mean(name, known)}; "
                    f"configured targets: {', '.join(known)}",
                )
            else:
                good.append(name)
        return tuple(dict.fromkeys(good))

    def outcome(self, value: Any, line: int, what: str) -> Expectation | None:
        if isinstance(value, bool):
            self.add(
                line,
                f"{what}: YAML read {excerpt(value)} as a boolean; write one of {OUTCOME_WORDS} (quote it if needed)",
            )
            return None
        if not isinstance(value, str):
            self.add(line, f"{what}: {excerpt(value)} is not an outcome; write one of {OUTCOME_WORDS}")
            return None
        try:
            return _parse_outcome(value.strip())
        except ValueError:
            words = ("pass", "block", "block:input", "block:output")
            self.add(
                line, f"{what}: bad outcome {excerpt(value)}{did_you_mean(value, words)}; write one of {OUTCOME_WORDS}"
            )
            return None

    def expect(self, value: Any, line: int, targets: tuple[str, ...], what: str) -> dict[str, Expectation]:
        if isinstance(value, dict):
            result: dict[str, Expectation] = {}
            lines = getattr(value, "lines", {})
            for name, outcome in value.items():
                at = lines.get(name, line)
                if name not in targets:
                    hint = did_you_mean(name, targets)
                    self.add(
                        at,
                        f"expect names target {excerpt(name)}, which {what} does not run{hint}; "
                        f"its targets: {', '.join(targets)} (set targets: to change them)",
                    )
                    continue
                parsed = self.outcome(outcome, at, f"expect for {excerpt(name)}")
                if parsed is not None:
                    result[name] = parsed
            missing = [t for t in targets if t not in value]
            if missing:
                self.add(
                    line,
                    f"{what} has no expectation for target(s) {', '.join(missing)}: "
                    "add them under expect, or set targets: to the ones you mean",
                )
            return result
        parsed = self.outcome(value, line, f"expect of {what}")
        if parsed is None:
            return {}
        # Most cases share one expectation over the same targets: share the (never mutated) dict.
        shared = self.shared_expect.get((parsed, targets))
        if shared is None:
            shared = self.shared_expect[(parsed, targets)] = {t: parsed for t in targets}
        return shared

    def params(self, node: _Node, key: str, what: str) -> dict[str, Any]:
        value = node.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, (str, int, float, bool)) for v in value.values()):
            self.add(
                node.lines[key],
                f"{key} in {what} must be a mapping of simple values, e.g. {{size: 1024x1024, quality: low}}",
            )
            return {}
        return dict(value)

    def file_path(self, value: Any, line: int, key: str, what: str) -> Path | None:
        if not isinstance(value, str) or not value.strip():
            self.add(line, f"{key} in {what} must be a file path relative to this YAML file")
            return None
        try:
            resolved = (self.path.parent / value).resolve()
        except (OSError, RuntimeError) as err:  # a loop of links, a name too long: nothing to read
            reason = f"{err.strerror}" if isinstance(err, OSError) and err.strerror else "it is a loop of links"
            self.add(line, f"{key} file {excerpt(value)} of {what} cannot be read: {reason}; restore it")
            return None
        root = self.files_root
        if root is not None and resolved != root and root not in resolved.parents:
            # Checked before the file is touched: a corpus must not make the run read (and, in
            # record mode, upload) a file outside the project, by a '..' path or a link.
            self.add(
                line,
                f"{key} file {excerpt(value)} of {what} is outside {root}, the folder image and mask files "
                "must be in (the rootdir, or image_root in [tool.imgsafe]); move the file into it",
            )
            return None
        try:
            found = resolved.is_file()
        except OSError as err:  # a name longer than the system allows is looked at, and refused, here
            self.add(line, f"{key} file {excerpt(value)} of {what} cannot be read: {err.strerror}; restore it")
            return None
        if not found:
            self.add(
                line,
                f"{key} file {excerpt(value)} of {what} does not exist (looked for {resolved}); "
                "paths are relative to this YAML file",
            )
            return None
        return resolved

    def reason_flag(self, node: _Node, key: str, what: str) -> str | None:
        if key not in node:
            return None
        value = node[key]
        if value is True:
            return f"marked {key} in the corpus"
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.add(node.lines[key], f"{key} in {what} takes a reason (a string) or true")
        return None


def load_corpus(
    path: Path,
    targets: Mapping[str, str],
    default_targets: Sequence[str] | None = None,
    text: str | None = None,
    files_root: Path | None = None,
) -> Corpus:
    """Load and validate one corpus file.

    ``targets`` maps each configured target name to its kind; ``default_targets`` are the ones a
    case runs when neither it nor ``defaults`` names any (default: all of them). ``image:`` and
    ``mask:`` files must lie inside ``files_root`` (when given).
    """
    check = _Checker(path, targets, list(targets) if default_targets is None else default_targets, files_root)
    if text is None:
        text = decode_corpus(path, read_corpus_bytes(path))
    try:
        data, repeated = parse_yaml_keys(text)
    except YamlLimitError as err:
        raise CorpusError(path, [Problem(err.line, err.message)]) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = err.problem or str(err)
        context = ""
        if err.context:
            started = err.context_mark.line + 1 if err.context_mark is not None else line
            context = f" ({err.context} that starts at line {started})" if started != line else f" ({err.context})"
        raise CorpusError(
            path,
            [
                Problem(
                    line,
                    f"YAML syntax error: {what}{context}; check the indentation and quoting on "
                    "this line (quote text that contains ': ' or starts with a special character)",
                )
            ],
        ) from None
    except yaml.YAMLError as err:
        raise CorpusError(path, [Problem(1, f"YAML error: {excerpt(str(err), 200)}")]) from None
    if not isinstance(data, _Node):
        raise CorpusError(
            path,
            [
                Problem(
                    1,
                    "a corpus file is a mapping with 'cases:' (a list of cases) and optionally 'defaults:' and 'fuzz:'",
                )
            ],
        )
    for line, key, first in repeated:
        check.add(line, repeated_key(key, first))
    check.keys(data, "top", "the corpus file")
    if "cases" not in data and "fuzz" not in data:
        check.add(data.line, "no 'cases:' and no 'fuzz:' in this file: add a list of cases under 'cases:'")

    defaults = data.get("defaults")
    d_targets: tuple[str, ...] | None = None
    d_scenario: str | None = None
    d_params: dict[str, Any] = {}
    d_expect: tuple[Any, int] | None = None
    if defaults is not None:
        if not isinstance(defaults, _Node):
            check.add(data.lines["defaults"], "defaults must be a mapping (scenario, targets, expect, params)")
        else:
            check.keys(defaults, "defaults", "defaults")
            d_scenario = check.scenario(defaults, "scenario", "defaults")
            d_targets = check.target_list(defaults, "targets", "defaults")
            d_params = check.params(defaults, "params", "defaults")
            if "expect" in defaults:
                d_expect = (defaults["expect"], defaults.lines["expect"])

    seen: dict[str, int] = {}
    cases = _cases(check, data, seen, d_targets, d_scenario, d_params, d_expect)
    fuzz = _fuzz(check, data, seen, d_targets, d_scenario)
    ids = {c.id for c in cases}
    for case in cases:
        if case.rewrite_of is not None and case.rewrite_of not in ids:
            check.add(
                case.line,
                f"rewrite_of {excerpt(case.rewrite_of)} names no case in this file"
                f"{did_you_mean(case.rewrite_of, tuple(ids))}",
            )
    if check.problems:
        raise CorpusError(path, check.problems)
    return Corpus(path, tuple(cases), tuple(fuzz))


MAX_CORPUS_BYTES = 64 * 1024 * 1024
"""A corpus file larger than this is refused before it is read (a corpus is text written by
people; a file this size is a mistake, and parsing it would take the run's memory)."""


def read_corpus_bytes(path: Path) -> bytes:
    """A corpus file's bytes, or a :class:`CorpusError` that says why they cannot be had."""
    try:
        size = path.stat().st_size
        if size > MAX_CORPUS_BYTES:
            raise CorpusError(
                path,
                [
                    Problem(
                        1,
                        f"the file is {size / 2**20:.0f} MiB; "
                        f"corpus files are limited to {MAX_CORPUS_BYTES // 2**20} MiB: split it into several files",
                    )
                ],
            )
        return path.read_bytes()
    except OSError as err:
        raise CorpusError(path, [Problem(1, f"cannot read the file: {err.strerror or err}")]) from None


def decode_corpus(path: Path, data: bytes) -> str:
    """UTF-8 text of a corpus file, or a :class:`CorpusError` naming the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise CorpusError(
            path,
            [
                Problem(
                    line,
                    f"the file is not UTF-8 text (byte 0x{data[err.start]:02x} "
                    f"at offset {err.start}): save it as UTF-8",
                )
            ],
        ) from None


def ids_in_file(path: Path) -> list[tuple[str, int]]:
    """The ids a corpus file defines, with their lines, read without validating the rest (a file
    with other problems still owns its ids); none for a file that cannot be parsed at all."""
    try:
        data, _ = parse_yaml_keys(decode_corpus(path, read_corpus_bytes(path)))
    except (CorpusError, yaml.YAMLError):
        return []
    if not isinstance(data, _Node):
        return []
    found: list[tuple[str, int]] = []
    for section in ("cases", "fuzz"):
        entries = data.get(section)
        for node in entries if isinstance(entries, list) else []:
            if isinstance(node, _Node) and isinstance(node.get("id"), str):
                found.append((node["id"], node.lines.get("id", node.line)))
    return found


def _cases(
    check: _Checker,
    data: _Node,
    seen: dict[str, int],
    d_targets: tuple[str, ...] | None,
    d_scenario: str | None,
    d_params: dict[str, Any],
    d_expect: tuple[Any, int] | None,
) -> list[Case]:
    raw = data.get("cases")
    if raw is None or raw == []:
        if "cases" in data and not data.get("fuzz"):
            # 'cases:' with nothing under it (often a case list indented too little) makes no
            # item: the file would be collected as nothing, without a word
            check.add(data.lines["cases"], "'cases:' holds no case: add one ('- id: ...'), or remove the file")
        return []
    if not isinstance(raw, list):
        check.add(data.lines["cases"], "cases must be a list: start each case with '- id: ...'")
        return []
    cases: list[Case] = []
    for index, node in enumerate(raw):
        if not isinstance(node, _Node):
            check.add(
                _item_line(raw, index, data.lines["cases"] + index),
                f"case #{index + 1} is not a mapping: write '- id: ...' then 'prompt: ...' indented under it",
            )
            continue
        what = f"case {excerpt(node.get('id'))}" if isinstance(node.get("id"), str) else f"case #{index + 1}"
        check.keys(node, "case", what)
        case_id = _check_id(check, node, seen, what)
        prompt = node.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            line = node.lines.get("prompt", node.line)
            check.add(
                line,
                f"{what} has no prompt: add 'prompt: <the text to send>'"
                if "prompt" not in node
                else f"the prompt of {what} must be non-empty text",
            )
        scenario = check.scenario(node, "scenario", what) or d_scenario
        targets = check.target_list(node, "targets", what) or d_targets or check.default_targets
        expect_value, expect_line = (
            (node["expect"], node.lines["expect"]) if "expect" in node else (d_expect or (None, node.line))
        )
        repeat = _repeat(check, node, what)
        rates = _rates(check, node, targets, what)
        if rates:
            if "expect" in node:
                check.add(
                    node.lines["expect"],
                    f"{what} sets both expect and block_rate: "
                    "keep expect for one-shot cases, block_rate (with repeat) for rates",
                )
            expect_value = None
            expect: dict[str, Expectation] = {}
            if repeat < 2:
                check.add(
                    node.lines["block_rate"],
                    f"{what} expects a block_rate from a single call: "
                    "add 'repeat: N' (N >= 2; 20 or more gives a useful interval)",
                )
        elif expect_value is None:
            check.add(
                node.line,
                f"{what} has no expectation: add 'expect: pass' (or block, "
                "block:input, block:output), or one per target",
            )
            expect = {}
        else:
            expect = check.expect(expect_value, expect_line, targets, what)
        own_params = check.params(node, "params", what)
        params = {**d_params, **own_params} if own_params else d_params  # shared, never mutated
        images: tuple[Path, ...] = ()
        if "image" in node:
            value = node["image"]
            values = value if isinstance(value, list) else [value]
            found = [check.file_path(v, node.lines["image"], "image", what) for v in values]
            images = tuple(p for p in found if p is not None)
        mask = check.file_path(node["mask"], node.lines["mask"], "mask", what) if "mask" in node else None
        if mask is not None and "image" not in node:
            check.add(node.lines["mask"], f"{what} has a mask but no image: add 'image: <path>'")
        edit_targets = [t for t in targets if check.targets.get(t) == "images.edit"]
        if edit_targets and "image" not in node:
            check.add(
                node.line,
                f"{what} runs images.edit target(s) "
                f"{', '.join(edit_targets)} but has no 'image:' (a path relative to this file)",
            )
        rewrite_of = node.get("rewrite_of")
        if rewrite_of is not None and (not isinstance(rewrite_of, str) or rewrite_of == case_id):
            check.add(node.lines["rewrite_of"], f"rewrite_of in {what} must be the id of another case")
            rewrite_of = None
        if "skip" in node and "xfail" in node:
            # a skipped case never runs, so its xfail would be dropped without a word
            check.add(node.lines["xfail"], f"{what} has both skip and xfail: keep one (skip never runs the case)")
        reason = node.get("reason")
        if reason is not None and not isinstance(reason, str):
            check.add(node.lines["reason"], f"reason in {what} must be text")
            reason = None
        if case_id is None or not isinstance(prompt, str):
            continue
        cases.append(
            Case(
                id=case_id,
                prompt=prompt.strip(),
                path=check.path,
                line=node.line,
                targets=targets,
                expect=expect,
                scenario=scenario,
                rewrite_of=rewrite_of,
                params=params,
                images=images,
                mask=mask,
                reason=reason,
                repeat=repeat,
                block_rate=rates,
                xfail=check.reason_flag(node, "xfail", what),
                skip=check.reason_flag(node, "skip", what),
            )
        )
    return cases


def _repeat(check: _Checker, node: _Node, what: str) -> int:
    value = node.get("repeat", 1)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        check.add(node.lines.get("repeat", node.line), f"repeat of {what} must be a whole number from 1 to 1000")
        return 1
    return value


def _rates(check: _Checker, node: _Node, targets: tuple[str, ...], what: str) -> dict[str, RateExpectation]:
    if "block_rate" not in node:
        return {}
    raw, line = node["block_rate"], node.lines["block_rate"]
    per_target: dict[str, Any] = {t: raw for t in targets} if not isinstance(raw, dict) else dict(raw)
    rates: dict[str, RateExpectation] = {}
    for name, text in per_target.items():
        if name not in targets:
            check.add(
                line, f"block_rate names target {excerpt(name)}, which {what} does not run{did_you_mean(name, targets)}"
            )
            continue
        try:
            rates[name] = RateExpectation.parse(str(text))
        except ValueError:
            check.add(
                line,
                f"block_rate of {what} for {excerpt(name)}: {excerpt(text)} is not a rate expectation; "
                'write e.g. "<=0.2" or ">=0.9" (a share between 0 and 1)',
            )
    missing = [t for t in targets if t not in per_target]
    if missing:
        check.add(
            line,
            f"{what} has no block_rate for target(s) {', '.join(missing)}: "
            "add them, or set targets: to the ones you mean",
        )
    return rates


def _fuzz(
    check: _Checker, data: _Node, seen: dict[str, int], d_targets: tuple[str, ...] | None, d_scenario: str | None
) -> list[FuzzSpec]:
    raw = data.get("fuzz")
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.add(data.lines["fuzz"], "fuzz must be a list: start each spec with '- id: ...'")
        return []
    specs: list[FuzzSpec] = []
    for index, node in enumerate(raw):
        if not isinstance(node, _Node):
            check.add(_item_line(raw, index, data.lines["fuzz"] + index), f"fuzz spec #{index + 1} is not a mapping")
            continue
        what = f"fuzz spec {excerpt(node.get('id'))}" if isinstance(node.get("id"), str) else f"fuzz spec #{index + 1}"
        check.keys(node, "fuzz", what)
        spec_id = _check_id(check, node, seen, what)
        template = node.get("template")
        if not isinstance(template, str) or not template.strip():
            check.add(
                node.lines.get("template", node.line), f"{what} needs 'template: <prompt with {{slot}} placeholders>'"
            )
            template = None
        slots = _slots(check, node, what)
        if template is not None:
            try:
                names = [f for _, f, _, _ in string.Formatter().parse(template) if f]
            except ValueError as err:
                check.add(
                    node.lines["template"],
                    f"template of {what} is not a valid template: {err}; "
                    f"write slots as {{name}} and braces as {{{{ }}}}",
                )
                names = []
            for name in names:
                if name not in slots:
                    check.add(
                        node.lines["template"],
                        f"template slot {{{name}}} of {what} has no values: "
                        f"add '{name}: [..]' or '{name}: table:SCENARIO' under slots",
                    )
        strategy = node.get("strategy")
        if strategy is not None and strategy not in STRATEGY_NAMES:
            check.add(
                node.lines["strategy"],
                f"unknown strategy {excerpt(strategy)} in {what}{did_you_mean(strategy, STRATEGY_NAMES)}; "
                f"strategies: {', '.join(STRATEGY_NAMES)}",
            )
        targets = check.target_list(node, "targets", what) or d_targets or check.default_targets
        expect = _fuzz_expect(check, node, targets, what)
        max_examples = node.get("max_examples", 25)
        if isinstance(max_examples, bool) or not isinstance(max_examples, int) or not 1 <= max_examples <= 10000:
            check.add(
                node.lines.get("max_examples", node.line),
                f"max_examples of {what} must be a whole number from 1 to 10000",
            )
            max_examples = 25
        variations = node.get("variations", False)
        if not isinstance(variations, bool):
            check.add(node.lines["variations"], f"variations of {what} is true or false")
            variations = False
        images: tuple[Path, ...] = ()
        if "image" in node:
            value = node["image"]
            found = [
                check.file_path(v, node.lines["image"], "image", what)
                for v in (value if isinstance(value, list) else [value])
            ]
            images = tuple(p for p in found if p is not None)
        edit_targets = [t for t in targets if check.targets.get(t) == "images.edit"]
        if edit_targets and "image" not in node:
            check.add(
                node.line,
                f"{what} runs images.edit target(s) "
                f"{', '.join(edit_targets)} but has no 'image:' (a path relative to this file)",
            )
        if spec_id is None or template is None:
            continue
        specs.append(
            FuzzSpec(
                id=spec_id,
                template=template,
                path=check.path,
                line=node.line,
                targets=targets,
                expect=expect,
                slots=slots,
                strategy=strategy if isinstance(strategy, str) else None,
                scenario=check.scenario(node, "scenario", what) or d_scenario,
                max_examples=max_examples,
                variations=variations,
                reason=node.get("reason") if isinstance(node.get("reason"), str) else None,
                images=images,
            )
        )
    return specs


def _slots(check: _Checker, node: _Node, what: str) -> dict[str, tuple[str, ...] | str]:
    raw = node.get("slots")
    if raw is None:
        return {}
    if not isinstance(raw, _Node):
        check.add(
            node.lines["slots"], f"slots of {what} must be a mapping: slot name -> list of values or table:SCENARIO"
        )
        return {}
    slots: dict[str, tuple[str, ...] | str] = {}
    for name, value in raw.items():
        line = raw.lines.get(name, raw.line)
        if isinstance(value, str) and value.startswith("table:"):
            table = value[len("table:") :]
            if table not in SCENARIOS:
                check.add(
                    line,
                    f"slot {excerpt(name)} of {what} names unknown table {excerpt(table)}"
                    f"{did_you_mean(table, SCENARIOS)}; "
                    f"tables: {', '.join(SCENARIOS)}",
                )
            slots[str(name)] = value
        elif isinstance(value, list) and value and all(isinstance(v, (str, int, float)) for v in value):
            slots[str(name)] = tuple(str(v) for v in value)
        else:
            check.add(line, f"slot {excerpt(name)} of {what} must be a non-empty list of values or table:SCENARIO")
    return slots


def _fuzz_expect(
    check: _Checker, node: _Node, targets: tuple[str, ...], what: str
) -> dict[str, dict[str, Expectation]]:
    raw = node.get("expect")
    line = node.lines.get("expect", node.line)
    if not isinstance(raw, _Node):
        check.add(line, f"{what} needs 'expect: {{original: block, rewritten: pass}}' (for all targets, or per target)")
        return {}
    phases = ("original", "rewritten")
    if set(raw) <= set(phases):
        per_target: dict[str, Any] = {t: raw for t in targets}
    else:
        per_target = {}
        for name, value in raw.items():
            if name not in targets:
                check.add(
                    raw.lines.get(name, line),
                    f"expect of {what} names target {excerpt(name)}, "
                    f"which it does not run{did_you_mean(name, targets)}; or use the keys original and rewritten",
                )
            elif not isinstance(value, _Node) or not set(value) <= set(phases):
                check.add(
                    raw.lines.get(name, line),
                    f"expect for {excerpt(name)} in {what} must be {{original: ..., rewritten: ...}}",
                )
            else:
                per_target[name] = value
    result: dict[str, dict[str, Expectation]] = {}
    for name, phase_map in per_target.items():
        parsed: dict[str, Expectation] = {}
        for phase in phases:
            if phase == "rewritten" and phase_map.get(phase) == "refused":
                parsed[phase] = REFUSED  # every strategy must raise RewriteRefused
            elif phase in phase_map:
                outcome = check.outcome(
                    phase_map[phase], phase_map.lines.get(phase, line), f"expect {phase} for {excerpt(name)}"
                )
                if outcome is not None:
                    parsed[phase] = outcome
        result[name] = parsed
    return result


def _check_id(check: _Checker, node: _Node, seen: dict[str, int], what: str) -> str | None:
    value = node.get("id")
    line = node.lines.get("id", node.line)
    if value is None:
        check.add(node.line, f"{what} has no id: add 'id: <letters, digits, - _ .>' (unique across the corpus)")
        return None
    if not isinstance(value, str) or not _ID.fullmatch(value) or len(value) > MAX_ID_LENGTH:
        check.add(line, f"id {excerpt(value)} is not valid: use {ID_RULE}")
        return None
    if _KEY_LIKE.search(value):
        # an id names files, test ids and terminal lines, none of which the scrubber rewrites: a
        # key there would be copied everywhere; the id itself is not quoted back
        check.add(line, "this id looks like an API key (it is not shown): name what the case tests, never a key")
        return None
    if value in seen:
        check.add(line, f"duplicate id {excerpt(value)} (first used at line {seen[value]}): ids must be unique")
        return None
    seen[value] = line
    return value
