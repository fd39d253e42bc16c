"""Reading a report file someone else wrote: bounded, decoded, parsed and checked against the
report's JSON Schema (``schema/report.schema.json``) before any reader looks inside.

Every reader of an earlier report (``compare``, ``--imgsafe-rerun-errors``, ``--imgsafe-history``)
indexes rows and fields as the schema promises them; a file that breaks the promise would be a
traceback deep inside a reader. Here it is one line that names the file and the first field that
is wrong, with a short excerpt of the value, never the value itself.

The check covers the keywords the schema uses (``type``, ``const``, ``enum``, ``required``,
``properties``, ``additionalProperties``, ``items``, ``minimum``, ``maximum``, ``$ref`` to
``$defs``); a test keeps the schema to them, so no promise goes unchecked.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

MAX_REPORT_BYTES = 64 * 1024 * 1024
"""The largest report file read: a night of 10,000 items is a few megabytes."""
EXCERPT_CHARS = 40
"""How much of a wrong value a message shows."""

_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description"})
_KEYWORDS = frozenset(
    {"type", "const", "enum", "required", "properties", "additionalProperties", "items", "minimum", "maximum", "$ref"}
)


class BadReport(ValueError):
    """A report file that cannot be used; ``str()`` is one line naming the file."""


class NotAReport(BadReport):
    """JSON that does not claim to be one of our reports (another tool's file in the folder)."""


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    """The report's JSON Schema, as shipped."""
    text = (resources.files("pytest_imgsafe") / "schema" / "report.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def unknown_keywords(schema: Any) -> set[str]:
    """Keywords of ``schema`` this module does not check (should be none)."""
    found: set[str] = set()
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key not in _KEYWORDS | _ANNOTATIONS:
                found.add(key)
            if key in ("properties", "$defs"):
                for inner in value.values():
                    found |= unknown_keywords(inner)
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                found |= unknown_keywords(value)
    return found


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A short, one-line excerpt of a JSON value for a message."""
    try:
        text = json.dumps(value, ensure_ascii=True, default=str)
    except (ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_report(path: Path, shown: str | None = None) -> dict[str, Any]:
    """One of our reports from ``path``, or :class:`BadReport` (:class:`NotAReport` for JSON that
    is not ours) with a one-line message naming ``shown`` (the path as the user gave it)."""
    name = repr(shown if shown is not None else str(path))
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # a named pipe would be read forever
            raise BadReport(f"{name} is not a regular file")
        size = status.st_size
        if size > MAX_REPORT_BYTES:
            raise BadReport(f"{name} is {size} bytes; a report is read up to {MAX_REPORT_BYTES} bytes")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BadReport(f"{name}: no such file (give the JSON report written by --imgsafe-report)") from None
    except OSError as err:
        raise BadReport(f"{name} cannot be read: {err.strerror or type(err).__name__}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadReport(f"{name} cannot be read as JSON: not UTF-8 (byte {err.start})") from None
    try:
        data = json.loads(text)
    except ValueError as err:
        message = str(err).splitlines()[0][:120] if str(err) else "not JSON"
        raise BadReport(f"{name} cannot be read as JSON: {message}") from None
    except RecursionError:
        raise BadReport(f"{name} cannot be read as JSON: nested too deep") from None
    return checked(data, name)


def checked(data: Any, name: str) -> dict[str, Any]:
    """``data`` if it is a report the schema accepts; else :class:`BadReport` naming ``name``."""
    schema = report_schema()
    if not isinstance(data, dict) or data.get("schema") != schema["properties"]["schema"]["const"]:
        raise NotAReport(f"{name} is not a pytest-imgsafe report (schema pytest-imgsafe/report, version 1)")
    if not _same(data.get("version"), schema["properties"]["version"]["const"]):
        raise BadReport(
            f"{name} is a pytest-imgsafe report of version {excerpt(data.get('version'))}; "
            f"this version reads version {schema['properties']['version']['const']}"
        )
    problem = first_problem(data, schema, schema, "")
    if problem is not None:
        raise BadReport(f"{name} is not a valid pytest-imgsafe report: {problem}")
    return data


def first_problem(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any], where: str) -> str | None:
    """The first place where ``value`` breaks ``schema``, as ``at results[3].case: ...``."""
    if "$ref" in schema:
        ref = str(schema["$ref"])
        schema = root["$defs"][ref.rsplit("/", 1)[-1]]
    at = where or "the top level"
    if "const" in schema and not _same(value, schema["const"]):
        return f"at {at}: expected {excerpt(schema['const'])}, got {excerpt(value)}"
    if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
        return f"at {at}: {excerpt(value)} is not one of {excerpt(schema['enum'], 80)}"
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(value, t) for t in types):
            return f"at {at}: expected {' or '.join(types)}, got {_type_name(value)} {excerpt(value)}"
    if _is(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            return f"at {at}: {excerpt(value)} is below {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"at {at}: {excerpt(value)} is above {schema['maximum']}"
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            if key not in value:
                return f"at {at}: {key!r} is missing"
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, inner in value.items():
            name = str(key) if str(key).isprintable() and str(key).strip() == str(key) and key else repr(key)
            here = f"{where}.{name}" if where else name  # a key with a line break is shown quoted, on one line
            if key in properties:
                problem = first_problem(inner, properties[key], root, here)
            elif extra is False:
                return f"at {at}: unknown field {excerpt(key)}"
            elif isinstance(extra, dict):
                problem = first_problem(inner, extra, root, here)
            else:
                continue
            if problem is not None:
                return problem
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, inner in enumerate(value):
            problem = first_problem(inner, schema["items"], root, f"{where}[{i}]")
            if problem is not None:
                return problem
    return None


def _is(value: Any, name: str) -> bool:
    if name == "integer":  # JSON Schema: 1.0 is an integer
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return {
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "null": value is None,
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }.get(name, False)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def _type_name(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is(value, name):
            return name
    return type(value).__name__
