"""The native Google kinds: Gemini ``generateContent`` and Imagen ``generate_images`` through the
official ``google-genai`` SDK (install the ``google`` extra).

Params pass through under the SDK's own names, checked here with did-you-mean errors (the names
are google-genai 3.x's; ``tests/unit/providers/test_google_kinds.py`` checks them against the
installed SDK):

- ``gemini``: ``GenerateContentConfig`` fields: ``safety_settings`` (a list of
  ``{ category, threshold }`` tables), ``image_config`` (``aspect_ratio``, ``image_size``, ...),
  ``response_modalities`` (default ``["IMAGE"]``), and the rest; ``stream = true`` streams.
  ``api_version`` picks the API version (``v1beta``, ``v1alpha``, ...).
- ``imagen``: ``GenerateImagesConfig`` fields (``number_of_images``, ``safety_filter_level``,
  ``person_generation``, ...). google-genai calls Imagen's ``predict`` through Vertex AI only in
  the 3.x line; where an installed SDK also serves it on the Gemini Developer API, ``vertex =
  false`` is taken, and otherwise refused with the working alternative.

Two things make these calls fit the rest of the plugin:

- **The raw answer.** The SDK turns answers into its own types and errors; ``classify()`` reads the
  provider's answer as it came. The SDK's HTTP client (``httpx2``, which vcrpy patches, so these
  calls record and replay like every other) gets a response hook that keeps each answer's status,
  headers and body for the thread that asked.
- **The request key.** The wire format is the SDK's business and may change with its releases, so
  the cassette is keyed by the logical request (model, prompt, params, images), computed locally
  by the caller (``calls.recording.keyed``): nothing of the plugin's own rides on the request.

Retries are the plugin's (the SDK's are off): one attempt per call here, paced by the live gate.
"""

from __future__ import annotations

import mimetypes
import re
import threading
import warnings
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..base.errors import ConfigError
from ..base.text import did_you_mean
from ..base.wire import Answer, RequestSpec
from .kind import Kind
from .target import Target
from .verdict import ApiError

GEMINI_PARAMS: tuple[str, ...] = (
    "system_instruction",
    "temperature",
    "top_p",
    "top_k",
    "candidate_count",
    "max_output_tokens",
    "stop_sequences",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "response_mime_type",
    "safety_settings",
    "labels",
    "response_modalities",
    "media_resolution",
    "thinking_config",
    "image_config",
    "model_armor_config",
    "service_tier",
    "store",
)
"""``GenerateContentConfig`` fields a gemini target may set (google-genai 3.x), besides ``stream``."""
SAFETY_SETTING_KEYS: tuple[str, ...] = ("category", "threshold", "method")
HARM_CATEGORIES: tuple[str, ...] = (
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
    "HARM_CATEGORY_CIVIC_INTEGRITY",
    "HARM_CATEGORY_JAILBREAK",
    "HARM_CATEGORY_IMAGE_HATE",
    "HARM_CATEGORY_IMAGE_DANGEROUS_CONTENT",
    "HARM_CATEGORY_IMAGE_HARASSMENT",
    "HARM_CATEGORY_IMAGE_SEXUALLY_EXPLICIT",
)
THRESHOLDS: tuple[str, ...] = ("BLOCK_LOW_AND_ABOVE", "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_ONLY_HIGH", "BLOCK_NONE", "OFF")
METHODS: tuple[str, ...] = ("SEVERITY", "PROBABILITY")
IMAGE_CONFIG_FIELDS: tuple[str, ...] = (
    "aspect_ratio",
    "image_size",
    "person_generation",
    "prominent_people",
    "output_mime_type",
    "output_compression_quality",
    "image_output_options",
)
MODALITIES: tuple[str, ...] = ("TEXT", "IMAGE", "AUDIO", "VIDEO")
IMAGEN_PARAMS: tuple[str, ...] = (
    "negative_prompt",
    "number_of_images",
    "aspect_ratio",
    "guidance_scale",
    "seed",
    "safety_filter_level",
    "person_generation",
    "include_safety_attributes",
    "include_rai_reason",
    "language",
    "output_mime_type",
    "output_compression_quality",
    "add_watermark",
    "labels",
    "image_size",
    "enhance_prompt",
)
"""``GenerateImagesConfig`` fields an imagen target may set (google-genai 3.x)."""
GOOGLE_KEYS: tuple[str, ...] = ("vertex", "project", "location", "api_version")
_API_VERSION = re.compile(r"^v\d+(?:(?:alpha|beta)\d*)?$")
GEMINI_OPENAI_BASE_URL = "https://generativelanguage.googleapis.com/v1beta/openai/"


class GoogleKind(Kind):
    keys = GOOGLE_KEYS
    base_url_fallback = None

    def default_key_env(self, table: Mapping[str, Any]) -> str:
        return "GEMINI_API_KEY"

    def check(self, where: str, table: Mapping[str, Any]) -> dict[str, Any]:
        params = table.get("params", {})
        if not isinstance(params, dict):
            raise ConfigError(f'{where} params must be a table, e.g. params = {{ response_modalities = ["IMAGE"] }}')
        return {"params": self.check_params(where, params), **self.check_route(where, table)}

    def check_params(self, where: str, params: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def check_route(self, where: str, table: Mapping[str, Any]) -> dict[str, Any]:
        """vertex, project, location and api_version."""
        vertex = table.get("vertex", self.name == "imagen")
        if not isinstance(vertex, bool):
            raise ConfigError(f"{where} vertex is true or false")
        for key in ("project", "location", "api_version"):
            if key in table and (not isinstance(table[key], str) or not table[key]):
                raise ConfigError(f"{where} {key} must be a non-empty string")
        if ("project" in table or "location" in table) and not vertex:
            raise ConfigError(f"{where} project and location are for Vertex AI: add vertex = true")
        if "project" in table and "location" not in table:
            raise ConfigError(f'{where} a Vertex project needs its location, e.g. location = "us-central1"')
        version = table.get("api_version")
        if version is not None and not _API_VERSION.match(str(version)):
            raise ConfigError(
                f'{where} api_version = {version!r} is not a Google API version: use e.g. "v1beta", "v1alpha" or "v1"'
            )
        return {
            "vertex": vertex,
            "project": table.get("project"),
            "location": table.get("location"),
            "api_version": version,
        }

    def make_client(self, target: Target, env: Mapping[str, str], *, async_client: bool = False) -> Any:
        client = make_google_client(target, env)
        return client.aio if async_client else client

    def call(self, client: Any, spec: RequestSpec) -> Answer:
        return call_google(client, spec)


class Gemini(GoogleKind):
    name = "gemini"
    filter = "gemini"
    operations = ("gemini:generateContent", "gemini:streamGenerateContent")

    def check_params(self, where: str, params: dict[str, Any]) -> dict[str, Any]:
        known = (*GEMINI_PARAMS, "stream")
        out: dict[str, Any] = {}
        for key, value in params.items():
            if key not in known:
                raise ConfigError(
                    f"{where} params has an unknown key {key!r}{did_you_mean(str(key), known)}; a gemini target "
                    f"takes google-genai's GenerateContentConfig names: {', '.join(known)}"
                )
            if key == "safety_settings":
                value = _safety_settings(where, value)
            elif key == "image_config":
                value = _image_config(where, value)
            elif key == "response_modalities":
                value = _modalities(where, value)
            elif key == "stream" and not isinstance(value, bool):
                raise ConfigError(f"{where} params.stream is true or false")
            out[key] = value
        return out

    def build_request(
        self,
        target: Target,
        prompt: str,
        params: Mapping[str, Any] | None = None,
        images: tuple[Path, ...] = (),
        mask: Path | None = None,
    ) -> RequestSpec:
        merged = {**target.params, **(params or {})}
        operation = "gemini:streamGenerateContent" if merged.get("stream") else "gemini:generateContent"
        fields = {"model": target.model, "prompt": prompt, **{k: v for k, v in merged.items() if k != "stream"}}
        return RequestSpec(operation, fields, tuple(("image", p) for p in images), None, target.api_version)


class Imagen(GoogleKind):
    name = "imagen"
    filter = "imagen"
    operations = ("imagen:predict",)

    def check_params(self, where: str, params: dict[str, Any]) -> dict[str, Any]:
        for key, value in params.items():
            if key not in IMAGEN_PARAMS:
                raise ConfigError(
                    f"{where} params has an unknown key {key!r}{did_you_mean(str(key), IMAGEN_PARAMS)}; an imagen "
                    f"target takes google-genai's GenerateImagesConfig names: {', '.join(IMAGEN_PARAMS)}"
                )
            if not isinstance(value, (str, int, float, bool)) and key != "labels":
                raise ConfigError(f"{where} params.{key} must be a simple value (a string, number or true/false)")
        return dict(params)

    def check_route(self, where: str, table: Mapping[str, Any]) -> dict[str, Any]:
        route = super().check_route(where, table)
        if not route["vertex"] and imagen_on_gemini_api() is False:
            raise ConfigError(
                f"{where} vertex = false: the installed google-genai calls Imagen (generate_images) through "
                "Vertex AI only; its Gemini Developer API mode refuses the call ('only supported in ... mode'). "
                "With an AI Studio key, call Imagen through the Gemini API's OpenAI-compatible endpoint instead: "
                f'kind = "images.generate", base_url = "{GEMINI_OPENAI_BASE_URL}", api_key_env = "GEMINI_API_KEY". '
                "Or keep vertex = true with a Vertex AI express-mode key, or with project and location"
            )
        return route

    def build_request(
        self,
        target: Target,
        prompt: str,
        params: Mapping[str, Any] | None = None,
        images: tuple[Path, ...] = (),
        mask: Path | None = None,
    ) -> RequestSpec:
        # Without include_rai_reason an answer whose images were all filtered is an empty "{}",
        # which says nothing; with it, each filtered image names its reason.
        merged = {**target.params, **(params or {})}
        fields = {"model": target.model, "prompt": prompt, "include_rai_reason": True, **merged}
        return RequestSpec("imagen:predict", fields, tuple(("image", p) for p in images), None, target.api_version)


GEMINI = Gemini()
IMAGEN = Imagen()


def imagen_on_gemini_api() -> bool | None:
    """Does the installed google-genai call Imagen on the Gemini Developer API (not only on Vertex
    AI)? ``None`` when google-genai is not installed (the call will say to install it)."""
    try:
        from google.genai import models
    except ImportError:
        return None
    return hasattr(models, "_GenerateImagesParameters_to_mldev")


def _choice(where: str, key: str, value: Any, choices: tuple[str, ...]) -> str:
    text = str(value).strip().upper() if isinstance(value, str) else value
    if text not in choices:
        raise ConfigError(
            f"{where} {key} = {value!r} is not one of google-genai's names{did_you_mean(str(text), choices)}; "
            f"use one of: {', '.join(choices)}"
        )
    return str(text)


def _safety_settings(where: str, value: Any) -> list[dict[str, str]]:
    example = '[{ category = "HARM_CATEGORY_DANGEROUS_CONTENT", threshold = "BLOCK_ONLY_HIGH" }]'
    if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
        raise ConfigError(f"{where} params.safety_settings must be a list of tables, e.g. safety_settings = {example}")
    out: list[dict[str, str]] = []
    for number, setting in enumerate(value, 1):
        at = f"params.safety_settings[{number}]"
        for key in setting:
            if key not in SAFETY_SETTING_KEYS:
                raise ConfigError(
                    f"{where} {at} has an unknown key {key!r}{did_you_mean(str(key), SAFETY_SETTING_KEYS)}; "
                    f"a safety setting takes: {', '.join(SAFETY_SETTING_KEYS)}"
                )
        if "category" not in setting or "threshold" not in setting:
            raise ConfigError(f"{where} {at} needs a category and a threshold, e.g. {example}")
        checked = {
            "category": _choice(where, f"{at}.category", setting["category"], HARM_CATEGORIES),
            "threshold": _choice(where, f"{at}.threshold", setting["threshold"], THRESHOLDS),
        }
        if "method" in setting:
            checked["method"] = _choice(where, f"{at}.method", setting["method"], METHODS)
        out.append(checked)
    return out


def _image_config(where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(
            f'{where} params.image_config must be a table, e.g. image_config = {{ aspect_ratio = "16:9" }}'
        )
    for key in value:
        if key not in IMAGE_CONFIG_FIELDS:
            raise ConfigError(
                f"{where} params.image_config has an unknown key {key!r}{did_you_mean(str(key), IMAGE_CONFIG_FIELDS)}; "
                f"google-genai's ImageConfig takes: {', '.join(IMAGE_CONFIG_FIELDS)}"
            )
    return dict(value)


def _modalities(where: str, value: Any) -> list[str]:
    items = [m for m in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ConfigError(f'{where} params.response_modalities must be a list, e.g. response_modalities = ["IMAGE"]')
    return [_choice(where, "params.response_modalities", m, MODALITIES) for m in items]


# --- the calls ------------------------------------------------------------------------------


class _Captured(threading.local):
    answer: tuple[int, dict[str, str], bytes, str] | None = None


_CAPTURED: weakref.WeakKeyDictionary[Any, _Captured] = weakref.WeakKeyDictionary()
"""Each client's last raw answer, per thread (live threads share one client)."""


def make_google_client(target: Target, env: Mapping[str, str]) -> Any:
    """A ``google.genai.Client`` for a gemini or imagen target, its answers captured raw."""
    try:
        from google import genai
        from google.genai import types
    except ImportError:
        raise ApiError(
            "invalid_request",
            f"target {target.name!r} is a {target.kind} target, "
            "which needs google-genai: pip install 'pytest-imgsafe[google]'",
            None,
        ) from None
    captured = _Captured()

    def keep(response: Any) -> None:
        response.read()
        captured.answer = (response.status_code, dict(response.headers), response.content, str(response.request.url))

    options: dict[str, Any] = {
        "client_args": {"event_hooks": {"response": [keep]}},
        "retry_options": types.HttpRetryOptions(attempts=1),
    }
    base_url = target.resolve_base_url(env, fallback_env=GoogleKind.base_url_fallback)
    if base_url:
        options["base_url"] = base_url
    if target.api_version:
        options["api_version"] = target.api_version
    if target.timeout is not None:
        options["timeout"] = int(target.timeout * 1000)
    key = env.get(target.api_key_env) or None
    kwargs: dict[str, Any] = {"http_options": types.HttpOptions(**options)}
    if target.vertex:
        kwargs["vertexai"] = True
        if target.project:
            kwargs.update(project=target.project, location=target.location)
        else:
            kwargs["api_key"] = key
    else:
        kwargs["api_key"] = key
    client = genai.Client(**kwargs)
    _CAPTURED[client] = captured
    return client


def call_google(client: Any, spec: RequestSpec) -> Answer:
    """Send one logical request through the SDK; the raw HTTP answer comes back as an :class:`Answer`.

    An answer the SDK raises for (a 4xx or 5xx) is still an answer: ``classify`` decides what it
    means. Only a call that got no answer at all raises ``ApiError(kind="server_error")``.
    """
    from google.genai import errors, types

    captured = _CAPTURED[client]
    captured.answer = None
    fields = dict(spec.fields)
    model = fields.pop("model")
    prompt = fields.pop("prompt")
    try:
        if spec.operation == "imagen:predict":
            with warnings.catch_warnings():
                # google-genai marks generate_images as experimental and slated for removal; it is
                # still the SDK's call for Imagen, and the warning would repeat on every item
                warnings.filterwarnings("ignore", message=r".*generate_images", category=Warning)
                client.models.generate_images(model=model, prompt=prompt, config=types.GenerateImagesConfig(**fields))
        else:
            contents: Any = prompt
            if spec.files:
                contents = [prompt, *(_image_part(types, path) for _, path in spec.files)]
            config = types.GenerateContentConfig(**_content_config(fields))
            if spec.operation == "gemini:streamGenerateContent":
                for _ in client.models.generate_content_stream(model=model, contents=contents, config=config):
                    pass
            else:
                client.models.generate_content(model=model, contents=contents, config=config)
    except errors.APIError:
        pass  # the answer itself was captured; classify reads it
    except Exception as err:  # noqa: BLE001 - the SDK's transport and parsing errors
        if captured.answer is None:
            raise ApiError("server_error", f"no answer from the Google endpoint: {err!r}", None) from err
    if captured.answer is None:
        raise ApiError("server_error", "the google-genai SDK returned without an HTTP answer", None)
    status, headers, body, url = captured.answer
    return Answer(status, headers, body, url)


def _content_config(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A target's params as GenerateContentConfig fields (``response_modalities`` defaults to an image)."""
    config = dict(fields)
    modalities = config.pop("response_modalities", "IMAGE")
    config["response_modalities"] = (
        [m.strip().upper() for m in str(modalities).split(",")] if isinstance(modalities, str) else modalities
    )
    return config


def _image_part(types: Any, path: Any) -> Any:
    mime = mimetypes.guess_type(str(path))[0] or "image/png"
    return types.Part.from_bytes(data=path.read_bytes(), mime_type=mime)
