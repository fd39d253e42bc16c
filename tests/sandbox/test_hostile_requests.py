"""Hostile requests against the sandbox: each gets a clear answer in the provider's envelope and a
bounded amount of work, and no client holds a thread of it forever.

Cost is never timed here: a request whose work is unbounded runs in a child process under a
memory limit and a timeout (the child's failure is the test's), and an idle or vanished client
is watched through the sandbox's own request log.
"""

from __future__ import annotations

import gc
import http.client
import json
import socket
import subprocess
import sys
import textwrap
import threading

import openai
import pytest

from pytest_imgsafe.sandbox import Sandbox, policy
from pytest_imgsafe.sandbox.fold import Folded
from pytest_imgsafe.sandbox.memo import LONG_TEXTS_KEPT, SHORT_TEXT_CHARS
from pytest_imgsafe.sandbox.policy import LONG_WORD_PROMPT_CHARS, MAX_PROMPT_CHARS, MAX_WORD_CHARS

# A body whose answer is decided in well under this; a hang or a blow-up is many times it.
CHILD_TIMEOUT_S = 60
CHILD_MEMORY_BYTES = 1 << 30


def post(sb: Sandbox, body: bytes, path: str = "/v1/images/generations") -> tuple[int, dict[str, object]]:
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers={"authorization": "Bearer k", "content-type": "application/json"})
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        conn.close()


def test_json_nested_100000_deep_gets_a_400_not_a_closed_connection(imgsafe_sandbox: Sandbox) -> None:
    body = b'{"model": "gpt-image-2", "prompt": "a cat", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    status, answer = post(imgsafe_sandbox, body)
    assert status == 400
    assert "nested too deep" in json.dumps(answer)
    assert imgsafe_sandbox.requests[-1]["status"] == 400


@pytest.mark.parametrize("path", ["/v1/moderations", "/v1beta/models/gemini-2.5-flash-image:generateContent"])
def test_deep_json_on_other_providers_paths_is_a_400_too(imgsafe_sandbox: Sandbox, path: str) -> None:
    status, _ = post(imgsafe_sandbox, b"[" * 50_000 + b"]" * 50_000, path)
    assert status == 400


def test_a_prompt_over_the_limit_is_refused_as_openai_refuses_it() -> None:
    with Sandbox() as sb:
        client = openai.OpenAI(base_url=sb.openai_base_url, api_key="k", max_retries=0)
        with pytest.raises(openai.BadRequestError) as info:
            client.images.generate(model="gpt-image-2", prompt="a cat " * (MAX_PROMPT_CHARS // 6 + 1))
        assert info.value.code == "string_above_max_length"
        assert f"maximum length {MAX_PROMPT_CHARS}" in info.value.message
        with pytest.raises(openai.BadRequestError) as word:
            client.images.generate(
                model="gpt-image-2", prompt="x" * (MAX_WORD_CHARS + 1) + " a cat" * (LONG_WORD_PROMPT_CHARS // 6)
            )
        assert f"{MAX_WORD_CHARS} characters" in word.value.message
        with pytest.raises(openai.BadRequestError):
            client.moderations.create(model="omni-moderation-latest", input=["a cat " * 2000] * 10)
        # a prompt at the limit is judged
        assert client.images.generate(model="gpt-image-2", prompt="a cat " * (MAX_PROMPT_CHARS // 6)).data


def _child(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a child under a memory limit; a hang or blow-up fails the child."""
    head = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({CHILD_MEMORY_BYTES}, {CHILD_MEMORY_BYTES}))
        """
    )
    return subprocess.run(
        [sys.executable, "-c", head + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
    )


@pytest.mark.parametrize(
    ("prompt", "status"),
    [
        ("'a' * 1_000_000", 400),  # one megabyte-long word
        ("'SGVsbG8' * 140_000", 400),  # a megabyte of base64
        ("'a cat on a mat ' * 70_000", 400),  # a megabyte of words
        ("('x' * 2_000 + ' ') * 15", 400),  # long words under the prompt limit
        ("'x' * 10_000", 200),  # the longest word a prompt may be: judged, in bounded time
    ],
)
def test_a_megabyte_prompt_costs_bounded_time_and_memory(prompt: str, status: int) -> None:
    done = _child(
        f"""
        import http.client, json
        from pytest_imgsafe.sandbox import Sandbox
        with Sandbox() as sb:
            body = json.dumps({{"model": "gpt-image-2", "prompt": {prompt}}}).encode()
            conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=50)
            conn.request("POST", "/v1/images/generations", body=body,
                         headers={{"authorization": "Bearer k", "content-type": "application/json"}})
            print(conn.getresponse().status)
        """
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(status)


def test_many_distinct_long_prompts_do_not_pile_up_in_memory() -> None:
    """Each long prompt's readings hold an index per character; the sandbox keeps a few of them."""
    for i in range(3 * LONG_TEXTS_KEPT):
        policy.decide(f"{i} " + "a cat on a mat " * (2 * SHORT_TEXT_CHARS // 15), "strict")
    gc.collect()
    kept = [o for o in gc.get_objects() if isinstance(o, Folded) and len(o.text) > SHORT_TEXT_CHARS]
    assert len(kept) <= LONG_TEXTS_KEPT


def test_a_silent_client_is_let_go_after_the_idle_timeout() -> None:
    with Sandbox(idle_timeout_s=0.2) as sb:
        with socket.create_connection(("127.0.0.1", sb.port), timeout=30) as silent:
            assert silent.recv(1) == b""  # the sandbox closed it; without a timeout this waits 30 s and raises
        half = socket.create_connection(("127.0.0.1", sb.port), timeout=30)
        with half:
            half.sendall(b"POST /v1/images/generations HTTP/1.1\r\ncontent-length: 100\r\n\r\n{")
            assert half.recv(65536) == b""  # the body never comes: closed, never held


def test_a_client_that_drips_its_request_is_let_go_at_the_request_deadline() -> None:
    """A byte before every read would reset a per-read timeout forever; the request has one
    deadline instead. The sandbox's clock is the test's: it is moved past the deadline while the
    client is half-way through its headers, and the next byte is the last one read."""
    now = [0.0]
    with Sandbox(idle_timeout_s=3600, clock=lambda: now[0]) as sb:
        with socket.create_connection(("127.0.0.1", sb.port), timeout=30) as drip:
            drip.sendall(b"POST /v1/images/generations HTTP/1.1\r\nhost: x\r\n")
            assert not _closed_within(drip, 0.2)  # still within its time: the connection waits
            now[0] = 3601.0
            drip.sendall(b"x")  # wakes the read that was waiting; the next read is past the deadline
            assert _closed_within(drip, 30)
            assert sb.requests == []  # never answered, never judged


def _closed_within(conn: socket.socket, seconds: float) -> bool:
    """Has the peer closed the connection (EOF or reset) within ``seconds``? Nothing is sent back."""
    conn.settimeout(seconds)
    try:
        return conn.recv(65536) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_work_stops_when_the_client_goes() -> None:
    with Sandbox(latency_ms=3_000) as sb:
        body = json.dumps({"model": "gpt-image-2", "prompt": "A photo of Elon Musk on Mars"}).encode()
        with socket.create_connection(("127.0.0.1", sb.port), timeout=30) as gone:
            gone.sendall(
                b"POST /v1/images/generations HTTP/1.1\r\nhost: x\r\nauthorization: Bearer k\r\n"
                b"content-type: application/json\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
        # the sandbox's own log says what became of it (it is logged whether or not it was answered)
        for _ in range(400):
            if sb.requests:
                break
            threading.Event().wait(0.05)
        first = sb.requests[0]
        assert first["fault"] == "client_gone", first
        assert "verdict" not in first and first["status"] is None


def test_the_cli_takes_the_idle_timeout_and_refuses_a_bad_one(capsys: pytest.CaptureFixture[str]) -> None:
    from pytest_imgsafe.sandbox.__main__ import build_parser

    assert build_parser().parse_args(["--idle-timeout", "2.5"]).idle_timeout == 2.5
    for bad in ("0", "-1", "nan", "soon"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["--idle-timeout", bad])
        assert f"argument --idle-timeout: {bad!r}" in capsys.readouterr().err
