"""The provider kinds behind one protocol: the registry, each kind's own checks of its keys and
params (with did-you-mean), its requests, and what adding a kind takes (one module and one line)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from pytest_imgsafe import ApiError, classify
from pytest_imgsafe.base.wire import Answer, RequestSpec
from pytest_imgsafe.collect.config import ConfigError, resolve_settings
from pytest_imgsafe.providers import google, registry, responses
from pytest_imgsafe.providers.kind import Kind
from pytest_imgsafe.providers.target import Target


def target(tmp_path: Path, table: dict[str, Any]) -> Target:
    return resolve_settings(tmp_path, {"targets": {"t": table}}).targets["t"]


def test_every_kind_is_registered_under_its_own_name() -> None:
    for name, kind in registry.KINDS.items():
        assert kind.name == name
        assert kind.calls_endpoint == (not kind.local and not kind.composite)
        assert kind.reads in (None, "image", "moderation", "content-safety", "text")
    assert "chat" in registry.KINDS and "chat" not in registry.target_kinds()  # the describer's kind
    assert {"responses", "gemini", "imagen"} <= set(registry.target_kinds())
    with pytest.raises(KeyError, match=r"'gemni' is not a target kind \(did you mean 'gemini'\?\)"):
        registry.kind_of("gemni")


def test_a_key_of_another_kind_says_which_kinds_take_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"sets links, which only chain and gateway targets take"):
        target(tmp_path, {"kind": "images.generate", "model": "m", "links": ["x"]})
    with pytest.raises(ConfigError, match=r"sets vertex, which only gemini and imagen targets take"):
        target(tmp_path, {"kind": "responses", "model": "m", "vertex": True})


# --- gemini: nested params under the SDK's own names -----------------------------------------


def test_gemini_takes_safety_settings_image_config_and_modalities(tmp_path: Path) -> None:
    params = {
        "safety_settings": [
            {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "threshold": "block_only_high"},
            {"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_NONE", "method": "SEVERITY"},
        ],
        "image_config": {"aspect_ratio": "16:9", "image_size": "2K"},
        "response_modalities": "IMAGE, TEXT",
        "temperature": 0.4,
    }
    made = target(
        tmp_path, {"kind": "gemini", "model": "gemini-2.5-flash-image", "params": params, "api_version": "v1alpha"}
    )
    assert made.params["safety_settings"][0] == {
        "category": "HARM_CATEGORY_DANGEROUS_CONTENT",
        "threshold": "BLOCK_ONLY_HIGH",
    }
    assert made.params["response_modalities"] == ["IMAGE", "TEXT"]
    spec = registry.build_request(made, "A fox")
    assert spec.api_version == "v1alpha" and spec.fields["image_config"] == {"aspect_ratio": "16:9", "image_size": "2K"}
    assert spec.fields["safety_settings"][1]["method"] == "SEVERITY"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"safety_setting": []}, r"unknown key 'safety_setting' \(did you mean 'safety_settings'\?\)"),
        ({"safety_settings": {"category": "x"}}, r"params.safety_settings must be a list of tables"),
        (
            {"safety_settings": [{"category": "HARM_CATEGORY_DANGEROUS", "threshold": "BLOCK_NONE"}]},
            r"safety_settings\[1\].category = 'HARM_CATEGORY_DANGEROUS' "
            r".*did you mean 'HARM_CATEGORY_DANGEROUS_CONTENT'",
        ),
        (
            {"safety_settings": [{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOK_NONE"}]},
            r"threshold = 'BLOK_NONE' .*did you mean 'BLOCK_NONE'",
        ),
        ({"safety_settings": [{"category": "HARM_CATEGORY_HATE_SPEECH"}]}, r"needs a category and a threshold"),
        (
            {"safety_settings": [{"categroy": "x", "threshold": "OFF"}]},
            r"unknown key 'categroy' \(did you mean 'category'\?\)",
        ),
        (
            {"image_config": {"aspect": "1:1"}},
            r"image_config has an unknown key 'aspect' \(did you mean 'aspect_ratio'\?\)",
        ),
        ({"image_config": "16:9"}, r"params.image_config must be a table"),
        ({"response_modalities": ["IMAGES"]}, r"'IMAGES' .*did you mean 'IMAGE'"),
        ({"stream": "yes"}, r"params.stream is true or false"),
    ],
)
def test_gemini_params_are_checked_with_did_you_mean(tmp_path: Path, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=r"^\[tool.imgsafe.targets.t\] ") as info:
        target(tmp_path, {"kind": "gemini", "model": "g", "params": params})
    assert info.match(message)


def test_gemini_api_version_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"api_version = '2024-06-01' is not a Google API version"):
        target(tmp_path, {"kind": "gemini", "model": "g", "api_version": "2024-06-01"})


def test_imagen_params_are_the_sdks_names(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'number_images' \(did you mean 'number_of_images'\?\)"):
        target(tmp_path, {"kind": "imagen", "model": "imagen-4.0", "params": {"number_images": 2}})


def test_imagen_on_the_gemini_api_where_the_sdk_serves_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = {"kind": "imagen", "model": "imagen-4.0-generate-001", "vertex": False}
    monkeypatch.setattr(google, "imagen_on_gemini_api", lambda: True)
    assert target(tmp_path, table).vertex is False
    monkeypatch.setattr(google, "imagen_on_gemini_api", lambda: False)
    with pytest.raises(
        ConfigError,
        match=r"through Vertex AI only.*kind = \"images.generate\", base_url = \"https://generativelanguage",
    ):
        target(tmp_path, table)


def test_the_google_names_are_the_installed_sdks() -> None:
    types = pytest.importorskip("google.genai.types")
    assert set(google.GEMINI_PARAMS) <= set(types.GenerateContentConfig.model_fields)
    assert set(google.IMAGE_CONFIG_FIELDS) == set(types.ImageConfig.model_fields)
    assert set(google.IMAGEN_PARAMS) <= set(types.GenerateImagesConfig.model_fields)
    assert set(google.HARM_CATEGORIES) <= {c.value for c in types.HarmCategory}
    assert set(google.THRESHOLDS) <= {t.value for t in types.HarmBlockThreshold}
    assert set(google.SAFETY_SETTING_KEYS) == set(types.SafetySetting.model_fields)


# --- responses -------------------------------------------------------------------------------


def test_responses_request_forces_the_image_tool(tmp_path: Path) -> None:
    made = target(
        tmp_path,
        {
            "kind": "responses",
            "model": "gpt-5",
            "params": {
                "stream": True,
                "image_generation": {"quality": "low", "size": "1024x1024"},
                "moderation": {"model": "omni-moderation-latest"},
            },
        },
    )
    spec = registry.build_request(made, "A fox", {"size": "1536x1024", "moderation": "low"})
    assert spec.operation == "responses" and spec.fields["input"] == "A fox"
    assert spec.fields["tools"] == [
        {"type": "image_generation", "quality": "low", "size": "1536x1024", "moderation": "low"}
    ]
    assert spec.fields["tool_choice"] == {"type": "image_generation"} and spec.fields["stream"] is True
    assert spec.fields["moderation"] == {"model": "omni-moderation-latest"}
    assert registry.price_per_call(made) == registry.price_per_call(
        Target("i", "images.generate", "gpt-image-1", params={"quality": "low", "size": "1024x1024"})
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"imagegeneration": {}}, r"unknown key 'imagegeneration' \(did you mean 'image_generation'\?\)"),
        (
            {"image_generation": {"qualty": "low"}},
            r"image_generation has an unknown key 'qualty' \(did you mean 'quality'\?\)",
        ),
        ({"stream": 1}, r"params.stream is true or false"),
        ({"moderation": 3}, r"params.moderation is the tool's"),
    ],
)
def test_responses_params_are_checked(tmp_path: Path, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        target(tmp_path, {"kind": "responses", "model": "gpt-5", "params": params})


def test_the_responses_names_are_the_installed_sdks() -> None:
    from openai.types.responses import response_create_params, tool_param

    assert set(responses.TOOL_FIELDS) == set(tool_param.ImageGeneration.__annotations__) - {"type"}
    assert set(responses.RESPONSE_PARAMS) - {"stream"} <= set(
        response_create_params.ResponseCreateParamsBase.__annotations__
    )


# --- adding a kind -----------------------------------------------------------------------------


class AcmeImages(Kind):
    """What a new provider kind is: its module defines this, and the registry names it."""

    name = "acme-images"
    filter = "acme"
    keys = ("region",)
    operations = ("acme:render",)

    def check(self, where: str, table: Mapping[str, Any]) -> dict[str, Any]:
        region = table.get("region", "eu")
        if region not in ("eu", "us"):
            raise ConfigError(f"{where} region is eu or us")
        return {"params": {**table.get("params", {}), "region": region}}

    def build_request(
        self,
        target: Target,
        prompt: str,
        params: Mapping[str, Any] | None = None,
        images: tuple[Path, ...] = (),
        mask: Path | None = None,
    ) -> RequestSpec:
        return RequestSpec("acme:render", {"model": target.model, "text": prompt, **target.params})

    def call(self, client: Any, spec: RequestSpec) -> Answer:
        return Answer(200, {}, {"created": 1, "data": [{"b64_json": "iVBORw0KGgo="}]}, "acme")


def test_adding_a_kind_is_one_module_and_one_registry_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.KINDS, "acme-images", AcmeImages())  # the registry line
    made = target(tmp_path, {"kind": "acme-images", "model": "render-1", "region": "us"})
    spec = registry.build_request(made, "A fox")
    assert spec.fields == {"model": "render-1", "text": "A fox", "region": "us"}
    answer = registry.call(None, spec)
    assert registry.outcome_for(made, answer).verdict == "pass"
    assert registry.kind_of("acme-images").filter == "acme"  # what a verdict names when the answer does not
    with pytest.raises(ApiError, match="no answer of a target that needs an image answer"):
        classify(200, {"results": [{"flagged": False}]}, kind="acme-images")
    with pytest.raises(ConfigError, match="region is eu or us"):
        target(tmp_path, {"kind": "acme-images", "model": "render-1", "region": "mars"})
