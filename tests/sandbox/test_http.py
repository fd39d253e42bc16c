"""The sandbox over real HTTP, through the official openai SDK (OpenAI, AsyncOpenAI, AzureOpenAI)."""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from pytest_imgsafe import classify
from pytest_imgsafe.sandbox import Sandbox
from pytest_imgsafe.sandbox.policy import decide, profile_for_model

API_VERSION = "2025-04-01-preview"


@pytest.fixture
def client(imgsafe_sandbox: Sandbox) -> openai.OpenAI:
    return openai.OpenAI(base_url=imgsafe_sandbox.openai_base_url, api_key="k", max_retries=0)


@pytest.fixture
def azure(imgsafe_sandbox: Sandbox) -> openai.AzureOpenAI:
    return openai.AzureOpenAI(
        azure_endpoint=imgsafe_sandbox.base_url, api_key="k", api_version=API_VERSION, max_retries=0
    )


def blocked(call) -> openai.APIStatusError:  # type: ignore[no-untyped-def]
    with pytest.raises(openai.APIStatusError) as info:
        call()
    return info.value


def test_generate_returns_a_real_png_and_usage(client: openai.OpenAI) -> None:
    result = client.images.generate(
        model="gpt-image-2", prompt="A watercolor fox", quality="low", size="1024x1024", n=2
    )
    assert len(result.data) == 2
    png = base64.b64decode(result.data[0].b64_json or "")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in png
    assert result.usage is not None and result.usage.output_tokens == 2 * 272


def test_input_block_in_openai_shape(client: openai.OpenAI, imgsafe_sandbox: Sandbox) -> None:
    err = blocked(lambda: client.images.generate(model="gpt-image-2", prompt="A photo of Elon Musk on Mars"))
    assert isinstance(err, openai.BadRequestError)
    assert (err.code, err.type) == ("moderation_blocked", "image_generation_user_error")
    assert err.request_id and err.request_id in err.message
    assert err.body["moderation_details"] == {"moderation_stage": "input", "categories": ["public_figure"]}  # type: ignore[index]
    assert imgsafe_sandbox.requests[-1]["request_id"] == err.request_id


def test_output_block_is_billed(client: openai.OpenAI) -> None:
    err = blocked(
        lambda: client.images.generate(model="gpt-image-2", prompt="A photo of a battlefield at dawn", quality="low")
    )
    assert "Generated image was filtered" in err.message
    body = err.response.json()
    assert body["error"]["moderation_details"]["moderation_stage"] == "output"
    assert body["usage"]["output_tokens"] == 272
    assert classify(err.status_code, err.response.content, err.response.headers).stage == "output"


def test_edits_multipart_one_or_several_images_and_a_mask(client: openai.OpenAI, imgsafe_sandbox: Sandbox) -> None:
    one = client.images.edit(model="gpt-image-2", image=("a.png", b"\x89PNGa"), prompt="Add a hat to the fox")
    many = client.images.edit(
        model="gpt-image-2", image=[("a.png", b"a"), ("b.png", b"b")], mask=("m.png", b"m"), prompt="Add a hat"
    )
    assert one.data and many.data
    assert [r["files"] for r in imgsafe_sandbox.requests] == [{"image": 1}, {"image": 2, "mask": 1}]


def test_edits_are_stricter_than_generations(client: openai.OpenAI) -> None:
    prompt = "Put Keanu Reeves on a skateboard"
    generate = client.images.generate(model="gemini-3.1-flash-image-preview", prompt=prompt)
    assert generate.data
    err = blocked(
        lambda: client.images.edit(model="gemini-3.1-flash-image-preview", image=("a.png", b"x"), prompt=prompt)
    )
    assert err.status_code == 400


def test_moderations_full_category_list(client: openai.OpenAI) -> None:
    result = client.moderations.create(model="omni-moderation-latest", input=["Nazi swastika", "a fox"])
    assert [r.flagged for r in result.results] == [True, False]
    dumped = result.results[0].model_dump(by_alias=True)
    assert len(dumped["categories"]) == 13 and dumped["categories"]["hate"] is True
    assert set(dumped["category_applied_input_types"]) == set(dumped["category_scores"])
    assert result.id.startswith("modr-")
    multimodal = client.moderations.create(
        input=[
            {"type": "text", "text": "a bleeding wound close-up"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        ]
    )
    assert multimodal.results[0].categories.violence and multimodal.results[
        0
    ].category_applied_input_types.violence == ["text", "image"]


def test_chat_image_answer_in_both_gateway_conventions(client: openai.OpenAI) -> None:
    result = client.chat.completions.create(
        model="gpt-image-2-all", messages=[{"role": "user", "content": "A lighthouse at dusk"}]
    )
    message = result.choices[0].message
    assert message.content and message.content.startswith("![image](data:image/png;base64,")
    assert (message.model_extra or {})["images"][0]["type"] == "image_url"


def test_gemini_class_block_signals_through_chat(client: openai.OpenAI) -> None:
    prompt_block = client.chat.completions.with_raw_response.create(
        model="gemini-3.1-flash-image-preview", messages=[{"role": "user", "content": "A KKK rally"}]
    )
    outcome = classify(prompt_block.status_code, prompt_block.content)
    assert (outcome.verdict, outcome.stage, outcome.code) == ("block", "input", "PROHIBITED_CONTENT")
    # the first probe the model's profile filters at output (the policy's data decides which)
    profile, _ = profile_for_model("gemini-3.1-flash-image-preview")
    probes = ("A photo of a battlefield", "A photorealistic photo of a bloody battlefield", "A photo of Keanu Reeves")
    prompt = next(p for p in probes if decide(p, profile, 1, "chat").stage == "output")
    image_block = client.chat.completions.with_raw_response.create(
        model="gemini-3.1-flash-image-preview", messages=[{"role": "user", "content": prompt}]
    )
    outcome = classify(image_block.status_code, image_block.content)
    assert (outcome.verdict, outcome.stage, outcome.code) == ("block", "output", "IMAGE_SAFETY")


def test_dalle_and_proxy_flavours(client: openai.OpenAI, imgsafe_sandbox: Sandbox) -> None:
    err = blocked(lambda: client.images.generate(model="dall-e-3", prompt="Spider-Man"))
    assert err.code == "content_policy_violation"
    ok = client.images.generate(model="dall-e-3", prompt="a fox", response_format="b64_json")
    assert ok.data and ok.data[0].revised_prompt == "a fox" and ok.data[0].b64_json
    imgsafe_sandbox.set_flavour("proxy")
    err = blocked(lambda: client.images.generate(model="gpt-image-2", prompt="Spider-Man"))
    body = err.response.json()
    assert body["status_code"] == 400 and body["error"]["type"] == "shell_api_error"
    assert "Azure support ticket" in body["error"]["message"]


def test_imagen_flavour_on_the_images_path(client: openai.OpenAI) -> None:
    err = blocked(lambda: client.images.generate(model="imagen-4.0-generate-001", prompt="Taylor Swift on stage"))
    assert err.response.json()[0]["error"]["status"] == "INVALID_ARGUMENT"
    filtered = blocked(
        lambda: client.images.generate(model="imagen-4.0-generate-001", prompt="A photo of a battlefield")
    )
    assert filtered.code == "IMAGE_SAFETY" and "raiFilteredReason" in filtered.message
    assert classify(400, filtered.response.json()).stage == "output"  # never an empty, unreadable 200


def test_azure_paths_and_shapes(azure: openai.AzureOpenAI, imgsafe_sandbox: Sandbox) -> None:
    assert azure.images.generate(model="gpt-image-2", prompt="a fox").data
    err = blocked(lambda: azure.images.generate(model="gpt-image-2", prompt="Spider-Man swinging"))
    assert err.code == "content_policy_violation"
    assert err.body["inner_error"]["code"] == "ResponsibleAIPolicyViolation"  # type: ignore[index]
    assert err.response.headers["apim-request-id"]
    err = blocked(
        lambda: azure.chat.completions.create(
            model="gpt-image-2-all", messages=[{"role": "user", "content": "Nazi swastika"}]
        )
    )
    assert err.code == "content_filter" and err.body["innererror"]["content_filter_result"]["hate"]["filtered"]  # type: ignore[index]
    filtered = azure.chat.completions.create(
        model="gpt-image-2-all", messages=[{"role": "user", "content": "A photo of a battlefield"}]
    )
    assert filtered.choices[0].finish_reason == "content_filter"
    edit = azure.images.edit(model="gpt-image-2", image=("a.png", b"x"), prompt="Add a hat")
    assert edit.data
    missing = blocked(lambda: azure.moderations.create(input="x"))
    assert missing.status_code == 404 and missing.body == {"code": "404", "message": "Resource not found"}
    paths = [r["path"] for r in imgsafe_sandbox.requests]
    assert (
        "/openai/deployments/gpt-image-2/images/generations" in paths
        and "/openai/deployments/gpt-image-2/images/edits" in paths
    )


def test_async_client(imgsafe_sandbox: Sandbox) -> None:
    async def run() -> int:
        client = openai.AsyncOpenAI(base_url=imgsafe_sandbox.openai_base_url, api_key="k", max_retries=0)
        results = await asyncio.gather(*(client.moderations.create(input=f"fox {i}") for i in range(5)))
        await client.close()
        return len(results)

    assert asyncio.run(run()) == 5


def test_auth_errors_in_each_providers_shape(imgsafe_sandbox: Sandbox) -> None:
    no_key = httpx2.post(f"{imgsafe_sandbox.openai_base_url}/moderations", json={"input": "x"})
    assert no_key.status_code == 401 and no_key.json()["error"]["type"] == "invalid_request_error"
    imgsafe_sandbox.set_flavour(None)
    strict = Sandbox(api_keys={"right"}).start()
    try:
        wrong = openai.OpenAI(base_url=strict.openai_base_url, api_key="wrong", max_retries=0)
        err = blocked(lambda: wrong.moderations.create(input="x"))
        assert isinstance(err, openai.AuthenticationError) and err.code == "invalid_api_key"
        az = openai.AzureOpenAI(azure_endpoint=strict.base_url, api_key="wrong", api_version=API_VERSION, max_retries=0)
        err = blocked(lambda: az.images.generate(model="gpt-image-2", prompt="x"))
        assert err.status_code == 401 and err.body["code"] == "401"  # type: ignore[index]
        right = openai.OpenAI(base_url=strict.openai_base_url, api_key="right", max_retries=0)
        assert right.moderations.create(input="x").results
    finally:
        strict.stop()


def test_bad_parameter_uses_the_image_error_type(client: openai.OpenAI) -> None:
    err = blocked(lambda: client.images.generate(model="gpt-image-2", prompt="a fox", size="999x999"))
    assert (err.code, err.type, err.param) == ("invalid_value", "image_generation_user_error", "size")
    assert client.images.generate(
        model="gpt-image-2", prompt="a fox", size="2048x1152"
    ).data  # gpt-image-2: any WxH /16


@pytest.mark.parametrize(
    "fault, error",
    [
        ("429", openai.RateLimitError),
        ("quota", openai.RateLimitError),
        ("500", openai.InternalServerError),
        ("503", openai.InternalServerError),
        ("drop", openai.APIConnectionError),
    ],
)
def test_faults_are_retried_by_the_sdk_as_the_log_shows(
    imgsafe_sandbox: Sandbox, fault: str, error: type[Exception]
) -> None:
    imgsafe_sandbox.set_faults(f"{fault}:1.0")
    client = openai.OpenAI(base_url=imgsafe_sandbox.openai_base_url, api_key="k", max_retries=2)
    with pytest.raises(error):
        client.moderations.create(input="a fox")
    log = imgsafe_sandbox.requests
    assert [r["retry_count"] for r in log] == [0, 1, 2]
    assert {r["fault"] for r in log} == {fault}


def test_429_carries_retry_after_and_the_sdk_honours_it(
    imgsafe_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    imgsafe_sandbox.set_faults("429:1.0")
    raw = httpx2.post(
        f"{imgsafe_sandbox.openai_base_url}/moderations", json={"input": "x"}, headers={"authorization": "Bearer k"}
    )
    assert raw.status_code == 429 and raw.headers["retry-after-ms"] == "20" and raw.headers["retry-after"] == "1"
    assert raw.json()["error"]["code"] == "rate_limit_exceeded"
    imgsafe_sandbox.reset()
    imgsafe_sandbox.set_faults("429:1.0")
    client = openai.OpenAI(base_url=imgsafe_sandbox.openai_base_url, api_key="k", max_retries=1)
    waits: list[float] = []
    decide = client._calculate_retry_timeout

    def recorded(*args: Any, **kwargs: Any) -> float:
        waits.append(decide(*args, **kwargs))
        return waits[-1]

    monkeypatch.setattr(client, "_calculate_retry_timeout", recorded)
    with pytest.raises(openai.RateLimitError):
        client.moderations.create(input="a fox")
    assert [r["retry_count"] for r in imgsafe_sandbox.requests] == [0, 1]
    # retry-after-ms: 20 -> the SDK waits 20 ms instead of its 0.5 s exponential default
    assert waits == [0.02]


def test_slow_badjson_and_seeded_faults(imgsafe_sandbox: Sandbox) -> None:
    imgsafe_sandbox.set_faults("badjson:1.0")
    raw = httpx2.post(
        f"{imgsafe_sandbox.openai_base_url}/moderations", json={"input": "x"}, headers={"authorization": "Bearer k"}
    )
    with pytest.raises(json.JSONDecodeError):
        raw.json()
    imgsafe_sandbox.reset()
    imgsafe_sandbox.set_faults("500:0.3,drop:0.1", seed=7)
    client = openai.OpenAI(base_url=imgsafe_sandbox.openai_base_url, api_key="k", max_retries=0)

    def run() -> list[object]:
        out: list[object] = []
        for i in range(30):
            try:
                client.moderations.create(input=f"p{i}")
                out.append("ok")
            except openai.APIError as exc:
                out.append(type(exc).__name__)
        return out

    first = run()
    imgsafe_sandbox.reset()
    imgsafe_sandbox.set_faults("500:0.3,drop:0.1", seed=7)
    assert run() == first and "ok" in first and "InternalServerError" in first


def test_rpm_limit_refuses_bursts_with_the_exact_wait(
    imgsafe_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [100.0]  # the bucket's clock, moved by the test only
    monkeypatch.setattr(imgsafe_sandbox, "clock", lambda: now[0])
    imgsafe_sandbox.set_rpm(120)  # 2 per second, burst of 2
    client = openai.OpenAI(base_url=imgsafe_sandbox.openai_base_url, api_key="k", max_retries=0)

    def ask() -> str:
        try:
            client.moderations.create(input="a fox")
            return "ok"
        except openai.RateLimitError as err:
            return err.response.headers["retry-after-ms"]

    assert [ask() for _ in range(4)] == ["ok", "ok", "500", "500"]  # the bucket is empty: half a second
    now[0] += 0.25
    assert ask() == "250"  # a quarter of a second later, a quarter is left
    now[0] += 0.25
    assert ask() == "ok"  # waiting as told gets through
    assert [r["fault"] for r in imgsafe_sandbox.requests] == [None, None, "rpm", "rpm", "rpm", None]


def test_latency_option_delays_answers(imgsafe_sandbox: Sandbox, client: openai.OpenAI) -> None:
    imgsafe_sandbox.set_latency(150, 0)
    client.moderations.create(input="x")
    assert [r["delay_ms"] for r in imgsafe_sandbox.requests] == [150.0]  # the sandbox's own word


def test_drift_between_policy_versions(client: openai.OpenAI, imgsafe_sandbox: Sandbox) -> None:
    prompt = "Street graffiti in the style of Banksy"
    assert (
        client.chat.completions.create(model="gpt-image-2-all", messages=[{"role": "user", "content": prompt}])
        .choices[0]
        .finish_reason
        == "stop"
    )
    imgsafe_sandbox.set_policy_version(2)
    err = blocked(
        lambda: client.chat.completions.create(model="gpt-image-2-all", messages=[{"role": "user", "content": prompt}])
    )
    assert err.code == "moderation_blocked"
    assert imgsafe_sandbox.requests[-1]["policy_version"] == 2


def test_profile_override(client: openai.OpenAI, imgsafe_sandbox: Sandbox) -> None:
    imgsafe_sandbox.set_profile("loose")
    assert client.images.generate(model="gpt-image-2", prompt="Taylor Swift concert stage").data
    with pytest.raises(ValueError, match="known profiles"):
        imgsafe_sandbox.set_profile("lenient")


@pytest.mark.slow
def test_32_concurrent_clients(imgsafe_sandbox: Sandbox) -> None:
    imgsafe_sandbox.set_latency(20, 10)
    errors: list[BaseException] = []
    barrier = threading.Barrier(32)

    def worker(i: int) -> None:
        client = openai.OpenAI(base_url=imgsafe_sandbox.openai_base_url, api_key="k", max_retries=0)
        try:
            barrier.wait()
            for j in range(5):
                client.images.generate(model="gpt-image-2", prompt=f"a fox number {i}-{j}")
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(imgsafe_sandbox.requests) == 160


def test_log_file_is_json_lines_without_keys(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with Sandbox(log_path=log) as sandbox:
        openai.OpenAI(
            base_url=sandbox.openai_base_url, api_key="sk-very-secret-key-123", max_retries=0
        ).moderations.create(input="x")
    lines = log.read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["path"] == "/v1/moderations"
    assert "sk-very-secret" not in log.read_text()


def test_only_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        Sandbox("0.0.0.0")


@pytest.mark.slow
def test_cli_prints_the_openai_base_url_first_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest_imgsafe.sandbox",
            "--port",
            "0",
            "--profile",
            "strict",
            "--faults",
            "429:0.0",
            "--latency-ms",
            "5:1",
            "--log",
            str(tmp_path / "l.jsonl"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        client = openai.OpenAI(base_url=url, api_key="k", max_retries=0)  # as printed, nothing appended
        assert client.moderations.create(input="x").results
        root = url.removesuffix("/v1")
        assert f"google-genai base_url and Content Safety endpoint {root};" in proc.stderr.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


@pytest.mark.slow
def test_cli_rejects_bad_options_with_the_value_quoted() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_imgsafe.sandbox", "--faults", "429:2"], capture_output=True, text=True
    )
    assert result.returncode == 2 and "probability 2.0" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "pytest_imgsafe.sandbox", "--latency-ms", "abc"], capture_output=True, text=True
    )
    assert result.returncode == 2 and "'abc' is not MEAN[:JITTER]" in result.stderr


def test_the_log_redacts_the_sandboxs_own_keys_wherever_they_stand(tmp_path: Path) -> None:
    key = "sk-proj-OTHERKEYq8Zr2mWx0c4Vb7Nt1y"
    log = tmp_path / "log.jsonl"
    with Sandbox(api_keys={key}, log_path=log) as sandbox:
        client = openai.OpenAI(base_url=sandbox.openai_base_url, api_key=key, max_retries=0)
        client.images.generate(model="gpt-image-2", prompt=f"a fox holding a sign reading {key}")
        logged = sandbox.requests
    assert key not in log.read_text() and key not in json.dumps(logged)
    assert json.loads(log.read_text())["prompt"] == "a fox holding a sign reading <redacted>"


def test_the_log_redacts_the_start_and_the_end_of_its_keys_too(tmp_path: Path) -> None:
    """A prompt quoting a key's first twelve and last eight characters apart gives it away as
    surely as the whole: every start or end of eight characters or more is redacted."""
    key = "sk-proj-OTHERKEYq8Zr2mWx0c4Vb7Nt1y"
    log = tmp_path / "log.jsonl"
    with Sandbox(api_keys={key}, log_path=log) as sandbox:
        client = openai.OpenAI(base_url=sandbox.openai_base_url, api_key=key, max_retries=0)
        client.images.generate(model="gpt-image-2", prompt=f"a sign with {key[:12]} and {key[-8:]}, and a fox")
    logged = json.loads(log.read_text())["prompt"]
    assert logged == "a sign with <redacted> and <redacted>, and a fox"
