"""The Markdown summary: fit for a CI job summary at any run size (at most 16 KiB).

A job summary is read on a phone as often as on a laptop, and a long one is cut or ignored.
So the summary says what matters in a fixed order, and each part gets what room is left:
the totals, the scenario x target table of block rates with the change since the last run,
the changed outcomes (each, up to a cap, then a count), the errors grouped by kind with one
example each, what changed since the previous run, and the local screen's table. Everything
that does not fit is counted and left to the JSON and HTML reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..base.row import rows_of
from .digest import changed, clip, error_groups, error_message, got, since_text, when
from .sample import estimate_lines, sample_note

LIMIT_BYTES = 16 * 1024
_LINE = 300  # characters per list line: a long prompt or message must not eat the page


def _inert(line: str) -> str:
    """A line whose words came from a report (a case id, a prompt, a provider's message) that can
    open no HTML tag where Markdown is rendered (a CI job summary, a pull request): ``<``, ``>``
    and ``&`` as entities, which read the same once rendered. The summaries write no HTML of their own."""
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Bounded:
    """Lines that stop at a byte budget, keeping room for what later sections need; every line
    inert as Markdown (no tag a report's words could open)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lines: list[str] = []
        self.size = 0

    def fits(self, line: str, reserve: int = 0) -> bool:
        return self.size + len(_inert(line).encode()) + 1 + reserve <= self.limit

    def add(self, *lines: str) -> None:
        for line in map(_inert, lines):
            self.lines.append(line)
            self.size += len(line.encode()) + 1

    def add_list(
        self, lines: Sequence[str], cap: int, reserve: int, more: str = "- … and {n} more (see the JSON or HTML report)"
    ) -> None:
        """As many of ``lines`` as fit (at most ``cap``), then how many were left out."""
        tail = len(more) + 16
        shown = 0
        for line in lines[:cap]:
            if not self.fits(line, reserve + tail):
                break
            self.add(line)
            shown += 1
        if shown < len(lines):
            self.add(more.format(n=len(lines) - shown))

    def text(self) -> str:
        text = "\n".join(self.lines) + "\n"
        if len(text.encode()) <= self.limit:
            return text
        cut = text.encode()[: self.limit - 80].decode(errors="ignore")
        return cut[: cut.rfind("\n") + 1] + "\n… (cut to 16 KiB: see the JSON or HTML report)\n"


def markdown(report: Mapping[str, Any], limit: int = LIMIT_BYTES) -> str:
    """The summary of one report, at most ``limit`` bytes whatever the run's size."""
    page = Bounded(limit)
    t = report["totals"]
    run = report["run"]
    page.add(f"## pytest-imgsafe: {run['mode']} run, {when(run['finished'])}", "")
    head = (
        f"**{t['items']} items**: {t['ok']} ok, {t['drift']} drift, {t['mismatch']} mismatch, "
        f"{t['errors']} errors, {t['skipped']} skipped, {t['flaky']} flaky"
    )
    if t.get("config_changed"):
        head += f", {t['config_changed']} config changed"
    page.add(head)
    if t.get("calls") is not None:
        page.add(
            "", f"Calls made: {t['calls']}; estimated spend: ${t['spent_usd']:.4f}; blocks sent: {t['blocks_sent']}"
        )
    if run.get("rerun_of"):
        page.add(
            "",
            "Merged report: the items without a verdict in the run of "
            f"{when(run['rerun_of'])} were called again ({run.get('reruns', 0)} items).",
        )
    note = sample_note(run)
    if note:
        page.add("", clip(note, 2 * _LINE))
        estimates = estimate_lines(report)
        if estimates:
            page.add("", "### Block rates estimated for the whole corpus", "", *estimates[:2])
            page.add_list(estimates[2:], cap=40, reserve=2048, more="| … and {n} more | | | | |")
    for note in (
        f"**Stopped:** {t['stopped']}" if t.get("stopped") else "",
        "**Interrupted:** the rows are the items that had run." if run.get("interrupted") else "",
    ):
        if note:
            page.add("", note)
    for reason in run.get("failed_because") or ():
        page.add("", f"**Failed:** {clip(reason, _LINE)}")
    if run.get("max_error_rate") is not None and not run.get("failed_because") and t["errors"]:
        page.add(
            "",
            f"{t['errors']} items got no verdict: "
            f"under `--imgsafe-max-error-rate {run['max_error_rate']}`, reported but not failed.",
        )
    _rate_table(page, report)
    results = rows_of(report)
    rows = changed(results)
    if rows:
        page.add("", f"### Changed outcomes ({len(rows)})", "")
        lines = []
        for r in rows:
            since = since_text(r)
            lines.append(
                clip(
                    f"- `{r.case}` on `{r.target}`: **{r.status}**: expected {r.expected}, got {got(r)}"
                    + (f" ({since})" if since else ""),
                    _LINE,
                )
            )
    groups = error_groups(results)
    if rows:
        page.add_list(lines, cap=60, reserve=min(4096, 400 + 300 * len(groups)))
    if groups:
        page.add(
            "",
            f"### No verdict ({sum(len(g.rows) for g in groups)} items), by kind",
            "",
            "| kind | items | example |",
            "|---|---|---|",
        )
        lines = []
        for g in groups:
            ex = g.example
            example = clip(f"`{ex.case}` on `{ex.target}`: {error_message(ex)}", 220).replace("|", "\\|")
            lines.append(f"| {g.kind.replace('|', '/')} | {len(g.rows)} | {example} |")
        page.add_list(lines, cap=20, reserve=600, more="| … and {n} more kinds | | |")
    general = [r for r in results if r.read_by == "general"]
    if general:
        page.add(
            "",
            f"### Read by the general layer ({len(general)} items)",
            "",
            "No reader knew these answers' shapes; their status, fields and wording gave the verdict. "
            "Add the shape to the readers, or a `[[tool.imgsafe.answers]]` rule.",
            "",
        )
        page.add_list(
            [
                clip(
                    f"- `{r.case}` on `{r.target}`: {got(r)}" + (f", code {r.code}" if r.code else ""),
                    _LINE,
                )
                for r in general
            ],
            cap=20,
            reserve=600,
        )
    moved = report.get("changes_since_last") or []
    if moved:
        page.add("", f"### Changed since the previous run ({when(report.get('previous_run'))})", "")
        page.add_list(
            [clip(f"- `{c['case']}` on `{c['target']}`: {c['before']} → {c['now']}", _LINE) for c in moved],
            cap=40,
            reserve=300,
        )
    if report.get("screen"):
        page.add(
            "",
            "### Local screen against the targets",
            "",
            "| screen | target | scenario | precision | recall | tp | fp | fn | tn |",
            "|---|---|---|---|---|---|---|---|---|",
        )
        lines = []
        for row in report["screen"]:
            pr = "" if row["precision"] is None else f"{row['precision']:.0%}"
            rc = "" if row["recall"] is None else f"{row['recall']:.0%}"
            lines.append(
                f"| {row['screen']} | {row['target']} | {row['scenario']} | {pr} "
                f"| {rc} | {row['tp']} | {row['fp']} | {row['fn']} | {row['tn']} |"
            )
        page.add_list(lines, cap=40, reserve=0, more="| … and {n} more rows | | | | | | | | |")
    return page.text()


def _rate_table(page: Bounded, report: Mapping[str, Any]) -> None:
    """Scenarios x targets: block rate, blocked/items, and the change in points since the last run."""
    targets = sorted({r["target"] for r in report["rates"]})
    scenarios = sorted({r["scenario"] for r in report["rates"]})
    if not targets:
        return
    prev = {(r["scenario"], r["target"]): r["rate"] for r in report.get("previous_rates", [])}
    by = {(r["scenario"], r["target"]): r for r in report["rates"]}
    page.add("", "| scenario | " + " | ".join(targets) + " |", "|---|" + "---|" * len(targets))
    for s in scenarios:
        cells = []
        for name in targets:
            r = by.get((s, name))
            if r is None:
                cells.append("")
                continue
            cell = f"{r['rate']:.0%} ({r['blocked']}/{r['items']})"
            before = prev.get((s, name))
            if before is not None and abs(before - r["rate"]) > 1e-9:
                cell += f" {'+' if r['rate'] > before else ''}{(r['rate'] - before) * 100:.0f} pts"
            cells.append(cell)
        page.add(f"| {s} | " + " | ".join(cells) + " |")
