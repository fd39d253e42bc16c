"""multipart/form-data: read the parts of a body, and rewrite its file parts.

Shared by the sandbox (which reads uploads) and the recorder (which replaces uploaded image
bytes by their hash before anything is written). The boundary is taken from the body's own
first line, so no header is needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_NAME = re.compile(rb'\bname="([^"]*)"')


def looks_multipart(body: bytes) -> bool:
    """Does this body start like a multipart body (``--boundary`` on the first line)?"""
    return body.startswith(b"--") and b"\r\n" in body[:200]


def _split(body: bytes) -> tuple[bytes, list[bytes]]:
    boundary = body.split(b"\r\n", 1)[0]
    parts = body.split(boundary)
    return boundary, parts


def _head_body(part: bytes) -> tuple[bytes, bytes]:
    head, _, content = part.partition(b"\r\n\r\n")
    return head, content[:-2] if content.endswith(b"\r\n") else content


def parse(body: bytes) -> tuple[dict[str, str], dict[str, list[bytes]]]:
    """Text fields and file contents by field name; ``image[]`` is reported as ``image``."""
    fields: dict[str, str] = {}
    files: dict[str, list[bytes]] = {}
    _, parts = _split(body)
    for part in parts[1:]:
        if part.startswith(b"--"):
            break
        head, content = _head_body(part.lstrip(b"\r\n"))
        m = _NAME.search(head)
        if not m:
            continue
        name = m.group(1).decode("utf-8", "replace")
        name = name[:-2] if name.endswith("[]") else name
        if b"filename=" in head:
            files.setdefault(name, []).append(content)
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files


def replace_files(body: bytes, replace: Callable[[bytes], bytes]) -> bytes:
    """The same body with each file part's content passed through ``replace``."""
    boundary, parts = _split(body)
    out = [parts[0]]
    for part in parts[1:]:
        if part.startswith(b"--"):
            out.append(part)
            continue
        lead = part[: len(part) - len(part.lstrip(b"\r\n"))]
        head, content = _head_body(part.lstrip(b"\r\n"))
        if b"filename=" in head:
            content = replace(content)
        out.append(lead + head + b"\r\n\r\n" + content + b"\r\n")
    return boundary.join(out)
