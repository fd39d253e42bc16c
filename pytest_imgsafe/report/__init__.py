"""The run report: JSON (versioned, schema in ``schema/report.schema.json``), a Markdown summary
for a CI job summary, and a self-contained HTML page with block-rate charts across past runs.

``write_reports`` is the one entry point that writes the three files: whatever is done to a
report before it reaches a disk (scrubbing, the interrupted flag) is done before this call.
``python -m pytest_imgsafe.report compare OLD.json NEW.json`` says what changed between two runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..base.files import NotWritten, refused_outputs, report_files, report_sibling, write_output
from ..base.status import FAILING
from .build import SCHEMA_ID, VERSION, block_rates, build_report, changes, is_report, load_history, screen_confusion
from .charts import rate_chart
from .markdown import markdown
from .page import html_page

sibling = report_sibling


def write_reports(path: Path, report: Mapping[str, Any], history: Sequence[Mapping[str, Any]] = ()) -> list[Path]:
    """Write PATH (JSON), PATH.md and PATH.html (charted over ``history`` and this run); returns the three paths.

    Each file is replaced whole or not at all (a full disk leaves no truncated report); one that
    cannot be written is :class:`~pytest_imgsafe.base.files.NotWritten`, naming it. A report
    replaces only a report: a link, anything but a plain file, or a file that is not one of this
    plugin's reports (a cassette, a corpus) is left as it was, and nothing is written."""
    path, md, page = report_files(path)
    refused = refused_outputs((path, md, page))  # all three before any is written: three files or none
    if refused:
        raise NotWritten(f"{refused}; name a new report file")
    write_output(path, json.dumps(report, indent=1, sort_keys=False))
    write_output(md, markdown(report))
    write_output(page, html_page(report, [*history, dict(report)]))
    return [path, md, page]


__all__ = [
    "FAILING",
    "SCHEMA_ID",
    "VERSION",
    "block_rates",
    "build_report",
    "changes",
    "html_page",
    "is_report",
    "load_history",
    "markdown",
    "rate_chart",
    "screen_confusion",
    "sibling",
    "write_reports",
]
