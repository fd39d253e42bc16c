"""The run report: JSON (versioned, schema in ``schema/report.schema.json``), a Markdown summary for a
CI job summary, and a self-contained HTML page with block-rate charts across past runs.

Everything here is built from plain data (the items' results, the ledger's totals, the targets'
settings, earlier reports), so it is the same whether the run used xdist or not. Charts are
inline SVG: no plotting library, no network, a page that opens offline from a CI artifact.
"""

from __future__ import annotations

import html
import json
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import RunState

SCHEMA_ID = "pytest-imgsafe/report"
VERSION = 1
FAILING = ("drift: now blocked", "drift: now passes", "stage changed", "mismatch", "config changed")


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def build_report(state: RunState, history: Sequence[Mapping[str, Any]] = (), now: float | None = None) -> dict[str, Any]:
    """The report of a finished run; ``history``: the earlier reports, oldest first (``load_history``)."""
    settings = state.settings
    finished = now if now is not None else time.time()
    results = [dict(r) for r in state.results]
    totals = state.ledger.totals() if state.ledger is not None else None
    report: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "version": VERSION,
        "run": {
            "started": _iso(state.started or finished),
            "finished": _iso(finished),
            "mode": state.runner.mode,
            "fuzz_seed": state.fuzz_seed,
            "budget_usd": state.ledger.budget_usd if state.ledger else None,
            "max_blocks": state.ledger.max_blocks if state.ledger else None,
        },
        "targets": {name: settings.targets[name].describe() for name in settings.active_targets},
        "totals": _totals(results, totals),
        "rates": block_rates(results),
        "screen": screen_confusion(results, [n for n in settings.active_targets if settings.targets[n].kind == "screen"]),
        "results": results,
    }
    previous = list(history[-1:])
    report["changes_since_last"] = changes(previous[0], report) if previous else []
    report["previous_run"] = previous[0]["run"]["finished"] if previous else None
    report["previous_rates"] = previous[0].get("rates", []) if previous else []
    return report


def _totals(results: Sequence[Mapping[str, Any]], ledger: Any) -> dict[str, Any]:
    counts: dict[str, int] = defaultdict(int)
    for r in results:
        counts[str(r.get("status") or "ok")] += 1
    return {
        "items": len(results),
        "ok": counts["ok"],
        "drift": sum(counts[s] for s in ("drift: now blocked", "drift: now passes", "stage changed")),
        "mismatch": counts["mismatch"],
        "config_changed": counts["config changed"],
        "flaky": counts["flaky"],
        "errors": counts["error"],
        "skipped": counts["skipped"],
        "calls": ledger.calls if ledger else None,
        "spent_usd": ledger.spent_usd if ledger else None,
        "blocks_sent": ledger.blocks if ledger else None,
        "skipped_for_budget": ledger.skipped_budget if ledger else None,
        "skipped_for_max_blocks": ledger.skipped_blocks if ledger else None,
        "stopped": ledger.stopped if ledger else None,
    }


def block_rates(results: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Block rate per (scenario, target) over the items that got a verdict."""
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        if not r.get("actual"):
            continue
        cell = cells[(str(r.get("scenario") or "unspecified"), str(r["target"]))]
        cell[0] += 1
        cell[1] += str(r["actual"]).startswith("block")
    return [
        {"scenario": s, "target": t, "items": n, "blocked": b, "rate": round(b / n, 4)}
        for (s, t), (n, b) in sorted(cells.items())
    ]


def screen_confusion(results: Iterable[Mapping[str, Any]], screens: Sequence[str]) -> list[dict[str, Any]]:
    """Per scenario, how well each local screen predicts each provider target's blocks."""
    verdicts: dict[tuple[str, str], str] = {}
    scenario_of: dict[str, str] = {}
    for r in results:
        if r.get("actual"):
            verdicts[(r["case"], r["target"])] = str(r["actual"]).split(":")[0]
            scenario_of[r["case"]] = str(r.get("scenario") or "unspecified")
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
                        "screen": screen_name, "target": target, "scenario": scenario, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
                        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
                        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
                    }
                )
    return rows


def changes(previous: Mapping[str, Any], current: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Items whose verdict differs from the previous run's."""
    before = {(r["case"], r["target"]): r.get("actual") for r in previous.get("results", [])}
    out = []
    for r in current["results"]:
        key = (r["case"], r["target"])
        if key in before and r.get("actual") and before[key] and before[key] != r.get("actual"):
            out.append({"case": r["case"], "target": r["target"], "before": before[key], "now": r["actual"]})
    return out


def load_history(folder: Path | None) -> list[dict[str, Any]]:
    """Earlier reports in a folder, oldest first (files that are not our reports are ignored)."""
    if folder is None or not folder.is_dir():
        return []
    reports = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("schema") == SCHEMA_ID:
            reports.append(data)
    return sorted(reports, key=lambda d: d["run"]["finished"])


def write_reports(path: Path, report: Mapping[str, Any], history: Sequence[Mapping[str, Any]] = ()) -> list[Path]:
    """Write PATH (JSON), PATH.md and PATH.html (charted over ``history`` and this run); returns the three paths."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, sort_keys=False), encoding="utf-8")
    md = path.with_name(path.name + ".md") if path.suffix != ".json" else path.with_suffix(".md")
    page = path.with_name(path.name + ".html") if path.suffix != ".json" else path.with_suffix(".html")
    md.write_text(markdown(report), encoding="utf-8")
    series = [*history, dict(report)]
    page.write_text(html_page(report, series), encoding="utf-8")
    return [path, md, page]


# --- Markdown -------------------------------------------------------------------------------


def markdown(report: Mapping[str, Any]) -> str:
    """A summary fit for a CI job summary: totals, a scenario x target table, what changed."""
    t = report["totals"]
    run = report["run"]
    lines = [f"## pytest-imgsafe: {run['mode']} run, {run['finished']}", ""]
    head = f"**{t['items']} items**: {t['ok']} ok, {t['drift']} drift, {t['mismatch']} mismatch, {t['errors']} errors, {t['skipped']} skipped, {t['flaky']} flaky"
    if t.get("config_changed"):
        head += f", {t['config_changed']} config changed"
    lines.append(head)
    if t.get("calls") is not None:
        lines.append(f"\nCalls made: {t['calls']}; estimated spend: ${t['spent_usd']:.4f}; blocks sent: {t['blocks_sent']}")
    if t.get("stopped"):
        lines.append(f"\n**Stopped:** {t['stopped']}")
    targets = sorted({r["target"] for r in report["rates"]})
    scenarios = sorted({r["scenario"] for r in report["rates"]})
    prev = _previous_rates(report)
    if targets:
        lines += ["", "| scenario | " + " | ".join(targets) + " |", "|---|" + "---|" * len(targets)]
        by = {(r["scenario"], r["target"]): r for r in report["rates"]}
        for s in scenarios:
            cells = []
            for tname in targets:
                r = by.get((s, tname))
                if r is None:
                    cells.append("")
                    continue
                cell = f"{r['rate']:.0%} ({r['blocked']}/{r['items']})"
                before = prev.get((s, tname))
                if before is not None and abs(before - r["rate"]) > 1e-9:
                    cell += f" {'+' if r['rate'] > before else ''}{(r['rate'] - before) * 100:.0f} pts"
                cells.append(cell)
            lines.append(f"| {s} | " + " | ".join(cells) + " |")
    if report.get("screen"):
        lines += ["", "### Local screen against the targets", "", "| screen | target | scenario | precision | recall | tp | fp | fn | tn |", "|---|---|---|---|---|---|---|---|---|"]
        for row in report["screen"]:
            pr = "" if row["precision"] is None else f"{row['precision']:.0%}"
            rc = "" if row["recall"] is None else f"{row['recall']:.0%}"
            lines.append(f"| {row['screen']} | {row['target']} | {row['scenario']} | {pr} | {rc} | {row['tp']} | {row['fp']} | {row['fn']} | {row['tn']} |")
    failing = [r for r in report["results"] if r.get("status") in FAILING or r.get("status") == "error"]
    if failing:
        lines += ["", "### Changed outcomes and errors", ""]
        for r in failing[:200]:
            what = r.get("error") or f"expected {r['expected']}, got {r.get('actual')}"
            since = f" (recorded {r['drift']['since']})" if r.get("drift") and r["drift"].get("since") else ""
            lines.append(f"- `{r['case']}` on `{r['target']}`: **{r['status']}**{since}: {what}")
        if len(failing) > 200:
            lines.append(f"- … and {len(failing) - 200} more (see the JSON report)")
    if report.get("changes_since_last"):
        lines += ["", f"### Changed since the previous run ({report.get('previous_run')})", ""]
        lines += [f"- `{c['case']}` on `{c['target']}`: {c['before']} → {c['now']}" for c in report["changes_since_last"][:200]]
    return "\n".join(lines) + "\n"


def _previous_rates(report: Mapping[str, Any]) -> dict[tuple[str, str], float]:
    return {(r["scenario"], r["target"]): r["rate"] for r in report.get("previous_rates", [])}


# --- HTML -----------------------------------------------------------------------------------

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def html_page(report: Mapping[str, Any], series: Sequence[Mapping[str, Any]]) -> str:
    """A self-contained page: totals, one chart per scenario (block rate per target over runs), the items."""
    esc = html.escape
    t = report["totals"]
    run = report["run"]
    charts = []
    scenarios = sorted({r["scenario"] for rep in series for r in rep.get("rates", [])})
    for scenario in scenarios:
        charts.append(f'<figure><figcaption>{esc(scenario)}</figcaption>{rate_chart(series, scenario)}</figure>')
    rows = "".join(
        f"<tr class='{esc(str(r.get('status')).split(':')[0].replace(' ', '-'))}'><td>{esc(r['case'])}</td><td>{esc(r['target'])}</td>"
        f"<td>{esc(str(r.get('scenario') or ''))}</td><td>{esc(str(r['expected']))}</td><td>{esc(str(r.get('actual') or ''))}</td>"
        f"<td>{esc(str(r.get('status')))}</td><td>{esc(str(r.get('error') or r.get('note') or ''))}</td></tr>"
        for r in report["results"]
    )
    data = json.dumps({"runs": [rep["run"]["finished"] for rep in series], "rates": [rep.get("rates", []) for rep in series]})
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pytest-imgsafe report {esc(run['finished'])}</title>
<style>
body{{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}} figure{{display:inline-block;margin:0 1em 1em 0}}
figcaption{{font-weight:bold}} tr.drift,tr.mismatch,tr.error,tr.stage-changed,tr.config-changed{{background:#fde2e2}} tr.flaky{{background:#fff5cc}}
</style></head><body>
<h1>pytest-imgsafe: {esc(run['mode'])} run</h1>
<p>{esc(run['started'])} → {esc(run['finished'])}. {t['items']} items: {t['ok']} ok, {t['drift']} drift, {t['mismatch']} mismatch,
{t['errors']} errors, {t['skipped']} skipped, {t['flaky']} flaky.
{f"Calls {t['calls']}, estimated spend ${t['spent_usd']:.4f}, blocks sent {t['blocks_sent']}." if t.get('calls') is not None else ''}</p>
<h2>Block rate per scenario and target, across runs</h2>
{''.join(charts) or '<p>No verdicts.</p>'}
<h2>Items</h2>
<table><tr><th>case</th><th>target</th><th>scenario</th><th>expected</th><th>actual</th><th>status</th><th>detail</th></tr>{rows}</table>
<script type="application/json" id="imgsafe-history">{esc(data)}</script>
</body></html>
"""


def rate_chart(series: Sequence[Mapping[str, Any]], scenario: str, width: int = 360, height: int = 180) -> str:
    """An inline SVG line chart of one scenario's block rate per target over the runs."""
    esc = html.escape
    pad_l, pad_r, pad_t, pad_b = 36, 90, 10, 28
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    n = len(series)
    targets = sorted({r["target"] for rep in series for r in rep.get("rates", []) if r["scenario"] == scenario})

    def x(i: int) -> float:
        return pad_l + (inner_w * i / (n - 1) if n > 1 else inner_w / 2)

    def y(rate: float) -> float:
        return pad_t + inner_h * (1 - rate)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="block rate of {esc(scenario)}">']
    for tick in (0.0, 0.5, 1.0):
        parts.append(f'<line x1="{pad_l}" x2="{pad_l + inner_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{pad_l - 4}" y="{y(tick) + 4:.1f}" font-size="10" text-anchor="end">{tick:.0%}</text>')
    if n:
        parts.append(f'<text x="{pad_l}" y="{height - 8}" font-size="10">{esc(series[0]["run"]["finished"][:10])}</text>')
        parts.append(f'<text x="{pad_l + inner_w}" y="{height - 8}" font-size="10" text-anchor="end">{esc(series[-1]["run"]["finished"][:10])}</text>')
    for index, target in enumerate(targets):
        color = _COLORS[index % len(_COLORS)]
        points = []
        for i, rep in enumerate(series):
            rate = next((r["rate"] for r in rep.get("rates", []) if r["scenario"] == scenario and r["target"] == target), None)
            if rate is not None:
                points.append((x(i), y(rate), rate, rep["run"]["finished"]))
        if not points:
            continue
        coords = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
        parts.append(f'<polyline class="series" data-target="{esc(target)}" fill="none" stroke="{color}" stroke-width="2" points="{coords}"/>')
        for px, py, rate, when in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}"><title>{esc(target)} {esc(when)}: {rate:.0%}</title></circle>')
        parts.append(f'<text x="{pad_l + inner_w + 6}" y="{pad_t + 12 * (index + 1)}" font-size="10" fill="{color}">{esc(target)}</text>')
    parts.append("</svg>")
    return "".join(parts)
