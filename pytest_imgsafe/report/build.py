"""The run report as plain data: totals, block rates, the local screen's confusion, what changed.

Everything here is built from plain data (the items' results, the ledger's totals, the targets'
settings, earlier reports), so it is the same whether the run used xdist or not, and a merged
report (``--imgsafe-rerun-errors``) is assembled by the same function as a fresh one.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..base.row import Row, history_index, rows_of, with_verdict
from ..base.scrub import escape_line
from ..base.status import DRIFT
from ..judging.drift import since_when
from ..providers.registry import kind_of
from .validate import BadReport, NotAReport, read_report

if TYPE_CHECKING:
    from ..base.ledger import Ledger
    from ..collect.config import Settings


class RunFacts(Protocol):
    """What a report is built from: the run's settings, ledger, times and results (a
    :class:`~pytest_imgsafe.run.session.ImgsafeRun` is one; the report never imports the pytest glue)."""

    settings: Settings
    ledger: Ledger | None
    started: float
    fuzz_seed: int | None
    results: list[Row]
    run_notes: dict[str, Any]
    """What the run's selection drew (``sample``, ``shard``), copied into ``run``."""

    @property
    def mode(self) -> str: ...


SCHEMA_ID = "pytest-imgsafe/report"
VERSION = 1
SPEND_KEYS = ("calls", "spent_usd", "blocks_sent", "skipped_for_budget", "skipped_for_max_blocks", "stopped", "pools")


def iso(seconds: float) -> str:
    """UTC, ISO 8601, to the second: how every report names a night."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def build_report(
    state: RunFacts, history: Sequence[Mapping[str, Any]] = (), now: float | None = None
) -> dict[str, Any]:
    """The report of a finished run; ``history``: the earlier reports, oldest first (``load_history``)."""
    settings = state.settings
    finished = now if now is not None else time.time()
    ledger = state.ledger
    run = {
        "started": iso(state.started or finished),
        "finished": iso(finished),
        "mode": state.mode,
        "fuzz_seed": state.fuzz_seed,
        "budget_usd": ledger.budget_usd if ledger else None,
        "max_blocks": ledger.max_blocks if ledger else None,
        **state.run_notes,
    }
    spend: dict[str, Any] | None = None
    if ledger is not None:
        t = ledger.totals()
        spend = {
            "calls": t.calls,
            "spent_usd": t.spent_usd,
            "blocks_sent": t.blocks,
            "skipped_for_budget": t.skipped_budget,
            "skipped_for_max_blocks": t.skipped_blocks,
            "stopped": t.stopped,
            "pools": ledger.pool_usage() or None,
        }
    targets = {name: settings.targets[name].describe() for name in settings.active_targets}
    screens = [n for n in settings.active_targets if kind_of(settings.targets[n].kind).local]
    return assemble(run, targets, state.results, spend, history, screens)


def assemble(
    run: Mapping[str, Any],
    targets: Mapping[str, Any],
    results: Sequence[Row],
    spend: Mapping[str, Any] | None,
    history: Sequence[Mapping[str, Any]],
    screens: Sequence[str],
) -> dict[str, Any]:
    """A report from its parts: the one place its derived fields (totals, rates, changes) are
    computed, and where the rows become the report's JSON rows."""
    annotate_since(results, history)
    report: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "version": VERSION,
        "run": dict(run),
        "targets": dict(targets),
        "totals": totals(results, spend),
        "rates": block_rates(results),
        "screen": screen_confusion(results, screens),
        "results": [r.as_dict() for r in results],
    }
    previous = history[-1] if history else None
    report["changes_since_last"] = changes(rows_of(previous), results) if previous else []
    sample = run.get("sample")
    if isinstance(sample, Mapping):  # a sampled night: rates estimated for the corpus; changes since each item ran
        from .sample import changes_since_ran, estimated_rates

        report["sample_rates"] = estimated_rates(results, sample)
        report["changes_since_last"] = changes_since_ran(history, results)
    report["previous_run"] = previous["run"]["finished"] if previous else None
    report["previous_rates"] = previous.get("rates", []) if previous else []
    return report


def totals(results: Sequence[Row], spend: Mapping[str, Any] | None) -> dict[str, Any]:
    """Counts per status, and what the live run spent (None for replay)."""
    counts: dict[str, int] = defaultdict(int)
    for r in results:
        counts[str(r.status or "ok")] += 1
    out: dict[str, Any] = {
        "items": len(results),
        "ok": counts["ok"],
        "drift": sum(counts[s] for s in DRIFT),
        "mismatch": counts["mismatch"],
        "config_changed": counts["config changed"],
        "flaky": counts["flaky"],
        "errors": counts["error"],
        "skipped": counts["skipped"],
    }
    out.update({key: (spend or {}).get(key) for key in SPEND_KEYS})
    return out


def screen_names(report: Mapping[str, Any]) -> list[str]:
    """The targets of kind screen in a report (a merged report keeps its screens)."""
    return [
        name for name, t in report.get("targets", {}).items() if isinstance(t, Mapping) and t.get("kind") == "screen"
    ]


def block_rates(results: Iterable[Row]) -> list[dict[str, Any]]:
    """Block rate per (scenario, target) over the items that got a verdict."""
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        if not r.actual:
            continue
        cell = cells[(r.scenario or "unspecified", r.target)]
        cell[0] += 1
        cell[1] += r.verdict == "block"
    return [
        {"scenario": s, "target": t, "items": n, "blocked": b, "rate": round(b / n, 4)}
        for (s, t), (n, b) in sorted(cells.items())
    ]


def screen_confusion(results: Iterable[Row], screens: Sequence[str]) -> list[dict[str, Any]]:
    """Per scenario, how well each local screen predicts each provider target's blocks."""
    verdicts: dict[tuple[str, str], str] = {}
    scenario_of: dict[str, str] = {}
    for r in results:
        if r.actual:
            verdicts[r.key] = str(r.verdict)
            scenario_of[r.case] = r.scenario or "unspecified"
    providers = sorted({t for _, t in verdicts} - set(screens))
    rows = []
    for screen_name in screens:
        for target in providers:
            cells: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # tp fp fn tn
            for (case, t), actual in verdicts.items():
                if t != target or (case, screen_name) not in verdicts:
                    continue
                predicted = verdicts[(case, screen_name)] == "block"
                blocked = actual == "block"
                cells[scenario_of[case]][0 if predicted and blocked else 1 if predicted else 2 if blocked else 3] += 1
            for scenario, (tp, fp, fn, tn) in sorted(cells.items()):
                rows.append(
                    {
                        "screen": screen_name,
                        "target": target,
                        "scenario": scenario,
                        "tp": tp,
                        "fp": fp,
                        "fn": fn,
                        "tn": tn,
                        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
                        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
                    }
                )
    return rows


def changes(previous: Iterable[Row], current: Iterable[Row]) -> list[dict[str, Any]]:
    """Items whose verdict differs from the previous run's."""
    before = {r.key: r.actual for r in previous}
    out = []
    for r in current:
        was = before.get(r.key)
        if r.actual and was and was != r.actual:
            out.append({"case": r.case, "target": r.target, "before": was, "now": r.actual})
    return out


def nights_by_item(history: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(case, target) -> [(night, outcome)] over the earlier reports, oldest first: the history
    index (``error`` / ``skipped`` for a night without a verdict)."""
    return history_index(history)


def annotate_since(results: Sequence[Row], history: Sequence[Mapping[str, Any]]) -> None:
    """Give every changed outcome ``since_when``: the first night it appeared, the last the old one held."""
    failing = [r for r in results if r.failing and r.actual]
    if not failing or not history:
        return
    index = nights_by_item(history)
    for row in failing:
        verdicts = with_verdict(index.get(row.key, []))
        since = since_when(verdicts, str(row.actual))
        row.since_when = since.as_dict() if since else None


def load_history(folder: Path | None, warn: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Earlier reports in a folder, oldest first. JSON that is not one of our reports is ignored;
    a report that cannot be used (truncated, not UTF-8, too large, against the schema) is skipped
    and ``warn`` is told in one line that names it: one bad night never stops tonight's report.
    A folder that is not there is said too (a typo would lose "since when" without a word); a link
    in it is never followed."""
    if folder is None:
        return []
    if not folder.is_dir():
        if warn is not None:
            warn(
                f"--imgsafe-history: {escape_line(str(folder))} is not a folder: no earlier run is read "
                "(it fills as runs keep their JSON reports there)"
            )
        return []
    reports = []
    for path in sorted(folder.glob("*.json")):
        if path.is_symlink():  # a run keeps its report there as a file; a link may lead anywhere
            if warn is not None:
                warn(f"--imgsafe-history: skipped {escape_line(str(path))}: a link, not a report a run kept here")
            continue
        try:
            reports.append(read_report(path))
        except NotAReport:
            continue
        except BadReport as err:
            if warn is not None:
                warn(f"--imgsafe-history: skipped {err}")
    return sorted(reports, key=lambda d: d["run"]["finished"])


def read_report_argument(text: str) -> tuple[Path, dict[str, Any]]:
    """A typed command-line argument: the path of one of our JSON reports, read once; a bad one is
    an ``argparse.ArgumentTypeError`` of one line that names it (for ``--imgsafe-rerun-errors`` and
    ``compare``)."""
    import argparse

    path = Path(text)
    try:
        return path, read_report(path, text)
    except BadReport as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def is_report(data: object) -> bool:
    """A JSON value that is one of our reports (schema and version checked, as readers must)."""
    return (
        isinstance(data, dict)
        and data.get("schema") == SCHEMA_ID
        and data.get("version") == VERSION
        and isinstance(data.get("run"), dict)
    )
