"""What a reader of a report looks at first, computed once for the Markdown and the HTML alike.

A nightly run after a provider outage can hold hundreds of identical rate-limit errors and two
real findings; in corpus order the findings are buried. So rows are ordered by how much they
matter (changed outcomes, then errors, then the rest) and errors are grouped by kind, with a
count and one example each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..base.row import GROUPS, Row
from ..providers.verdict import ERROR_KINDS, ApiError


def rank(row: Row) -> int:
    """0 for a changed outcome, 1 for no verdict, then flaky, skipped and ok."""
    return GROUPS.index(row.group)


def ordered(results: Iterable[Row]) -> list[Row]:
    """The rows, changed outcomes first, then errors, flaky, skipped, ok; corpus order within each."""
    return sorted(results, key=rank)


def changed(results: Iterable[Row]) -> list[Row]:
    """The rows whose outcome changed: drift, stage changed, mismatch, config changed."""
    return [r for r in results if r.failing]


def error_kind(row: Row) -> str:
    """A key that groups near-identical errors: ``rate_limited, HTTP 429, rate_limit_exceeded``.

    The provider's answer gives it as data; another message (a missing cassette, a row of an
    earlier version) loses its quoted names, node ids, paths and numbers, so the same failure
    on many items is one group."""
    if row.error_group:
        return row.error_group
    text = row.error or ""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\S*(?:::|/)\S*", "…", text.splitlines()[0] if text else "error")
    return re.sub(r"\d+", "N", text)[:100]


def error_message(row: Row) -> str:
    """The provider's part of an error row (the case and target are shown beside it): what it
    answered, as its error prints (kind, status, code, its words), else the error's first line."""
    if row.error_kind in ERROR_KINDS and row.message is not None:
        return str(ApiError(row.error_kind, row.message, row.http_status, row.code, row.request_id))
    return row.error.splitlines()[0] if row.error else ""


@dataclass
class ErrorGroup:
    """The items that got no verdict for one reason."""

    kind: str
    rows: list[Row] = field(default_factory=list)

    @property
    def example(self) -> Row:
        return self.rows[0]


def error_groups(results: Iterable[Row]) -> list[ErrorGroup]:
    """The errors grouped by kind, the largest group first."""
    groups: dict[str, ErrorGroup] = {}
    for row in results:
        if row.status == "error":
            kind = error_kind(row)
            groups.setdefault(kind, ErrorGroup(kind)).rows.append(row)
    return sorted(groups.values(), key=lambda g: (-len(g.rows), g.kind))


def got(row: Row) -> str:
    """What came back, for a reader: the verdict, or for a fuzz spec the example that broke it."""
    if row.actual:
        return row.actual
    if row.fuzz is not None:
        return f"a failing example (fuzz seed {row.fuzz.get('seed')}, {row.fuzz.get('examples')} examples)"
    return "no verdict"


def when(stamp: object) -> str:
    """A report's ISO time as a reader scans it: ``2026-12-02 03:17 UTC`` (None and others as they are)."""
    text = str(stamp)
    match = re.fullmatch(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d):\d\dZ", text)
    return f"{match[1]} {match[2]} UTC" if match else text


def since_text(row: Row) -> str:
    """``since …`` for a changed row: the history's first night, else the recording's date."""
    since = row.since_when
    if since is not None:
        if since.get("held") is None:
            return f"on every night of the history, since {when(since.get('first_seen'))} at least"
        first = f"first seen {when(since['first_seen'])}" if since.get("first_seen") else "first seen in this run"
        return f"{first}; {since['held']} last held {when(since['last_held'])}"
    drift = row.drift
    if drift is not None and drift.get("since"):
        return f"since the recording of {when(drift['since'])}"
    return ""


def recorded_label(row: Row) -> str:
    """What the recording said, from a drift's changes: ``block:input moderation_blocked [public_figure]``."""
    changes = row.drift.get("changes") if row.drift is not None else None
    if not isinstance(changes, dict) or "verdict" not in changes and "stage" not in changes:
        return ""
    now = row.actual or ""
    verdict = (changes.get("verdict") or [now.split(":")[0]])[0]
    stage = (changes.get("stage") or [now.split(":")[1] if ":" in now else None])[0]
    code = (changes.get("code") or [row.code])[0]
    categories = (changes.get("categories") or [None])[0]
    return (
        f"{verdict}{':' + stage if stage else ''}"
        + (f" {code}" if code else "")
        + (f" [{categories}]" if categories else "")
    )


def clip(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters (a prompt or a provider message can be long)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def nights_label(stamps: Sequence[str]) -> list[str]:
    """Short labels for report timestamps that stay distinct: ``12-01``, else ``12-01 03:17``, else with seconds."""
    for width in (10, 16, 19):
        labels = [s[:width].replace("T", " ") for s in stamps]
        if len(set(labels)) == len(labels):
            same_year = len({s[:4] for s in stamps}) == 1
            return [label[5:] if same_year else label for label in labels]
    return list(stamps)
