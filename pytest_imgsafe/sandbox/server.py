"""The sandbox server: an OpenAI- and Azure-compatible image and moderation API on loopback.

``Sandbox`` is a plain class, usable without pytest::

    with Sandbox(profile="strict") as sb:
        client = OpenAI(base_url=sb.openai_base_url, api_key="any")

It runs a stdlib ``ThreadingHTTPServer`` on a daemon thread (HTTP/1.1 keep-alive, Nagle off and
a deep listen queue: the two traps of the stdlib server), answers through ``policy`` and
``shapes``, injects seeded faults, enforces an optional requests-per-minute limit, and keeps a
request log in memory (and as JSON lines on disk if asked) that tests read to count calls.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .. import _multipart
from . import policy, shapes
from .faults import FaultSpec, RateLimiter, format_reset, retry_after_headers

OPENAI_OPERATIONS = ("moderations", "images/generations", "images/edits", "chat/completions")
AZURE_OPERATIONS = ("images/generations", "images/edits", "chat/completions")
FLAVOURS = ("openai", "dalle", "gemini", "proxy")
GPT_IMAGE_SIZES = ("auto", "1024x1024", "1536x1024", "1024x1536")
GPT_IMAGE_QUALITIES = ("auto", "low", "medium", "high", "xhigh", "max")
_SIZE = re.compile(r"^(\d+)x(\d+)$")
_AZURE_PATH = re.compile(r"^/openai/deployments/([^/]+)/(.+)$")


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
        self._blocks = 0
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self._limiter: RateLimiter | None = None
        self._sequence = 0
        self._log: list[dict[str, Any]] = []
        self._log_path = Path(log_path) if log_path else None
        self._host, self._port = host, port
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
        self._initial = self._settings

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind, listen and serve on a daemon thread; returns self."""
        if self._server is not None:
            return self
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
        """``http://127.0.0.1:PORT``: the Azure endpoint, and the root of the OpenAI paths."""
        host = self._host if ":" not in self._host else f"[{self._host}]"
        return f"http://{host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """``base_url + "/v1"``: what ``OpenAI(base_url=...)`` takes."""
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
        self._limiter = RateLimiter(rpm) if rpm else None
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

    def reset(self) -> None:
        """Back to the settings given at construction, with an empty log and a fresh limiter."""
        with self._lock:
            self._settings = self._initial
            self._sequence = 0
            self._blocks = 0
            self._seen.clear()
            self._log.clear()
        self._limiter = RateLimiter(self._initial.rpm) if self._initial.rpm else None

    # --- request log -------------------------------------------------------------------

    @property
    def requests(self) -> list[dict[str, Any]]:
        """A copy of the request log, oldest first (one dict per HTTP request)."""
        with self._lock:
            return [dict(entry) for entry in self._log]

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
        line = json.dumps(entry, sort_keys=True)
        with self._lock:
            if entry.get("verdict") == "block":
                self._blocks += 1
            self._log.append(entry)
            if self._log_path is not None:
                with self._log_path.open("a", encoding="utf-8") as fh:
                    fh.write(line + "\n")


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
    operation: str
    deployment: str | None
    api_version: str | None
    fields: dict[str, Any]
    files: dict[str, list[bytes]]


class _BadRequest(Exception):
    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server
    server_version = "imgsafe-sandbox"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:
        self._answer_path_only()

    def do_POST(self) -> None:
        sandbox = self.server.sandbox
        sequence, settings, limiter = sandbox._next()
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        entry: dict[str, Any] = {
            "seq": sequence,
            "time": round(time.time(), 3),
            "method": "POST",
            "path": url.path,
            "retry_count": int(self.headers.get("x-stainless-retry-count") or 0),
            "request_id": request_id,
            "policy_version": settings.policy_version,
        }
        headers = {"x-request-id": request_id}
        try:
            call = self._route(url.path, query)
            entry.update(provider=call.provider, operation=call.operation, deployment=call.deployment)
            if call.provider == "azure":
                headers["apim-request-id"] = request_id
            self._check_auth(call, settings)
            if sandbox._suspended(settings):
                entry["fault"] = "suspended"
                raise _BadRequest(403, _suspended_error())
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
            self._delay(settings, sequence, fault)
            if fault == "drop":
                entry["status"] = None
                sandbox._record(entry)
                self._drop()
                return
            if fault in ("429", "quota"):
                headers.update(retry_after_headers(settings.fault_retry_after_ms / 1000))
                raise _BadRequest(429, _quota(call) if fault == "quota" else _rate_limited(call, settings.rpm or 60, 0.02))
            if fault is not None and fault.isdigit():
                headers.update(retry_after_headers(settings.fault_retry_after_ms / 1000))
                raise _BadRequest(int(fault), _server_error(call, int(fault)))
            self._parse_body(call, raw)
            status, body, info = _answer(call, settings, request_id, sandbox._occurrence(call.fields))
            entry.update(info)
            if fault == "badjson":
                payload = json.dumps(body).encode()[: max(1, len(json.dumps(body)) // 2)]
                entry["status"] = status
                self._send(status, payload, headers, entry, started)
                return
        except _BadRequest as err:
            status, body = err.status, err.body
        entry["status"] = status
        self._send(status, json.dumps(body).encode(), headers, entry, started)

    # --- pieces ------------------------------------------------------------------------

    def _answer_path_only(self) -> None:
        body = shapes.openai_error(f"Invalid URL (GET {self.path})", "invalid_request_error", None)
        self._send(404, json.dumps(body).encode(), {"x-request-id": str(uuid.uuid4())}, None, time.monotonic())

    def _route(self, path: str, query: dict[str, list[str]]) -> _Call:
        if path.startswith("/v1/"):
            operation = path[len("/v1/") :].rstrip("/")
            if operation in OPENAI_OPERATIONS:
                return _Call("openai", operation, None, None, {}, {})
            raise _BadRequest(404, shapes.openai_error(f"Invalid URL (POST {path})", "invalid_request_error", None))
        m = _AZURE_PATH.match(path)
        if m and m.group(2).rstrip("/") in AZURE_OPERATIONS:
            versions = query.get("api-version")
            if not versions:
                raise _BadRequest(
                    404,
                    {"error": {"code": "404", "message": "Resource not found. The api-version query parameter is missing."}},
                )
            return _Call("azure", m.group(2).rstrip("/"), m.group(1), versions[0], {}, {})
        if path.startswith("/openai/"):
            raise _BadRequest(404, {"error": {"code": "404", "message": "Resource not found"}})
        raise _BadRequest(404, shapes.openai_error(f"Invalid URL (POST {path})", "invalid_request_error", None))

    def _check_auth(self, call: _Call, settings: Settings) -> None:
        if call.provider == "azure":
            key = (self.headers.get("api-key") or "").strip()
            if not key:
                bearer = self.headers.get("authorization") or ""
                key = bearer[7:].strip() if bearer.lower().startswith("bearer ") else ""
            if not key or (settings.api_keys is not None and key not in settings.api_keys):
                raise _BadRequest(
                    401,
                    {
                        "error": {
                            "code": "401",
                            "message": (
                                "Access denied due to invalid subscription key or wrong API endpoint. Make sure "
                                "to provide a valid key for an active subscription and use a correct regional "
                                "API endpoint for your resource."
                            ),
                        }
                    },
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
        if settings.api_keys is not None and key not in settings.api_keys:
            raise _BadRequest(
                401,
                shapes.openai_error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
            )

    def _delay(self, settings: Settings, sequence: int, fault: str | None) -> None:
        delay = settings.latency_ms
        if settings.latency_jitter_ms:
            rng = random.Random(f"latency:{settings.seed}:{sequence}")
            delay += rng.uniform(-settings.latency_jitter_ms, settings.latency_jitter_ms)
        if fault == "slow":
            delay += settings.slow_ms
        if delay > 0:
            time.sleep(delay / 1000)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _parse_body(self, call: _Call, raw: bytes) -> None:
        ctype = self.headers.get("content-type") or ""
        if ctype.startswith("multipart/form-data"):
            if not _multipart.looks_multipart(raw):
                raise _BadRequest(400, shapes.openai_error("Could not parse the multipart body.", "invalid_request_error", None))
            call.fields, call.files = _multipart.parse(raw)
            return
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            raise _BadRequest(
                400,
                shapes.openai_error(
                    "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                    "using your HTTP library correctly.)",
                    "invalid_request_error",
                    None,
                ),
            ) from None
        if not isinstance(data, dict):
            raise _BadRequest(400, shapes.openai_error("The request body must be a JSON object.", "invalid_request_error", None))
        call.fields = data

    def _send(self, status: int, payload: bytes, headers: dict[str, str], entry: dict[str, Any] | None, started: float) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
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
        self.end_headers()
        if entry is not None:
            # logged before the answer leaves, so a client that reads the log after its call sees it
            self.server.sandbox._record(entry)
        try:
            self.wfile.write(payload)
        except OSError:
            pass


def _answer(call: _Call, settings: Settings, request_id: str, occurrence: int = 0) -> tuple[int, Any, dict[str, Any]]:
    """Decide the request and build the answer; returns (status, body, log fields)."""
    fields = call.fields
    model = str(fields.get("model") or call.deployment or "")
    if call.operation == "moderations":
        return _moderations(fields, model)
    prompt = _prompt(call)
    profile, flavour = policy.profile_for_model(model)
    if profile == "describer" and call.operation == "chat/completions":
        status, body = shapes.describer_answer(prompt, _chat_images(fields), model)
        return status, body, {"model": model, "prompt": prompt, "profile": "describer", "endpoint": "chat", "verdict": None}
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
    decision = policy.decide(prompt, profile, settings.policy_version, endpoint)
    if decision.stage == "output" and settings.output_filter_rate < 1.0:
        # The output filter judges the generated image, which differs per call. The draw is seeded
        # by the prompt and how many times it was asked: a case repeated N times gets the same N
        # draws in any order, under any concurrency.
        draw = random.Random(f"output:{settings.seed}:{prompt}:{occurrence}").random()
        if draw >= settings.output_filter_rate:
            decision = dataclasses.replace(decision, verdict="pass", stage=None, reason=f"{decision.reason}; this generated image passed the output filter")
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


def _suspended_error() -> dict[str, Any]:
    return shapes.openai_error(
        "Your organization has been suspended for repeated violations of our usage policies. "
        "Contact support if you believe this is an error.",
        "invalid_request_error",
        "account_suspended",
    )


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
            raise _BadRequest(400, shapes.openai_error("'messages' is a required property", "invalid_request_error", "messages"))
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
        raise _BadRequest(400, shapes.openai_error("'prompt' is a required property", "invalid_request_error", "prompt"))
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


def _rate_limited(call: _Call, rpm: int, wait: float) -> Any:
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


def _quota(call: _Call) -> Any:
    return shapes.openai_error(
        "You exceeded your current quota, please check your plan and billing details.",
        "insufficient_quota",
        "insufficient_quota",
    )


def _server_error(call: _Call, status: int) -> Any:
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
