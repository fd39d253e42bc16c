"""No header of the plugin's own reaches a provider, on any kind: a request's recording key is
computed locally (``calls.recording.keyed``) and kept with the recording, never sent.

Every kind's client sends one request, as the runner sends it (inside ``keyed``), to a loopback
server that keeps the headers it got."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pytest_imgsafe.calls.recording import keyed, spec_key
from pytest_imgsafe.providers import registry
from pytest_imgsafe.providers.target import Target

SEEN: list[dict[str, str]] = []


class Keeper(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        self.rfile.read(int(self.headers.get("content-length") or 0))
        SEEN.append({k.lower(): v for k, v in self.headers.items()})
        body = json.dumps({"error": {"code": 400, "message": "kept", "status": "INVALID_ARGUMENT"}}).encode()
        self.send_response(400)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Keeper)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    SEEN.clear()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        thread.join()


def targets(base: str) -> list[Target]:
    return [
        Target("m", "moderation", "omni-moderation-latest", base_url=base + "/v1", max_retries=0),
        Target("g", "images.generate", "gpt-image-2", base_url=base + "/v1", max_retries=0),
        Target("c", "chat-image", "gpt-image-2-all", base_url=base + "/v1", max_retries=0),
        Target("r", "responses", "gpt-5", base_url=base + "/v1", max_retries=0, params={"stream": True}),
        Target("gem", "gemini", "gemini-2.5-flash-image", base_url=base, api_key_env="GEMINI_API_KEY"),
        Target("img", "imagen", "imagen-4.0", base_url=base, api_key_env="GEMINI_API_KEY", vertex=True),
        Target(
            "cs",
            "content-safety",
            "text:analyze",
            base_url=base,
            api_key_env="CONTENT_SAFETY_KEY",
            api_version="2024-09-01",
            max_retries=0,
            params={"categories": ["Hate"], "output_type": "FourSeverityLevels", "thresholds": {"Hate": 4}},
        ),
    ]


def test_no_request_carries_a_header_of_ours(server: str) -> None:
    pytest.importorskip("google.genai", reason="the google extra (google-genai) is not installed")
    env = {"OPENAI_API_KEY": "sk-x", "GEMINI_API_KEY": "g-x", "CONTENT_SAFETY_KEY": "c-x"}
    for target in targets(server):
        client = registry.make_client(target, env)
        spec = registry.build_request(target, "A watercolor fox")
        with keyed(spec_key(spec)):
            answer = registry.call(client, spec)
        assert answer.status == 400, target.kind
    assert len(SEEN) == 7
    for headers in SEEN:
        ours = [name for name in headers if "imgsafe" in name]
        assert ours == [], headers
