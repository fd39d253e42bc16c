"""``python -m pytest_imgsafe.report compare OLD.json NEW.json [--out PATH]``,
``merge A.json B.json ... --out DIR [--history DIR]``, ``view REPORT`` and ``serve DIR``.

``view`` opens a run's HTML page in the browser; ``serve`` lists the runs of a history folder on
loopback, each linking to its page (see :mod:`.viewer`).

``compare`` prints what changed between two run reports; with ``--out``, also writes it as
Markdown (``.md``) or HTML (``.html``, or both from a name without either suffix). Exits 0 whether
or not anything changed (a comparison is read, not gated on), 2 on a file that is not a report or
an ``--out`` that cannot be written.

``merge`` reads the reports of every shard of one run (``--imgsafe-shard K/N``) and writes the
report one run would have written: ``DIR/report.json``, ``.md`` and ``.html``. Exits 0 when the
merged run passes, 1 when it has failing items or reasons to fail, 2 when the shards do not make
one run (the message names the shard and the fix).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..base.files import NotWritten, refused_outputs, write_output
from ..base.scrub import escape_line
from .build import load_history, read_report_argument
from .compare import as_html, as_markdown, as_text, compare_reports


def report_file(text: str) -> dict[str, Any]:
    """A typed argument: the path of one of our JSON reports, read (a message quotes a bad one)."""
    return read_report_argument(text)[1]


def named_report(text: str) -> tuple[str, dict[str, Any]]:
    """A typed argument: (the name it was given by, the report)."""
    return text, read_report_argument(text)[1]


def merge(args: argparse.Namespace) -> int:
    """Write the merged report of the shards; 2 (with the reason) when they do not make one run."""
    from ..base.status import FAILING
    from . import write_reports
    from .merge import MergeError, merge_shards

    history = load_history(args.history) if args.history is not None else None
    try:
        report = merge_shards(args.reports, history)
    except MergeError as err:
        sys.stderr.write(f"pytest-imgsafe report merge: {err}\n")
        return 2
    try:
        written = write_reports(args.out / "report.json", report, history or ())
    except NotWritten as err:
        sys.stderr.write(f"pytest-imgsafe report merge: {err}\n")
        return 2
    for path in written:
        sys.stdout.write(f"written: {escape_line(str(path))}\n")
    failing = [r for r in report["results"] if r.get("status") in FAILING]
    return 1 if failing or report["run"].get("failed_because") else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pytest_imgsafe.report", description="Work with pytest-imgsafe run reports."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    cmp = commands.add_parser(
        "compare", help="what changed between two runs", description="Print what changed between two run reports."
    )
    cmp.add_argument("old", type=report_file, metavar="OLD.json", help="the earlier report")
    cmp.add_argument("new", type=report_file, metavar="NEW.json", help="the later report")
    cmp.add_argument(
        "--out",
        type=Path,
        metavar="PATH",
        help="also write the comparison: PATH.md as Markdown, PATH.html as HTML, another name as both",
    )
    view = commands.add_parser(
        "view",
        help="open a run's HTML page in the browser",
        description="Open the HTML page beside a JSON report (written from the report if only the JSON is there).",
    )
    view.add_argument("report", metavar="REPORT.json", help="the JSON report written by --imgsafe-report")
    serve = commands.add_parser(
        "serve",
        help="list past runs from a history folder",
        description="Serve on 127.0.0.1 a list of the runs in a history folder (--imgsafe-history), each "
        "linking to its page, until Ctrl-C.",
    )
    serve.add_argument("folder", type=Path, metavar="DIR", help="the folder of JSON reports")
    serve.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default 0)")
    mrg = commands.add_parser(
        "merge",
        help="one report from the shards of a run",
        description="Merge the JSON reports of every shard of one run (--imgsafe-shard K/N) into the report "
        "one run would have written.",
    )
    mrg.add_argument("reports", type=named_report, nargs="+", metavar="SHARD.json", help="every shard's report")
    mrg.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="where report.json, report.md and report.html go"
    )
    mrg.add_argument(
        "--history",
        type=Path,
        metavar="DIR",
        help="the earlier reports (as --imgsafe-history); without it, what the shards read from theirs",
    )
    args = parser.parse_args(argv)
    if args.command == "view":
        return _view(args.report)
    if args.command == "serve":
        return _serve(args.folder, args.port)
    if args.command == "merge":
        return merge(args)
    diff = compare_reports(args.old, args.new)
    sys.stdout.write(as_text(diff))
    out: Path | None = args.out
    if out is not None:
        targets = (
            [out]
            if out.suffix in (".md", ".html")
            else [out.with_name(out.name + ".md"), out.with_name(out.name + ".html")]
        )
        refused = refused_outputs(targets)  # all before any is written: a page replaces only a page of ours
        if refused:
            sys.stderr.write(f"python -m pytest_imgsafe.report: {refused}; name a new --out\n")
            return 2
        for path in targets:
            try:
                write_output(path, as_markdown(diff) if path.suffix == ".md" else as_html(diff))
            except NotWritten as err:
                sys.stderr.write(f"python -m pytest_imgsafe.report: {err}\n")
                return 2
            sys.stdout.write(f"written: {escape_line(str(path))}\n")
    return 0


def _view(text: str) -> int:
    import webbrowser

    from .viewer import page_beside

    path = Path(text)
    if path.suffix == ".html" and path.exists():
        page = path
    else:
        try:
            page = page_beside(*read_report_argument(text))
        except (argparse.ArgumentTypeError, NotWritten) as err:
            sys.stderr.write(f"python -m pytest_imgsafe.report view: {err}\n")
            return 2
    uri = page.resolve().as_uri()
    opened = webbrowser.open(uri)
    sys.stdout.write(f"{'opened' if opened else 'open this in a browser'}: {uri}\n")
    return 0


def _serve(folder: Path, port: int) -> int:
    from .viewer import make_server

    if not folder.is_dir():
        sys.stderr.write(f"python -m pytest_imgsafe.report serve: {folder} is not a folder of JSON reports\n")
        return 2
    server = make_server(folder, port)
    sys.stdout.write(f"http://127.0.0.1:{server.server_address[1]}/  (past runs in {folder}; Ctrl-C stops it)\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def run(argv: Sequence[str] | None = None) -> int:
    """:func:`main`, quiet when the reader of its output goes away (``compare ... | head``): the
    rest is not wanted, and a traceback about a closed pipe would be the only thing shown."""
    try:
        return main(argv)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's own flush at exit would fail again
        return 1


if __name__ == "__main__":
    sys.exit(run())
