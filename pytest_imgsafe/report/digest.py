"""What a reader of a report looks at first, computed once for the Markdown and the HTML alike.

A nightly run after a provider outage can hold hundreds of identical rate-limit errors and two
real findings; in corpus order the findings are buried. So rows are ordered by how much they
matter (changed outcomes, then errors, then the rest) and errors are grouped by kind, with a
count and one example each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..base.status import FAILING, Status

# status -> (group shown in filters, rank: lower comes first)
_RANK: dict[str, int] = {str(s): 0 for s in FAILING} | {
    Status.ERROR: 1,
    Status.FLAKY: 2,
    Status.SKIPPED: 3,
    Status.OK: 4,
}
# "target 't' gave no verdict for case 'c': KIND, HTTP N, code C: ..." (a case) and
# "fuzz spec 's' on target 't' got no verdict (after N examples, seed S): KIND, ..." (a fuzz spec)
_NO_VERDICT = re.compile(
    r"^(?P<prefix>.*?(?:gave no verdict for case '[^']*'|got no verdict \([^)]*\)): )"
    r"(?P<kind>[a-z_]+)(?:, HTTP (?P<http>\d+))?(?:, code (?P<code>[^:,\s]+))?"
)


def rank(row: Mapping[str, Any]) -> int:
    """0 for a changed outcome, 1 for no verdict, then flaky, skipped and ok."""
    return _RANK.get(str(row.get("status") or "ok"), 4)


def status_group(row: Mapping[str, Any]) -> str:
    """``changed``, ``error``, ``flaky``, ``skipped`` or ``ok``: the filter a reader picks."""
    return ("changed", "error", "flaky", "skipped", "ok")[rank(row)]


def ordered(results: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The rows, changed outcomes first, then errors, flaky, skipped, ok; corpus order within each."""
    return sorted(results, key=rank)


def changed(results: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The rows whose outcome changed: drift, stage changed, mismatch, config changed."""
    return [r for r in results if r.get("status") in FAILING]


def error_kind(text: str) -> str:
    """A key that groups near-identical errors: ``rate_limited, HTTP 429, rate_limit_exceeded``.

    Other messages lose their quoted names, node ids, paths and numbers, so the same failure on
    many items is one group."""
    match = _NO_VERDICT.search(text)
    if match:
        return ", ".join(p for p in (match["kind"], match["http"] and f"HTTP {match['http']}", match["code"]) if p)
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\S*(?:::|/)\S*", "…", text.splitlines()[0] if text else "error")
    return re.sub(r"\d+", "N", text)[:100]


def error_message(text: str) -> str:
    """The provider's part of an error row (the case and target are shown beside it)."""
    first = text.splitlines()[0] if text else ""
    match = _NO_VERDICT.search(first)
    return first[len(match["prefix"]) :] if match else first


@dataclass
class ErrorGroup:
    """The items that got no verdict for one reason."""

    kind: str
    rows: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def example(self) -> Mapping[str, Any]:
        return self.rows[0]


def error_groups(results: Iterable[Mapping[str, Any]]) -> list[ErrorGroup]:
    """The errors grouped by kind, the largest group first."""
    groups: dict[str, ErrorGroup] = {}
    for row in results:
        if row.get("status") == "error":
            kind = error_kind(str(row.get("error") or ""))
            groups.setdefault(kind, ErrorGroup(kind)).rows.append(row)
    return sorted(groups.values(), key=lambda g: (-len(g.rows), g.kind))


def got(row: Mapping[str, Any]) -> str:
    """What came back, for a reader: the verdict, or for a fuzz spec the example that broke it."""
    if row.get("actual"):
        return str(row["actual"])
    fuzz = row.get("fuzz")
    if isinstance(fuzz, Mapping):
        return f"a failing example (fuzz seed {fuzz.get('seed')}, {fuzz.get('examples')} examples)"
    return "no verdict"


def when(stamp: object) -> str:
    """A report's ISO time as a reader scans it: ``2026-12-02 03:17 UTC`` (None and others as they are)."""
    text = str(stamp)
    match = re.fullmatch(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d):\d\dZ", text)
    return f"{match[1]} {match[2]} UTC" if match else text


def since_text(row: Mapping[str, Any]) -> str:
    """``since …`` for a changed row: the history's first night, else the recording's date."""
    since = row.get("since_when")
    if isinstance(since, Mapping):
        if since.get("held") is None:
            return f"on every night of the history, since {when(since.get('first_seen'))} at least"
        first = f"first seen {when(since['first_seen'])}" if since.get("first_seen") else "first seen in this run"
        return f"{first}; {since['held']} last held {when(since['last_held'])}"
    drift = row.get("drift")
    if isinstance(drift, Mapping) and drift.get("since"):
        return f"since the recording of {when(drift['since'])}"
    return ""


def recorded_label(row: Mapping[str, Any]) -> str:
    """What the recording said, from a drift's changes: ``block:input moderation_blocked [public_figure]``."""
    drift = row.get("drift")
    changes = drift.get("changes") if isinstance(drift, Mapping) else None
    if not isinstance(changes, Mapping) or "verdict" not in changes and "stage" not in changes:
        return ""
    now = str(row.get("actual") or "")
    verdict = (changes.get("verdict") or [now.split(":")[0]])[0]
    stage = (changes.get("stage") or [now.split(":")[1] if ":" in now else None])[0]
    code = (changes.get("code") or [row.get("code")])[0]
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
