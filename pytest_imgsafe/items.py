"""The pytest nodes: a corpus file, and one item per (case, target), with their reports.

Following pytest's non-python example: ``CorpusFile.collect`` yields items built with
``from_parent``; a bad file is a ``CollectError`` whose message is the whole story (no
traceback). Getting the verdict happens in ``setup``, so an item that could not get one (no
recording, rate limit, auth, garbage) is an *error*; comparing it with the expectation happens
in ``runtest``, so a changed outcome is a *failure*. ``repr_failure`` formats only this plugin's
own exceptions and hands everything else (plugin bugs) to pytest, traceback and all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .corpus import Case, CorpusError, Expectation, Problem, load_corpus_cached
from .outcome import Outcome
from .runner import ImgsafeError, Result, Runner
from .state import RunState, run_state


class OutcomeMismatch(Exception):
    """The verdict differs from the expectation."""


class CorpusFile(pytest.File):
    """A corpus YAML file."""

    def collect(self) -> Iterator[pytest.Item]:
        state = run_state(self.config)
        settings = state.settings
        shown = self._shown()
        try:
            corpus = load_corpus_cached(self.path, state.target_kinds, state.corpus_cache)
        except CorpusError as err:
            raise self.CollectError(err.render(shown=shown)) from None
        clashes = [
            Problem(case.line, f"duplicate id {case.id!r}: already used at {state.ids[case.id][0]}:{state.ids[case.id][1]}; ids must be unique across all corpus files")
            for case in corpus.cases
            if case.id in state.ids and state.ids[case.id][0] != shown
        ]
        if clashes:
            raise self.CollectError(CorpusError(self.path, clashes).render(shown=shown))
        active = set(settings.active_targets)
        for case in corpus.cases:
            state.ids[case.id] = (shown, case.line)
            for target in case.targets:
                if target in active:
                    yield CaseItem.from_parent(self, name=f"{case.id}[{target}]", case=case, target=target, shown=shown)

    def _shown(self) -> str:
        try:
            return str(self.path.relative_to(self.config.rootpath))
        except ValueError:
            return str(self.path)


class CaseItem(pytest.Item):
    """One case checked against one target."""

    def __init__(self, *, case: Case, target: str, shown: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.target = target
        self.shown_path = shown
        self.expected: Expectation = case.expect[target]
        self.result: Result | None = None
        markers = run_state(self.config).markers
        self.add_marker(markers["imgsafe"])
        self.add_marker(markers[target])
        if case.scenario:
            self.add_marker(markers[case.scenario])
        if case.skip:
            self.add_marker(pytest.mark.skip(reason=case.skip))
        if case.xfail:
            self.add_marker(pytest.mark.xfail(reason=case.xfail))

    @property
    def runner(self) -> Runner:
        return run_state(self.config).runner

    def setup(self) -> None:
        # pytest.fail(pytrace=False) in setup: an error (not a failure) that shows only our text.
        try:
            self.result = self.runner.run(self.case, self.target, self.nodeid)
        except ImgsafeError as err:
            problem = str(err)
        else:
            if self.result.error is None:
                return
            problem = (
                f"target {self.target!r} gave no verdict for case {self.case.id!r}: {self.result.error}\n"
                f"  from: {self.result.source}\n"
                "  (an answer that is not a safety verdict is never counted as pass or block)"
            )
        self._record_properties(None, problem.splitlines()[0])
        pytest.fail(problem, pytrace=False)

    def runtest(self) -> None:
        assert self.result is not None and self.result.outcome is not None
        outcome = self.result.outcome
        ok = self.expected.matches(outcome.verdict, outcome.stage)
        self._record_properties(outcome, None)
        if not ok:
            raise OutcomeMismatch(outcome)

    def _record_properties(self, outcome: Outcome | None, error: str | None) -> None:
        # user_properties travel to the controller under xdist, unlike attributes.
        self.user_properties.append(
            (
                "imgsafe",
                {
                    "case": self.case.id,
                    "target": self.target,
                    "scenario": self.case.scenario,
                    "expected": str(self.expected),
                    "actual": outcome.label if outcome else None,
                    "code": outcome.code if outcome else None,
                    "error": error,
                    "mode": self.runner.mode,
                },
            )
        )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, OutcomeMismatch):
            return self._mismatch_text(excinfo.value.args[0])
        return super().repr_failure(excinfo, style=style)

    def _mismatch_text(self, outcome: Outcome) -> str:
        answer = self.result.answer if self.result else None
        runner = self.runner
        lines = [
            f"case {self.case.id!r} on target {self.target!r}: expected {self.expected}, got {outcome.label}",
            f"  prompt:     {self.case.prompt}",
        ]
        if outcome.verdict == "block":
            detail = f"block at stage {outcome.stage or 'unknown'}, code {outcome.code}"
            if outcome.categories:
                detail += f", categories [{', '.join(outcome.categories)}]"
            lines.append(f"  answer:     {detail} (HTTP {answer.status if answer else '?'}, provider {outcome.provider})")
        else:
            lines.append(f"  answer:     pass (HTTP {answer.status if answer else '?'})")
        if outcome.message:
            lines.append(f"  message:    {outcome.message}")
        lines.append(f"  request id: {outcome.request_id or '(none in the answer)'}")
        if answer is not None:
            source = answer.source
            if answer.meta.get("recorded_at"):
                source += f" (recorded {answer.meta['recorded_at']}{_describe_sources(answer.meta)})"
            lines.append(f"  from:       {source}")
        lines.append(f"  case:       {self.shown_path}:{self.case.line}")
        if runner.mode == "live":
            lines.append(f"  reproduce:  {runner.command(self.nodeid, live=True)}")
        else:
            lines.append(f"  re-record:  {runner.command(self.nodeid, 'all')}")
            lines.append(f"  live check: {runner.command(self.nodeid, live=True)}")
        return "\n".join(lines)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.line - 1, f"imgsafe case {self.case.id} [{self.target}]"


def _describe_sources(meta: Any) -> str:
    sources = meta.get("sources") or []
    if not sources:
        return ""
    first = sources[0]
    if first.get("kind") == "sandbox":
        return f" from the sandbox, profile {first.get('profile')}, policy version {first.get('policy-version')}"
    return f" from {first.get('base_url')}"


__all__ = ["CaseItem", "CorpusFile", "OutcomeMismatch", "RunState"]
