"""Recordings: cassette layout, the request key, scrubbing, and replay.

Layout: one cassette per test item, ``<cassettes>/<target>/<case-id>.json``. A cassette is a
vcrpy cassette (vcrpy writes it in record modes and plays it in ``once``/``new_episodes``),
serialized as indented JSON with bodies stored as parsed JSON, so a reviewer can diff it.

Matching: the key of a request is a hash of what decides the answer: the operation (path
suffix, Azure deployment), the api-version, every body field (model, prompt, params) and the
sha256 of every uploaded file. Scheme, host, port and headers are left out, so a cassette
recorded against one base URL replays against any other. Replay in record mode ``none`` does
not go through HTTP at all: it looks the key up in the cassette's index (a dict), which keeps
replay near pytest's own per-item floor and can never hand out another request's answer.

Scrubbing (one place, before anything is written): request headers are dropped but for
content-type; keys in query strings and every secret value are redacted; response headers are
cut to an allow-list; image bytes (``b64_json``, data URLs, uploaded files) become
``<imgsafe:sha256=…;bytes=…>`` unless ``store_images`` is on; transient answers (429, 5xx) are
not recorded, so a cassette holds only verdicts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import struct
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from ..base import multipart as _multipart
from ..base.files import IsLink, TooLarge, read_small, write_atomic
from ..base.scrub import Scrubber
from ..base.wire import KEY_HEADER, PLACEHOLDER, Answer, RequestSpec
from ..providers.registry import is_verdict as kind_reads_verdict
from ..providers.registry import path_operations
from ..providers.target import Target

FORMAT = 1
KEEP_RESPONSE_HEADERS = frozenset(
    {
        "content-type",
        "x-request-id",
        "apim-request-id",
        "retry-after",
        "retry-after-ms",
        "x-ms-region",
        "x-imgsafe-sandbox",
    }
)
_DATA_URL = re.compile(r"data:(image/[A-Za-z0-9.+-]+);base64,([A-Za-z0-9+/=\s]{16,})")
T = TypeVar("T")

_REQUEST_KEY: ContextVar[str | None] = ContextVar("imgsafe_request_key", default=None)


@contextmanager
def keyed(key: str) -> Iterator[None]:
    """Record the requests sent inside this block under ``key`` (the request's logical key,
    computed locally): the key stays with the recording, never on the wire. The Google kinds
    need it (their cassettes are keyed by the logical request, not the SDK's wire format); for
    every other kind it is the key the wire request gives anyway."""
    token = _REQUEST_KEY.set(key)
    try:
        yield
    finally:
        _REQUEST_KEY.reset(token)


def placeholder(data: bytes) -> str:
    """What stands in a cassette for image bytes: their hash and size."""
    return f"<imgsafe:sha256={hashlib.sha256(data).hexdigest()};bytes={len(data)}>"


def file_hash(content: bytes) -> str:
    """sha256 of an uploaded file, also when the recording holds only its placeholder."""
    m = PLACEHOLDER.match(content.decode("latin-1")) if len(content) < 120 else None
    return m.group(1) if m else hashlib.sha256(content).hexdigest()


# --- the key ------------------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # an image sent inline (a data URL) is keyed by its hash, as the cassette stores it
        return (
            _DATA_URL.sub(lambda m: f"data:{m.group(1)};base64,{_b64_placeholder(m.group(2))}", value)
            if "base64," in value
            else value
        )
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Mapping):
        named = {str(k): _canonical(v) for k, v in value.items()}
        return {k: named[k] for k in sorted(named)}  # in key order: json.dumps needs no sort_keys
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return None if value is None else str(value)


def request_key(
    operation: str,
    fields: Mapping[str, Any],
    file_hashes: Mapping[str, list[str]] | None = None,
    deployment: str | None = None,
    api_version: str | None = None,
) -> str:
    """The match key: a hash of what decides the answer (never host, port or headers).

    The hashed text is the payload's JSON with its keys sorted. The payload is built in sorted
    order and written by ``json.dumps`` without arguments: the same text as ``sort_keys=True``,
    without building an encoder per call (which cost more than the rest of a replayed item's
    request)."""
    plain = all(
        type(k) is str and type(v) is str and "base64," not in v for k, v in fields.items()
    )  # the common case: canonical as it is
    payload = {
        "api_version": api_version,
        "deployment": deployment,
        "fields": {k: fields[k] for k in sorted(fields)} if plain else _canonical(fields),
        "files": {k: list(v) for k, v in sorted((file_hashes or {}).items())},
        "operation": operation,
    }
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:32]


def spec_key(spec: RequestSpec) -> str:
    """The key of a request about to be sent (no HTTP needed)."""
    return request_key(spec.operation, spec.fields, spec.file_hashes(), spec.deployment, spec.api_version)


def http_key(uri: str, body: bytes | str | Mapping[str, Any] | None) -> str:
    """The key of a request as recorded (or as vcrpy sees it going out)."""
    parts = urlsplit(uri)
    path = parts.path.rstrip("/")
    operation = next((op for op in path_operations() if path.endswith("/" + op)), path)
    m = re.search(r"/deployments/([^/]+)/", path)
    deployment = m.group(1) if m else None
    api_version = dict(parse_qsl(parts.query)).get("api-version")
    fields: Mapping[str, Any]
    hashes: dict[str, list[str]] = {}
    if isinstance(body, Mapping):
        fields = body
    else:
        raw = body.encode("utf-8") if isinstance(body, str) else (body or b"")
        if _multipart.looks_multipart(raw):
            text_fields, files = _multipart.parse(raw)
            fields = text_fields
            hashes = {name: [file_hash(c) for c in contents] for name, contents in files.items()}
        else:
            try:
                fields = json.loads(raw or b"{}")
            except ValueError:
                fields = {"_raw": hashlib.sha256(raw).hexdigest()}
    return request_key(operation, fields, hashes, deployment, api_version)


# --- scrubbing ---------------------------------------------------------------------------


@dataclass
class CassetteFilter:
    """What vcrpy records, cut down: verdicts only, no secret, no image bytes, the request's key.

    Secrets are the run's one :class:`~pytest_imgsafe.base.scrub.Scrubber`'s business; this class adds
    what only a recording needs (image placeholders, the header allow-list, the stored key).
    """

    scrubber: Scrubber = field(default_factory=Scrubber)
    store_images: bool = False
    accept: Callable[[int, Any, Mapping[str, str]], bool] = field(
        default=lambda status, body, headers: is_verdict(status, body, headers)
    )
    """Which answers may be recorded: verdicts of the target's kind (a describer's: its descriptions too)."""
    keep_playable: bool = False
    """Leave :func:`playable_image` stand-ins as they are (vcrpy passes a team's loaded answers
    through this filter again; :class:`PlayableSerializer` restores their placeholders on save)."""

    def text(self, text: str) -> str:
        """Redact every secret in a piece of text."""
        return self.scrubber.text(text)

    def images_in(self, value: Any) -> Any:
        """Replace base64 images (``b64_json`` values, data URLs) inside parsed JSON."""
        if self.store_images:
            return value
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if k in ("b64_json", "bytesBase64Encoded", "data") and isinstance(v, str) and len(v) > 64:
                    out[k] = v if self.keep_playable and _is_playable(v) else _b64_placeholder(v)
                else:
                    out[k] = self.images_in(v)
            return out
        if isinstance(value, list):
            return [self.images_in(v) for v in value]
        if isinstance(value, str) and "base64," in value:
            return _DATA_URL.sub(self._data_url, value)
        return value

    def _data_url(self, m: re.Match[str]) -> str:
        encoded = m.group(2)
        if self.keep_playable and _is_playable("".join(encoded.split())):
            return m.group(0)
        return f"data:{m.group(1)};base64,{_b64_placeholder(encoded)}"

    def body(self, raw: bytes | str | Mapping[str, Any] | list[Any] | None) -> bytes | str | None:
        """Scrub a body: JSON (images, secrets), multipart (file bytes, secrets), else secrets."""
        if raw is None:
            return None
        if isinstance(raw, (Mapping, list)):
            return json.dumps(self.scrubber.value(self.images_in(raw))).encode("utf-8")
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        if _multipart.looks_multipart(data):
            if not self.store_images:
                data = _multipart.replace_files(data, lambda c: placeholder(c).encode())
            return self.text(data.decode("utf-8", "replace")).encode("utf-8")
        try:
            parsed = json.loads(data)
        except ValueError:
            return self.text(data.decode("utf-8", "replace")).encode("utf-8")
        return json.dumps(self.scrubber.value(self.images_in(parsed))).encode("utf-8")

    # vcrpy hooks ---------------------------------------------------------------------

    def before_record_request(self, request: Any) -> Any:
        """vcrpy's ``before_record_request`` (also applied before matching, so both sides agree).

        The key is the caller's (:func:`keyed`), else taken from the request as sent, before
        scrubbing, and kept in a header of the recording: a prompt that holds a secret is stored
        redacted and still replays, because replay looks up the same key computed from the same
        unscrubbed request.
        """
        key = _REQUEST_KEY.get() or request.headers.get(KEY_HEADER) or http_key(request.uri, request.body)
        content_type = request.headers.get("content-type")
        request.headers = {KEY_HEADER: key, **({"content-type": content_type} if content_type else {})}
        request.uri = self.text(request.uri)
        request.body = self.body(request.body)
        return request

    def before_record_response(self, response: dict[str, Any]) -> dict[str, Any] | None:
        """vcrpy's ``before_record_response``: only verdicts are recorded; no secrets, no image bytes.

        An answer that is no safety verdict (a 404 from a wrong base URL, a 401, 429, 5xx, an
        unreadable body) is never written: replay would hand it out forever, and ``once`` would
        never call again.
        """
        status = int(response["status"]["code"])
        raw = response["body"]["string"]
        headers = {k.lower(): v[0] for k, v in response["headers"].items() if v}
        if not self.accept(status, raw if isinstance(raw, (bytes, str)) else b"", headers):
            return None
        response["headers"] = {
            k.lower(): [self.text(v) for v in values]
            for k, values in response["headers"].items()
            if k.lower() in KEEP_RESPONSE_HEADERS
        }
        response["body"]["string"] = self.body(raw)
        response["recorded_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return response


def playable_image(stand_in: str) -> str:
    """A valid 1x1 PNG, base64, that carries a placeholder in a text chunk.

    Replay to a team's own code hands SDKs a real image where the recording holds only a
    placeholder (google-genai checks its answers' base64); writing the cassette back turns it
    into the same placeholder again, so nothing about the original image is lost.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)  # 1x1, 8-bit RGBA
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", _PLAYABLE_TAG + stand_in.encode("ascii"))
        + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00\x00"))
        + chunk(b"IEND", b"")
    )
    return base64.b64encode(png).decode("ascii")


_PLAYABLE_TAG = b"imgsafe\x00"
_PLAYABLE = re.compile(rb"tEXtimgsafe\x00(<imgsafe:sha256=[0-9a-f]{64};bytes=\d+>)")


def _is_playable(text: str) -> bool:
    """Is this base64 a :func:`playable_image` (a stand-in, not a real image)?"""
    if not text.startswith("iVBORw0KGgo") or len(text) >= 2000:
        return False
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return bool(_PLAYABLE.search(data[:400]))


def without_playable_images(value: Any) -> Any:
    """The inverse of :func:`with_playable_images`: playable images become their placeholders again."""
    if isinstance(value, dict):
        return {k: without_playable_images(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_playable_images(v) for v in value]
    if isinstance(value, str) and "iVBORw0KGgo" in value and len(value) < 2000:
        prefix, sep, encoded = value.rpartition("base64,")
        carried = _b64_placeholder(encoded)
        if carried.startswith("<imgsafe:sha256="):
            return f"{prefix}{sep}{carried}"
    return value


def with_playable_images(value: Any) -> Any:
    """A parsed body with every image placeholder replaced by its :func:`playable_image`."""
    if isinstance(value, dict):
        return {k: with_playable_images(v) for k, v in value.items()}
    if isinstance(value, list):
        return [with_playable_images(v) for v in value]
    if isinstance(value, str) and value.startswith("<imgsafe:sha256=") and PLACEHOLDER.match(value):
        return playable_image(value)
    if isinstance(value, str) and "base64,<imgsafe:sha256=" in value:
        return re.sub(
            r"base64,(<imgsafe:sha256=[0-9a-f]{64};bytes=\d+>)", lambda m: "base64," + playable_image(m.group(1)), value
        )
    return value


def is_description(status: int, body: Any, headers: Mapping[str, str] | None = None) -> bool:
    """Is this a describer's answer worth keeping: a description (a 200 with text), or a verdict?"""
    if status == 200:
        try:
            data = json.loads(body) if isinstance(body, (bytes, str)) else body
            content = data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            return False
        return isinstance(content, str) and bool(content.strip())
    return is_verdict(status, body, headers)


def is_verdict(
    status: int,
    body: bytes | str | Mapping[str, Any] | list[Any],
    headers: Mapping[str, str] | None = None,
    target: Target | None = None,
) -> bool:
    """Is this answer a safety verdict (pass or block), as ``target``'s kind reads it (without a
    target: as ``classify`` reads any answer)?"""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return kind_reads_verdict(target, Answer(status, headers or {}, raw, ""))


def _b64_placeholder(text: str) -> str:
    if PLACEHOLDER.match(text):
        return text
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return text
    carried = _PLAYABLE.search(data[:400]) if data.startswith(b"\x89PNG") else None
    return carried.group(1).decode("ascii") if carried else placeholder(data)


# --- the cassette file format ---------------------------------------------------------------


class Serializer:
    """vcrpy serializer: indented JSON, bodies stored parsed, and a provenance header."""

    @staticmethod
    def serialize(data: dict[str, Any]) -> str:
        interactions = data.get("interactions", [])
        out = {
            "imgsafe": {"format": FORMAT, **provenance(interactions)},
            "version": data.get("version", 1),
            "interactions": [_readable(i) for i in interactions],
        }
        if data.get("metadata"):
            out["metadata"] = data["metadata"]
        return json.dumps(out, indent=1, sort_keys=False, ensure_ascii=False) + "\n"

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(text)
        data["interactions"] = [_raw(i) for i in data.get("interactions", [])]
        return data


class PlayableSerializer(Serializer):
    """The cassette format for a team's own tests: answers are read with playable images
    (:func:`playable_image`) and written back with their placeholders."""

    @staticmethod
    def serialize(data: dict[str, Any]) -> str:
        for interaction in data.get("interactions", []):
            body = interaction["response"]["body"]
            raw = body.get("string")
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8", "replace")
            if isinstance(raw, str) and "iVBORw0KGgo" in raw:
                try:
                    body["string"] = json.dumps(without_playable_images(json.loads(raw)))
                except ValueError:
                    pass
        return Serializer.serialize(data)

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        data = Serializer.deserialize(text)
        for interaction in data["interactions"]:
            body = interaction["response"]["body"]
            raw = body.get("string")
            if raw and "<imgsafe:sha256=" in raw:
                try:
                    body["string"] = json.dumps(with_playable_images(json.loads(raw)))
                except ValueError:
                    pass
        return data


def provenance(interactions: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Where and when a cassette's answers were recorded: the sandbox (profile, version) or a URL."""
    sources: list[dict[str, Any]] = []
    recorded: list[str] = []
    for interaction in interactions:
        response = interaction["response"]
        if response.get("recorded_at"):
            recorded.append(str(response["recorded_at"]))
        sandbox = (response.get("headers") or {}).get("x-imgsafe-sandbox")
        if sandbox:
            info = dict(item.strip().split("=", 1) for item in sandbox[0].split(";") if "=" in item)
            source: dict[str, Any] = {"kind": "sandbox", **info}
        else:
            parts = urlsplit(interaction["request"]["uri"])
            source = {"kind": "endpoint", "base_url": f"{parts.scheme}://{parts.netloc}"}
        if source not in sources:
            sources.append(source)
    return {"recorded_at": max(recorded) if recorded else None, "sources": sources}


def _readable(interaction: Mapping[str, Any]) -> dict[str, Any]:
    request = dict(interaction["request"])
    response = dict(interaction["response"])
    request["body"] = _as_json(request.get("body"))
    response["body"] = _as_json(response["body"].get("string"))
    return {"request": request, "response": response}


def _raw(interaction: Mapping[str, Any]) -> dict[str, Any]:
    request = dict(interaction["request"])
    response = dict(interaction["response"])
    request["body"] = _from_json(request.get("body"))
    response["body"] = {"string": _from_json(response.get("body"))}
    return {"request": request, "response": response}


def _as_json(body: Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body[:1] in ("{", "["):
        try:
            return {"json": json.loads(body)}
        except ValueError:
            pass
    return {"text": body}


def _from_json(body: Any) -> str | None:
    if isinstance(body, dict) and "json" in body:
        return json.dumps(body["json"])
    if isinstance(body, dict) and "text" in body:
        return body["text"]  # type: ignore[no-any-return]
    return body if body is None or isinstance(body, str) else json.dumps(body)


# --- replay -------------------------------------------------------------------------------


@dataclass
class Cassette:
    """A loaded cassette, indexed by request key (last recording of a key wins)."""

    path: Path
    meta: Mapping[str, Any]
    answers: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    shown: str = ""
    requests: list[Mapping[str, Any]] = field(default_factory=list)
    """The recorded request bodies (parsed), to tell a changed config from a changed answer."""
    notes: Mapping[str, Any] = field(default_factory=dict)
    """What the item noted beside its answers (``metadata``: a fuzz spec's draws)."""

    def answer(self, key: str) -> Answer | None:
        """The recorded answer for a key (the last one recorded), or None."""
        found = self.all_answers(key)
        return found[-1] if found else None

    def all_answers(self, key: str) -> list[Answer]:
        """Every answer recorded for a key, in order (a repeated case records several)."""
        return [self._answer(response) for response in self.answers.get(key, ())]

    def _answer(self, response: Mapping[str, Any]) -> Answer:
        body = response.get("body")
        raw: bytes | Mapping[str, Any] | list[Any] = (
            body["json"]
            if isinstance(body, dict) and isinstance(body.get("json"), (dict, list))
            else (
                json.dumps(body["json"]).encode()
                if isinstance(body, dict) and "json" in body
                else (body.get("text") or "").encode()
                if isinstance(body, dict)
                else b""
            )
        )
        headers = {k: v[0] for k, v in (response.get("headers") or {}).items() if v}
        return Answer(
            int(response["status"]["code"]),
            headers,
            raw,
            f"cassette {self.shown or self.path}",
            {"recorded_at": response.get("recorded_at"), **self.meta},
        )


MAX_CASSETTE_BYTES = 64 * 1024 * 1024
"""The largest cassette replay reads: image bytes are recorded as placeholders, so one item's
answers are kilobytes."""


class CassetteError(Exception):
    """A cassette file that cannot be read (truncated, empty, not UTF-8, not a cassette)."""

    def __init__(self, path: Path, why: str) -> None:
        self.path = path
        self.why = why
        super().__init__(f"{path}: {why}")


class WriteFailed(Exception):
    """A recording that could not be written (a full or read-only disk); the old file is kept."""

    def __init__(self, path: Path, error: OSError) -> None:
        self.path = path
        self.error = error
        super().__init__(f"{path}: {error.strerror or error}")


def read_cassette_bytes(path: Path) -> bytes:
    """A cassette file's bytes, bounded; a link is refused, never followed (:class:`CassetteError`).

    A recording is a plain file the plugin wrote: a link in its place could lead anywhere on the
    machine, and replay would take an item's verdict from whatever file it names. (Recording
    replaces a link with a plain file, atomically, and leaves what it named as it was.)"""
    try:
        return read_small(path, MAX_CASSETTE_BYTES, follow_links=False)
    except IsLink:
        raise CassetteError(
            path, "is a link, not a recording this plugin wrote: it is not read; replace the link with the file"
        ) from None


def load_cassette(path: Path, shown: str = "") -> Cassette | None:
    """Read a cassette file for replay (None if there is none); ``shown`` names it in messages.

    Raises :class:`CassetteError` when the file is there but is not a cassette this plugin wrote.
    """
    try:
        raw = read_cassette_bytes(path)
    except FileNotFoundError:
        return None
    except TooLarge:
        raise CassetteError(path, f"is over {MAX_CASSETTE_BYTES} bytes, more than any recording") from None
    except OSError as err:
        raise CassetteError(path, f"cannot be read: {err.strerror or err}") from None
    data = parse_cassette(path, raw)
    notes = data.get("metadata")
    cassette = Cassette(path, data.get("imgsafe") or {}, shown=shown, notes=notes if isinstance(notes, dict) else {})
    for interaction in data["interactions"]:
        request = interaction["request"]
        body = request.get("body")
        parsed = (
            body["json"]
            if isinstance(body, dict) and "json" in body and isinstance(body["json"], dict)
            else _from_json(body)
        )
        stored = (request.get("headers") or {}).get(KEY_HEADER)
        key = (
            stored[0]
            if isinstance(stored, list) and stored and isinstance(stored[0], str)
            else http_key(request["uri"], parsed)
        )
        cassette.answers.setdefault(key, []).append(interaction["response"])
        if isinstance(parsed, Mapping):
            cassette.requests.append(parsed)
    return cassette


def parse_cassette(path: Path, raw: bytes) -> dict[str, Any]:
    """A cassette file's JSON, checked for the shape replay relies on; :class:`CassetteError` if not."""
    if not raw.strip():
        raise CassetteError(path, "is empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise CassetteError(path, f"is not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start})") from None
    except ValueError as err:
        truncated = (
            " (it looks truncated)"
            if isinstance(err, json.JSONDecodeError) and err.pos >= len(raw.rstrip()) - 1
            else ""
        )
        raise CassetteError(path, f"is not valid JSON{truncated}: {err}") from None
    except RecursionError:
        raise CassetteError(path, "is not a cassette: its JSON is nested too deep") from None
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise CassetteError(path, "is not a cassette: it has no 'interactions' list")
    if not isinstance(data.get("imgsafe", {}), dict):
        raise CassetteError(path, "is not a cassette: its 'imgsafe' field is not an object")
    written = data.get("imgsafe", {}).get("format", FORMAT)
    if written != FORMAT or data.get("version", 1) != 1:
        # a format this release does not know (a newer release's, or an edited one) may mean other
        # things by the same fields: never read as if it were this one's
        raise CassetteError(
            path,
            f"is in a cassette format this release does not read (imgsafe format {str(written)[:20]!r}, "
            f"version {str(data.get('version'))[:20]!r}; this release writes format {FORMAT}, version 1): "
            "record it again, or use the release that wrote it",
        )
    for number, interaction in enumerate(data["interactions"], 1):
        request = interaction.get("request") if isinstance(interaction, dict) else None
        response = interaction.get("response") if isinstance(interaction, dict) else None
        if not (
            isinstance(request, dict)
            and isinstance(request.get("uri"), str)
            and isinstance(response, dict)
            and isinstance(response.get("status"), dict)
            and isinstance(response["status"].get("code"), int)
            and _headers(request.get("headers"))
            and _headers(response.get("headers"))
        ):
            raise CassetteError(
                path,
                f"interaction #{number} is not a recorded request and answer "
                "(request.uri, response.status.code, headers as lists of text)",
            )
    return data


def _headers(value: Any) -> bool:
    """Recorded headers as vcrpy writes them (name -> list of values), or none."""
    return value is None or (
        isinstance(value, dict)
        and all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value.values())
    )


_STAGE = re.compile(r"^\.(?P<name>.+\.json)\.(?P<pid>\d+)\.\d+\.(?:recording|tmp)$")
"""A stage file beside a cassette (``.NAME.json.PID.THREAD.recording``) or an atomic write's
temporary (``.tmp``): hidden, named by the process that writes it."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process, or a number the system cannot check: left alone
    return True


def remove_stale_stages(cassettes: Path) -> list[Path]:
    """Remove the stage files a killed run left beside its cassettes (their process is gone);
    returns them. A stage never replaced a cassette, so nothing recorded is lost."""
    removed: list[Path] = []
    if not cassettes.is_dir():
        return removed
    for folder in [cassettes, *(p for p in cassettes.iterdir() if p.is_dir() and not p.is_symlink())]:
        for path in folder.glob(".*"):
            m = _STAGE.match(path.name)
            if m and path.is_file() and not _alive(int(m.group("pid"))):
                try:
                    path.unlink()
                except OSError:
                    continue
                removed.append(path)
    return removed


def cassette_path(cassettes: Path, target: str, item_id: str) -> Path:
    """Where one item's recordings live (always inside ``cassettes/target/``)."""
    if (
        not target
        or not item_id
        or target[0] == "."
        or item_id[0] == "."
        or "/" in target + item_id
        or "\\" in target + item_id
    ):
        raise ValueError(f"{target!r}/{item_id!r} would name a cassette outside {cassettes}")
    return cassettes.joinpath(target, f"{item_id}.json")  # one path parse, not two


ROLE_MARK = "@"
"""Separates an item from the role of a recording it makes besides its own (a chain's link, an
explanation): no case id, fuzz id or target name may hold it, so no case's cassette can have the
name of another case's link or explanation (``a.explain`` once named ``a``'s explanation too)."""


def derived_cassette_path(cassettes: Path, target: str, item_id: str, role: str) -> Path:
    """Where an item's recordings for one role live: ``<cassettes>/<target>/<item>@<role>.json``."""
    if not role or ROLE_MARK in item_id + role:
        raise ValueError(f"{item_id!r}/{role!r} cannot name a derived cassette")
    return cassette_path(cassettes, target, f"{item_id}{ROLE_MARK}{role}")


def legacy_derived_path(cassettes: Path, target: str, item_id: str, role: str) -> Path:
    """The name such recordings had before (``<item>.<role>.json``): still read, never written."""
    return cassette_path(cassettes, target, f"{item_id}.{role}")


# --- recording through vcrpy --------------------------------------------------------------


class Recorder:
    """The one recorder of a cassette: the runner's call sessions and ``imgsafe_client`` use it.

    The cassette on disk is read once, when first needed. Each call (or a test's whole block of
    calls) runs inside a vcrpy cassette held in memory, offered only the old interactions it may
    play back; what vcrpy records there is kept in memory, and :meth:`save` writes the old and
    the new interactions once, atomically. So recording ``n`` calls costs ``n`` filters and one
    serialisation, not one reload and re-serialisation of the whole cassette per call, and an
    interrupt or a crash at any moment leaves the old cassette as it was.
    """

    def __init__(
        self,
        path: Path,
        cassette_filter: CassetteFilter,
        *,
        fresh: bool,
        serializer: type[Serializer] = Serializer,
        source: Path | None = None,
    ) -> None:
        self.path = path
        self.source = source or path
        """The cassette read (the older name of the same recordings, while ``path`` does not exist
        yet); :meth:`save` always writes ``path``."""
        self.filter = cassette_filter
        self.fresh = fresh
        """Start afresh (record mode ``all``): the old cassette is never read, only replaced."""
        self.serializer = serializer
        self._old: list[dict[str, Any]] | None = None
        self._by_key: dict[str, list[dict[str, Any]]] = {}
        self._metadata: Any = None
        self._noted = False
        self.exists = False
        """Whether an old cassette was there to add to."""
        self._new: list[dict[str, Any]] = []

    def load(self) -> None:
        """Read the old cassette (once); a damaged one is a :class:`CassetteError`, never recorded over."""
        if self._old is not None:
            return
        self._old = []
        if self.fresh:
            return
        try:
            raw = read_cassette_bytes(self.source)
        except FileNotFoundError:
            return
        except TooLarge:
            raise CassetteError(self.source, f"is over {MAX_CASSETTE_BYTES} bytes, more than any recording") from None
        parse_cassette(self.source, raw)
        data = self.serializer.deserialize(raw.decode("utf-8"))
        self.exists = True
        self._old = data["interactions"]
        self._metadata = data.get("metadata")
        for interaction in self._old:
            self._by_key.setdefault(_stored_key(interaction["request"]), []).append(interaction)

    def keys(self) -> set[str]:
        """The request keys the cassette holds, old and recorded in this session."""
        self.load()
        return set(self._by_key) | {_stored_key(i["request"]) for i in self._new}

    def note(self, name: str, value: Any) -> None:
        """Keep ``value`` beside the answers, under ``metadata.NAME`` (a fuzz spec's draws): written
        with them by :meth:`save`, even when every answer was played back from the old cassette."""
        self.load()
        metadata = self._metadata if isinstance(self._metadata, dict) else {}
        if metadata.get(name) != value:
            self._metadata = {**metadata, name: value}
            self._noted = True

    @property
    def recorded(self) -> int:
        """Interactions recorded in this session (not yet written)."""
        return len(self._new)

    @contextmanager
    def cassette(
        self,
        mode: str,
        *,
        key: str | None = None,
        allow_playback_repeats: bool = False,
        before_record_request: Callable[[Any], Any] | None = None,
        before_record_response: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None,
    ) -> Iterator[Any]:
        """A vcrpy cassette in record mode ``mode`` around a block of calls, offered the old
        interactions of request ``key`` (all of them without a key). What it records is kept when
        the block returns, and dropped when it raises."""
        import vcr

        self.load()
        offered = self._by_key.get(key, []) if key is not None else self._old
        recorder = vcr.VCR(
            record_mode=mode,
            match_on=["imgsafe_key"],
            before_record_request=before_record_request or self.filter.before_record_request,
            before_record_response=before_record_response or self.filter.before_record_response,
            decode_compressed_response=True,
        )
        recorder.register_serializer("imgsafe", self.serializer)
        recorder.register_matcher("imgsafe_key", _vcr_match)
        recorder.register_persister(_Offered(offered if self.exists else None, self.serializer))
        context = recorder.use_cassette(
            str(self.path), serializer="imgsafe", allow_playback_repeats=allow_playback_repeats
        )
        with context as cassette:
            loaded = len(cassette.data)
            _never_play_back_what_is_recorded_now(cassette)
            yield cassette
        self._new.extend(_interaction(request, response) for request, response in cassette.data[loaded:])

    def record(self, key: str, send: Callable[[], T]) -> T:
        """Run ``send()`` (which calls the SDK) for request ``key``: answers recorded before are
        played back (``new_episodes``), what is missing is sent and kept in memory."""
        with keyed(key), self.cassette("new_episodes", key=key):
            return send()

    def save(self) -> bool:
        """Write the old and the new interactions, atomically, if anything was recorded or noted."""
        if not self._new and not (self._noted and self._old):
            return False
        interactions = [*(self._old or ()), *self._new]
        data: dict[str, Any] = {"version": 1, "interactions": interactions}
        if self._metadata:
            data["metadata"] = self._metadata
        text = self.serializer.serialize(data)
        try:
            write_atomic(self.path, text)
        except OSError as err:  # a full or read-only disk: the caller names the cassette
            raise WriteFailed(self.path, err) from None
        # what was written is now the old cassette (the serializer may have rewritten bodies)
        self._old, self._by_key, self._new, self.fresh, self._noted = None, {}, [], False, False
        return True

    def discard(self) -> None:
        """Forget what was recorded in this session (the old cassette stays as it is)."""
        self._new = []


class _Offered:
    """A vcrpy persister that loads only what the :class:`Recorder` offers and saves nothing
    (the recorder writes)."""

    def __init__(self, offered: list[dict[str, Any]] | None, serializer: type[Serializer]) -> None:
        self.offered = offered
        self.serializer = serializer

    def load_cassette(self, cassette_path: str, serializer: Any) -> Any:
        from vcr.persisters.filesystem import CassetteNotFoundError
        from vcr.request import Request

        if self.offered is None:
            raise CassetteNotFoundError()
        return (
            [Request._from_dict(i["request"]) for i in self.offered],
            [_response_bytes(i["response"]) for i in self.offered],
        )

    def save_cassette(self, cassette_path: str, cassette_dict: Any, serializer: Any) -> None:
        return None


def _response_bytes(response: Mapping[str, Any]) -> dict[str, Any]:
    """A stored response as vcrpy plays it (its body as bytes), leaving the stored one as it is."""
    body = dict(response.get("body") or {})
    if isinstance(body.get("string"), str):
        body["string"] = body["string"].encode("utf-8")
    return {**response, "body": body}


def _interaction(request: Any, response: Mapping[str, Any]) -> dict[str, Any]:
    """A request and answer vcrpy recorded, in the form the cassette serializer writes."""
    from vcr.serializers import compat

    return {"request": compat.convert_to_unicode(request._to_dict()), "response": compat.convert_to_unicode(response)}


def _stored_key(request: Mapping[str, Any]) -> str:
    """The key of a stored request: the one kept with it, else computed from what was recorded."""
    stored = (request.get("headers") or {}).get(KEY_HEADER)
    if isinstance(stored, list) and stored and isinstance(stored[0], str):
        return stored[0]
    return http_key(request["uri"], request.get("body"))


def _never_play_back_what_is_recorded_now(cassette: Any) -> None:
    """An answer recorded in this session is never played back in it.

    vcrpy plays back any unplayed interaction that matches, including one it appended a moment
    ago: a case repeated three times, added to a cassette that already exists
    (``new_episodes``), would send once and replay that first answer for the later repeats,
    turning one sample into three. Counting each new interaction as played makes every repeat
    its own call.
    """
    append = cassette.append

    def append_played(request: Any, response: Any) -> None:
        before = len(cassette.data)
        append(request, response)
        if len(cassette.data) > before:
            cassette.play_counts[before] += 1

    cassette.append = append_played


def _vcr_match(r1: Any, r2: Any) -> None:
    # the stored key when both requests carry one (recordings of this format), else the key
    # computed from what was recorded (older recordings)
    k1, k2 = r1.headers.get(KEY_HEADER), r2.headers.get(KEY_HEADER)
    if not (k1 and k2):
        k1, k2 = http_key(r1.uri, r1.body), http_key(r2.uri, r2.body)
    if k1 != k2:
        raise AssertionError("different imgsafe request keys")
