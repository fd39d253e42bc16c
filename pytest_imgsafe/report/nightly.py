"""What a nightly job needs after a provider outage (pure, apart from reading a report file).

``--imgsafe-max-error-rate 0.05``: a live run's items without a verdict (rate limits, 5xx,
timeouts) are reported, as xfailed items with the error as the reason, and the run fails on
them only when their share of the items that were called passes the limit. A changed outcome
(drift, mismatch) still fails its item: tolerating noise must never hide news.

``--imgsafe-rerun-errors REPORT.json``: call again only the items that had no verdict in that
report, and write one merged report (its rows, with the rerun items' new rows in their place),
so the night's record is whole once the provider is back. The merged report decides the run's
status: a changed outcome kept from the earlier run still fails it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..base.row import Row

# Read when pytest parses its options on every run: only the standard library at import time.
Key = tuple[str, str]


@dataclass(frozen=True)
class EarlierReport:
    """A report read for ``--imgsafe-rerun-errors``: where it is, and what it holds."""

    path: Path
    data: Mapping[str, Any]

    @property
    def errors(self) -> set[Key]:
        """The items that got no verdict in it."""
        from ..base.row import rows_of

        return {r.key for r in rows_of(self.data) if r.status == "error"}


def parse_rerun_report(text: str) -> EarlierReport:
    """``--imgsafe-rerun-errors``: an existing pytest-imgsafe JSON report, read once here."""
    from .build import read_report_argument

    path, data = read_report_argument(text)
    return EarlierReport(path.resolve(), data)


def item_key(item: object) -> Key | None:
    """(case or fuzz spec id, target) of an imgsafe item; None for any other test."""
    entry = getattr(item, "case", None) or getattr(item, "spec", None)
    target = getattr(item, "target", None)
    if entry is None or not isinstance(target, str):
        return None
    return (str(getattr(entry, "id", "")), target)


def select_reruns(items: Sequence[object], errors: set[Key]) -> tuple[list[Any], list[Any]]:
    """(kept, deselected): only the items that had no verdict are called again."""
    kept: list[Any] = []
    dropped: list[Any] = []
    for item in items:
        (kept if item_key(item) in errors else dropped).append(item)
    return kept, dropped


def no_verdict_share(results: Iterable[Row]) -> tuple[int, int]:
    """(items without a verdict, items called): skipped items (budget, max blocks) were not called."""
    rows = [r for r in results if r.status != "skipped"]
    return sum(1 for r in rows if r.status == "error"), len(rows)


def merge_rerun(
    earlier: Mapping[str, Any], fresh: Mapping[str, Any], history: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The earlier report with the rerun items' rows replaced by this run's; totals recomputed."""
    from ..base.row import rows_of
    from .build import SPEND_KEYS, assemble, screen_names

    new_rows = {r.key: r for r in rows_of(fresh)}
    results = [new_rows.pop(r.key, r) for r in rows_of(earlier)]
    results += new_rows.values()
    spend = None
    if earlier["totals"].get("calls") is not None or fresh["totals"].get("calls") is not None:
        spend = {key: _add(earlier["totals"].get(key), fresh["totals"].get(key)) for key in SPEND_KEYS}
    run = {
        **fresh["run"],
        "started": earlier["run"]["started"],
        "rerun_of": earlier["run"]["finished"],
        "reruns": len(fresh["results"]),
    }
    before = [h for h in history if h["run"]["finished"] != earlier["run"]["finished"]]
    targets = {**earlier.get("targets", {}), **fresh.get("targets", {})}
    return assemble(run, targets, results, spend, before, sorted({*screen_names(earlier), *screen_names(fresh)}))


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, Mapping) and isinstance(b, Mapping):  # per member counts (pools): added key by key
        return {k: _add(a.get(k), b.get(k)) for k in dict.fromkeys([*a, *b])}
    if isinstance(a, str) or isinstance(b, str):
        return b or a  # why a run stopped: the latest word
    if a is None or b is None:
        return a if b is None else b
    return round(a + b, 6) if isinstance(a, float) or isinstance(b, float) else a + b


def failure_reasons(report: Mapping[str, Any], max_error_rate: float | None, kept: Iterable[Key] = ()) -> list[str]:
    """Why the run fails beyond its items' own outcomes (pytest's exit status follows these).

    ``kept``: the rows carried over from an earlier report without being called again."""
    from ..base.row import rows_of

    reasons = []
    results = rows_of(report)
    kept = set(kept)
    if max_error_rate is not None:
        errors, called = no_verdict_share(results)
        if called and errors / called > max_error_rate:
            reasons.append(
                f"{errors} of {called} items ({errors / called:.1%}) got no verdict, "
                f"more than --imgsafe-max-error-rate {max_error_rate:g} allows"
            )
    carried = [r for r in results if r.key in kept]
    changed = [r for r in carried if r.failing]
    if changed:
        names = ", ".join(f"{r.case} [{r.target}]" for r in changed[:3]) + (", …" if len(changed) > 3 else "")
        reasons.append(f"{len(changed)} changed outcome(s) kept from the earlier run: {names}")
    still = [r for r in carried if r.status == "error"]
    if still and max_error_rate is None:
        reasons.append(
            f"{len(still)} item(s) of the earlier run still have no verdict and were not called again (not selected)"
        )
    return reasons


def finish(
    report: dict[str, Any],
    rerun: EarlierReport | None,
    max_error_rate: float | None,
    history: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The report to write: merged with the earlier one when rerunning, with ``run.failed_because``."""
    from ..base.row import rows_of

    kept: set[Key] = set()
    if rerun is not None:
        called = {r.key for r in rows_of(report)}
        kept = {r.key for r in rows_of(rerun.data)} - called
        report = merge_rerun(rerun.data, report, history)
    if max_error_rate is not None:
        errors, called_n = no_verdict_share(rows_of(report))
        report["run"]["max_error_rate"] = max_error_rate
        report["run"]["no_verdict_rate"] = round(errors / called_n, 4) if called_n else 0.0
    report["run"]["failed_because"] = failure_reasons(report, max_error_rate, kept)
    return report
