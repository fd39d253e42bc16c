"""The sandbox server: an OpenAI- and Azure-compatible image and moderation API on loopback,
which also answers Google's native Gemini and Imagen paths and Azure AI Content Safety.

``Sandbox`` is a plain class, usable without pytest::

    with Sandbox(profile="strict") as sb:
        client = OpenAI(base_url=sb.openai_base_url, api_key="any")
        gemini = genai.Client(api_key="any", http_options=HttpOptions(base_url=sb.base_url))

Every answer is JSON in the envelope of the provider the path belongs to (unknown paths 404,
other methods than POST 405, oversized bodies 413, never the stdlib's HTML error page), and the
request log keeps the path without its query and no header, and redacts the keys it was given
(``api_keys``) wherever else they stand (a prompt quoting one), so no key is ever logged.

It runs a stdlib ``ThreadingHTTPServer`` on a daemon thread (HTTP/1.1 keep-alive, Nagle off and
a deep listen queue: the two traps of the stdlib server), answers through ``policy`` and
``shapes``, injects seeded faults, enforces an optional requests-per-minute limit, and keeps a
request log in memory (and as JSON lines on disk if asked) that tests read to count calls.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import math
import random
import re
import select
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..base import multipart as _multipart
from . import policy, shapes
from .faults import FaultSpec, RateLimiter, format_reset, retry_after_headers

OPENAI_OPERATIONS = ("moderations", "images/generations", "images/edits", "chat/completions", "responses")
AZURE_OPERATIONS = ("images/generations", "images/edits", "chat/completions")
FLAVOURS = ("openai", "dalle", "gemini", "proxy")
GPT_IMAGE_SIZES = ("auto", "1024x1024", "1536x1024", "1024x1536")
GPT_IMAGE_QUALITIES = ("auto", "low", "medium", "high", "xhigh", "max")
_SIZE = re.compile(r"^(\d+)x(\d+)$")
_AZURE_PATH = re.compile(r"^/openai/deployments/([^/]+)/(.+)$")
GOOGLE_OPERATIONS = ("generateContent", "streamGenerateContent", "predict")
# The Gemini API: /v1beta/models/{model}:op (google-genai 3.x defaults to /v1); Vertex AI:
# /v1beta1/publishers/google/models/{model}:op (express mode, a key and no project) or with
# projects/{p}/locations/{l}/ in front.
_GOOGLE_PATH = re.compile(
    r"^/(?P<version>v1|v1alpha|v1beta|v1beta1)/(?:projects/[^/]+/locations/[^/]+/)?"
    r"(?P<publisher>publishers/google/)?models/(?P<model>[^/:]+):(?P<op>[A-Za-z]+)$"
)
# /v1/models/{id} without an operation stays OpenAI's (its models endpoint); with ":op" it is Google's
_GOOGLE_PREFIX = re.compile(r"^/(?:v1alpha|v1beta|v1beta1)(?:/|$)|^/v1/(?:models/[^/]+:|projects/|publishers/)")
CONTENT_SAFETY_OPERATIONS = ("text:analyze",)
MAX_BODY_BYTES = 64 * 1024 * 1024
"""Default request-size limit: above every image API's own (gpt-image edits take 50 MB per image)."""
DRAIN_LIMIT = 256 * 1024 * 1024
"""An oversized body up to this size is read and dropped, so the client gets to read the 413."""
IDLE_TIMEOUT_S = 60.0
"""How long a connection may take to send one whole request (waiting for it included) before the
sandbox closes it: a silent client, or one that sends a byte now and then, never holds a thread
forever."""
_GONE_POLL_S = 0.05
"""How often a delayed answer looks whether its client is still there."""


@dataclass(frozen=True)
class Settings:
    """What the sandbox does; changed at run time through the setters of :class:`Sandbox`."""

    profile: str | None = None
    policy_version: int = 1
    flavour: str | None = None
    faults: FaultSpec = field(default_factory=FaultSpec)
    seed: int = 0
    rpm: int | None = None
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    slow_ms: float = 1500.0
    fault_retry_after_ms: int = 20
    api_keys: frozenset[str] | None = None
    output_filter_rate: float = 1.0
    """Share of output-stage candidates that are filtered (below 1: per call, seeded), since a
    real output filter judges the generated image, which differs from call to call."""
    suspend_after_blocks: int | None = None
    """After this many blocked answers every request gets a 403 'suspended' (account safety drills)."""
    max_body_bytes: int = MAX_BODY_BYTES
    """Request bodies above this size get a 413 in the provider's shape."""


class Sandbox:
    """A running sandbox server; a context manager that starts and stops it."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        profile: str | None = None,
        policy_version: int = 1,
        flavour: str | None = None,
        faults: str | FaultSpec | None = None,
        seed: int = 0,
        rpm: int | None = None,
        latency_ms: float = 0.0,
        latency_jitter_ms: float = 0.0,
        slow_ms: float = 1500.0,
        fault_retry_after_ms: int = 20,
        api_keys: Iterable[str] | None = None,
        log_path: str | Path | None = None,
        output_filter_rate: float = 1.0,
        suspend_after_blocks: int | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("127."):
            raise ValueError(f"the sandbox serves loopback only; {host!r} is not a loopback address")
        self._initial = Settings(
            seed=seed,
            slow_ms=slow_ms,
            fault_retry_after_ms=fault_retry_after_ms,
            api_keys=frozenset(api_keys) if api_keys is not None else None,
        )
        self._settings = self._initial
        self.clock = clock
        """What the rpm limit's bucket reads the time from (a test can give its own and move it)."""
        self._blocks = 0
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self._limiter: RateLimiter | None = None
        self._sequence = 0
        self._log: list[dict[str, Any]] = []
        self._log_path = Path(log_path) if log_path else None
        self._log_broken = False
        self._host, self._port = host, port
        if not idle_timeout_s > 0:
            raise ValueError("idle_timeout_s is a number of seconds > 0")
        self.idle_timeout_s = float(idle_timeout_s)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.set_profile(profile)
        self.set_policy_version(policy_version)
        self.set_flavour(flavour)
        self.set_faults(faults)
        self.set_rpm(rpm)
        self.set_latency(latency_ms, latency_jitter_ms)
        self.set_output_filter_rate(output_filter_rate)
        self.set_suspend_after_blocks(suspend_after_blocks)
        self.set_max_body_bytes(max_body_bytes)
        self._initial = self._settings

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind, listen and serve on a daemon thread; returns self."""
        if self._server is not None:
            return self
        if self._log_path is not None:
            try:  # a log that cannot be written is said at start, not found later in every answer
                with self._log_path.open("a", encoding="utf-8"):
                    pass
            except OSError as err:
                raise ValueError(f"cannot write the request log {self._log_path}: {err.strerror or err}") from None
        server = _Server((self._host, self._port), _Handler, self)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="imgsafe-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The real port (after ``port=0``)."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() or use it in a with block")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: the root URL. ``AzureOpenAI(azure_endpoint=...)``, google-genai's
        ``HttpOptions(base_url=...)`` and a Content Safety endpoint take it; OpenAI clients take
        :attr:`openai_base_url`."""
        host = self._host if ":" not in self._host else f"[{self._host}]"
        return f"http://{host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """``base_url + "/v1"``: what ``OpenAI(base_url=...)`` takes, and what the CLI prints first."""
        return f"{self.base_url}/v1"

    # --- settings ----------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The settings in force now."""
        return self._settings

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self._settings = replace(self._settings, **changes)

    def set_profile(self, profile: str | None) -> None:
        """Force one profile for every model (None: the model table decides)."""
        if profile is not None and profile not in policy.profiles():
            raise ValueError(f"unknown profile {profile!r}; known profiles: {', '.join(policy.profiles())}")
        self._update(profile=profile)

    def set_policy_version(self, version: int) -> None:
        """Switch the policy version (drift)."""
        if int(version) not in policy.versions():
            known = ", ".join(map(str, policy.versions()))
            raise ValueError(f"unknown policy version {version!r}; known versions: {known}")
        self._update(policy_version=int(version))

    def set_flavour(self, flavour: str | None) -> None:
        """Force one answer flavour for the OpenAI paths (None: the model table decides)."""
        if flavour is not None and flavour not in FLAVOURS:
            raise ValueError(f"unknown flavour {flavour!r}; known flavours: {', '.join(FLAVOURS)}")
        self._update(flavour=flavour)

    def set_faults(self, faults: str | FaultSpec | None, seed: int | None = None) -> None:
        """Set the fault probabilities (``"429:0.1,drop:0.01"``), and optionally the seed."""
        spec = faults if isinstance(faults, FaultSpec) else FaultSpec.parse(faults)
        self._update(faults=spec, **({"seed": seed} if seed is not None else {}))

    def set_rpm(self, rpm: int | None) -> None:
        """Enforce a requests-per-minute limit (None: no limit)."""
        self._limiter = RateLimiter(rpm, self.clock) if rpm else None
        self._update(rpm=rpm)

    def set_latency(self, mean_ms: float, jitter_ms: float = 0.0) -> None:
        """Delay every answer by ``mean_ms`` ± ``jitter_ms`` (uniform, seeded)."""
        if mean_ms < 0 or jitter_ms < 0 or jitter_ms > mean_ms:
            raise ValueError("latency needs 0 <= jitter <= mean (milliseconds)")
        self._update(latency_ms=float(mean_ms), latency_jitter_ms=float(jitter_ms))

    def set_output_filter_rate(self, rate: float) -> None:
        """Filter only this share of output-stage candidates (1.0: all of them, deterministic)."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError("the output filter rate is a share between 0 and 1")
        self._update(output_filter_rate=float(rate))

    def set_suspend_after_blocks(self, blocks: int | None) -> None:
        """Answer 403 'suspended' to everything once this many blocks were answered (None: never)."""
        if blocks is not None and blocks < 0:
            raise ValueError("suspend_after_blocks is a number of blocks >= 0")
        with self._lock:
            self._blocks = 0
        self._update(suspend_after_blocks=blocks)

    def set_max_body_bytes(self, limit: int) -> None:
        """Answer 413 to request bodies larger than ``limit`` bytes."""
        if limit < 1:
            raise ValueError("max_body_bytes is a number of bytes >= 1")
        self._update(max_body_bytes=int(limit))

    def reset(self) -> None:
        """Back to the settings given at construction, with an empty log and a fresh limiter."""
        with self._lock:
            self._settings = self._initial
            self._sequence = 0
            self._blocks = 0
            self._seen.clear()
            self._log.clear()
        self._limiter = RateLimiter(self._initial.rpm, self.clock) if self._initial.rpm else None

    # --- request log -------------------------------------------------------------------

    @property
    def requests(self) -> list[dict[str, Any]]:
        """A copy of the request log, oldest first (one dict per HTTP request)."""
        with self._lock:
            return [dict(entry) for entry in self._log]

    @property
    def started(self) -> int:
        """How many requests have begun (the log holds them only once answered, after any latency):
        a test can wait for a call to be under way without timing it."""
        with self._lock:
            return self._sequence

    def clear_log(self) -> None:
        """Forget the logged requests."""
        with self._lock:
            self._log.clear()

    def _next(self) -> tuple[int, Settings, RateLimiter | None]:
        with self._lock:
            self._sequence += 1
            return self._sequence, self._settings, self._limiter

    def _occurrence(self, fields: dict[str, Any]) -> int:
        """How many times this request body was answered before (for per-call draws)."""
        key = json.dumps(fields, sort_keys=True, default=str)
        with self._lock:
            count = self._seen.get(key, 0)
            self._seen[key] = count + 1
            return count

    def _suspended(self, settings: Settings) -> bool:
        with self._lock:
            return settings.suspend_after_blocks is not None and self._blocks >= settings.suspend_after_blocks

    def _record(self, entry: dict[str, Any]) -> None:
        keys = self._settings.api_keys
        if keys:  # a prompt may quote the very key the sandbox was given
            entry = _without_keys(entry, keys)
        line = json.dumps(entry, sort_keys=True)
        with self._lock:
            if entry.get("verdict") == "block":
                self._blocks += 1
            self._log.append(entry)
            if self._log_path is not None:
                try:
                    with self._log_path.open("a", encoding="utf-8") as fh:
                        fh.write(line + "\n")
                except OSError as err:  # the log never breaks an answer (its headers may be sent)
                    self._log_failed(err)

    def _log_failed(self, err: OSError) -> None:
        """Say once, on stderr, that the request log stopped being written; answers go on."""
        if not self._log_broken:
            self._log_broken = True
            print(f"sandbox: request log {self._log_path} not written: {err.strerror or err}", file=sys.stderr)


LOGGED_KEY = "<redacted>"
"""What stands in the request log for a key the sandbox was given."""
MIN_REDACTED_KEY = 6
"""Shorter keys are not redacted: a test's ``api_keys={"right"}`` would garble every "right" in a prompt."""


KEY_FRAGMENT = 8
"""A key's first or last this many characters (or more) stand for it too: a prompt that quotes
the start of a key and its end apart gives the key away as surely as the whole."""


@functools.lru_cache(maxsize=8)
def _key_pattern(keys: frozenset[str]) -> re.Pattern[str] | None:
    """What the request log redacts: each key whole, or any start or end of it of at least
    :data:`KEY_FRAGMENT` characters (for keys long enough to have one), longest first."""
    parts: list[str] = []
    for key in sorted((k for k in keys if len(k) >= MIN_REDACTED_KEY), key=len, reverse=True):
        parts.append(re.escape(key))
        if len(key) > KEY_FRAGMENT:
            more = ""
            for char in reversed(key[KEY_FRAGMENT:]):  # "(?:a(?:b(?:c)?)?)?": what follows, as far as it goes
                more = f"(?:{re.escape(char)}{more})?"
            parts.append(re.escape(key[:KEY_FRAGMENT]) + more)
            before = ""
            for char in key[:-KEY_FRAGMENT]:  # "(?:(?:(?:a)?b)?c)?": what comes before, as far back as it goes
                before = f"(?:{before}{re.escape(char)})?"
            parts.append(before + re.escape(key[-KEY_FRAGMENT:]))
    return re.compile("|".join(parts)) if parts else None


def _without_keys(value: Any, keys: frozenset[str]) -> Any:
    """``value`` (a log entry) with every key of ``keys`` in its strings replaced, and every start
    or end of one of at least :data:`KEY_FRAGMENT` characters."""
    if isinstance(value, str):
        pattern = _key_pattern(keys)
        return pattern.sub(LOGGED_KEY, value) if pattern is not None else value
    if isinstance(value, dict):
        return {_without_keys(k, keys): _without_keys(v, keys) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_keys(v, keys) for v in value]
    return value


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], sandbox: Sandbox) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.sandbox = sandbox
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (timeouts, dropped connections) is not our error.
        pass


@dataclass
class _Call:
    """One request as the handler understood it."""

    provider: str
    """openai, azure, google (the Gemini API and Vertex AI) or contentsafety."""
    operation: str
    deployment: str | None
    """Azure's deployment, or Google's model (from the path)."""
    api_version: str | None
    fields: dict[str, Any]
    files: dict[str, list[bytes]]
    query: dict[str, list[str]] = field(default_factory=dict)
    vertex: bool = False
    """A Vertex AI path (``publishers/google/models``) rather than the Gemini API's."""


class _BadRequest(Exception):
    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body


def provider_of_path(path: str) -> str:
    """Which provider's envelope an answer to this path uses, known before the body is read."""
    if path.startswith("/openai/"):
        return "azure"
    if path.startswith("/contentsafety/"):
        return "contentsafety"
    if _GOOGLE_PREFIX.match(path):
        return "google"
    return "openai"


class _DeadlineReader(io.RawIOBase):
    """A connection's reads, each bounded by what is left of the time for the current request.

    A socket timeout alone bounds one read: a client that sends a byte just before each read
    times out holds the thread for as long as it likes. Here every read (the request line, each
    header, the body) waits at most until one deadline per request, read from the sandbox's clock."""

    def __init__(self, sock: socket.socket, idle_s: float, clock: Callable[[], float]) -> None:
        super().__init__()
        self._sock, self._idle_s, self._clock = sock, idle_s, clock
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        timeout = self._idle_s
        if self.deadline is not None:
            left = self.deadline - self._clock()
            if left <= 0:
                raise TimeoutError("the request did not arrive whole in time")
            timeout = min(timeout, left)
        self._sock.settimeout(timeout)
        try:
            return self._sock.recv_into(buffer)
        finally:
            self._sock.settimeout(self._idle_s)  # writes keep the plain timeout


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server
    server_version = "imgsafe-sandbox"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def setup(self) -> None:
        super().setup()
        # every read and write of a silent client ends in this timeout, and the stdlib closes the
        # connection (its own ``timeout`` attribute is a class variable, the same for every sandbox)
        sandbox = self.server.sandbox
        self.connection.settimeout(sandbox.idle_timeout_s)
        self._reader = _DeadlineReader(self.connection, sandbox.idle_timeout_s, sandbox.clock)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        # one deadline for waiting for a request and reading it whole (its body included)
        self._reader.deadline = self.server.sandbox.clock() + self.server.sandbox.idle_timeout_s
        super().handle_one_request()

    def _client_gone(self) -> bool:
        """Whether the client has closed its end (a readable socket with nothing to read)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    # Every method is answered by the same route: unknown paths 404, known paths 405 for
    # anything but POST, always JSON in the envelope of the provider the path belongs to.
    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_OPTIONS(self) -> None:
        self._serve("OPTIONS")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """JSON instead of the stdlib's HTML error page (bad request lines, unknown methods, ...)."""
        if code == HTTPStatus.NOT_IMPLEMENTED and self.command and getattr(self, "headers", None) is not None:
            self._serve(self.command)  # a method with no do_X: the route answers 404 or 405
            return
        # the request line may have failed before the stdlib stored the path: read it from the line
        words = (getattr(self, "requestline", "") or "").split()
        path = urlsplit(words[1] if len(words) > 1 else "").path
        body = json.dumps(shapes.error_for(provider_of_path(path), code, message or HTTPStatus(code).phrase)).encode()
        self.close_connection = True
        if self.request_version == "HTTP/0.9":
            # the stdlib's default when the version is unreadable; it would drop the status line
            self.request_version = "HTTP/1.1"
        try:
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.send_header("connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass

    def _serve(self, method: str) -> None:
        sandbox = self.server.sandbox
        sequence, settings, limiter = sandbox._next()
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        provider = provider_of_path(url.path)
        # The log holds the path without its query: a Google key may ride in ?key=.
        entry: dict[str, Any] = {
            "seq": sequence,
            "time": round(time.time(), 3),
            "method": method,
            "path": url.path,
            "retry_count": int(self.headers.get("x-stainless-retry-count") or 0),
            "request_id": request_id,
            "policy_version": settings.policy_version,
        }
        headers = {"x-request-id": request_id}
        if provider in ("azure", "contentsafety"):
            headers["apim-request-id"] = request_id
        content_type = "application/json"
        try:
            raw = self._read_body(provider, settings.max_body_bytes)
            call = self._route(url.path, query, method)
            entry.update(provider=call.provider, operation=call.operation, deployment=call.deployment)
            if method != "POST":
                headers["allow"] = "POST"
                raise _BadRequest(405, _method_not_allowed(call.provider, method, url.path))
            self._check_auth(call, settings)
            if sandbox._suspended(settings):
                entry["fault"] = "suspended"
                raise _BadRequest(403, _suspended_error(call))
            # Injected faults come first and do not use up the rpm limit: they stand for
            # failures of the server, not for requests it served.
            fault = settings.faults.draw(settings.seed, sequence)
            if fault is None and limiter is not None:
                allowed, wait, remaining = limiter.acquire()
                headers.update(
                    {
                        "x-ratelimit-limit-requests": str(limiter.rpm),
                        "x-ratelimit-remaining-requests": str(remaining),
                        "x-ratelimit-reset-requests": format_reset(limiter.reset_after()),
                    }
                )
                if not allowed:
                    headers.update(retry_after_headers(wait))
                    entry["fault"] = "rpm"
                    raise _BadRequest(429, _rate_limited(call, limiter.rpm, wait))
            entry["fault"] = fault
            entry["delay_ms"] = self._delay(settings, sequence, fault)
            if self._client_gone():
                # nobody waits for this answer: no judging, no answer, the connection closed
                entry.update(fault="client_gone", status=None)
                sandbox._record(entry)
                self.close_connection = True
                return
            if fault == "drop":
                entry["status"] = None
                sandbox._record(entry)
                self._drop()
                return
            if fault in ("429", "quota"):
                headers.update(retry_after_headers(settings.fault_retry_after_ms / 1000))
                if fault == "quota":
                    raise _BadRequest(*_quota(call))
                raise _BadRequest(429, _rate_limited(call, settings.rpm or 60, settings.fault_retry_after_ms / 1000))
            if fault is not None and fault.isdigit():
                headers.update(retry_after_headers(settings.fault_retry_after_ms / 1000))
                raise _BadRequest(int(fault), _server_error(call, int(fault)))
            self._parse_body(call, raw)
            status, body, info = _answer(call, settings, request_id, sandbox._occurrence(call.fields))
            entry.update(info)
            if call.operation == "streamGenerateContent" and status == 200:
                if query.get("alt") == ["sse"]:
                    payload, content_type = shapes.sse(body), "text/event-stream"
                else:  # without alt=sse the chunks come as one JSON array
                    payload = json.dumps(body).encode()
            elif call.operation == "responses" and status == 200 and call.fields.get("stream") is True:
                partial = (_tool_of(call.fields) or {}).get("partial_images")
                events = shapes.responses_events(body, int(partial) if isinstance(partial, int) else 0)
                payload, content_type = shapes.typed_sse(events), "text/event-stream"
            else:
                payload = json.dumps(body).encode()
            if fault == "badjson":
                payload = payload[: max(1, len(payload) // 2)]
            entry["status"] = status
            self._send(status, payload, headers, entry, started, content_type)
            return
        except _BadRequest as err:
            status, body = err.status, err.body
        except policy.PromptTooLong as err:
            status, body = 400, _too_long(provider, str(err))
        entry["status"] = status
        self._send(status, json.dumps(body).encode(), headers, entry, started, content_type)

    # --- pieces ------------------------------------------------------------------------

    def _read_body(self, provider: str, limit: int) -> bytes:
        """The request body, or a 413 once it is over ``limit`` bytes (400 for a bad length)."""
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            return self._read_chunked(provider, limit)
        try:
            length = int(self.headers.get("content-length") or 0)
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            raise _BadRequest(
                400, shapes.error_for(provider, 400, "The Content-Length header is not a valid length.")
            ) from None
        if length > limit:
            self._discard(length)
            raise _BadRequest(413, _too_large(provider, length, limit))
        return self.rfile.read(length) if length else b""

    def _read_chunked(self, provider: str, limit: int) -> bytes:
        body = bytearray()
        total = 0
        while True:
            line = self.rfile.readline(65537)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self.close_connection = True
                raise _BadRequest(
                    400, shapes.error_for(provider, 400, "The chunked request body is malformed.")
                ) from None
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                break
            total += size
            if total > DRAIN_LIMIT:
                self.close_connection = True
                raise _BadRequest(413, _too_large(provider, total, limit))
            chunk = self.rfile.read(size)
            self.rfile.readline()
            if total <= limit:
                body += chunk
        if total > limit:
            raise _BadRequest(413, _too_large(provider, total, limit))
        return bytes(body)

    def _discard(self, length: int) -> None:
        """Read and drop an oversized body, so the client reads the 413 instead of a reset
        connection; past DRAIN_LIMIT the connection is closed instead."""
        if length > DRAIN_LIMIT:
            self.close_connection = True
            return
        left = length
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 16))
            if not chunk:
                self.close_connection = True
                return
            left -= len(chunk)

    def _route(self, path: str, query: dict[str, list[str]], method: str) -> _Call:
        m = _GOOGLE_PATH.match(path)
        if m and m.group("op") in GOOGLE_OPERATIONS:
            return _Call(
                "google", m.group("op"), m.group("model"), m.group("version"), {}, {}, query, bool(m.group("publisher"))
            )
        if m or _GOOGLE_PREFIX.match(path):
            raise _BadRequest(
                404,
                shapes.google_error(
                    404,
                    f"The requested URL {path} was not found on this server, "
                    "or the method is not supported for this model.",
                ),
            )
        if path.startswith("/v1/"):
            operation = path[len("/v1/") :].rstrip("/")
            if operation in OPENAI_OPERATIONS:
                return _Call("openai", operation, None, None, {}, {}, query)
            raise _BadRequest(404, shapes.openai_error(f"Invalid URL ({method} {path})", "invalid_request_error", None))
        m = _AZURE_PATH.match(path)
        if m and m.group(2).rstrip("/") in AZURE_OPERATIONS:
            versions = query.get("api-version")
            if not versions:
                raise _BadRequest(
                    404,
                    {
                        "error": {
                            "code": "404",
                            "message": "Resource not found. The api-version query parameter is missing.",
                        }
                    },
                )
            return _Call("azure", m.group(2).rstrip("/"), m.group(1), versions[0], {}, {}, query)
        if path.rstrip("/") in ("/openai/responses", "/openai/v1/responses"):
            # Azure's Responses API: not a deployment path; the deployment is the body's model
            versions = query.get("api-version")
            return _Call("azure", "responses", None, versions[0] if versions else None, {}, {}, query)
        if path.startswith("/openai/"):
            raise _BadRequest(404, {"error": {"code": "404", "message": "Resource not found"}})
        if path.startswith("/contentsafety/"):
            operation = path[len("/contentsafety/") :]
            if operation not in CONTENT_SAFETY_OPERATIONS:
                raise _BadRequest(404, shapes.azure_error("404", "Resource not found"))
            versions = query.get("api-version")
            if not versions:
                raise _BadRequest(
                    404, shapes.azure_error("404", "Resource not found. The api-version query parameter is missing.")
                )
            return _Call("contentsafety", operation, None, versions[0], {}, {}, query)
        raise _BadRequest(404, shapes.openai_error(f"Invalid URL ({method} {path})", "invalid_request_error", None))

    def _check_auth(self, call: _Call, settings: Settings) -> None:
        allowed = settings.api_keys
        if call.provider == "google":
            self._check_google_auth(call, allowed)
            return
        if call.provider in ("azure", "contentsafety"):
            header = "api-key" if call.provider == "azure" else "ocp-apim-subscription-key"
            key = (self.headers.get(header) or "").strip()
            if not key:
                bearer = self.headers.get("authorization") or ""
                key = bearer[7:].strip() if bearer.lower().startswith("bearer ") else ""
            if not key and call.provider == "contentsafety":
                raise _BadRequest(
                    401,
                    shapes.azure_error(
                        "401",
                        "Access denied due to missing subscription key. Make sure to include subscription key "
                        "when making requests to an API.",
                    ),
                )
            if not key or (allowed is not None and key not in allowed):
                raise _BadRequest(
                    401,
                    shapes.azure_error(
                        "401",
                        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide "
                        "a valid key for an active subscription and use a correct regional API endpoint for your "
                        "resource.",
                    ),
                )
            return
        bearer = self.headers.get("authorization") or ""
        key = bearer[7:].strip() if bearer.lower().startswith("bearer ") else ""
        if not key:
            raise _BadRequest(
                401,
                shapes.openai_error(
                    "You didn't provide an API key. You need to provide your API key in an Authorization "
                    "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    "invalid_request_error",
                    None,
                ),
            )
        if allowed is not None and key not in allowed:
            raise _BadRequest(
                401,
                shapes.openai_error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
            )

    def _check_google_auth(self, call: _Call, allowed: frozenset[str] | None) -> None:
        """Google takes the key in ``x-goog-api-key`` or ``?key=`` (Vertex also a Bearer token).

        A missing key is 403 PERMISSION_DENIED on the Gemini API and 401 UNAUTHENTICATED on
        Vertex; a wrong one is 400 INVALID_ARGUMENT with reason API_KEY_INVALID (as the Gemini
        API answers it, e.g. google-gemini/gemini-cli issue 4690).
        """
        key = (self.headers.get("x-goog-api-key") or "").strip() or (call.query.get("key") or [""])[0].strip()
        bearer = self.headers.get("authorization") or ""
        token = bearer[7:].strip() if bearer.lower().startswith("bearer ") else ""
        service = "aiplatform.googleapis.com" if call.vertex else "generativelanguage.googleapis.com"
        if not key and not token:
            if call.vertex:
                raise _BadRequest(
                    401,
                    shapes.google_error(
                        401,
                        "Request is missing required authentication credential. Expected OAuth 2 access token, "
                        "login cookie or other valid authentication credential.",
                    ),
                )
            raise _BadRequest(
                403,
                shapes.google_error(
                    403,
                    "Method doesn't allow unregistered callers (callers without established identity). Please "
                    "use API Key or other form of API consumer identity to call this API.",
                ),
            )
        if allowed is not None and (key or token) not in allowed:
            message = "API key not valid. Please pass a valid API key."
            details: list[dict[str, Any]] = [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                    "metadata": {"service": service},
                },
                {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": message},
            ]
            raise _BadRequest(400, shapes.google_error(400, message, details))

    def _delay(self, settings: Settings, sequence: int, fault: str | None) -> float:
        """Wait as the latency settings say; returns the wait, in milliseconds, for the log."""
        delay = settings.latency_ms
        if settings.latency_jitter_ms:
            rng = random.Random(f"latency:{settings.seed}:{sequence}")
            delay += rng.uniform(-settings.latency_jitter_ms, settings.latency_jitter_ms)
        if fault == "slow":
            delay += settings.slow_ms
        # slept in slices: a client that hangs up meanwhile ends the wait (``_client_gone``)
        end = time.monotonic() + delay / 1000
        while (left := end - time.monotonic()) > 0 and not self._client_gone():
            time.sleep(min(left, _GONE_POLL_S))
        return round(delay, 3)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _parse_body(self, call: _Call, raw: bytes) -> None:
        ctype = self.headers.get("content-type") or ""
        if ctype.startswith("multipart/form-data") and call.provider in ("openai", "azure"):
            if not _multipart.looks_multipart(raw):
                raise _BadRequest(
                    400, shapes.openai_error("Could not parse the multipart body.", "invalid_request_error", None)
                )
            call.fields, call.files = _multipart.parse(raw)
            return
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = None
        except RecursionError:  # JSON nested deeper than Python parses: a 400, never a dropped connection
            raise _BadRequest(400, _too_deep(call.provider)) from None
        if not isinstance(data, dict):
            raise _BadRequest(400, _bad_json(call.provider, raw))
        call.fields = data

    def _send(
        self,
        status: int,
        payload: bytes,
        headers: dict[str, str],
        entry: dict[str, Any] | None,
        started: float,
        content_type: str = "application/json",
    ) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(payload)))
        self.send_header("openai-processing-ms", str(round((time.monotonic() - started) * 1000)))
        settings = self.server.sandbox.settings
        if entry is not None and entry.get("profile"):
            self.send_header(
                "x-imgsafe-sandbox",
                f"profile={entry['profile']}; policy-version={entry['policy_version']}; flavour={entry.get('flavour')}",
            )
        elif entry is not None:
            self.send_header("x-imgsafe-sandbox", f"policy-version={settings.policy_version}")
        for name, value in headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("connection", "close")
        self.end_headers()
        if entry is not None:
            # logged before the answer leaves, so a client that reads the log after its call sees it
            self.server.sandbox._record(entry)
        if self.command == "HEAD":
            return
        try:
            self.wfile.write(payload)
        except OSError:
            pass


def _answer(call: _Call, settings: Settings, request_id: str, occurrence: int = 0) -> tuple[int, Any, dict[str, Any]]:
    """Decide the request and build the answer; returns (status, body, log fields)."""
    if call.provider == "google":
        return _google_answer(call, settings, request_id, occurrence)
    if call.provider == "contentsafety":
        return _content_safety_answer(call, settings)
    fields = call.fields
    model = str(fields.get("model") or call.deployment or "")
    if call.operation == "moderations":
        return _moderations(fields, model)
    if call.operation == "responses":
        return _responses(call, settings, request_id, occurrence)
    prompt = _prompt(call)
    profile, flavour = policy.profile_for_model(model)
    if profile == "describer" and call.operation == "chat/completions":
        status, body = shapes.describer_answer(prompt, _chat_images(fields), model)
        return (
            status,
            body,
            {"model": model, "prompt": prompt, "profile": "describer", "endpoint": "chat", "verdict": None},
        )
    if profile in ("moderation", "describer"):  # not an image model: judged as the strictest
        profile = "strict"
    profile = settings.profile or profile
    flavour = settings.flavour or flavour
    if call.provider == "azure":
        flavour = "azure"
    is_gpt_image = model.startswith(("gpt-image", "chatgpt-image"))
    if call.operation.startswith("images/"):
        _validate_image_params(fields, model, is_gpt_image)
    endpoint: policy.Endpoint = "generate"
    if call.operation == "images/edits" or _chat_has_image(fields):
        endpoint = "edit"
    elif call.operation == "chat/completions":
        endpoint = "chat"
    decision = _output_draw(
        policy.decide(prompt, profile, settings.policy_version, endpoint), settings, prompt, occurrence
    )
    info = {
        "model": model,
        "prompt": prompt,
        "profile": profile,
        "flavour": flavour,
        "endpoint": endpoint,
        "verdict": decision.verdict,
        "stage": decision.stage,
        "scenario": decision.scenario,
        "files": {name: len(parts) for name, parts in call.files.items()},
    }
    azure = call.provider == "azure"
    if call.operation == "chat/completions":
        if decision.verdict == "pass":
            status, body = shapes.chat_ok(prompt, model, azure=azure)
        else:
            status, body = shapes.chat_blocked(decision, flavour, model, request_id, prompt, fields, azure=azure)
        return status, body, info
    if decision.verdict == "pass":
        status, body = shapes.images_ok(prompt, fields, model, flavour)
    elif azure:
        status, body = shapes.azure_images_blocked(decision, request_id)
    else:
        status, body = shapes.images_blocked(decision, flavour, request_id, prompt, fields)
    return status, body, info


def _output_draw(decision: policy.Decision, settings: Settings, prompt: str, occurrence: int) -> policy.Decision:
    """Apply ``output_filter_rate`` to an output-stage block.

    The output filter judges the generated image, which differs per call. The draw is seeded by
    the prompt and how many times it was asked: a case repeated N times gets the same N draws in
    any order, under any concurrency.
    """
    if decision.stage != "output" or settings.output_filter_rate >= 1.0:
        return decision
    draw = random.Random(f"output:{settings.seed}:{prompt}:{occurrence}").random()
    if draw < settings.output_filter_rate:
        return decision
    return dataclasses.replace(
        decision, verdict="pass", stage=None, reason=f"{decision.reason}; this generated image passed the output filter"
    )


# --- Google: Gemini and Imagen ------------------------------------------------------------


def _google_answer(
    call: _Call, settings: Settings, request_id: str, occurrence: int
) -> tuple[int, Any, dict[str, Any]]:
    """generateContent / streamGenerateContent (Gemini) and predict (Imagen), judged by the
    same profiles as the OpenAI paths (the model name picks one, ``--profile`` overrides)."""
    model = call.deployment or ""
    fields = call.fields
    images: list[str] = []
    modalities: list[str] = []
    if call.operation == "predict":
        prompt, n, include_rai = _imagen_request(fields)
    else:
        prompt, images, modalities = _gemini_request(fields)
    profile, _ = policy.profile_for_model(model)
    info: dict[str, Any] = {"model": model, "prompt": prompt, "flavour": "vertex" if call.vertex else "gemini"}
    if profile == "describer" and call.operation != "predict":
        _, chat = shapes.describer_answer(prompt, images, model)
        choices = chat.get("choices") if isinstance(chat, dict) else None
        text = str(choices[0]["message"]["content"]) if choices else ""
        body = shapes.gemini_text(text, model, prompt, request_id)
        info.update(profile="describer", endpoint="chat", verdict=None)
        return 200, shapes.gemini_chunks(body) if call.operation == "streamGenerateContent" else body, info
    if profile in ("moderation", "describer"):  # not an image model: judged as the strictest
        profile = "strict"
    profile = settings.profile or profile
    endpoint: policy.Endpoint = "edit" if images else "generate"
    decision = _output_draw(
        policy.decide(prompt, profile, settings.policy_version, endpoint), settings, prompt, occurrence
    )
    if call.operation != "predict":
        tuned = _safety_settings(fields)
        if tuned:
            info["safety_settings"] = tuned
            decision = _with_safety_settings(decision, tuned, profile, settings.policy_version)
    info.update(
        profile=profile, endpoint=endpoint, verdict=decision.verdict, stage=decision.stage, scenario=decision.scenario
    )
    if call.operation == "predict":
        if decision.verdict == "pass":
            return 200, shapes.imagen_ok(prompt, n), info
        status, blocked = shapes.imagen_blocked(decision, include_rai)
        return status, blocked, info
    if decision.verdict == "pass":
        body = shapes.gemini_ok(prompt, model, modalities, request_id)
    else:
        body = shapes.gemini_blocked(decision, model, prompt, request_id)
    return 200, shapes.gemini_chunks(body) if call.operation == "streamGenerateContent" else body, info


def _safety_settings(fields: dict[str, Any]) -> dict[str, str]:
    """A generateContent request's ``safetySettings`` (category -> threshold), checked as Google
    checks them: an unknown category or threshold is a 400 ``INVALID_ARGUMENT``."""
    raw = fields.get("safetySettings", fields.get("safety_settings"))
    if raw is None:
        return {}
    if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
        raise _BadRequest(
            400, shapes.google_error(400, "Invalid JSON payload received. 'safety_settings' must be a list of objects.")
        )
    tuned: dict[str, str] = {}
    for index, setting in enumerate(raw):
        for key, known, enum in (
            ("category", shapes.GEMINI_SETTING_CATEGORIES, "HarmCategory"),
            ("threshold", tuple(shapes.GEMINI_THRESHOLDS), "SafetySetting.HarmBlockThreshold"),
        ):
            value = setting.get(key)
            if value not in known:
                raise _BadRequest(
                    400,
                    shapes.google_error(
                        400,
                        f"Invalid value at 'safety_settings[{index}].{key}' "
                        f'(type.googleapis.com/google.ai.generativelanguage.v1beta.{enum}), "{value}"',
                    ),
                )
        tuned[str(setting["category"])] = str(setting["threshold"])
    return tuned


def _probability(level: int) -> int:
    """A finding's level as a Gemini probability: 1 LOW, 2 MEDIUM, 3 HIGH."""
    return 1 if level <= 0 else 2 if level == 1 else 3


def _with_safety_settings(
    decision: policy.Decision, tuned: dict[str, str], profile: str, version: int
) -> policy.Decision:
    """The decision under the request's ``safetySettings``, as Google applies them: only the
    configurable harm categories move. An input block whose every blocking finding falls under a
    threshold the request set higher (``BLOCK_NONE``, ``OFF``, ``BLOCK_ONLY_HIGH`` for a medium
    finding) passes; a pass with a finding at or over a threshold the request set lower
    (``BLOCK_LOW_AND_ABOVE``) is an input block. ``PROHIBITED_CONTENT`` and the output stage's
    image filter do not move (Google's own image models return ``IMAGE_SAFETY`` with
    ``BLOCK_NONE`` too)."""

    def blocks(finding: Any) -> bool | None:
        category = shapes.gemini_configurable(finding.scenario)
        if category is None or category not in tuned:
            return None
        lowest = shapes.GEMINI_THRESHOLDS[tuned[category]]
        return lowest is not None and _probability(finding.level) >= lowest

    limits = policy.limits(profile, version)
    if decision.verdict == "block" and decision.stage == "input":
        blocking = [
            f
            for f in decision.matches
            if (limit := limits.get(f.scenario, policy.Limit(1, None))).block_at is not None
            and f.level >= max(1, limit.block_at)
        ]
        if blocking and all(blocks(f) is False for f in blocking):
            return dataclasses.replace(
                decision,
                verdict="pass",
                stage=None,
                scenario=None,
                categories=(),
                reason=f"{decision.reason}; lifted by the request's safetySettings",
            )
        return decision
    if decision.verdict == "pass":
        over = [f for f in decision.matches if blocks(f)]
        if over:
            lead = max(over, key=lambda f: f.level)
            return dataclasses.replace(
                decision,
                verdict="block",
                stage="input",
                scenario=lead.scenario,
                categories=(lead.scenario,),
                reason=f"{lead.scenario} ({lead.text!r}) is over the request's safetySettings threshold",
            )
    return decision


def _gemini_request(fields: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    """(prompt, images as data URLs, response modalities) of a generateContent request."""
    contents = fields.get("contents")
    if isinstance(contents, dict):
        contents = [contents]
    if not isinstance(contents, list) or not contents:
        raise _BadRequest(
            400, shapes.google_error(400, "* GenerateContentRequest.contents: contents is not specified\n")
        )
    texts: list[str] = []
    images: list[str] = []
    for content in contents:
        if not isinstance(content, dict) or content.get("role", "user") != "user":
            continue
        for part in content.get("parts") or ():
            if not isinstance(part, dict):
                continue
            if isinstance(part.get("text"), str):
                texts.append(part["text"])
            inline = part.get("inlineData") or part.get("inline_data")
            if isinstance(inline, dict):
                mime = inline.get("mimeType") or inline.get("mime_type") or "image/png"
                images.append(f"data:{mime};base64,{inline.get('data', '')}")
    config = fields.get("generationConfig") or fields.get("generation_config") or {}
    raw = (
        config.get("responseModalities") or config.get("response_modalities") or [] if isinstance(config, dict) else []
    )
    modalities = [str(m).upper() for m in raw] if isinstance(raw, list) else []
    return "\n".join(texts), images, modalities


def _imagen_request(fields: dict[str, Any]) -> tuple[str, int, bool]:
    """(prompt, number of images, includeRaiReason) of an Imagen predict request."""
    instances = fields.get("instances")
    instance = instances[0] if isinstance(instances, list) and instances and isinstance(instances[0], dict) else {}
    prompt = instance.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise _BadRequest(400, shapes.google_error(400, "Prompt is required: instances[0].prompt is missing or empty."))
    raw_parameters = fields.get("parameters")
    parameters: dict[str, Any] = raw_parameters if isinstance(raw_parameters, dict) else {}
    count = parameters.get("sampleCount", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 4:
        raise _BadRequest(400, shapes.google_error(400, f"Invalid sample count {count!r}: it must be between 1 and 4."))
    return prompt, count, bool(parameters.get("includeRaiReason"))


# --- Azure AI Content Safety ----------------------------------------------------------------


def _content_safety_answer(call: _Call, settings: Settings) -> tuple[int, Any, dict[str, Any]]:
    """text:analyze: per-category severities from the sandbox's classifier (see shapes)."""
    fields = call.fields
    text = fields.get("text")

    def invalid(message: str) -> _BadRequest:
        return _BadRequest(400, {"error": {"code": "InvalidRequestBody", "message": message, "details": []}})

    if not isinstance(text, str) or not text.strip():
        raise invalid("The 'text' field is required and must be a non-empty string.")
    if len(text) > shapes.CONTENT_SAFETY_MAX_TEXT:
        raise invalid(f"The text is {len(text)} characters long; the limit is {shapes.CONTENT_SAFETY_MAX_TEXT}.")
    categories = fields.get("categories") or list(shapes.CONTENT_SAFETY_CATEGORIES)
    if not isinstance(categories, list) or any(c not in shapes.CONTENT_SAFETY_CATEGORIES for c in categories):
        raise invalid(
            f"Invalid categories {categories!r}; known categories: {', '.join(shapes.CONTENT_SAFETY_CATEGORIES)}."
        )
    output_type = fields.get("outputType") or "FourSeverityLevels"
    if output_type not in shapes.CONTENT_SAFETY_OUTPUT_TYPES:
        raise invalid(
            f"Invalid outputType {output_type!r}; known types: {', '.join(shapes.CONTENT_SAFETY_OUTPUT_TYPES)}."
        )
    decision = policy.decide(text, settings.profile or "strict", settings.policy_version, "generate")
    severities = shapes.content_safety_severities(policy.moderate(text), decision)
    body = shapes.content_safety_analysis(severities, list(dict.fromkeys(categories)), str(output_type))
    harmful = [c for c in categories if severities[c] >= 4]  # Azure's default threshold: medium
    info = {
        "model": None,
        "prompt": text,
        "profile": "content-safety",
        "flavour": "azure",
        "endpoint": "text:analyze",
        "verdict": "block" if harmful else "pass",
        "stage": "input" if harmful else None,
        "scenario": decision.scenario,
    }
    return 200, body, info


# --- errors in each provider's shape ------------------------------------------------------


def _method_not_allowed(provider: str, method: str, path: str) -> Any:
    if provider == "openai":
        return shapes.openai_error(f"Invalid method for URL ({method} {path})", "invalid_request_error", None)
    return shapes.error_for(provider, 405, f"The method {method} is not allowed on {path}; use POST.")


def _too_large(provider: str, size: int, limit: int) -> Any:
    if provider == "google":
        return shapes.google_error(413, f"Request payload size exceeds the limit: {limit} bytes.")
    if provider in ("azure", "contentsafety"):
        return shapes.azure_error(
            "RequestEntityTooLarge", f"The request body is {size} bytes; the limit is {limit} bytes."
        )
    return shapes.openai_error(
        f"The request body is {size} bytes; the limit is {limit} bytes.", "invalid_request_error", "request_too_large"
    )


def _too_long(provider: str, message: str) -> Any:
    """A prompt over the sandbox's limits (``policy.check_prompt``), as OpenAI answers a long prompt."""
    if provider == "google":
        return shapes.google_error(400, message)
    if provider in ("azure", "contentsafety"):
        return shapes.azure_error("InvalidRequest", message)
    return shapes.openai_error(message, "invalid_request_error", "string_above_max_length", "prompt")


def _too_deep(provider: str) -> Any:
    message = "The JSON body is nested too deep to parse."
    if provider == "google":
        return shapes.google_error(400, f"Invalid JSON payload received. {message}")
    if provider in ("azure", "contentsafety"):
        return shapes.azure_error("InvalidRequestBody", message)
    return shapes.openai_error(message, "invalid_request_error", None)


def _bad_json(provider: str, raw: bytes) -> Any:
    if provider == "google":
        return shapes.google_error(400, "Invalid JSON payload received. Expected a JSON object.")
    if provider == "contentsafety":
        return {
            "error": {
                "code": "InvalidRequestBody",
                "message": "The request body is not a valid JSON object.",
                "details": [],
            }
        }
    message = (
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
        "using your HTTP library correctly.)"
    )
    try:
        json.loads(raw or b"{}")
    except ValueError:
        return shapes.openai_error(message, "invalid_request_error", None)
    return shapes.openai_error("The request body must be a JSON object.", "invalid_request_error", None)


def _suspended_error(call: _Call) -> Any:
    if call.provider == "google":
        return shapes.google_error(
            403,
            "Permission denied: Consumer has been suspended.",
            [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "CONSUMER_SUSPENDED",
                    "domain": "googleapis.com",
                }
            ],
        )
    if call.provider == "contentsafety":
        return shapes.azure_error(
            "403",
            "Your resource has been temporarily blocked because we "
            "detected behavior that may violate our content policy.",
        )
    return shapes.openai_error(
        "Your organization has been suspended for repeated violations of our usage policies. "
        "Contact support if you believe this is an error.",
        "invalid_request_error",
        "account_suspended",
    )


# --- OpenAI Responses API --------------------------------------------------------------------


def _tool_of(fields: dict[str, Any]) -> dict[str, Any] | None:
    """The request's ``image_generation`` tool, if it offers one."""
    for tool in fields.get("tools") or ():
        if isinstance(tool, dict) and tool.get("type") == "image_generation":
            return tool
    return None


def _responses_prompt(fields: dict[str, Any]) -> str:
    """The user's text of a Responses request: ``input`` as a string, or its messages' text parts."""
    value = fields.get("input")
    if isinstance(value, str) and value.strip():
        return value
    texts: list[str] = []
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, dict) or item.get("role", "user") != "user":
                continue
            content = item.get("content")
            if isinstance(content, str):
                texts.append(content)
            elif isinstance(content, list):
                texts.extend(
                    str(p.get("text", ""))
                    for p in content
                    if isinstance(p, dict) and p.get("type") in ("input_text", "text")
                )
    if not any(t.strip() for t in texts):
        raise _BadRequest(
            400,
            shapes.openai_error(
                "Missing required parameter: 'input'.", "invalid_request_error", "missing_required_parameter", "input"
            ),
        )
    return "\n".join(texts)


def _responses(call: _Call, settings: Settings, request_id: str, occurrence: int) -> tuple[int, Any, dict[str, Any]]:
    """``POST /v1/responses``: the model draws with the ``image_generation`` tool, judged by the
    profile of the tool's image model (``gpt-image-1`` by default); a ``moderation`` table asks for
    moderated completions (its ``policy.input.mode = "block"`` withholds a flagged input)."""
    fields = call.fields
    model = fields.get("model")
    if not isinstance(model, str) or not model:
        raise _BadRequest(
            400,
            shapes.openai_error(
                "Missing required parameter: 'model'.", "invalid_request_error", "missing_required_parameter", "model"
            ),
        )
    prompt = _responses_prompt(fields)
    tool = _tool_of(fields)
    image_model = str((tool or {}).get("model") or "gpt-image-1")
    profile, _ = policy.profile_for_model(image_model)
    if profile in ("moderation", "describer"):
        profile = "strict"
    profile = settings.profile or profile
    decision = None
    if tool is not None:
        decision = _output_draw(policy.decide(prompt, profile, settings.policy_version), settings, prompt, occurrence)
    asked = fields.get("moderation")
    moderation: dict[str, Any] | None = None
    withheld = False
    if isinstance(asked, dict):
        judged = policy.moderate(prompt)
        moderation = {
            "input": shapes.responses_moderation(judged),
            "output": shapes.responses_moderation(judged, image=True),
        }
        mode = (
            ((asked.get("policy") or {}).get("input") or {}).get("mode")
            if isinstance(asked.get("policy"), dict)
            else None
        )
        withheld = judged.flagged and mode == "block"
    body = shapes.responses_answer(
        None if withheld else decision,
        prompt,
        model,
        tool,
        request_id,
        azure=call.provider == "azure",
        moderation=moderation,
        withheld=withheld,
    )
    verdict = "block" if withheld else (decision.verdict if decision is not None else None)
    stage = "input" if withheld else (decision.stage if decision is not None else None)
    info = {
        "model": model,
        "prompt": prompt,
        "profile": profile,
        "flavour": "openai",
        "endpoint": "responses",
        "verdict": verdict,
        "stage": stage,
        "scenario": decision.scenario if decision is not None else None,
        "stream": fields.get("stream") is True,
    }
    return 200, body, info


def _moderations(fields: dict[str, Any], model: str) -> tuple[int, Any, dict[str, Any]]:
    value = fields.get("input")
    if value is None or value == "" or value == []:
        raise _BadRequest(400, shapes.openai_error("'input' is a required property", "invalid_request_error", "input"))
    results: list[dict[str, Any]] = []
    texts: list[str] = []
    if isinstance(value, str):
        texts = [value]
        results = [shapes.moderation_result(policy.moderate(value))]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        texts = list(value)
        policy.check_prompt(" ".join(texts))  # the limit is on the request's text, not each string's
        results = [shapes.moderation_result(policy.moderate(v)) for v in value]
    elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
        texts = [str(v.get("text", "")) for v in value if v.get("type") == "text"]
        image = any(v.get("type") == "image_url" for v in value)
        results = [shapes.moderation_result(policy.moderate(" ".join(texts)), image=image)]
    else:
        raise _BadRequest(
            400,
            shapes.openai_error(
                "Invalid type for 'input': expected a string, an array of strings, or an array of objects.",
                "invalid_request_error",
                "input",
            ),
        )
    status, body = shapes.moderation_ok(results, model, json.dumps(value, sort_keys=True))
    flagged = any(r["flagged"] for r in results)
    info = {
        "model": model,
        "prompt": texts[0] if len(texts) == 1 else texts,
        "profile": "moderation",
        "flavour": "openai",
        "endpoint": "moderations",
        "verdict": "block" if flagged else "pass",
        "stage": "input" if flagged else None,
    }
    return status, body, info


def _prompt(call: _Call) -> str:
    fields = call.fields
    if call.operation == "chat/completions":
        messages = fields.get("messages")
        if not isinstance(messages, list) or not messages:
            raise _BadRequest(
                400, shapes.openai_error("'messages' is a required property", "invalid_request_error", "messages")
            )
        texts: list[str] = []
        for message in messages:
            if not isinstance(message, dict) or message.get("role") != "user":
                continue
            content = message.get("content")
            if isinstance(content, str):
                texts.append(content)
            elif isinstance(content, list):
                texts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
        return "\n".join(texts)
    prompt = fields.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise _BadRequest(
            400, shapes.openai_error("'prompt' is a required property", "invalid_request_error", "prompt")
        )
    if call.operation == "images/edits" and not (call.files.get("image") or fields.get("images")):
        raise _BadRequest(400, shapes.openai_error("'image' is a required property", "invalid_request_error", "image"))
    return prompt


def _chat_has_image(fields: dict[str, Any]) -> bool:
    return bool(_chat_images(fields))


def _chat_images(fields: dict[str, Any]) -> list[str]:
    """The image URLs (usually data URLs) of the user's messages."""
    urls: list[str] = []
    for message in fields.get("messages") or ():
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and part.get("type") == "image_url":
                    image_url = part.get("image_url")
                    urls.append(str(image_url.get("url", "")) if isinstance(image_url, dict) else str(image_url))
    return urls


def _validate_image_params(fields: dict[str, Any], model: str, gpt_image: bool) -> None:
    error_type = "image_generation_user_error" if gpt_image else "invalid_request_error"

    def bad(param: str, value: Any, supported: str) -> _BadRequest:
        return _BadRequest(
            400,
            shapes.openai_error(
                f"Invalid value: {value!r}. Supported values are: {supported}.", error_type, "invalid_value", param
            ),
        )

    size = fields.get("size")
    if size is not None and gpt_image and size not in GPT_IMAGE_SIZES:
        m = _SIZE.match(str(size))
        ok = False
        if m and model.startswith("gpt-image-2"):
            w, h = int(m.group(1)), int(m.group(2))
            ok = w % 16 == 0 and h % 16 == 0 and max(w, h) <= 3 * min(w, h) and max(w, h) <= 3840 and min(w, h) <= 2160
        if not ok:
            raise bad("size", size, "'auto', '1024x1024', '1536x1024' and '1024x1536'")
    quality = fields.get("quality")
    if quality is not None and gpt_image and quality not in GPT_IMAGE_QUALITIES:
        raise bad("quality", quality, "'auto', 'low', 'medium' and 'high'")
    n = fields.get("n")
    if n is not None:
        try:
            number = int(n)
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= 10:
            raise bad("n", n, "integers from 1 to 10")
    moderation = fields.get("moderation")
    if moderation is not None and moderation not in ("auto", "low"):
        raise bad("moderation", moderation, "'auto' and 'low'")


def _retry_info(wait: float) -> dict[str, Any]:
    return {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{max(1, math.ceil(wait))}s"}


def _rate_limited(call: _Call, rpm: int, wait: float) -> Any:
    if call.provider == "google":
        # Google says how long to wait in the body (google.rpc.RetryInfo), which is what its
        # clients read; the sandbox sends Retry-After too, as for every provider.
        quota_id = (
            "GenerateRequestsPerMinutePerProjectPerModel"
            if call.operation != "predict"
            else "ImagenRequestsPerMinutePerProjectPerModel"
        )
        return shapes.google_error(
            429,
            "Resource has been exhausted (e.g. check quota).",
            [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [
                        {"quotaMetric": "generate_content_requests", "quotaId": quota_id, "quotaValue": str(rpm)}
                    ],
                },
                _retry_info(wait),
            ],
        )
    if call.provider == "contentsafety":
        return shapes.azure_error("429", f"Rate limit is exceeded. Try again in {max(1, math.ceil(wait))} seconds.")
    if call.provider == "azure":
        return {
            "error": {
                "code": "429",
                "message": (
                    "Requests to the Images_Generations Operation under Azure OpenAI API have exceeded call "
                    f"rate limit of your current pricing tier. Please retry after {max(1, round(wait))} seconds."
                ),
            }
        }
    return shapes.openai_error(
        f"Rate limit reached for images in organization org-sandbox on requests per min (RPM): Limit {rpm}, "
        f"Used {rpm}, Requested 1. Please try again in {wait:.3g}s.",
        "requests",
        "rate_limit_exceeded",
    )


def _quota(call: _Call) -> tuple[int, Any]:
    """(status, body) of an exhausted quota: a 429 everywhere but Cognitive Services, which answers 403."""
    if call.provider == "google":
        return 429, shapes.google_error(
            429,
            "You exceeded your current quota, please check your plan and billing details. For more information "
            "on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
            [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [
                        {
                            "quotaMetric": "generate_content_requests",
                            "quotaId": "GenerateRequestsPerDayPerProjectPerModel",
                        }
                    ],
                }
            ],
        )
    if call.provider == "contentsafety":
        return 403, shapes.azure_error(
            "403",
            "Out of call volume quota for ContentSafety F0 pricing tier. Please retry after 1 day. To increase your "
            "call volume switch to a paid tier.",
        )
    return 429, shapes.openai_error(
        "You exceeded your current quota, please check your plan and billing details.",
        "insufficient_quota",
        "insufficient_quota",
    )


_GOOGLE_SERVER_MESSAGES = {
    500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
    502: "The service is currently unavailable.",
    503: "The model is overloaded. Please try again later.",
    504: "The request timed out. Please try again.",
}


def _server_error(call: _Call, status: int) -> Any:
    if call.provider == "google":
        return shapes.google_error(status, _GOOGLE_SERVER_MESSAGES.get(status, "The service is currently unavailable."))
    if call.provider == "contentsafety":
        code = "ServiceUnavailable" if status in (502, 503) else "InternalServerError"
        return shapes.azure_error(code, "The service could not process the request. Please retry.")
    if status == 503:
        return shapes.openai_error("The engine is currently overloaded, please try again later.", "server_error", None)
    return shapes.openai_error(
        "The server had an error while processing your request. Sorry about that!", "server_error", None
    )


def settings_dict(settings: Settings) -> dict[str, Any]:
    """Settings as plain data (for headers and logs)."""
    data = asdict(settings)
    data["faults"] = str(settings.faults)
    data["api_keys"] = None if settings.api_keys is None else len(settings.api_keys)
    return data
