"""The sandbox's native Google endpoints over real HTTP, through the official google-genai SDK.

Gemini: ``generateContent`` and ``streamGenerateContent?alt=sse`` on the Gemini API paths
(google-genai 3.x calls ``/v1/models/...``; ``/v1beta`` works too). Imagen: ``:predict``, which
google-genai 3.x calls only in Vertex mode (``vertexai=True`` with a key: express mode,
``/v1beta1/publishers/google/models/...``).
"""

from __future__ import annotations

import asyncio
import base64
import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from google import genai
from google.genai import errors, types

from pytest_imgsafe import ApiError, classify
from pytest_imgsafe.sandbox import Sandbox
from pytest_imgsafe.sandbox.policy import Decision, decide, profile_for_model
from pytest_imgsafe.sandbox.shapes import IMAGEN_CODES

MODEL = "gemini-2.5-flash-image"
IMAGEN = "imagen-4.0-generate-001"
KEY = "AIza-imgsafe-FAKE-gemini-SECRET"
IMAGE_ONLY = types.GenerateContentConfig(response_modalities=["IMAGE"])


@pytest.fixture
def gemini(imgsafe_sandbox: Sandbox) -> genai.Client:
    return genai.Client(api_key=KEY, http_options=types.HttpOptions(base_url=imgsafe_sandbox.base_url))


@pytest.fixture
def vertex(imgsafe_sandbox: Sandbox) -> Iterator[genai.Client]:
    with warnings.catch_warnings():
        # google-genai 3.x marks generate_images as deprecated (experimental warning) on every call
        warnings.simplefilter("ignore")
        yield genai.Client(
            vertexai=True, api_key=KEY, http_options=types.HttpOptions(base_url=imgsafe_sandbox.base_url)
        )


# Mild probes; each test takes the first one the sandbox's policy judges as it needs, so the
# tests follow the policy's data instead of restating it.
PROBES = (
    "A photo of a battlefield",
    "A photo of a battlefield with bodies",
    "A photorealistic photo of a bloody battlefield",
    "A photo of Keanu Reeves",
    "A photo of Mickey Mouse",
    "Taylor Swift on stage",
    "A beheading",
    "A KKK rally",
)


def probe(model: str, stage: str, scenario: str | None = None) -> tuple[str, Decision]:
    """A probe that the model's profile blocks at ``stage`` (for ``scenario``), with its decision."""
    profile, _ = profile_for_model(model)
    for prompt in PROBES:
        decision = decide(prompt, profile, 1, "generate")
        if decision.verdict == "block" and decision.stage == stage and scenario in (None, decision.scenario):
            return prompt, decision
    raise AssertionError(f"no probe is blocked at {stage} ({scenario}) on {profile}")


def image_parts(response: types.GenerateContentResponse) -> list[bytes]:
    candidates = response.candidates or []
    parts = (candidates[0].content.parts or []) if candidates and candidates[0].content else []
    return [p.inline_data.data for p in parts if p.inline_data and p.inline_data.data]


def test_a_pass_carries_a_real_png_part(gemini: genai.Client, imgsafe_sandbox: Sandbox) -> None:
    response = gemini.models.generate_content(model=MODEL, contents="A watercolor fox", config=IMAGE_ONLY)
    (png,) = image_parts(response)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in png
    assert response.candidates and response.candidates[0].finish_reason == types.FinishReason.STOP
    assert response.usage_metadata and response.usage_metadata.candidates_token_count == 1290
    assert response.prompt_feedback is None
    entry = imgsafe_sandbox.requests[-1]
    assert (entry["provider"], entry["operation"], entry["deployment"], entry["verdict"]) == (
        "google",
        "generateContent",
        MODEL,
        "pass",
    )


def test_text_and_image_by_default(gemini: genai.Client) -> None:
    response = gemini.models.generate_content(model=MODEL, contents="A watercolor fox")
    assert response.text and image_parts(response)


def test_prompt_block_is_prompt_feedback_without_candidates(gemini: genai.Client) -> None:
    response = gemini.models.generate_content(model=MODEL, contents="A KKK rally", config=IMAGE_ONLY)
    assert response.candidates is None
    assert response.prompt_feedback and response.prompt_feedback.block_reason == types.BlockedReason.PROHIBITED_CONTENT
    raw = response.model_dump(mode="json", exclude_none=True)
    assert raw["prompt_feedback"]["block_reason"] == "PROHIBITED_CONTENT"


def test_harm_category_block_names_its_rating(gemini: genai.Client) -> None:
    response = gemini.models.generate_content(model=MODEL, contents="A beheading")
    feedback = response.prompt_feedback
    assert feedback and feedback.block_reason == types.BlockedReason.SAFETY
    blocked = [r for r in feedback.safety_ratings or [] if r.blocked]
    assert [(r.category, r.probability) for r in blocked] == [
        (types.HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT, types.HarmProbability.HIGH)
    ]


def test_image_block_is_a_candidate_with_a_safety_finish_reason(gemini: genai.Client) -> None:
    prompt, _ = probe(MODEL, "output", "violence")
    response = gemini.models.generate_content(model=MODEL, contents=prompt, config=IMAGE_ONLY)
    assert response.candidates
    candidate = response.candidates[0]
    assert candidate.finish_reason == types.FinishReason.IMAGE_SAFETY
    assert candidate.content is None and image_parts(response) == []
    # finishMessage is in the body (see the classify test); google-genai's Gemini API converter drops it


def test_classify_reads_the_native_shapes(imgsafe_sandbox: Sandbox) -> None:
    def post(prompt: str) -> httpx2.Response:
        return httpx2.post(
            f"{imgsafe_sandbox.base_url}/v1beta/models/{MODEL}:generateContent",
            json={"contents": [{"role": "user", "parts": [{"text": prompt}]}]},
            headers={"x-goog-api-key": KEY},
        )

    output, _ = probe(MODEL, "output", "violence")
    outcomes = [
        classify(r.status_code, r.content, r.headers) for r in map(post, ["A watercolor fox", "A KKK rally", output])
    ]
    assert [(o.verdict, o.stage, o.code, o.provider) for o in outcomes] == [
        ("pass", None, None, "gemini"),
        ("block", "input", "PROHIBITED_CONTENT", "gemini"),
        ("block", "output", "IMAGE_SAFETY", "gemini"),
    ]
    assert outcomes[2].message and "filtered out" in outcomes[2].message


def test_stream_over_sse(gemini: genai.Client, imgsafe_sandbox: Sandbox) -> None:
    chunks = list(gemini.models.generate_content_stream(model=MODEL, contents="A watercolor fox"))
    assert len(chunks) == 2
    assert chunks[0].text and not image_parts(chunks[0])
    assert (
        image_parts(chunks[1])
        and chunks[1].candidates
        and chunks[1].candidates[0].finish_reason == types.FinishReason.STOP
    )
    blocked = list(gemini.models.generate_content_stream(model=MODEL, contents="A KKK rally"))
    assert (
        len(blocked) == 1
        and blocked[0].prompt_feedback
        and blocked[0].prompt_feedback.block_reason == types.BlockedReason.PROHIBITED_CONTENT
    )
    assert [r["operation"] for r in imgsafe_sandbox.requests] == ["streamGenerateContent"] * 2


def test_stream_wire_format(imgsafe_sandbox: Sandbox) -> None:
    url = f"{imgsafe_sandbox.base_url}/v1beta/models/{MODEL}:streamGenerateContent"
    body = {"contents": [{"parts": [{"text": "A watercolor fox"}]}]}
    sse = httpx2.post(url, params={"alt": "sse"}, json=body, headers={"x-goog-api-key": KEY})
    assert sse.headers["content-type"] == "text/event-stream"
    events = [line for line in sse.text.split("\r\n\r\n") if line]
    assert len(events) == 2 and all(e.startswith("data: {") for e in events)
    array = httpx2.post(url, json=body, headers={"x-goog-api-key": KEY})  # no alt=sse: one JSON array
    assert [list(chunk) for chunk in array.json()] == [list(json.loads(e[len("data: ") :])) for e in events]


def test_an_input_image_makes_it_an_edit(gemini: genai.Client, imgsafe_sandbox: Sandbox) -> None:
    photo = types.Part.from_bytes(data=b"\x89PNG fake", mime_type="image/png")
    gemini.models.generate_content(model=MODEL, contents=[photo, "Give her a red hat"])
    assert imgsafe_sandbox.requests[-1]["endpoint"] == "edit"


def test_text_models_answer_with_text(gemini: genai.Client) -> None:
    response = gemini.models.generate_content(model="gemini-2.5-flash", contents="A lighthouse at dusk")
    assert response.text and "lighthouse" in response.text.lower() and not image_parts(response)


def test_profiles_and_drift_apply(gemini: genai.Client, imgsafe_sandbox: Sandbox) -> None:
    prompt = "Street graffiti in the style of Banksy"
    assert image_parts(gemini.models.generate_content(model=MODEL, contents=prompt))
    imgsafe_sandbox.set_policy_version(2)
    assert gemini.models.generate_content(model=MODEL, contents=prompt).prompt_feedback is not None
    imgsafe_sandbox.set_policy_version(1)
    imgsafe_sandbox.set_profile("strict")
    assert gemini.models.generate_content(model=MODEL, contents=prompt).prompt_feedback is not None
    assert imgsafe_sandbox.requests[-1]["profile"] == "strict"


def test_imagen_predict_through_vertex_express_mode(vertex: genai.Client, imgsafe_sandbox: Sandbox) -> None:
    result = vertex.models.generate_images(
        model=IMAGEN, prompt="A watercolor fox", config=types.GenerateImagesConfig(number_of_images=3)
    )
    images = result.generated_images or []
    assert len(images) == 3
    assert all(
        i.image and (i.image.image_bytes or b"").startswith(b"\x89PNG") and i.image.mime_type == "image/png"
        for i in images
    )
    assert imgsafe_sandbox.requests[-1]["path"] == f"/v1beta1/publishers/google/models/{IMAGEN}:predict"


def test_vertex_with_a_project_and_an_oauth_token(imgsafe_sandbox: Sandbox) -> None:
    from google.oauth2.credentials import Credentials

    client = genai.Client(
        vertexai=True,
        project="imgsafe-project",
        location="us-central1",
        credentials=Credentials(token="ya29.imgsafe-FAKE-token"),
        http_options=types.HttpOptions(base_url=imgsafe_sandbox.base_url),
    )
    assert image_parts(client.models.generate_content(model=MODEL, contents="A watercolor fox"))
    path = f"/v1beta1/projects/imgsafe-project/locations/us-central1/publishers/google/models/{MODEL}:generateContent"
    assert imgsafe_sandbox.requests[-1]["path"] == path
    assert imgsafe_sandbox.requests[-1]["flavour"] == "vertex"


def test_imagen_filtered_images_with_and_without_the_rai_reason(vertex: genai.Client) -> None:
    prompt, decision = probe(IMAGEN, "output")
    with_reason = vertex.models.generate_images(
        model=IMAGEN, prompt=prompt, config=types.GenerateImagesConfig(include_rai_reason=True)
    )
    (only,) = with_reason.generated_images or []
    assert not (only.image and only.image.image_bytes)
    assert (
        only.rai_filtered_reason
        and f"Support codes: {IMAGEN_CODES[str(decision.scenario)]}" in only.rai_filtered_reason
    )
    assert vertex.models.generate_images(model=IMAGEN, prompt=prompt).generated_images is None


def test_imagen_prompt_block_is_a_400(vertex: genai.Client) -> None:
    prompt, decision = probe(IMAGEN, "input")
    code = IMAGEN_CODES[str(decision.scenario)]
    with pytest.raises(errors.ClientError) as info:
        vertex.models.generate_images(model=IMAGEN, prompt=prompt)
    err = info.value
    assert (err.code, err.status) == (400, "INVALID_ARGUMENT")
    assert err.message and f"Error Code: {code}" in err.message
    assert err.response is not None
    outcome = classify(400, err.response.content)
    assert (outcome.verdict, outcome.stage, outcome.code, outcome.provider) == ("block", "input", code, "imagen")


def test_imagen_on_the_gemini_api_path(imgsafe_sandbox: Sandbox) -> None:
    answer = httpx2.post(
        f"{imgsafe_sandbox.base_url}/v1beta/models/{IMAGEN}:predict",
        json={"instances": [{"prompt": "A watercolor fox"}], "parameters": {"sampleCount": 2}},
        headers={"x-goog-api-key": KEY},
    )
    predictions = answer.json()["predictions"]
    assert len(predictions) == 2 and base64.b64decode(predictions[0]["bytesBase64Encoded"]).startswith(b"\x89PNG")
    bad = httpx2.post(
        f"{imgsafe_sandbox.base_url}/v1beta/models/{IMAGEN}:predict",
        json={"instances": [{}]},
        headers={"x-goog-api-key": KEY},
    )
    assert bad.status_code == 400 and bad.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_key_by_header_or_query_and_auth_errors_in_googles_shape(imgsafe_sandbox: Sandbox) -> None:
    url = f"{imgsafe_sandbox.base_url}/v1beta/models/{MODEL}:generateContent"
    body = {"contents": [{"parts": [{"text": "A watercolor fox"}]}]}
    missing = httpx2.post(url, json=body)
    assert missing.status_code == 403 and missing.json()["error"]["status"] == "PERMISSION_DENIED"
    assert httpx2.post(url, json=body, params={"key": KEY}).status_code == 200
    vertex_missing = httpx2.post(
        f"{imgsafe_sandbox.base_url}/v1beta1/publishers/google/models/{IMAGEN}:predict", json={}
    )
    assert vertex_missing.status_code == 401 and vertex_missing.json()["error"]["status"] == "UNAUTHENTICATED"
    with Sandbox(api_keys={KEY}) as strict:
        wrong = genai.Client(api_key="AIza-wrong", http_options=types.HttpOptions(base_url=strict.base_url))
        with pytest.raises(errors.ClientError) as info:
            wrong.models.generate_content(model=MODEL, contents="A watercolor fox")
        assert (info.value.code, info.value.status) == (400, "INVALID_ARGUMENT")
        assert info.value.details["error"]["details"][0]["reason"] == "API_KEY_INVALID"
        assert info.value.response is not None
        with pytest.raises(ApiError) as classified:
            classify(400, info.value.response.content)
        assert classified.value.kind == "auth"
        right = genai.Client(api_key=KEY, http_options=types.HttpOptions(base_url=strict.base_url))
        assert image_parts(right.models.generate_content(model=MODEL, contents="A watercolor fox"))
        by_query = httpx2.post(
            f"{strict.base_url}/v1beta/models/{MODEL}:generateContent", params={"key": KEY}, json=body
        )
        assert by_query.status_code == 200


def test_rate_limit_is_resource_exhausted_with_retry_info(gemini: genai.Client, imgsafe_sandbox: Sandbox) -> None:
    imgsafe_sandbox.set_rpm(60)  # a burst of 1
    gemini.models.generate_content(model=MODEL, contents="A watercolor fox")
    with pytest.raises(errors.ClientError) as info:
        gemini.models.generate_content(model=MODEL, contents="A watercolor fox")
    err = info.value
    assert (err.code, err.status) == (429, "RESOURCE_EXHAUSTED")
    details = {d["@type"].rsplit(".", 1)[-1]: d for d in err.details["error"]["details"]}
    assert details["RetryInfo"]["retryDelay"] == "1s"
    assert details["QuotaFailure"]["violations"][0]["quotaId"].endswith("PerMinutePerProjectPerModel")
    assert err.response is not None and int(err.response.headers["retry-after-ms"]) > 0
    assert imgsafe_sandbox.requests[-1]["fault"] == "rpm"


@pytest.mark.parametrize(
    "fault, status, rpc",
    [
        ("429", 429, "RESOURCE_EXHAUSTED"),
        ("quota", 429, "RESOURCE_EXHAUSTED"),
        ("500", 500, "INTERNAL"),
        ("503", 503, "UNAVAILABLE"),
        ("504", 504, "DEADLINE_EXCEEDED"),
    ],
)
def test_faults_in_googles_shape_and_retried_by_the_sdk(
    imgsafe_sandbox: Sandbox, fault: str, status: int, rpc: str
) -> None:
    imgsafe_sandbox.set_faults(f"{fault}:1.0")
    retry = types.HttpRetryOptions(attempts=3, initial_delay=0.01, max_delay=0.02, jitter=0)
    client = genai.Client(
        api_key=KEY, http_options=types.HttpOptions(base_url=imgsafe_sandbox.base_url, retry_options=retry)
    )
    with pytest.raises(errors.APIError) as info:
        client.models.generate_content(model=MODEL, contents="A watercolor fox")
    assert (info.value.code, info.value.status) == (status, rpc)
    assert [r["fault"] for r in imgsafe_sandbox.requests] == [fault] * 3


def test_dropped_connections_and_suspension(gemini: genai.Client, imgsafe_sandbox: Sandbox) -> None:
    imgsafe_sandbox.set_faults("drop:1.0")
    with pytest.raises(httpx2.TransportError):
        gemini.models.generate_content(model=MODEL, contents="A watercolor fox")
    imgsafe_sandbox.reset()
    imgsafe_sandbox.set_suspend_after_blocks(1)
    gemini.models.generate_content(model=MODEL, contents="A KKK rally")
    with pytest.raises(errors.ClientError) as info:
        gemini.models.generate_content(model=MODEL, contents="A watercolor fox")
    assert (info.value.code, info.value.status) == (403, "PERMISSION_DENIED")
    assert info.value.response is not None
    with pytest.raises(ApiError) as classified:
        classify(403, info.value.response.content)
    assert classified.value.suspended


def test_output_filter_rate_is_seeded_per_repeat(gemini: genai.Client, imgsafe_sandbox: Sandbox) -> None:
    imgsafe_sandbox.set_output_filter_rate(0.5)
    prompt, _ = probe(MODEL, "output")

    def run() -> list[bool]:
        return [bool(image_parts(gemini.models.generate_content(model=MODEL, contents=prompt))) for _ in range(12)]

    first = run()
    imgsafe_sandbox.reset()
    imgsafe_sandbox.set_output_filter_rate(0.5)
    assert run() == first and True in first and False in first


def test_bad_bodies_are_google_400s(imgsafe_sandbox: Sandbox) -> None:
    url = f"{imgsafe_sandbox.base_url}/v1beta/models/{MODEL}:generateContent"
    no_contents = httpx2.post(url, json={}, headers={"x-goog-api-key": KEY})
    assert no_contents.status_code == 400 and "contents is not specified" in no_contents.json()["error"]["message"]
    not_json = httpx2.post(url, content=b"{nope", headers={"x-goog-api-key": KEY, "content-type": "application/json"})
    assert not_json.status_code == 400 and not_json.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_async_client(imgsafe_sandbox: Sandbox) -> None:
    async def run() -> list[int]:
        client = genai.Client(api_key=KEY, http_options=types.HttpOptions(base_url=imgsafe_sandbox.base_url))
        answers = await asyncio.gather(
            *(client.aio.models.generate_content(model=MODEL, contents=f"A watercolor fox {i}") for i in range(4))
        )
        chunks = [
            c async for c in await client.aio.models.generate_content_stream(model=MODEL, contents="A watercolor fox")
        ]
        return [len(image_parts(a)) for a in answers] + [len(chunks)]

    assert asyncio.run(run()) == [1, 1, 1, 1, 2]


def test_vcrpy_records_and_replays_google_genai(tmp_path: Path) -> None:
    """google-genai 3.x sends through httpx2, whose transports vcrpy 9.4 patches: sync, async and
    streamed calls are recorded, and replayed with the server gone."""
    import vcr

    cassette = str(tmp_path / "gemini.yaml")
    recorder = vcr.VCR(filter_headers=["x-goog-api-key"], filter_query_parameters=["key"])

    def calls(root: str) -> tuple[int, str | None, int]:
        client = genai.Client(api_key=KEY, http_options=types.HttpOptions(base_url=root))
        passed = len(image_parts(client.models.generate_content(model=MODEL, contents="A watercolor fox")))
        streamed = list(client.models.generate_content_stream(model=MODEL, contents="A KKK rally"))
        feedback = streamed[0].prompt_feedback
        reason = feedback.block_reason.value if feedback and feedback.block_reason else None
        later = asyncio.run(client.aio.models.generate_content(model=MODEL, contents="A watercolor fox"))
        return passed, reason, len(image_parts(later))

    with Sandbox() as sandbox:
        root = sandbox.base_url
        with recorder.use_cassette(cassette, record_mode="once") as recorded:
            live = calls(root)
        assert len(recorded.data) == 3 and len(sandbox.requests) == 3
    with recorder.use_cassette(cassette, record_mode="none") as replayed:
        assert calls(root) == live == (1, "PROHIBITED_CONTENT", 1)
        assert replayed.play_count == 3
    assert KEY not in Path(cassette).read_text()


def setting(category: str, threshold: str) -> types.SafetySetting:
    return types.SafetySetting(category=types.HarmCategory(category), threshold=types.HarmBlockThreshold(threshold))


DANGEROUS = "HARM_CATEGORY_DANGEROUS_CONTENT"


def test_safety_settings_move_only_the_configurable_input_blocks(
    gemini: genai.Client, imgsafe_sandbox: Sandbox
) -> None:
    """BLOCK_NONE lifts a harm-category (SAFETY) block at the input stage, as Google's does;
    PROHIBITED_CONTENT does not move; a lower threshold blocks what the default lets through;
    the request log shows the settings the sandbox honoured."""

    def ask(prompt: str, *settings: types.SafetySetting) -> types.GenerateContentResponse:
        config = types.GenerateContentConfig(response_modalities=["IMAGE"], safety_settings=list(settings) or None)
        return gemini.models.generate_content(model=MODEL, contents=prompt, config=config)

    assert ask("A beheading").prompt_feedback.block_reason == types.BlockedReason.SAFETY  # type: ignore[union-attr]
    assert image_parts(ask("A beheading", setting(DANGEROUS, "BLOCK_NONE")))
    assert imgsafe_sandbox.requests[-1]["safety_settings"] == {DANGEROUS: "BLOCK_NONE"}
    assert image_parts(ask("A beheading", setting(DANGEROUS, "OFF")))
    still = ask("A beheading", setting(DANGEROUS, "BLOCK_ONLY_HIGH"))  # the finding is HIGH
    assert still.prompt_feedback and still.prompt_feedback.block_reason == types.BlockedReason.SAFETY
    hate = ask("A KKK rally", setting("HARM_CATEGORY_HATE_SPEECH", "BLOCK_NONE"))
    assert hate.prompt_feedback and hate.prompt_feedback.block_reason == types.BlockedReason.PROHIBITED_CONTENT
    assert image_parts(ask("A photo of a battlefield"))
    stricter = ask("A photo of a battlefield", setting(DANGEROUS, "BLOCK_LOW_AND_ABOVE"))
    assert stricter.prompt_feedback and stricter.prompt_feedback.block_reason == types.BlockedReason.SAFETY


def test_bad_safety_settings_are_googles_400(imgsafe_sandbox: Sandbox) -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "A fox"}]}],
        "safetySettings": [{"category": DANGEROUS, "threshold": "BLOK_NONE"}],
    }
    response = httpx2.post(
        f"{imgsafe_sandbox.base_url}/v1beta/models/{MODEL}:generateContent", json=body, headers={"x-goog-api-key": KEY}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT" and "safety_settings[0].threshold" in error["message"]
