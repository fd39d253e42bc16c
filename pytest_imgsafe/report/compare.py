"""What changed between two runs: ``python -m pytest_imgsafe.report compare OLD.json NEW.json``.

A nightly run compares itself with the night before; this compares any two reports a person
picks (before and after a prompt change, a model upgrade, a provider's announced retraining).
Items are matched by (case, target); the comparison is plain data, then text, Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base.row import Row, rows_of
from ..base.scrub import escape_html, escape_line
from .digest import clip, error_kind
from .markdown import LIMIT_BYTES, Bounded

Key = tuple[str, str]


def _outcome(row: Row) -> str:
    """The verdict; for a row without one, why not (a fuzz spec's row has its status instead)."""
    if row.actual:
        return row.actual
    status = row.status or ""
    if status == "error":
        return f"no verdict ({error_kind(row)})"
    return status or "no verdict"


def _answered(outcome: str) -> bool:
    return not outcome.startswith("no verdict") and outcome != "skipped"


def compare_reports(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Outcome changes (apart: verdicts lost to errors, and regained), status changes, items added
    and removed, and block-rate changes."""
    before = {r.key: r for r in rows_of(old)}
    after = {r.key: r for r in rows_of(new)}
    outcomes: list[dict[str, Any]] = []
    lost: list[dict[str, Any]] = []
    regained: list[dict[str, Any]] = []
    statuses: list[dict[str, Any]] = []
    for key in sorted(before.keys() & after.keys()):
        b, a = before[key], after[key]
        row = {"case": key[0], "target": key[1], "scenario": a.scenario or b.scenario}
        old_outcome, new_outcome = _outcome(b), _outcome(a)
        if old_outcome != new_outcome:
            # a real change first; an outage's lost verdicts apart, so they do not bury it
            group = (
                outcomes
                if _answered(old_outcome) == _answered(new_outcome)
                else lost
                if _answered(old_outcome)
                else regained
            )
            group.append({**row, "before": old_outcome, "now": new_outcome})
        elif b.status != a.status:
            statuses.append({**row, "before": b.status, "now": a.status, "expected": a.expected})
    old_rates = {(r["scenario"], r["target"]): r for r in old.get("rates", [])}
    new_rates = {(r["scenario"], r["target"]): r for r in new.get("rates", [])}
    rates = []
    for key in sorted(old_rates.keys() | new_rates.keys()):
        o, n = old_rates.get(key), new_rates.get(key)
        if o is None or n is None or abs(o["rate"] - n["rate"]) > 1e-9:
            rates.append(
                {
                    "scenario": key[0],
                    "target": key[1],
                    "before": o["rate"] if o else None,
                    "now": n["rate"] if n else None,
                }
            )
    return {
        "old": old["run"]["finished"],
        "new": new["run"]["finished"],
        "outcomes": outcomes,
        "lost": lost,
        "regained": regained,
        "statuses": statuses,
        "added": [
            {"case": c, "target": t, "now": _outcome(after[(c, t)])} for c, t in sorted(after.keys() - before.keys())
        ],
        "removed": [
            {"case": c, "target": t, "before": _outcome(before[(c, t)])}
            for c, t in sorted(before.keys() - after.keys())
        ],
        "rates": rates,
        "totals": {
            k: [old["totals"].get(k), new["totals"].get(k)]
            for k in ("items", "ok", "drift", "mismatch", "errors", "skipped", "flaky")
        },
    }


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def _sections(diff: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """(title, lines) in reading order; shared by the text and Markdown renderings.

    Each line is escaped (:func:`escape_line`): its names come from a report file, perhaps a
    CI artifact, and a control character in a case name must not recolour, retitle or erase the
    reader's terminal, nor a line break in it start a line of its own."""
    out = [
        (
            f"Outcomes changed ({len(diff['outcomes'])})",
            [f"{r['case']} on {r['target']}: {r['before']} → {r['now']}" for r in diff["outcomes"]],
        ),
        (
            f"Block rates changed ({len(diff['rates'])})",
            [f"{r['scenario']} on {r['target']}: {_pct(r['before'])} → {_pct(r['now'])}" for r in diff["rates"]],
        ),
        (
            f"No verdict now ({len(diff['lost'])})",
            [f"{r['case']} on {r['target']}: {r['before']} → {r['now']}" for r in diff["lost"]],
        ),
        (
            f"A verdict again ({len(diff['regained'])})",
            [f"{r['case']} on {r['target']}: {r['before']} → {r['now']}" for r in diff["regained"]],
        ),
        (
            f"Status changed, same outcome ({len(diff['statuses'])})",
            [
                f"{r['case']} on {r['target']}: {r['before']} → {r['now']} (expected {r['expected']})"
                for r in diff["statuses"]
            ],
        ),
        (
            f"Items only in the new run ({len(diff['added'])})",
            [f"{r['case']} on {r['target']}: {r['now']}" for r in diff["added"]],
        ),
        (
            f"Items only in the old run ({len(diff['removed'])})",
            [f"{r['case']} on {r['target']}: {r['before']}" for r in diff["removed"]],
        ),
    ]
    return [(title, [escape_line(line) for line in lines]) for title, lines in out if lines]


def _totals_line(diff: Mapping[str, Any]) -> str:
    return escape_line(", ".join(f"{k} {a} → {b}" if a != b else f"{k} {a}" for k, (a, b) in diff["totals"].items()))


def _title(diff: Mapping[str, Any]) -> str:
    """Which two runs: their finish times, as the reports give them (escaped like every line)."""
    return escape_line(f"pytest-imgsafe: {diff['old']} → {diff['new']}")


def as_text(diff: Mapping[str, Any]) -> str:
    """For the terminal: every change, one line each."""
    lines = [_title(diff), f"  {_totals_line(diff)}"]
    sections = _sections(diff)
    if not sections:
        lines.append("  no outcome, status, item or block rate changed")
    for title, rows in sections:
        lines += ["", title + ":"] + [f"  {row}" for row in rows]
    return "\n".join(lines) + "\n"


def as_markdown(diff: Mapping[str, Any]) -> str:
    """For a job summary or a pull request: bounded like the run's summary (16 KiB)."""
    page = Bounded(LIMIT_BYTES)
    page.add(f"## {_title(diff)}", "", _totals_line(diff))
    sections = _sections(diff)
    if not sections:
        page.add("", "No outcome, status, item or block rate changed.")
    for title, rows in sections:
        page.add("", f"### {title}", "")
        page.add_list([clip(f"- {r}", 300) for r in rows], cap=80, reserve=400)
    return page.text()


def as_html(diff: Mapping[str, Any]) -> str:
    """A self-contained page with one table per kind of change."""
    esc = escape_html
    parts = [
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>pytest-imgsafe: comparison</title>'
        "<style>body{font:14px/1.45 system-ui,sans-serif;margin:1.2em 2em;color:#1d1d1f}table{border-collapse:collapse}"
        "td,th{border-bottom:1px solid #e5e5e5;padding:3px 8px;text-align:left}"
        "th{background:#f6f7f9}h2{font-size:1.1em;margin-top:1.4em}</style></head><body>",
        f"<h1>{esc(_title(diff))}</h1><p>{esc(_totals_line(diff))}</p>",
    ]
    sections = _sections(diff)
    if not sections:
        parts.append("<p>No outcome, status, item or block rate changed.</p>")
    for title, rows in sections:
        parts.append(
            f"<h2>{esc(title)}</h2><table><tbody>"
            + "".join(f"<tr><td>{esc(r)}</td></tr>" for r in rows)
            + "</tbody></table>"
        )
    parts.append("</body></html>\n")
    return "".join(parts)
