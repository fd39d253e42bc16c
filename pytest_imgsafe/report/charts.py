"""Inline SVG charts of block rates: no plotting library, no network, a page that opens offline.

One run is drawn as bars (a line through one point is a lone dot nobody can read). Many runs
are lines, each target with its own colour, marker shape and dash, markers nudged apart
sideways and lines drawn thinner one over another, so targets at the same rate stay visible.
Date labels are as short as they can be while staying distinct (two runs on one day show the
time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..base.scrub import escape_html
from .digest import nights_label

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "down")
DASHES = ("", "6 3", "2 2", "8 3 2 3")
WIDTH, HEIGHT = 400, 210
PAD_L, PAD_R, PAD_T, PAD_B = 38, 116, 18, 34


def _rate(report: Mapping[str, Any], scenario: str, target: str) -> Mapping[str, Any] | None:
    return next((r for r in report.get("rates", []) if r["scenario"] == scenario and r["target"] == target), None)


def _y(rate: float) -> float:
    return PAD_T + (HEIGHT - PAD_T - PAD_B) * (1 - rate)


def marker(shape: str, x: float, y: float, color: str, title: str) -> str:
    """One data point in the target's own shape (shapes tell series apart without colour)."""
    tip = f"<title>{escape_html(title)}</title>"
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{color}">{tip}</circle>'
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{color}">{tip}</rect>'
    pts = {
        "triangle": ((0, -5), (4.5, 3.5), (-4.5, 3.5)),
        "down": ((0, 5), (4.5, -3.5), (-4.5, -3.5)),
        "diamond": ((0, -5), (5, 0), (0, 5), (-5, 0)),
        "cross": ((-4, -4), (4, 4), (0, 0), (4, -4), (-4, 4), (0, 0)),
    }[shape]
    coords = " ".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in pts)
    if shape == "cross":
        return f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2">{tip}</polyline>'
    return f'<polygon points="{coords}" fill="{color}">{tip}</polygon>'


def _frame(scenario: str, right: int = WIDTH - PAD_R, below: int = 0, left: int = 0) -> list[str]:
    """The axes; ``below`` and ``left``: extra room under and before the plot (slanted target names)."""
    height, width = HEIGHT + below, WIDTH + left
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{-left} 0 {width} {height}" width="{width}" '
        f'height="{height}" '
        f'role="img" aria-label="block rate of {escape_html(scenario)}" font-family="system-ui,sans-serif">'
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line x1="{PAD_L}" x2="{right}" y1="{_y(tick):.1f}" '
            f'y2="{_y(tick):.1f}" stroke="{"#bbb" if tick in (0, 1) else "#eee"}"/>'
        )
        parts.append(
            f'<text x="{PAD_L - 5}" y="{_y(tick) + 4:.1f}" font-size="10" '
            f'text-anchor="end" fill="#555">{tick:.0%}</text>'
        )
    return parts


def rate_chart(series: Sequence[Mapping[str, Any]], scenario: str) -> str:
    """One scenario's block rate per target: bars for one run, lines over many."""
    targets = sorted({r["target"] for rep in series for r in rep.get("rates", []) if r["scenario"] == scenario})
    if len(series) <= 1:
        return _bars(series[-1] if series else {}, scenario, targets)
    return _lines(series, scenario, targets)


def _bars(report: Mapping[str, Any], scenario: str, targets: Sequence[str]) -> str:
    inner = WIDTH - PAD_L - 10
    slot = inner / max(len(targets), 1)
    bar = min(48.0, slot * 0.6)
    # Where a slot is narrower than a name or "84% (16/19)", names slant under the axis and a bar
    # says its share only (the counts are in its tooltip): ten targets stay readable.
    narrow = slot < 62
    below, left = (70, 40) if narrow else (0, 0)
    parts = _frame(scenario, WIDTH - 10, below, left)  # bars need no legend: the labels are under them
    for i, target in enumerate(targets):
        r = _rate(report, scenario, target)
        if r is None:
            continue
        color = COLORS[i % len(COLORS)]
        x = PAD_L + slot * i + (slot - bar) / 2
        top = _y(r["rate"])
        text = f"{r['rate']:.0%} ({r['blocked']}/{r['items']})"
        parts.append(
            f'<rect class="bar" data-target="{escape_html(target)}" x="{x:.1f}" y="{top:.1f}" width="{bar:.1f}" '
            f'height="{max(_y(0) - top, 1.5):.1f}" fill="{color}"><title>{escape_html(target)}: {text}</title></rect>'
        )
        shown = f"{r['rate']:.0%}" if narrow else text
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{top - 4:.1f}" font-size="10" text-anchor="middle">{shown}</text>'
        )
        label_x, label_y = x + bar / 2, HEIGHT - PAD_B + 14
        parts.append(
            f'<text x="{label_x:.1f}" y="{label_y}" font-size="10" fill="{color}" '
            + (
                f'text-anchor="end" transform="rotate(-35 {label_x:.1f} {label_y - 6})">'
                if narrow
                else 'text-anchor="middle">'
            )
            + f"{escape_html(target[:24] if narrow else target[:18])}</text>"
        )
    parts.append(
        f'<text x="{WIDTH - 10}" y="{HEIGHT + below - 4}" font-size="9" text-anchor="end" fill="#777">'
        f"{escape_html(str(report.get('run', {}).get('finished', ''))[:16].replace('T', ' '))} (one run)</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _lines(series: Sequence[Mapping[str, Any]], scenario: str, targets: Sequence[str]) -> str:
    parts = _frame(scenario)
    n = len(series)
    inner_w = WIDTH - PAD_L - PAD_R - 12

    def x(i: int) -> float:
        return PAD_L + 6 + inner_w * i / (n - 1)

    stamps = [str(rep["run"]["finished"]) for rep in series]
    labels = nights_label(stamps)
    ticks = sorted({round(k * (n - 1) / min(n - 1, 4)) for k in range(min(n - 1, 4) + 1)})
    for i in ticks:
        anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
        parts.append(f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{_y(0):.1f}" y2="{_y(0) + 4:.1f}" stroke="#999"/>')
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - PAD_B + 15}" font-size="10" '
            f'text-anchor="{anchor}" fill="#555">{escape_html(labels[i])}</text>'
        )
    k = len(targets)
    for index, target in enumerate(targets):
        color = COLORS[index % len(COLORS)]
        shape = MARKERS[index % len(MARKERS)]
        nudge = (index - (k - 1) / 2) * 4.0  # targets at the same rate sit side by side, not on top
        points = []
        for i, rep in enumerate(series):
            r = _rate(rep, scenario, target)
            if r is not None:
                points.append((x(i) + nudge, _y(r["rate"]), r, stamps[i]))
        if not points:
            continue
        coords = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
        width = max(1.2, 3.5 - 0.8 * index)  # later lines thinner: one on another stays visible
        dash = DASHES[index % len(DASHES)]
        parts.append(
            f'<polyline class="series" data-target="{escape_html(target)}" '
            f'fill="none" stroke="{color}" stroke-width="{width:.1f}" '
            f'stroke-opacity="0.85"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""} points="{coords}"/>'
        )
        for px, py, r, when in points:
            parts.append(
                marker(shape, px, py, color, f"{target} {when}: {r['rate']:.0%} ({r['blocked']}/{r['items']})")
            )
        ly = PAD_T + 8 + 16 * index
        lx = WIDTH - PAD_R + 8
        parts.append(
            f'<line x1="{lx}" x2="{lx + 18}" y1="{ly}" y2="{ly}" stroke="{color}" '
            f'stroke-width="2"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>'
        )
        parts.append(marker(shape, lx + 9, ly, color, target))
        parts.append(
            f'<text x="{lx + 22}" y="{ly + 4}" font-size="10" fill="{color}">{escape_html(target[:15])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
