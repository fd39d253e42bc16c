"""The one scrubber: no secret leaves the plugin, whatever writes or prints it.

Everything the plugin writes or prints passes through :class:`Scrubber.text` (cassettes, the
JSON/Markdown/HTML reports, junit properties, failure text, appeal files, saved fuzz failures,
captured logs). It removes three things:

- the value of every configured key variable, and of every secret query parameter of every
  configured base URL, wherever it appears (a prompt, an error message, a URL);
- any secret query parameter (``key=``, ``api-key=``, ``sig=``, ``code=``...) in a URL or text;
- credentials in header form (``Authorization: Bearer ...``, ``api-key: ...``,
  ``x-goog-api-key: ...``) and ``user:password@`` in URLs;
- masked key fragments a provider echoes (``sk-pro****cdef``, ``sk-BLA...7781``; ``Incorrect API key provided:
  sk-abc***xyz``): a fragment is part of a key, and a report copies it to every reader;
- bare fragments of a known secret: a run of at least 8 characters that is how the secret starts
  or ends (a request id ending in the key's last 8, a prompt quoting its first 12). Where a
  secret starts, what every key of its kind starts with (``sk-proj-``, ``sk-svcacct-``, ``AIza``)
  names no key: a start counts once it holds 4 characters past that marker, as many as a masked
  fragment shows. Shorter runs are left alone: 7 characters of a key turn up in ordinary text.

What is shown (terminal, reports) also passes :meth:`Scrubber.shown`, which escapes control
characters and escape sequences from a provider's text, so an answer cannot recolour, rewrite or
hide lines of the terminal.

Pure: no pytest here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

REDACTED = "<redacted>"
SECRET_QUERY_KEYS = frozenset(
    {
        "key",
        "api-key",
        "api_key",
        "apikey",
        "access_token",
        "token",
        "sig",
        "signature",
        "code",
        "x-goog-api-key",
        "subscription-key",
        "auth",
    }
)
"""Query parameters whose value is a credential (Google's ``key``, Azure SAS ``sig``, Functions' ``code``...)."""
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "api-key",
        "x-api-key",
        "x-goog-api-key",
        "ocp-apim-subscription-key",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    }
)
MIN_SECRET_LENGTH = 6
"""Shorter configured values are not treated as secrets: redacting every "abc" would garble text."""
MIN_FRAGMENT = 8
"""The shortest start or end of a known secret that is redacted on its own."""
MIN_PAST_MARKER = 4
"""How many characters past its kind's marker (``sk-proj-``) a secret's start must hold to be redacted."""
_MARKER = re.compile(r"AIza|(?:[a-z][a-z0-9]*[-_]){1,3}")
"""What keys of one kind all start with: ``AIza``, or up to three lowercase words, each ending in
``-`` or ``_`` (``sk-``, ``sk-proj-``, ``sk-ant-api03-``; a chosen secret's ``staging-token-``)."""

_QUERY = re.compile(
    r"(?P<lead>[?&;](?:"
    + "|".join(re.escape(k) for k in sorted(SECRET_QUERY_KEYS, key=len, reverse=True))
    + r")=)(?P<value>[^&#\s\"'<>]+)",
    re.IGNORECASE,
)
_HEADER = re.compile(
    r"(?P<lead>\b(?:"
    + "|".join(re.escape(h) for h in sorted(SECRET_HEADERS, key=len, reverse=True))
    + r")[\"']?\s*[:=]\s*[\"']?(?:Bearer\s+|Basic\s+)?)(?P<value>[^\s\"',;]{4,})",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<lead>\bBearer\s+)(?P<value>[A-Za-z0-9._~+/=-]{8,})")
_MASKED = re.compile(
    r"(?P<lead>)(?P<value>\b(?:sk|rk|pk|sess|AIza|key)[A-Za-z0-9_-]*(?:\*{2,}|\.{3}|\u2026)[A-Za-z0-9_*-]*)"
    r"|(?P<lead2>\bkey provided:\s*)(?P<value2>[^\s\"',.;]+)",
    re.IGNORECASE,
)
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
"""Marks that reorder how a terminal or a page shows the text around them (right-to-left
overrides and isolates): shown escaped like control characters, or they would make a line read
otherwise than it is written."""
_CONTROL = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_BIDI}]")
"""Control characters but line breaks and tabs: ESC (colours, cursor moves, titles), CR, BEL..."""
_USERINFO = re.compile(r"(?P<lead>\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)(?P<value>[^@\s/]+)(?=@)", re.IGNORECASE)


def _shortest(hints: Iterable[str]) -> tuple[str, ...]:
    """The hints no other hint is part of ("key=" stands for "api-key=" too)."""
    every = set(hints)
    return tuple(sorted(h for h in every if not any(other != h and other in h for other in every)))


_QUERY_HINTS = _shortest(k + "=" for k in SECRET_QUERY_KEYS)
_HEADER_HINTS = _shortest(SECRET_HEADERS)


def _hints(text: str) -> tuple[bool, bool, bool, bool]:
    """Which of the four credential patterns can match at all (query, header, userinfo, bearer).

    Substring tests on the lowered text are necessary conditions of the patterns and cost a
    fraction of a search: the patterns run only on the rare text that passes them (every item's
    properties, failure text and captured output go through here).
    """
    lowered = text.lower()
    return (
        "=" in text and any(h in lowered for h in _QUERY_HINTS),
        any(h in lowered for h in _HEADER_HINTS),
        "://" in text and "@" in text,
        "bearer" in lowered,
    )


def _redact_value(m: re.Match[str]) -> str:
    return m.group("lead") + (REDACTED if m.group("value") != REDACTED else m.group("value"))


def _redact_masked(m: re.Match[str]) -> str:
    return (m.group("lead2") or "") + REDACTED


def _shown_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every control character but line breaks and tabs, and every bidirectional
    override, written as ``\\xNN`` (``\\uNNNN``)."""
    return _CONTROL.sub(_shown_char, text) if _CONTROL.search(text) else text


def escape_html(text: str) -> str:
    """``text`` for an HTML page: control characters and overrides escaped, then HTML's own."""
    return html.escape(escape_controls(text))


_LINE_CONTROL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI}]")


def escape_line(text: str) -> str:
    """``text`` as one line: every control character, line breaks and tabs too, as ``\\xNN``.

    For a value that stands in a line of its own making (a case or target name in a listing): a
    line break in it would start a line the value's author wrote."""
    return _LINE_CONTROL.sub(_shown_char, text) if _LINE_CONTROL.search(text) else text


@dataclass(frozen=True)
class _Fragments:
    """How one secret's bare starts and ends are found: each begins with ``head`` or ends with
    ``tail``, the shortest start and end that are redacted."""

    secret: str
    head: str
    tail: str

    @classmethod
    def of(cls, secret: str) -> _Fragments | None:
        """None for a secret too short to have a fragment shorter than itself."""
        if len(secret) <= MIN_FRAGMENT:
            return None
        marker = _MARKER.match(secret)
        head = max(MIN_FRAGMENT, (marker.end() if marker else 0) + MIN_PAST_MARKER)
        return cls(secret, secret[:head], secret[-MIN_FRAGMENT:]) if head < len(secret) else None

    def found_in(self, text: str) -> bool:
        return self.head in text or self.tail in text

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where in ``text`` a start or an end of the secret stands, each as long as it matches."""
        secret, found = self.secret, []
        start = text.find(self.head)
        while start != -1:
            end = start + len(self.head)
            while end - start < len(secret) and end < len(text) and text[end] == secret[end - start]:
                end += 1
            found.append((start, end))
            start = text.find(self.head, end)
        at = text.find(self.tail)
        while at != -1:
            start, end = at, at + len(self.tail)
            while end - start < len(secret) and start > 0 and text[start - 1] == secret[-(end - start) - 1]:
                start -= 1
            found.append((start, end))
            at = text.find(self.tail, end)
        return found


def _redact_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each span (overlapping ones as one) replaced by ``REDACTED``."""
    out, kept = [], 0
    for start, end in sorted(spans):
        if end <= kept:
            continue
        out.append(text[kept:start] + REDACTED if start >= kept else "")
        kept = end
    return "".join(out) + text[kept:]


@dataclass(frozen=True)
class Scrubber:
    """Redacts known secret values, their bare starts and ends, and anything shaped like a credential."""

    secrets: frozenset[str] = frozenset()
    _fragments: tuple[_Fragments, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        found = (_Fragments.of(s) for s in sorted(self.secrets))
        object.__setattr__(self, "_fragments", tuple(f for f in found if f is not None))

    @classmethod
    def from_config(cls, key_values: Iterable[str | None], urls: Iterable[str | None] = ()) -> Scrubber:
        """A scrubber knowing every configured key's value and every secret in the base URLs."""
        found = {v for v in key_values if v}
        for url in urls:
            found.update(secrets_in_url(url or ""))
        return cls(frozenset(s for s in found if len(s) >= MIN_SECRET_LENGTH))

    def with_secrets(self, more: Iterable[str | None]) -> Scrubber:
        """The same scrubber knowing more values."""
        extra = {v for v in more if v and len(v) >= MIN_SECRET_LENGTH}
        return self if extra <= self.secrets else Scrubber(self.secrets | extra)

    def text(self, text: str) -> str:
        """``text`` with every secret redacted; text with nothing to redact comes back unchanged."""
        # longest first, so a secret that contains another is redacted whole
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        spans = [span for f in self._fragments if f.found_in(text) for span in f.spans(text)]
        if spans:
            text = _redact_spans(text, spans)
        query, header, userinfo, bearer = _hints(text)
        if query:
            text = _QUERY.sub(_redact_value, text)
        if header:
            text = _HEADER.sub(_redact_value, text)
        if userinfo:
            text = _USERINFO.sub(_redact_value, text)
        if bearer:
            text = _BEARER.sub(_redact_value, text)
        if _masked_hint(text):
            text = _MASKED.sub(_redact_masked, text)
        return text

    def shown(self, text: str) -> str:
        """``text`` as it may be shown on a terminal or in a report: scrubbed, control characters
        escaped."""
        return escape_controls(self.text(text))

    def shown_value(self, value: Any) -> Any:
        """:meth:`value`, with every string also :meth:`shown`."""
        if isinstance(value, str):
            return self.shown(value)
        if isinstance(value, Mapping):
            return {self.shown(k) if isinstance(k, str) else k: self.shown_value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.shown_value(v) for v in value]
        return value

    def holds_secret(self, text: str) -> bool:
        """Would :meth:`text` change anything? (One pass over a whole text, e.g. a value's repr.)"""
        if any(secret in text for secret in self.secrets) or any(f.found_in(text) for f in self._fragments):
            return True
        query, header, userinfo, bearer = _hints(text)
        return bool(
            (query and _QUERY.search(text))
            or (header and _HEADER.search(text))
            or (userinfo and _USERINFO.search(text))
            or (bearer and _BEARER.search(text))
            or (_masked_hint(text) and _MASKED.search(text))
        )

    def value(self, value: Any) -> Any:
        """A JSON-like value with every string in it scrubbed (keys of mappings too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.text(k) if isinstance(k, str) else k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Headers with every credential header's value redacted."""
        return {k: REDACTED if k.lower() in SECRET_HEADERS else self.text(v) for k, v in headers.items()}


def _masked_hint(text: str) -> bool:
    """A necessary condition of ``_MASKED``, cheap enough for every text."""
    return "**" in text or "..." in text or "\u2026" in text or "key provided" in text.lower()


def secrets_in_url(url: str) -> set[str]:
    """The credential values a URL carries: secret query parameters, a ``user:password@`` and a
    ``#fragment`` (which no request sends)."""
    if not url:
        return set()
    try:
        parts = urlsplit(url)
    except ValueError:
        return set()
    found = {v for k, v in parse_qsl(parts.query, keep_blank_values=False) if k.lower() in SECRET_QUERY_KEYS}
    if parts.password:
        found.add(parts.password)
    if len(parts.fragment) >= 8:  # never sent, so nothing but a secret or a note has a reason to be there
        found.add(parts.fragment)
    return found
