"""The native Google kinds: Gemini ``generateContent`` and Imagen ``generate_images`` through the
official ``google-genai`` SDK (install the ``google`` extra).

Two things make these calls fit the rest of the plugin:

- **The raw answer.** The SDK turns answers into its own types and errors; ``classify()`` reads the
  provider's answer as it came. The SDK's HTTP client (``httpx2``, which vcrpy patches, so these
  calls record and replay like every other) gets a response hook that keeps each answer's status,
  headers and body for the thread that asked.
- **The request key.** The wire format is the SDK's business and may change with its releases, so
  the cassette is keyed by the logical request (model, prompt, params, images): the key travels
  in the ``x-imgsafe-key`` header of the request, which the recording keeps, and replay looks the
  same key up without any HTTP.

Retries are the plugin's (the SDK's are off): one attempt per call here, paced by the live gate.
"""

from __future__ import annotations

import mimetypes
import threading
import warnings
import weakref
from collections.abc import Mapping
from typing import Any

from ..base.wire import KEY_HEADER, Answer, RequestSpec
from .outcome import ApiError
from .target import Target

_CONFIG_FIELDS_IMAGEN = frozenset(
    {
        "number_of_images",
        "aspect_ratio",
        "person_generation",
        "safety_filter_level",
        "include_rai_reason",
        "negative_prompt",
        "output_mime_type",
        "seed",
        "image_size",
        "enhance_prompt",
        "language",
    }
)


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
    base_url = target.resolve_base_url(env)
    if base_url:
        options["base_url"] = base_url
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


def build_google_request(
    target: Target, prompt: str, params: Mapping[str, Any], images: tuple[Any, ...] = ()
) -> RequestSpec:
    """The logical request of a gemini or imagen call (what decides its answer)."""
    if target.kind == "imagen":
        # Without include_rai_reason an answer whose images were all filtered is an empty "{}",
        # which says nothing; with it, each filtered image names its reason.
        fields = {"model": target.model, "prompt": prompt, "include_rai_reason": True, **params}
        return RequestSpec("imagen:predict", fields, tuple(("image", p) for p in images))
    operation = "gemini:streamGenerateContent" if params.get("stream") else "gemini:generateContent"
    fields = {"model": target.model, "prompt": prompt, **{k: v for k, v in params.items() if k != "stream"}}
    return RequestSpec(operation, fields, tuple(("image", p) for p in images))


def call_google(client: Any, spec: RequestSpec, key: str) -> Answer:
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
    http = types.HttpOptions(headers={KEY_HEADER: key})
    try:
        if spec.operation == "imagen:predict":
            images_config = types.GenerateImagesConfig(
                http_options=http, **{k: v for k, v in fields.items() if k in _CONFIG_FIELDS_IMAGEN}
            )
            with warnings.catch_warnings():
                # google-genai marks generate_images as experimental and slated for removal; it is
                # still the SDK's call for Imagen, and the warning would repeat on every item
                warnings.filterwarnings("ignore", message=r".*generate_images", category=Warning)
                client.models.generate_images(model=model, prompt=prompt, config=images_config)
        else:
            contents: Any = prompt
            if spec.files:
                contents = [prompt, *(_image_part(types, path) for _, path in spec.files)]
            config = types.GenerateContentConfig(http_options=http, **_content_config(fields))
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
