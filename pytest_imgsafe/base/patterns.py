"""Is a regular expression a person wrote safe to run on any text? Checked once, when it is read.

Python's regular expressions backtrack: a pattern that can match the same text in many ways takes
time that doubles with every character of a text that almost matches (``(a+)+``, ``(a|aa)+``,
``(a?){28}a{28}``), or grows with a high power of its length (``.*.*.*=``). A team's answer rule or
a term table's pattern runs on every answer or prompt of a run: one such pattern hangs the run.
These shapes are refused with the reason; every other pattern runs as written.

Pure: the standard library's own parser of patterns (private to ``re``, the same in every
supported Python), no pytest.
"""

from __future__ import annotations

import importlib
from typing import Any

_sre: Any = importlib.import_module("re._constants")  # a parsed pattern's opcodes (private: no stubs)
_parser: Any = importlib.import_module("re._parser")
_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT)
MAX_WILDCARDS = 2
"""Unbounded repetitions of any character (``.*``, ``.+``) a pattern may hold: each one more
multiplies the time on a text that does not match by the text's length (a class such as ``\\s*``
or ``[^,]*`` beside a character it cannot take is no such wildcard)."""


def backtracking_problem(pattern: str) -> str | None:
    """Why ``pattern`` (valid: compile it first) could take time without end, or ``None``."""
    items = list(_parser.parse(pattern).data)
    if _nested(items, inside_repeat=False):
        return (
            "repeats a group that itself repeats, can match nothing, or has alternatives that can start "
            "alike (as in (a+)+, (a?){28} or (a|aa)+): on a text that almost matches, its time doubles "
            "with every character; write it without the outer repetition, e.g. a+ or (?:a|b)"
        )
    if _wildcards(items) > MAX_WILDCARDS:
        return (
            f"holds more than {MAX_WILDCARDS} unbounded repetitions of any character (.* or .+): on a text "
            "that does not match, its time grows with a power of the text's length; keep two at most, "
            "or bound them (.{0,200})"
        )
    return None


def _nested(items: list[Any], inside_repeat: bool) -> bool:
    for op, av in items:
        if op in _REPEATS:
            _, high, body = av
            repeats = high is _sre.MAXREPEAT or high > 1
            body = list(body)
            if inside_repeat and repeats:
                return True
            if repeats and _can_be_empty(body):
                return True  # (a?){28}, (a*)*: the repetition can take nothing, in as many ways as it likes
            if _nested(body, inside_repeat or repeats):
                return True
        elif op is _sre.SUBPATTERN:
            if _nested(list(av[-1]), inside_repeat):
                return True
        elif op is _sre.BRANCH:
            alternatives = [list(a) for a in av[1]]
            if inside_repeat and not _start_apart(alternatives):
                return True
            if any(_nested(a, inside_repeat) for a in alternatives):
                return True
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            if _nested(list(av[1]), inside_repeat):
                return True
    return False


def _can_be_empty(items: list[Any]) -> bool:
    """Can this sequence match the empty text?"""
    for op, av in items:
        if op in _REPEATS:
            if av[0] > 0 and not _can_be_empty(list(av[2])):
                return False
        elif op is _sre.SUBPATTERN:
            if not _can_be_empty(list(av[-1])):
                return False
        elif op is _sre.BRANCH:
            if not any(_can_be_empty(list(a)) for a in av[1]):
                return False
        elif op not in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            return False
    return True


def _start_apart(alternatives: list[list[Any]]) -> bool:
    """Does each alternative begin with a literal character of its own (``foo|bar``)?"""
    firsts = []
    for alternative in alternatives:
        head = alternative[0] if alternative else None
        while head is not None and head[0] is _sre.SUBPATTERN and list(head[1][-1]):
            head = list(head[1][-1])[0]
        if head is None or head[0] is not _sre.LITERAL:
            return False
        firsts.append(head[1])
    return len(set(firsts)) == len(firsts)


def _wildcards(items: list[Any]) -> int:
    """Unbounded repetitions of any character, counted through groups (the most of any alternative)."""
    count = 0
    for op, av in items:
        if op in _REPEATS:
            body = list(av[2])
            if av[1] is _sre.MAXREPEAT and len(body) == 1 and body[0][0] is _sre.ANY:
                count += 1
            else:
                count += _wildcards(body)
        elif op is _sre.SUBPATTERN:
            count += _wildcards(list(av[-1]))
        elif op is _sre.BRANCH:
            count += max((_wildcards(list(a)) for a in av[1]), default=0)
    return count
