"""One item's result row: built once when the item is judged, read by every summary and report.

The row is typed so that its readers (the terminal summary, the JSON, Markdown and HTML reports,
nightly merges, drift and appeal histories) ask for fields, not for string keys, and so that why
an item got no verdict is kept as data (``error_kind``, ``http_status``, ``code``) instead of
being written into a sentence and read back out of it.

A row crosses two borders as a plain dict: the JSON report (:meth:`Row.as_dict`, the schema's
``result``; :meth:`Row.from_dict` reads it back, also from reports of earlier versions) and the
xdist wire (execnet carries only plain values). Its ``__str__`` is what junit XML writes for the
``imgsafe`` property: a short reference, not the whole row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .status import FAILING, Status

GROUPS = ("changed", "error", "flaky", "skipped", "ok")
"""The five groups a reader sorts rows into, in the order they matter."""

_OMITTED_WHEN_NONE = frozenset(
    {"repeat", "prompt", "fuzz", "outcome", "when", "since_when", "error_kind", "http_status", "message", "exchange"}
)
"""Fields the JSON row leaves out rather than writing ``null`` (the schema types them without null,
or a row of an earlier version never had them)."""


@dataclass(slots=True, eq=False)
class Row:
    """The result of one item (a case or a fuzz spec on one target).

    ``error_kind``, ``http_status`` and ``code`` say why an item got no verdict when the provider
    answered with something else (``rate_limited``, 429, ``rate_limit_exceeded``); ``message`` is
    the provider's own words. For a verdict, ``code`` is the block's code. ``outcome`` and
    ``when`` are pytest's, set when the item's report is logged.
    """

    case: str
    target: str
    expected: str
    status: str
    mode: str
    scenario: str | None = None
    actual: str | None = None
    stage: str | None = None
    code: str | None = None
    categories: list[str] = field(default_factory=list)
    request_id: str | None = None
    filter: str | None = None
    read_by: str | None = None
    source: str | None = None
    error: str | None = None
    error_kind: str | None = None
    http_status: int | None = None
    message: str | None = None
    note: str | None = None
    drift: dict[str, Any] | None = None
    rate: dict[str, Any] | None = None
    repeat: int | None = None
    steps: list[list[str]] = field(default_factory=list)
    explain: dict[str, Any] | None = None
    prompt: str | None = None
    reason: str | None = None
    fuzz: dict[str, Any] | None = None
    outcome: str | None = None
    when: str | None = None
    since_when: dict[str, Any] | None = None
    exchange: dict[str, Any] | None = None
    """A failing or erroring item's request and answer as sent and recorded (``base.exchange``)."""

    def scanned_text(self) -> str:
        """Every text the row holds, in one string: what a scrubber looks at before it walks the
        row (shorter and cheaper to make than the repr, which names every field)."""
        parts = []
        for name in _FIELD_NAMES:
            value = getattr(self, name)
            if isinstance(value, str):
                parts.append(value)
            elif value:  # lists and tables as their repr: every string in them is in it
                parts.append(repr(value))
        return "\n".join(parts)

    def __str__(self) -> str:
        return f"{self.case} [{self.target}]: {self.status}" + (f" ({self.actual})" if self.actual else "")

    @property
    def key(self) -> tuple[str, str]:
        """(case or fuzz spec id, target): what identifies an item across runs."""
        return (self.case, self.target)

    @property
    def failing(self) -> bool:
        """A changed outcome (drift, mismatch, config changed): it fails its item."""
        return self.status in FAILING

    @property
    def group(self) -> str:
        """``changed``, ``error``, ``flaky``, ``skipped`` or ``ok``: the one grouping every reader uses.

        The row's status decides; pytest's outcome only where the status cannot (an item xfailed
        by the corpus is skipped; an item whose setup failed without a status is an error)."""
        if self.status == Status.ERROR:  # before the outcome: a tolerated non-verdict is xfailed
            return "error"
        if self.outcome == "skipped" or self.status == Status.SKIPPED:
            return "skipped"
        if self.error or self.when == "setup":
            return "error"
        if self.status in FAILING:
            return "changed"
        if self.status == Status.FLAKY:
            return "flaky"
        return "ok" if self.outcome in ("passed", None) else "changed"

    @property
    def verdict(self) -> str | None:
        """``pass`` or ``block`` (the label without its stage or link), None without a verdict."""
        return self.actual.split(":")[0].split("@")[0] if self.actual else None

    @property
    def night_label(self) -> str:
        """What a history shows for the item on a night: its verdict's label, ``skipped`` or ``error``."""
        return self.actual or ("skipped" if self.status == Status.SKIPPED else "error")

    @property
    def error_group(self) -> str | None:
        """``rate_limited, HTTP 429, rate_limit_exceeded``: errors of one cause share it; None when
        the provider gave no structured cause (a missing cassette, a row of an earlier version)."""
        if not self.error_kind:
            return None
        parts = [self.error_kind]
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        if self.code:
            parts.append(self.code)
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        """The row as the JSON report's ``result`` (see ``schema/report.schema.json``)."""
        out: dict[str, Any] = {}
        for f in _FIELDS:
            value = getattr(self, f)
            if value is None and f in _OMITTED_WHEN_NONE:
                continue
            out[f] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Row:
        """A row from a JSON report or the xdist wire; keys it does not know are ignored."""
        known = {k: v for k, v in data.items() if k in _FIELD_SET}
        known.setdefault("case", "")
        known.setdefault("target", "")
        known.setdefault("expected", "")
        known.setdefault("status", Status.OK)
        known.setdefault("mode", "")
        known["categories"] = list(known.get("categories") or [])
        known["steps"] = [list(step) for step in known.get("steps") or []]
        return cls(**known)


_FIELDS = tuple(f.name for f in fields(Row))
_FIELD_SET = frozenset(_FIELDS)


def rows_of(report: Mapping[str, Any]) -> list[Row]:
    """The rows of a JSON report (or of an earlier one, from the history), typed."""
    return [Row.from_dict(r) for r in report.get("results", ()) if isinstance(r, Mapping)]


def as_rows(results: Iterable[Row | Mapping[str, Any]]) -> list[Row]:
    """Rows as given, or read from their JSON form."""
    return [r if isinstance(r, Row) else Row.from_dict(r) for r in results]


NO_VERDICT_LABELS = ("error", "skipped")
"""The labels a night without a verdict shows in a history (see :attr:`Row.night_label`)."""


def history_index(history: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(case, target) -> [(night, label)] over earlier reports (oldest first), one entry per item
    per night: the one index of item histories (drift's since-when, the report's history cells
    and since-when, an appeal's earlier verdicts). One pass, so 90 nights of 1,000 items stay cheap."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for report in history:
        night = str(report["run"]["finished"])
        seen: set[tuple[str, str]] = set()
        for row in rows_of(report):
            if row.key not in seen:
                seen.add(row.key)
                out.setdefault(row.key, []).append((night, row.night_label))
    return out


def with_verdict(nights: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The nights of a history on which the item got a verdict."""
    return [(night, label) for night, label in nights if label not in NO_VERDICT_LABELS]


_FIELD_NAMES = tuple(f.name for f in fields(Row))
