"""``view REPORT`` and ``serve DIR``: the HTML report opened in a browser, and past runs listed.

``view`` opens the page written beside a JSON report (writing it first if only the JSON is
there, as a CI artifact download may be). ``serve`` answers on loopback from a history folder
(what ``--imgsafe-history`` reads): ``/`` lists every run, newest first, with its totals, and
``/run/N`` is run N's page, charted over the runs before it. Nothing is written into the folder.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..base.files import write_output
from ..base.scrub import escape_html
from . import sibling
from .build import load_history
from .digest import when
from .page import html_page

_esc = escape_html


def page_beside(report_path: Path, report: Mapping[str, Any]) -> Path:
    """The HTML page of a JSON report: the one beside it, written from the report when missing
    (``NotWritten`` when it cannot be, e.g. the report sits in a read-only folder)."""
    page = sibling(report_path, ".html")
    if not page.exists():
        write_output(page, html_page(report, [dict(report)]))
    return page


def runs_index(reports: Sequence[Mapping[str, Any]], folder: str, skipped: Sequence[str] = ()) -> str:
    """The list of past runs (oldest first in ``reports``), newest first, each linking to its page;
    then the files that were skipped, each with why (a truncated or unreadable report is named,
    never left out without a word)."""
    rows = []
    for number in range(len(reports) - 1, -1, -1):
        report = reports[number]
        run, totals = report["run"], report["totals"]
        changed = (totals.get("drift") or 0) + (totals.get("mismatch") or 0) + (totals.get("config_changed") or 0)
        rows.append(
            f"<tr><td><a href='/run/{number}'>{_esc(when(run['finished']))}</a></td><td>{_esc(str(run['mode']))}</td>"
            f"<td>{totals['items']}</td><td>{totals['ok']}</td><td>{changed}</td><td>{totals['errors']}</td>"
            f"<td>{totals['skipped']}</td></tr>"
        )
    body = (
        "<table><thead><tr><th>run</th><th>mode</th><th>items</th><th>as expected</th><th>changed or not as "
        f"expected</th><th>no verdict</th><th>skipped</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p>No run reports in this folder yet: it fills as nightly runs keep their JSON reports here.</p>"
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>pytest-imgsafe runs</title>'
        "<style>body{font:14px/1.45 system-ui,sans-serif;margin:1.2em 2em}td,th{padding:4px 10px;"
        "border-bottom:1px solid #e5e5e5;text-align:left}</style></head><body>"
        f"<h1>pytest-imgsafe: {len(reports)} runs in {_esc(folder)}</h1>{body}{_skipped(skipped)}</body></html>\n"
    )


def _skipped(lines: Sequence[str]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{_esc(line)}</li>" for line in lines)
    return f"<h2>Not listed: {len(lines)} file(s) that are no usable report</h2><ul>{items}</ul>"


def make_server(folder: Path, port: int = 0) -> ThreadingHTTPServer:
    """A loopback server of ``folder``'s runs (reports are read again on every request: a run that
    lands while it serves is listed)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            skipped: list[str] = []
            reports = load_history(folder, skipped.append)
            if self.path in ("/", "/index.html"):
                self._send(
                    200,
                    runs_index(reports, str(folder), [line.removeprefix("--imgsafe-history: ") for line in skipped]),
                )
                return
            number = self.path.removeprefix("/run/")
            if self.path.startswith("/run/") and number.isdigit() and int(number) < len(reports):
                n = int(number)
                self._send(200, html_page(reports[n], reports[: n + 1]))
                return
            self._send(404, "<p>No such run: <a href='/'>the list of runs</a></p>")

        def _send(self, status: int, page: str) -> None:
            data = page.encode("utf-8")
            self.send_response(status)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
            return  # quiet: the terminal shows the URL, not every request

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def serve_in_background(folder: Path, port: int = 0) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """The server of :func:`make_server`, answering on a daemon thread (stop it with ``shutdown()``)."""
    server = make_server(folder, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread
