"""Every answer of the sandbox is JSON in the shape of the provider the path belongs to: unknown
paths 404, wrong methods 405, oversized bodies 413, malformed requests 400, never the stdlib's
HTML error page; and no key, sent in a header or a ``?key=`` query, reaches its log or output."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import openai
import pytest
from google import genai
from google.genai import errors, types

from pytest_imgsafe.sandbox import Sandbox

GEMINI = "/v1beta/models/gemini-2.5-flash-image:generateContent"
AZURE = "/openai/deployments/gpt-image-2/images/generations?api-version=2025-04-01-preview"
SAFETY = "/contentsafety/text:analyze?api-version=2024-09-01"


def raw_exchange(sandbox: Sandbox, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send bytes as they are (requests no client library would send); (status line, headers, body)."""
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return status, headers, body


def test_the_openai_sdk_gets_json_404_and_405(imgsafe_sandbox: Sandbox) -> None:
    client = openai.OpenAI(base_url=imgsafe_sandbox.openai_base_url, api_key="k", max_retries=0)
    with pytest.raises(openai.NotFoundError) as missing:
        client.post("/images/variations/nope", cast_to=object, body={})
    assert missing.value.body == {
        "message": "Invalid URL (POST /v1/images/variations/nope)",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.APIStatusError) as wrong:
        client.get("/images/generations", cast_to=object)
    assert wrong.value.status_code == 405 and wrong.value.response.headers["allow"] == "POST"
    assert wrong.value.body == {
        "message": "Invalid method for URL (GET /v1/images/generations)",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    assert wrong.value.response.headers["content-type"] == "application/json"


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"])
@pytest.mark.parametrize(
    "path, envelope",
    [("/v1/moderations", "openai"), (AZURE, "azure"), (GEMINI, "google"), (SAFETY, "azure")],
)
def test_wrong_methods_are_405_in_each_providers_shape(
    imgsafe_sandbox: Sandbox, method: str, path: str, envelope: str
) -> None:
    answer = httpx2.request(method, imgsafe_sandbox.base_url + path, headers={"authorization": "Bearer k"})
    assert answer.status_code == 405 and answer.headers["allow"] == "POST"
    error = answer.json()["error"]
    if envelope == "openai":
        assert error["type"] == "invalid_request_error" and method in error["message"]
    elif envelope == "google":
        assert (error["code"], error["status"]) == (405, "UNIMPLEMENTED")
    else:
        assert error["code"] == "405" and "use POST" in error["message"]
    assert imgsafe_sandbox.requests[-1]["method"] == method and imgsafe_sandbox.requests[-1]["status"] == 405


def test_head_gets_the_headers_of_a_405_and_no_body(imgsafe_sandbox: Sandbox) -> None:
    answer = httpx2.head(imgsafe_sandbox.openai_base_url + "/images/generations")
    assert answer.status_code == 405 and answer.content == b"" and answer.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    "path, check",
    [
        ("/v1/nope", lambda e: e["type"] == "invalid_request_error"),
        ("/openai/nope", lambda e: e == {"code": "404", "message": "Resource not found"}),
        ("/contentsafety/image:analyze?api-version=2024-09-01", lambda e: e["code"] == "404"),
        ("/v1beta/models/gemini-2.5-flash-image:countTokens", lambda e: e["status"] == "NOT_FOUND"),
        ("/v1beta/files", lambda e: e["status"] == "NOT_FOUND"),
        ("/v1/models/gpt-image-2", lambda e: e["type"] == "invalid_request_error"),  # OpenAI's, not Google's
    ],
)
def test_unknown_paths_are_404_in_each_providers_shape(imgsafe_sandbox: Sandbox, path: str, check) -> None:  # type: ignore[no-untyped-def]
    for method in ("GET", "POST"):
        answer = httpx2.request(method, imgsafe_sandbox.base_url + path, json={})
        assert answer.status_code == 404 and answer.headers["content-type"] == "application/json"
        assert check(answer.json()["error"])


def test_content_safety_needs_its_api_version(imgsafe_sandbox: Sandbox) -> None:
    answer = httpx2.post(
        imgsafe_sandbox.base_url + "/contentsafety/text:analyze",
        json={"text": "a fox"},
        headers={"ocp-apim-subscription-key": "k"},
    )
    assert answer.status_code == 404 and "api-version" in answer.json()["error"]["message"]


def test_oversized_bodies_are_413_through_each_sdk(imgsafe_sandbox: Sandbox) -> None:
    imgsafe_sandbox.set_max_body_bytes(4096)
    client = openai.OpenAI(base_url=imgsafe_sandbox.openai_base_url, api_key="k", max_retries=0)
    with pytest.raises(openai.APIStatusError) as edit:
        client.images.edit(model="gpt-image-2", image=("a.png", b"\x89PNG" + b"x" * 20_000), prompt="Add a hat")
    assert edit.value.status_code == 413 and edit.value.code == "request_too_large"
    assert "the limit is 4096 bytes" in edit.value.message
    gemini = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=imgsafe_sandbox.base_url))
    with pytest.raises(errors.ClientError) as google:
        gemini.models.generate_content(model="gemini-2.5-flash-image", contents="a fox " * 2000)
    assert google.value.code == 413 and google.value.message == "Request payload size exceeds the limit: 4096 bytes."
    azure = openai.AzureOpenAI(
        azure_endpoint=imgsafe_sandbox.base_url, api_key="k", api_version="2025-04-01-preview", max_retries=0
    )
    with pytest.raises(openai.APIStatusError) as az:
        azure.images.generate(model="gpt-image-2", prompt="a fox " * 2000)
    assert az.value.status_code == 413 and az.value.code == "RequestEntityTooLarge"
    # the connection stays usable: the body was read and dropped, not left in the socket
    assert client.moderations.create(input="a fox").results
    assert [r["status"] for r in imgsafe_sandbox.requests] == [413, 413, 413, 200]


def test_chunked_bodies_are_read_and_limited(imgsafe_sandbox: Sandbox) -> None:
    def chunks(n: int) -> Iterator[bytes]:
        yield b'{"input": "'
        for _ in range(n):
            yield b"fox " * 100
        yield b'"}'

    url = imgsafe_sandbox.openai_base_url + "/moderations"
    auth = {"authorization": "Bearer k", "content-type": "application/json"}
    small = httpx2.post(url, content=chunks(2), headers=auth)
    assert small.request.headers["transfer-encoding"] == "chunked"
    assert small.status_code == 200 and small.json()["results"][0]["flagged"] is False
    imgsafe_sandbox.set_max_body_bytes(1000)
    big = httpx2.post(url, content=chunks(20), headers=auth)
    assert big.status_code == 413 and big.json()["error"]["code"] == "request_too_large"


@pytest.mark.parametrize(
    "request_bytes, status",
    [
        (b"BREW /v1/images/generations HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "405"),
        (b"BREW /v1/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "404"),
        (b"POST /v1/moderations HTTP/1.1\r\nHost: x\r\nContent-Length: twelve\r\n\r\n", "400"),
        (b"GET /v1/" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "414"),
        (b"GET /v1beta/models HTTP/2.0\r\nHost: x\r\n\r\n", "505"),
        (b"GET /v1/moderations HTTP/1.1 extra\r\n\r\n", "400"),
    ],
)
def test_malformed_requests_get_json_never_html(imgsafe_sandbox: Sandbox, request_bytes: bytes, status: str) -> None:
    status_line, headers, body = raw_exchange(imgsafe_sandbox, request_bytes)
    assert status_line.split()[1] == status
    assert headers["content-type"] == "application/json" and b"<html" not in body.lower()
    assert "error" in json.loads(body)


def test_google_envelope_for_malformed_google_requests(imgsafe_sandbox: Sandbox) -> None:
    _, _, body = raw_exchange(imgsafe_sandbox, b"GET /v1beta/models HTTP/2.0\r\nHost: x\r\n\r\n")
    assert json.loads(body)["error"]["code"] == 505


KEYS = {
    "openai": "sk-imgsafe-FAKE-openai-SECRET-1",
    "azure": "azure-FAKE-SECRET-2",
    "google_header": "AIza-FAKE-header-SECRET-3",
    "google_query": "AIza-FAKE-query-SECRET-4",
    "safety": "cs-FAKE-SECRET-5",
}


def exercise_every_provider(root: str) -> None:
    """Calls with every kind of key, through the SDKs and raw, answered and refused."""
    openai.OpenAI(base_url=f"{root}/v1", api_key=KEYS["openai"], max_retries=0).images.generate(
        model="gpt-image-2", prompt="a fox"
    )
    azure = openai.AzureOpenAI(
        azure_endpoint=root, api_key=KEYS["azure"], api_version="2025-04-01-preview", max_retries=0
    )
    with pytest.raises(openai.BadRequestError):
        azure.images.generate(model="gpt-image-2", prompt="Spider-Man swinging")
    gemini = genai.Client(api_key=KEYS["google_header"], http_options=types.HttpOptions(base_url=root))
    gemini.models.generate_content(model="gemini-2.5-flash-image", contents="A KKK rally")
    key = KEYS["google_query"]
    httpx2.post(f"{root}{GEMINI}?key={key}", json={"contents": [{"parts": [{"text": "a fox"}]}]})
    httpx2.post(f"{root}/v1beta/models/x:countTokens?key={key}", json={})  # 404
    httpx2.get(f"{root}{GEMINI}?key={key}")  # 405
    httpx2.post(f"{root}{SAFETY}", json={"text": "a fox"}, headers={"ocp-apim-subscription-key": KEYS["safety"]})


def test_no_key_in_the_request_log(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with Sandbox(log_path=log) as sandbox:
        exercise_every_provider(sandbox.base_url)
        memory = json.dumps(sandbox.requests)
    assert len(log.read_text().splitlines()) == 7
    for key in KEYS.values():
        assert key not in log.read_text() and key not in memory
    assert f"{GEMINI.split('?')[0]}" in memory  # the path is logged, its query is not


@pytest.mark.slow
def test_no_key_in_the_clis_output_or_log(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_imgsafe.sandbox", "--port", "0", "--log", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        root = proc.stdout.readline().strip().removesuffix("/v1")
        exercise_every_provider(root)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    written = out + err + log.read_text()
    assert root in err and len(log.read_text().splitlines()) == 7
    for key in KEYS.values():
        assert key not in written
