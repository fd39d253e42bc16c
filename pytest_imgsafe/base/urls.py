"""Is a configured base URL, or a key, a value the HTTP client can send? Checked once, at configure.

A base URL with a control character or a broken host (``http://[::1``) fails inside the HTTP
client on every item, each time as a long traceback; a key with a line break fails as "the
connection failed", which blames the network. Both are found here first, and the answer names
what is wrong and where, never the value: a URL may carry a key in its query or user part.

Pure: no pytest here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError

SCHEMES = ("http", "https")
URL_KEYS = ("base_url", "azure_endpoint")
"""The target (and pool member) keys that hold a URL rather than the name of a variable."""


def _odd_character(value: str) -> tuple[int, str] | None:
    """The first control or whitespace character of ``value`` (its 1-based place, escaped)."""
    for place, char in enumerate(value, 1):
        if char.isspace() or ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F:
            return place, f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    return None


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a base URL (words that do not quote it), or None when it can."""
    odd = _odd_character(url)
    if odd is not None:
        return f"holds a control or space character ({odd[1]}, character {odd[0]})"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a well-formed URL (its host or port cannot be read: an unclosed '[', a port not a number?)"
    if parts.scheme.lower() not in SCHEMES:
        return "must start with http:// or https://"
    if "#" in url:
        # no request sends a fragment, so whatever is written there (a key, a note) is only ever
        # copied into recordings, logs and reports
        return "has a '#' fragment, which no request sends (what follows '#' would only be copied into recordings)"
    if not parts.hostname:
        return "names no host"
    if port is not None and not 0 < port < 65536:
        return "has a port outside 1 to 65535"
    try:
        parts.hostname.encode("idna")
    except UnicodeError:
        return "has a host that is not a valid domain name"
    return None


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be an API key sent in a header (words that do not quote it), or None."""
    odd = _odd_character(key)
    if odd is not None:
        return (
            f"holds a line break, control or space character ({odd[1]}, character {odd[0]} of {len(key)}); "
            "a key is one line of printable characters"
        )
    if not key.isascii():
        return "holds a character that is not ASCII; a key is one line of printable ASCII characters"
    return None


def check_route_table(table: Mapping[str, Any], where: str, keys: Iterable[str]) -> None:
    """The keys that say where calls go (a target's, a pool member's): each of ``keys`` present is
    a non-empty string, ``base_url`` and ``base_url_env`` are not both set, and every URL key is
    a URL the client can send. Raises :class:`ConfigError` naming ``where`` and the key."""
    for key in keys:
        if key in table and (not isinstance(table[key], str) or not table[key]):
            raise ConfigError(f"{where} {key} must be a non-empty string")
    if "base_url" in table and "base_url_env" in table:
        raise ConfigError(f"{where} sets both base_url and base_url_env; keep one")
    for key in URL_KEYS:
        problem = url_problem(table[key]) if key in table else None
        if problem:
            raise ConfigError(f"{where} {key} {problem}: write it as https://host/path")
