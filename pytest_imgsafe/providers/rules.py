"""``[[tool.imgsafe.answers]]``: rules a team writes to read its own gateway's answers.

A team's gateway answers in shapes no release of this plugin has seen. Rather than wait for one,
the team writes ordered rules in ``pyproject.toml``; ``classify`` checks them before every
built-in reader, and the first rule that matches decides::

    [[tool.imgsafe.answers]]
    status = 451                       # optional: a status, a list of them, or "4xx"
    path = "error.reason"              # optional: a JSON path into the answer
    equals = "POLICY"                  # ... and its value (or `matches`, a regular expression)
    message = "(?i)blocked by policy"  # optional: a regular expression on the answer's message
    verdict = "block"                  # pass | block ... or error = "rate_limited" (a non-verdict)
    stage = "input"                    # for a block: input | output (optional)
    filter = "acme-gateway"            # the filter that answered (required with a verdict)
    code = "ACME_POLICY"               # optional: the code to report (default: the matched value)
    targets = ["acme"]                 # optional: only for these targets

Every condition a rule gives must hold; a rule gives at least a ``path`` or a ``message`` (a
status alone would read every such answer one way). Paths are dotted keys with ``[n]`` or
``[*]`` (any element): ``errors[*].code``, ``[0].error.status``. A rule that is wrong is a
:class:`ConfigError` naming the file, the rule's number and the fix, at configure time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..base.errors import ConfigError
from ..base.patterns import backtracking_problem
from ..base.text import did_you_mean
from .body import Body, messages
from .verdict import ERROR_KINDS, ApiError, ErrorKind, Outcome, Stage, Verdict

RULE_KEYS: tuple[str, ...] = (
    "status",
    "path",
    "equals",
    "matches",
    "message",
    "verdict",
    "stage",
    "error",
    "filter",
    "code",
    "targets",
)
_SEGMENT = r"(?:[A-Za-z_@$][\w@$-]*(?:\[(?:\d+|\*)\])*|(?:\[(?:\d+|\*)\])+)"
_PATH = re.compile(rf"^{_SEGMENT}(?:\.{_SEGMENT})*$")
_PART = re.compile(r"([^.\[\]]+)|\[(\d+|\*)\]")
_STATUS_CLASS = re.compile(r"^[1-5]xx$")
_ANY = object()


@dataclass(frozen=True)
class AnswerRule:
    """One ``[[tool.imgsafe.answers]]`` rule, checked and compiled."""

    number: int
    """Its place in the file (1 is the first rule)."""
    status: tuple[int | str, ...] = ()
    path: tuple[str | int | None, ...] | None = None
    """Keys and indexes; ``None`` inside stands for ``[*]``."""
    path_text: str | None = None
    equals: Any = _ANY
    matches: re.Pattern[str] | None = None
    message: re.Pattern[str] | None = None
    verdict: Verdict | None = None
    stage: Stage | None = None
    error: ErrorKind | None = None
    filter: str | None = None
    code: str | None = None
    targets: tuple[str, ...] = ()

    def applies_to(self, target: str) -> bool:
        """Does this rule read answers of ``target``?"""
        return not self.targets or target in self.targets


def parse_rules(raw: Any, where: str = "pyproject.toml") -> tuple[AnswerRule, ...]:
    """``[[tool.imgsafe.answers]]`` as rules; :class:`ConfigError` for the first wrong one."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(
            f"{where}: [[tool.imgsafe.answers]] must be an array of tables: write each rule under its own "
            "[[tool.imgsafe.answers]] header"
        )
    return tuple(
        _rule(table, number, f"{where}: [[tool.imgsafe.answers]] rule {number}") for number, table in enumerate(raw, 1)
    )


def _rule(table: Any, number: int, where: str) -> AnswerRule:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table of keys (status, path, equals, message, verdict, ...)")
    for key in table:
        if key not in RULE_KEYS:
            raise ConfigError(
                f"{where} has an unknown key {key!r}{did_you_mean(str(key), RULE_KEYS)}; "
                f"a rule takes: {', '.join(RULE_KEYS)}"
            )
    status = _status(table.get("status"), where)
    path, path_text = _path(table.get("path"), where)
    if "equals" in table and "matches" in table:
        raise ConfigError(f"{where} sets both equals and matches; keep one (matches is a regular expression)")
    if ("equals" in table or "matches" in table) and path is None:
        raise ConfigError(
            f'{where} sets {"equals" if "equals" in table else "matches"} without a path: add path = "error.code"'
        )
    equals = table.get("equals", _ANY)
    if equals is not _ANY and not isinstance(equals, (str, int, float, bool)):
        raise ConfigError(f"{where} equals must be a string, number or true/false, not {type(equals).__name__}")
    matches = _regex(table.get("matches"), "matches", where)
    message = _regex(table.get("message"), "message", where)
    if path is None and message is None:
        raise ConfigError(
            f"{where} needs path (with equals or matches) or message: a rule on the status alone would read "
            "every such answer the same way"
        )
    verdict, error = table.get("verdict"), table.get("error")
    if (verdict is None) == (error is None):
        raise ConfigError(
            f'{where} needs exactly one of verdict = "block" | "pass" and error = "<kind>" '
            f"(kinds: {', '.join(ERROR_KINDS)})"
        )
    if verdict is not None and verdict not in ("pass", "block"):
        raise ConfigError(
            f"{where} verdict = {verdict!r}{did_you_mean(str(verdict), ('pass', 'block'))}: use pass or block"
        )
    if error is not None and error not in ERROR_KINDS:
        raise ConfigError(
            f"{where} error = {error!r} is not a kind of non-verdict{did_you_mean(str(error), ERROR_KINDS)}; "
            f"use one of: {', '.join(ERROR_KINDS)}"
        )
    stage = table.get("stage")
    if stage is not None and (verdict != "block" or stage not in ("input", "output")):
        raise ConfigError(f'{where} stage = {stage!r}: a stage is input or output, and only for verdict = "block"')
    the_filter = table.get("filter")
    if verdict is not None and (not isinstance(the_filter, str) or not the_filter.strip()):
        raise ConfigError(
            f'{where} gives a verdict: name the filter that answered, e.g. filter = "acme-gateway" '
            "(or openai, azure, gemini, imagen, relay)"
        )
    if the_filter is not None and not isinstance(the_filter, str):
        raise ConfigError(f"{where} filter must be a string")
    code = table.get("code")
    if code is not None and (not isinstance(code, str) or not code):
        raise ConfigError(f"{where} code must be a non-empty string")
    targets = table.get("targets", [])
    if not isinstance(targets, list) or not all(isinstance(t, str) and t for t in targets):
        raise ConfigError(f'{where} targets must be a list of target names, e.g. targets = ["acme"]')
    return AnswerRule(
        number,
        status,
        path,
        path_text,
        equals,
        matches,
        message,
        verdict,
        stage,
        error,
        the_filter,
        code,
        tuple(targets),
    )


def _status(value: Any, where: str) -> tuple[int | str, ...]:
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    out: list[int | str] = []
    for v in values:
        if isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 599:
            out.append(v)
        elif isinstance(v, str) and _STATUS_CLASS.match(v):
            out.append(v)
        else:
            raise ConfigError(
                f'{where} status = {value!r}: give an HTTP status (400), a list ([400, 422]) or a class ("4xx")'
            )
    return tuple(out)


def _path(value: Any, where: str) -> tuple[tuple[str | int | None, ...] | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, str) or not value or not _PATH.match(value):
        raise ConfigError(
            f"{where} path = {value!r} is not a JSON path: write dotted keys with [n] or [*] for list "
            'elements, e.g. path = "error.code" or path = "errors[*].reason"'
        )
    parts: list[str | int | None] = []
    for key, index in _PART.findall(value):
        parts.append(key if key else (None if index == "*" else int(index)))
    return tuple(parts), value


def _regex(value: Any, key: str, where: str) -> re.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f'{where} {key} must be a regular expression in a string, e.g. {key} = "(?i)blocked"')
    try:
        compiled = re.compile(value)
    except re.error as err:
        raise ConfigError(f"{where} {key} = {value!r} is not a valid regular expression: {err}") from None
    problem = backtracking_problem(value)
    if problem:
        raise ConfigError(f"{where} {key} = {value!r} {problem}: the run would hang on it")
    return compiled


# --- reading -----------------------------------------------------------------------------


def read_by_rules(rules: Sequence[AnswerRule], status: int, body: Body, request_id: str | None) -> Outcome | None:
    """The first matching rule's verdict (``read_by="rule"``), or ``None``; an error rule raises
    :class:`ApiError` of its kind."""
    texts: list[str] | None = None
    for rule in rules:
        if rule.status and not any(_status_matches(s, status) for s in rule.status):
            continue
        found: Any = None
        if rule.path is not None:
            values = [v for v in _at(body.data, rule.path) if v is not None]
            if rule.equals is not _ANY:
                values = [v for v in values if _equal(v, rule.equals)]
            elif rule.matches is not None:
                values = [v for v in values if isinstance(v, (str, int, float)) and rule.matches.search(str(v))]
            if not values:
                continue
            found = values[0]
        if rule.message is not None:
            texts = messages(body.data, body.text, quoted=True) if texts is None else texts
            hit = next((t for t in texts if rule.message.search(t)), None)
            if hit is None:
                continue
        code = rule.code or (
            str(found) if isinstance(found, (str, int, float)) and not isinstance(found, bool) else None
        )
        if rule.error is not None:
            raise ApiError(
                rule.error,
                f"read by [[tool.imgsafe.answers]] rule {rule.number}: a {rule.error} answer",
                status,
                code,
                request_id,
            )
        assert rule.verdict is not None
        return Outcome(
            rule.verdict,
            rule.stage if rule.verdict == "block" else None,
            code,
            None,
            request_id,
            (),
            f"read by [[tool.imgsafe.answers]] rule {rule.number}",
            filter=rule.filter,
            read_by="rule",
        )
    return None


def _status_matches(wanted: int | str, status: int) -> bool:
    return status == wanted if isinstance(wanted, int) else str(status)[0] == wanted[0]


def _equal(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(value, bool):
        return value is wanted
    if isinstance(wanted, (int, float)) and isinstance(value, (int, float)):
        return value == wanted
    return str(value) == str(wanted)


def _at(value: Any, path: tuple[str | int | None, ...]) -> Iterator[Any]:
    """The values at a path (several where it has ``[*]``)."""
    if not path:
        yield value
        return
    head, rest = path[0], path[1:]
    if isinstance(head, str):
        if isinstance(value, Mapping) and head in value:
            yield from _at(value[head], rest)
    elif head is None:
        if isinstance(value, list):
            for item in value:
                yield from _at(item, rest)
    elif isinstance(value, list) and -len(value) <= head < len(value):
        yield from _at(value[head], rest)
