"""The HTML report: one self-contained page a team reads the morning after a nightly run.

Failures and drift come first, then the errors grouped by kind (collapsed: 330 identical rate
limits are one line until opened), the charts, and every item in a table a reader can filter by
status, target and scenario and sort by any column. Each item shows its outcome per night from
``--imgsafe-history``. The only script is a few lines inline: the page works from a file, offline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..base.row import GROUPS, Row, rows_of
from ..base.scrub import escape_html
from .build import nights_by_item
from .charts import rate_chart
from .digest import (
    changed,
    clip,
    error_groups,
    error_kind,
    error_message,
    got,
    nights_label,
    ordered,
    recorded_label,
    since_text,
    when,
)
from .sample import sample_note

HISTORY_NIGHTS = 30  # cells per item in the history column: a month of nights
_esc = escape_html

# In STYLE and SCRIPT a backslash at the end of a line joins it with the next (no newline in the page).
STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1.2em 2em;max-width:1400px;\
color:#1d1d1f}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #ddd;\
padding-bottom:.2em}
.meta{color:#555;margin:.2em 0 .8em}.badges span{display:inline-block;padding:.15em .6em;margin:0 .4em .4em 0;\
border-radius:1em;background:#eef1f4}
.badges .bad{background:#fde2e2;color:#8a1010;font-weight:600}.badges .warn{background:#fff1c2}\
.badges .good{background:#e3f4e3}
.note{padding:.5em .8em;border-left:4px solid #d62728;background:#fff5f5;margin:.5em 0}\
.note.info{border-color:#1f77b4;background:#f3f8fd}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e5e5e5;padding:4px 8px;text-align:left;\
vertical-align:top}
th{background:#f6f7f9;position:sticky;top:0;z-index:1}th button{all:unset;cursor:pointer;font-weight:600}\
th button::after{content:" \\2195";color:#aaa}
th[aria-sort=ascending] button::after{content:" \\2191";color:#333}\
th[aria-sort=descending] button::after{content:" \\2193";color:#333}
tr.changed td:first-child{border-left:4px solid #d62728}tr.error td:first-child{border-left:4px solid #999}\
tr.flaky td:first-child{border-left:4px solid #e0a800}
td.st{white-space:nowrap}.st-changed{color:#b00;font-weight:600}.st-error{color:#666}.st-flaky{color:#a67c00}
.nw{white-space:nowrap}.rid{font:11.5px ui-monospace,monospace;color:#666;overflow-wrap:anywhere}\
td.since{min-width:12em}td.rec{min-width:24em}
td.detail{max-width:32em;overflow-wrap:anywhere;color:#444;font-size:.92em}code{font-size:.92em}
.prompt{color:#333;max-width:28em;overflow-wrap:anywhere;margin-top:.15em}td.why{max-width:26em;font-size:.92em}\
.why b{font-weight:600}.trig{background:#fde2e2;border-radius:3px;padding:0 .25em}
details{margin:.3em 0;border:1px solid #e5e5e5;border-radius:6px;padding:.3em .7em}summary{cursor:pointer}\
summary b{font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:.6em 1.2em}figure{margin:0;padding:.4em;border:1px solid #eee;\
border-radius:6px}figcaption{font-weight:600;margin-bottom:.2em}
.filters{display:flex;flex-wrap:wrap;gap:.6em;align-items:center;margin:.4em 0 .6em}.filters label{color:#555}\
select,input{font:inherit;padding:2px 4px}
.hist{white-space:nowrap;font-size:0}.hist i{display:inline-block;width:9px;height:14px;margin-right:1px;\
border-radius:2px;background:#ddd}
.hist i.pass{background:#2ca02c}.hist i.block{background:#d62728}.hist i.block-output{background:#ff7f0e}\
.hist i.error{background:#999}.hist i.skipped{background:#eee;outline:1px solid #ccc}.hist i.now{outline:2px solid #333}
table.grid td,table.grid th{text-align:center;white-space:nowrap}table.grid td.p{text-align:left;\
white-space:normal;min-width:16em;max-width:30em}table.grid td.g-none{color:#bbb}table.grid{width:auto}\
table.grid th{white-space:normal;overflow-wrap:break-word;max-width:7.5em;font-size:.9em}
.g-pass{background:#e3f4e3}.g-block{background:#fde2e2}.g-error{background:#eee;color:#666}\
.g-changed{outline:2px solid #b00;outline-offset:-2px;font-weight:600}
details.drill{border:0;padding:0;margin:.2em 0 0}details.drill dl{display:grid;grid-template-columns:auto 1fr;\
gap:0 .6em;margin:.2em 0}details.drill dt{color:#777}details.drill dd{margin:0;overflow-wrap:anywhere}\
pre.wire{white-space:pre-wrap;overflow-wrap:anywhere;max-height:24em;overflow:auto;background:#f6f6f6;padding:.4em;\
font-size:.85em}
.legend i{display:inline-block;width:9px;height:12px;margin:0 .2em 0 .8em;border-radius:2px;vertical-align:middle}
"""

SCRIPT = """
(function(){
  var table=document.getElementById('items');if(!table)return;
  var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
  var pick={},names=['status','target','scenario','stage','code'];
  names.forEach(function(n){pick[n]=document.getElementById('f-'+n);});
  var text=document.getElementById('f-text'),count=document.getElementById('f-count');
  function apply(){
    var q=text.value.toLowerCase(),shown=0;
    rows.forEach(function(r){
      var ok=names.every(function(n){return !pick[n].value||r.dataset[n]===pick[n].value;})&&\
(!q||r.textContent.toLowerCase().indexOf(q)>=0);
      r.hidden=!ok;if(ok)shown++;
    });
    count.textContent=shown+' of '+rows.length+' items';
  }
  names.forEach(function(n){pick[n].addEventListener('change',apply);});
  text.addEventListener('input',apply);
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,col){
    var b=th.querySelector('button');if(!b)return;
    b.addEventListener('click',function(){
      var asc=th.getAttribute('aria-sort')!=='ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(c){c.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',asc?'ascending':'descending');
      var key=function(r){var c=r.cells[col];return c.dataset.sort!==undefined?c.dataset.sort:c.textContent;};
      rows.sort(function(a,b){var x=key(a),y=key(b),n=x.localeCompare(y,undefined,{numeric:true});return asc?n:-n;});
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  apply();
})();
"""


def html_page(report: Mapping[str, Any], series: Sequence[Mapping[str, Any]]) -> str:
    """The page of one report; ``series``: the earlier reports and this one, oldest first."""
    run = report["run"]
    results = rows_of(report)
    title = f"pytest-imgsafe: {run['mode']} run, {when(run['finished'])}"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{STYLE}</style></head><body>\n"
        f"<h1>{_esc(title)}</h1>\n{_header(report)}\n{_attention(results)}\n{_errors(results)}\n{_charts(series)}\n"
        f"{_grid(results)}\n{_items(results, series)}\n{_history_json(series)}\n"
        f"<script>{SCRIPT}</script>\n</body></html>\n"
    )


def _header(report: Mapping[str, Any]) -> str:
    t, run = report["totals"], report["run"]
    badge = [
        ("items", t["items"], ""),
        ("ok", t["ok"], "good"),
        ("drift", t["drift"], "bad" if t["drift"] else ""),
        ("mismatch", t["mismatch"], "bad" if t["mismatch"] else ""),
        ("config changed", t.get("config_changed") or 0, "bad" if t.get("config_changed") else ""),
        ("no verdict", t["errors"], "warn" if t["errors"] else ""),
        ("flaky", t["flaky"], "warn" if t["flaky"] else ""),
        ("skipped", t["skipped"], ""),
    ]
    parts = [f'<p class="meta">{_esc(when(run["started"]))} → {_esc(when(run["finished"]))}']
    if t.get("calls") is not None:
        parts.append(f" · {t['calls']} calls, estimated spend ${t['spent_usd']:.4f}, {t['blocks_sent']} blocks sent")
    if report.get("previous_run"):
        parts.append(f" · compared with the run of {_esc(when(report['previous_run']))}")
    parts.append(
        "</p><p class='badges'>"
        + "".join(f'<span class="{c}">{n} {_esc(label)}</span>' for label, n, c in badge if n or label == "items")
        + "</p>"
    )
    if t.get("stopped"):
        parts.append(f'<p class="note">Stopped: {_esc(str(t["stopped"]))}</p>')
    if run.get("interrupted"):
        parts.append('<p class="note">Interrupted: the rows are the items that had run, not the whole corpus.</p>')
    for reason in run.get("failed_because") or ():
        parts.append(f'<p class="note">Failed: {_esc(str(reason))}</p>')
    note = sample_note(run)
    if note:
        parts.append(f'<p class="note info">{_esc(note)}</p>')
    if run.get("rerun_of"):
        parts.append(
            '<p class="note info">Merged report: the items without a verdict in the run of '
            f"{_esc(when(run['rerun_of']))} were called again ({run.get('reruns', 0)} items).</p>"
        )
    return "".join(parts)


def _attention(results: Sequence[Row]) -> str:
    rows = changed(results)
    if not rows:
        return (
            '<h2 id="changed">Changed outcomes</h2>'
            "<p>None: every outcome with a verdict is the expected and recorded one.</p>"
        )
    body = "".join(
        f"<tr class='changed'><td><code>{_esc(r.case)}</code>"
        f"{f'<div class=prompt>{_esc(r.prompt)}</div>' if r.prompt else ''}</td><td class='nw'>{_esc(r.target)}</td>"
        f"<td>{_esc(r.scenario or '')}</td><td class='st st-changed nw'>{_esc(r.status)}</td>"
        f"<td>{_esc(r.expected)} → <b>{_esc(got(r))}</b></td><td class='why'>{_why(r)}</td>"
        f"<td class='since'>{_keep_dates(since_text(r))}</td>"
        f"<td class='rec'>{_esc(_was(r))}{_request_id(r)}</td></tr>"
        for r in rows
    )
    return (
        f'<h2 id="changed">Changed outcomes ({len(rows)})</h2><table><thead>'
        "<tr><th>case and prompt</th><th>target</th><th>scenario</th><th>status</th>"
        "<th>expected → now</th><th>why</th><th>since</th><th>recorded / request id</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _keep_dates(text: str) -> str:
    """Escaped text whose ``2026-12-02 03:17 UTC`` dates never break across lines."""
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", lambda m: f"<span class='nw'>{m[0]}</span>", _esc(text))


def _request_id(row: Row) -> str:
    rid = row.request_id
    return f"<br><span class='rid' title='request id: quote it in an appeal'>{_esc(str(rid))}</span>" if rid else ""


def _was(row: Row) -> str:
    """The recorded answer of a drift, or what differs in a changed request."""
    drift = row.drift
    if drift is not None and drift.get("config_changes"):
        return "request differs in " + ", ".join(drift["config_changes"])
    return recorded_label(row)


def _errors(results: Sequence[Row]) -> str:
    groups = error_groups(results)
    if not groups:
        return ""
    total = sum(len(g.rows) for g in groups)
    blocks = []
    for g in groups:
        by_target: dict[str, list[str]] = {}
        for r in g.rows:
            by_target.setdefault(r.target, []).append(r.case)
        names = "".join(
            f"<li><b>{_esc(t)}</b> ({len(cases)}): "
            f"{_esc(', '.join(cases[:200]))}{f', … and {len(cases) - 200} more' if len(cases) > 200 else ''}</li>"
            for t, cases in sorted(by_target.items())
        )
        blocks.append(
            f"<details><summary><b>{len(g.rows)}</b> × {_esc(g.kind)}</summary>"
            f"<p>Example: <code>{_esc(g.example.case)}</code> on {_esc(g.example.target)}: "
            f"{_esc(clip(error_message(g.example), 400))}</p>"
            f"<ul class='detail'>{names}</ul></details>"
        )
    return (
        f'<h2 id="errors">No verdict ({total} items, {len(groups)} {"kind" if len(groups) == 1 else "kinds"})</h2>'
        f"<p>Never counted as pass or block. Open a kind to see its items.</p>{''.join(blocks)}"
    )


def _charts(series: Sequence[Mapping[str, Any]]) -> str:
    scenarios = sorted({r["scenario"] for rep in series for r in rep.get("rates", [])})
    if not scenarios:
        return '<h2 id="charts">Block rates</h2><p>No verdicts.</p>'
    what = "this run" if len(series) <= 1 else f"the last {len(series)} runs"
    figures = "".join(f"<figure><figcaption>{_esc(s)}</figcaption>{rate_chart(series, s)}</figure>" for s in scenarios)
    return f'<h2 id="charts">Block rate per scenario and target, {what}</h2><div class="charts">{figures}</div>'


def _cell_class(label: str) -> str:
    return "block-output" if label == "block:output" else label.split(":")[0]


def _items(results: Sequence[Row], series: Sequence[Mapping[str, Any]]) -> str:
    earlier = list(series[:-1])[-(HISTORY_NIGHTS - 1) :]
    index = nights_by_item(earlier) if earlier else {}
    stamps = [str(rep["run"]["finished"]) for rep in earlier]
    labels = nights_label([*stamps, str(series[-1]["run"]["finished"])]) if series else []
    configured: Mapping[str, Any] = (series[-1].get("targets") or {}) if series else {}
    statuses = sorted({r.group for r in results}, key=GROUPS.index)
    targets = sorted({r.target for r in results})
    scenarios = sorted({r.scenario or "unspecified" for r in results})
    stages = sorted({r.stage or "none" for r in results})
    codes = sorted({r.code or "none" for r in results})
    body = []
    for r in ordered(results):
        group = r.group
        scenario = r.scenario or "unspecified"
        now = r.night_label
        nights = dict(index.get(r.key, []))
        cells = "".join(
            f"<i class='{_cell_class(nights[s])}' title='{_esc(labels[i])}: {_esc(nights[s])}'></i>"
            if s in nights
            else f"<i title='{_esc(labels[i])}: not run'></i>"
            for i, s in enumerate(stamps)
        )
        cells += f"<i class='{_cell_class(now)} now' title='this run: {_esc(now)}'></i>"
        before = [(labels[i], nights[s]) for i, s in enumerate(stamps) if s in nights]
        # an error's full text is in its group above and in the tooltip: the row names its kind
        was = _was(r)
        full = str(r.error or r.note or (f"recorded: {was}" if was else ""))
        detail = error_kind(r) if r.status == "error" else full
        since = since_text(r) if group == "changed" else ""
        body.append(
            f"<tr class='{group}' data-status='{group}' "
            f"data-target='{_esc(r.target)}' data-scenario='{_esc(scenario)}' "
            f"data-stage='{_esc(r.stage or 'none')}' data-code='{_esc(r.code or 'none')}'>"
            f"<td data-sort='{_esc(r.case)}'><code>{_esc(r.case)}</code>"
            f"{f'<div class=prompt>{_esc(r.prompt)}</div>' if r.prompt else ''}</td>"
            f"<td class='nw'>{_esc(r.target)}</td><td>{_esc(scenario)}</td>"
            f"<td>{_esc(r.expected)}</td><td>{_esc(r.actual or '')}</td><td class='why'>{_why(r)}</td>"
            f"<td class='st st-{group}' "
            f"data-sort='{GROUPS.index(group)} {_esc(r.status)}'>"
            f"{_esc(r.status)}</td>"
            f"<td class='hist' data-sort='{sum(1 for v in nights.values() if v == now)}'>{cells}</td>"
            f"<td class='detail' title='{_esc(clip(full, 600))}'>"
            f"{_esc(clip(detail, 300))}{('<br>' + _keep_dates(since)) if since else ''}"
            f"{_opened(r, configured.get(r.target), before)}"
            "</td></tr>"
        )

    def select(name: str, values: Sequence[str]) -> str:
        options = "".join(f"<option>{_esc(v)}</option>" for v in values)
        return f"<label>{name} <select id='f-{name}'><option value=''>all</option>{options}</select></label>"

    legend = (
        "<span class='legend'>history:<i style='background:#2ca02c'></i>pass<i style='background:#d62728'></i>block"
        "<i style='background:#ff7f0e'></i>block:output<i style='background:#999'></i>no verdict</span>"
    )
    head = "".join(
        f"<th><button type='button'>{h}</button></th>"
        for h in ("case and prompt", "target", "scenario", "expected", "actual", "why", "status", "history", "detail")
    )
    return (
        "<h2 id='all'>All items</h2><div class='filters'>"
        f"{select('status', statuses)}{select('target', targets)}{select('scenario', scenarios)}"
        f"{select('stage', stages)}{select('code', codes)}"
        "<label>text <input id='f-text' type='search' placeholder='case, prompt, word, error…'></label>"
        f"<span id='f-count'>{len(results)} items</span>{legend}</div>"
        f"<table id='items'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


GRID_OPEN_UP_TO = 60  # cases: a longer grid starts collapsed


def _grid(results: Sequence[Row]) -> str:
    """Every prompt against every target, one cell per item (promptfoo's matrix): what each target
    did with the same prompt, side by side; a cell that failed its item is outlined."""
    targets = sorted({r.target for r in results})
    cases: dict[str, dict[str, Row]] = {}
    for one in results:
        cases.setdefault(one.case, {})[one.target] = one
    if not cases or len(targets) < 2:
        return ""
    lines = []
    for case, by_target in cases.items():
        prompt = next((x.prompt for x in by_target.values() if x.prompt), None)
        cells = []
        for target in targets:
            r = by_target.get(target)
            if r is None:
                cells.append("<td class='g-none' title='not run on this target'>–</td>")
                continue
            shown = r.actual or ("no verdict" if r.group == "error" else r.group)
            kind = "error" if r.group == "error" else shown.split(":")[0] if r.actual else ""
            outline = " g-changed" if r.group == "changed" else ""
            cells.append(
                f"<td class='g-{kind}{outline}' title='{_esc(target)}: expected {_esc(r.expected)}, {_esc(r.status)}'>"
                f"{_esc(shown)}</td>"
            )
        lines.append(
            f"<tr><td class='p'><code>{_esc(case)}</code>"
            f"{f'<div class=prompt>{_esc(prompt)}</div>' if prompt else ''}</td>{''.join(cells)}</tr>"
        )
    head = "".join(f"<th>{_esc(t)}</th>" for t in targets)
    table = f"<table class='grid'><thead><tr><th>prompt</th>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"
    state = " open" if len(cases) <= GRID_OPEN_UP_TO else ""
    return (
        f"<h2 id='grid'>Prompts × targets</h2><details{state}><summary>{len(cases)} prompts on {len(targets)} "
        f"targets: what each target did with the same prompt (outlined: not as expected)</summary>{table}</details>"
    )


def _opened(row: Row, target: Mapping[str, Any] | None, nights: Sequence[tuple[str, str]]) -> str:
    """A row opened: what was sent (the target's kind, model and params, the prompt), what came back
    as recorded in the report (scrubbed like every report), where it came from, and its nights."""
    sent = [("prompt", row.prompt)]
    if target:
        sent += [(k, target.get(k)) for k in ("kind", "model", "azure_deployment", "api_version")]
        sent.append(("params", ", ".join(f"{k}={v}" for k, v in (target.get("params") or {}).items()) or None))
    answer = [
        ("verdict", row.actual),
        ("stage", row.stage),
        ("code", row.code),
        ("categories", ", ".join(row.categories) or None),
        ("filter", row.filter),
        ("read by", row.read_by),
        ("HTTP status", row.http_status),
        ("message", row.message or row.error),
        ("request id", row.request_id),
        ("from", row.source),
    ]

    def listed(pairs: Sequence[tuple[str, Any]]) -> str:
        return "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(clip(str(v), 400))}</dd>" for k, v in pairs if v not in (None, ""))

    history = "".join(f"<li>{_esc(label)}: {_esc(outcome)}</li>" for label, outcome in nights[-10:])
    return (
        "<details class='drill'><summary>request and answer</summary>"
        f"<b>request</b><dl>{listed(sent)}</dl><b>answer</b><dl>{listed(answer)}</dl>"
        + _as_exchanged(row.exchange)
        + (f"<b>earlier nights</b><ul>{history}</ul>" if history else "")
        + "</details>"
    )


def _as_exchanged(exchange: Mapping[str, Any] | None) -> str:
    """A failing item's exchange itself: the request's fields as sent, and the answer's status,
    headers and body as recorded (a report keeps them for failing and erroring items only)."""
    if not isinstance(exchange, Mapping):
        return ""
    parts = []
    request = exchange.get("request")
    if isinstance(request, Mapping):
        sent = {k: request[k] for k in ("operation", "fields", "files") if request.get(k)}
        parts.append(f"<b>as sent</b><pre class='wire'>{_esc(json.dumps(sent, indent=1, ensure_ascii=False))}</pre>")
    answer = exchange.get("answer")
    if isinstance(answer, Mapping):
        headers = answer.get("headers")
        head = f"HTTP {answer.get('status')}" + "".join(
            f"\n{k}: {v}" for k, v in (headers.items() if isinstance(headers, Mapping) else ())
        )
        where = f" ({answer.get('from')})" if answer.get("from") else ""
        body = _esc(str(answer.get("body") or ""))
        parts.append(f"<b>as answered{_esc(where)}</b><pre class='wire'>{_esc(head)}\n\n{body}</pre>")
    return "".join(parts)


def _why(row: Row) -> str:
    """Why the item came out as it did: the stage, code and categories of a block, the filter that
    answered, and, when --imgsafe-explain ran, the words that triggered it and the suggested rewrite."""
    parts = []
    if row.stage or row.code:
        parts.append(f"<b>{_esc(' · '.join(x for x in (row.stage and f'{row.stage} stage', row.code) if x))}</b>")
    if row.categories:
        parts.append("categories: " + _esc(", ".join(row.categories)))
    if row.filter:
        parts.append("filter: " + _esc(row.filter))
    explained = row.explain or {}
    triggers = [" ".join(core) for core in explained.get("triggers") or ()]
    if triggers:
        parts.append("trigger: " + ", ".join(f"<span class='trig'>{_esc(w)}</span>" for w in triggers))
    if explained.get("suggestion"):
        parts.append("try: " + _esc(str(explained["suggestion"])))
    elif explained.get("refused"):
        parts.append("no rewrite: " + _esc(str(explained["refused"])))
    return "<br>".join(parts)


def _history_json(series: Sequence[Mapping[str, Any]]) -> str:
    data = json.dumps(
        {"runs": [rep["run"]["finished"] for rep in series], "rates": [rep.get("rates", []) for rep in series]}
    )
    return f'<script type="application/json" id="imgsafe-history">{_esc(data)}</script>'
