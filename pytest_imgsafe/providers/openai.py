"""The OpenAI-style kinds, through the official ``openai`` SDK: ``moderation``,
``images.generate``, ``images.edit``, ``chat-image`` and ``chat`` (the describer), on OpenAI, on
Azure OpenAI (``azure_endpoint``) or on any OpenAI-compatible base URL.

``build_request`` is pure: it turns a case and a target into the :class:`RequestSpec` the SDK
will send. The same spec gives the recording key (``calls.recording.spec_key``), so a replay finds
its answer without building an HTTP request. ``call`` sends a spec through a client and returns
the raw answer (status, headers, body); the SDK's own retries (429, 5xx, Retry-After) stay on.
"""

from __future__ import annotations

import base64
import json
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..base.errors import ConfigError
from ..base.text import did_you_mean
from ..base.wire import Answer, RequestSpec
from .kind import Kind, simple_params
from .target import Target
from .verdict import ApiError, Outcome

AZURE_KEYS: tuple[str, ...] = ("azure_endpoint", "azure_endpoint_env", "azure_deployment", "api_version")
"""Target keys of an Azure OpenAI deployment."""


class OpenAIKind(Kind):
    """A kind called through ``OpenAI`` or ``AzureOpenAI``: one operation, params as body fields."""

    keys = AZURE_KEYS
    filter: str | None = "openai"
    operation = ""
    """The one operation (a URL path suffix) this kind's requests name."""

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls.paths = cls.operations = (cls.operation,)

    known_params: tuple[str, ...] = ()
    """The operation's own body fields (OpenAI's API reference): a name close to one of them but not
    it is a misspelling; a name far from all is a gateway's own extra field, sent as written."""
    param_values: Mapping[str, tuple[str, ...]] = {}
    """The fields whose values the API enumerates, and those values."""

    def check(self, where: str, table: Mapping[str, Any]) -> dict[str, Any]:
        params = simple_params(where, table.get("params", {}))
        for key, value in params.items():
            if key not in self.known_params:
                hint = did_you_mean(key, self.known_params) if self.known_params else ""
                if hint:
                    raise ConfigError(
                        f"{where} params has {key!r}{hint}: a request to {self.name} takes "
                        f"{', '.join(self.known_params)}; a gateway's own field, named unlike these, is sent as written"
                    )
            elif key in self.param_values and isinstance(value, str) and value not in self.param_values[key]:
                raise ConfigError(  # the value is not quoted: a table's value may be anything, a key too
                    f"{where} params {key} is none of {', '.join(self.param_values[key])}"
                    f"{did_you_mean(value, self.param_values[key])}"
                )
        return {"params": params, **check_azure(where, table)}

    def default_key_env(self, table: Mapping[str, Any]) -> str:
        return "AZURE_OPENAI_API_KEY" if _is_azure(table) else "OPENAI_API_KEY"

    def fields(self, target: Target, prompt: str, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"model": target.model, "prompt": prompt, **params}

    def build_request(
        self,
        target: Target,
        prompt: str,
        params: Mapping[str, Any] | None = None,
        images: tuple[Path, ...] = (),
        mask: Path | None = None,
    ) -> RequestSpec:
        merged = {**target.params, **(params or {})}
        deployment = (
            (target.azure_deployment or target.model) if target.is_azure and self.operation != "moderations" else None
        )
        return RequestSpec(
            self.operation,
            self.fields(target, prompt, merged),
            self.files(images, mask),
            deployment,
            target.api_version if target.is_azure else None,
        )

    def files(self, images: tuple[Path, ...], mask: Path | None) -> tuple[tuple[str, Path], ...]:
        return ()

    def make_client(self, target: Target, env: Mapping[str, str], *, async_client: bool = False) -> Any:
        import openai

        if async_client:
            return _make(target, env, openai.AsyncOpenAI, openai.AsyncAzureOpenAI)
        return _make(target, env, openai.OpenAI, openai.AzureOpenAI)

    def call(self, client: Any, spec: RequestSpec) -> Answer:
        return call_openai(client, spec)


class Moderation(OpenAIKind):
    name = "moderation"
    reads = "moderation"
    operation = "moderations"

    def fields(self, target: Target, prompt: str, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"model": target.model, "input": prompt}

    def price(self, target: Target, params: Mapping[str, Any] | None = None) -> float:
        return 0.0  # the moderations endpoint is free


_IMAGE_PARAMS = (
    "n",
    "quality",
    "size",
    "style",
    "background",
    "moderation",
    "output_format",
    "output_compression",
    "partial_images",
    "response_format",
    "stream",
    "user",
)
_IMAGE_VALUES: Mapping[str, tuple[str, ...]] = {
    "quality": ("auto", "low", "medium", "high", "standard", "hd"),
    "background": ("auto", "transparent", "opaque"),
    "moderation": ("auto", "low"),
    "output_format": ("png", "jpeg", "webp"),
    "response_format": ("url", "b64_json"),
    "style": ("vivid", "natural"),
}


class ImagesGenerate(OpenAIKind):
    name = "images.generate"
    operation = "images/generations"
    known_params = _IMAGE_PARAMS
    param_values = _IMAGE_VALUES


class ImagesEdit(OpenAIKind):
    name = "images.edit"
    operation = "images/edits"
    known_params = (*_IMAGE_PARAMS, "input_fidelity")
    param_values = {**_IMAGE_VALUES, "input_fidelity": ("high", "low")}

    def files(self, images: tuple[Path, ...], mask: Path | None) -> tuple[tuple[str, Path], ...]:
        return (*(("image", path) for path in images), *((("mask", mask),) if mask is not None else ()))


class ChatImage(OpenAIKind):
    name = "chat-image"
    operation = "chat/completions"
    filter = None  # a gateway's chat model may be anyone's: the answer says whose filter it is

    def fields(self, target: Target, prompt: str, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"model": target.model, "messages": [{"role": "user", "content": prompt}], **params}


class Chat(ChatImage):
    """A text chat model: the describer (``[tool.imgsafe.describer]``), never a corpus target."""

    name = "chat"
    reads = "text"
    target = False


MODERATION = Moderation()
IMAGES_GENERATE = ImagesGenerate()
IMAGES_EDIT = ImagesEdit()
CHAT_IMAGE = ChatImage()
CHAT = Chat()


def _is_azure(table: Mapping[str, Any]) -> bool:
    return "azure_endpoint" in table or "azure_endpoint_env" in table


def check_azure(where: str, table: Mapping[str, Any]) -> dict[str, Any]:
    """An Azure deployment's keys: an endpoint needs its api-version; a deployment needs an endpoint."""
    azure = _is_azure(table)
    if azure and "api_version" not in table:
        raise ConfigError(
            f"{where} is an Azure target and needs api_version = "
            '"2025-04-01-preview" (or the version your deployment uses)'
        )
    if not azure and ("azure_deployment" in table or "api_version" in table):
        raise ConfigError(f"{where} sets azure_deployment/api_version without azure_endpoint (or azure_endpoint_env)")
    return {}


def build_describe_request(target: Target, instruction: str, text: str, image: Path | None = None) -> RequestSpec:
    """A describer call: the instruction as the system message, the idea (and image) as the user's."""
    content: str | list[dict[str, Any]] = text
    if image is not None:
        mime = mimetypes.guess_type(image.name)[0] or "image/png"
        url = f"data:{mime};base64,{base64.b64encode(image.read_bytes()).decode('ascii')}"
        content = [{"type": "text", "text": text}, {"type": "image_url", "image_url": {"url": url}}]
    messages = [{"role": "system", "content": instruction}, {"role": "user", "content": content}]
    deployment = (target.azure_deployment or target.model) if target.is_azure else None
    fields = {"model": target.model, "messages": messages, **target.params}
    return RequestSpec("chat/completions", fields, (), deployment, target.api_version if target.is_azure else None)


def read_description(answer: Answer, read: Any = None) -> str:
    """The text of a describer's answer ("" when it is empty: the rewriter reads that as a refusal);
    anything else is an :class:`ApiError`, never a description.

    ``read`` reads a refusal (by default the describer kind's reader, with no rules of a target): a
    block becomes an ``invalid_request`` error that says the describer refused."""
    if answer.status != 200:
        outcome: Outcome = read(answer) if read is not None else CHAT.read(None, answer)  # ApiError: no verdict
        raise ApiError(
            "invalid_request",
            f"the describer refused to describe ({outcome.code}): {outcome.message}",
            answer.status,
            outcome.code,
            outcome.request_id,
        )
    try:
        data: Any = json.loads(answer.body) if isinstance(answer.body, bytes) else answer.body
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise ApiError(
            "unreadable", f"the describer's answer has no text: {str(answer.body)[:200]!r}", answer.status
        ) from None
    if content is None or (isinstance(content, str) and not content.strip()):
        return ""  # an empty answer is the describer's refusal: the rewriter refuses it, never sends it
    if not isinstance(content, str):
        raise ApiError("unreadable", f"the describer's answer is not text: {str(content)[:200]!r}", answer.status)
    return content


def _make(target: Target, env: Mapping[str, str], plain: Any, azure: Any) -> Any:
    key = env.get(target.api_key_env) or ""
    options: dict[str, Any] = {"max_retries": target.max_retries}
    if target.timeout is not None:
        options["timeout"] = target.timeout
    base_url, query = split_query(target.resolve_base_url(env))
    if query:
        # A gateway that takes its key in the URL (``?key=...``): the SDK would glue the path
        # after the query, so the query goes on every request instead.
        options["default_query"] = query
    if target.is_azure:
        return azure(
            azure_endpoint=base_url or "",
            api_version=target.api_version,
            azure_deployment=target.azure_deployment,
            api_key=key,
            **options,
        )
    return plain(api_key=key, base_url=base_url, **options)


def split_query(url: str | None) -> tuple[str | None, dict[str, str]]:
    """A base URL without its query string, and the query's parameters."""
    if not url or "?" not in url:
        return url, {}
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query="", fragment="")), dict(parse_qsl(parts.query, keep_blank_values=True))


def call_openai(client: Any, spec: RequestSpec) -> Answer:
    """Send one request through the SDK; every HTTP answer comes back as an :class:`Answer`.

    Only a call that got no answer at all (connection refused, dropped, timed out after the
    SDK's retries) raises, as ``ApiError(kind="server_error")``: it is never a verdict.
    """
    import openai

    fields = dict(spec.fields)
    model = fields.pop("model")
    raw: Any  # the SDK's LegacyAPIResponse of whichever call; only its http_response is read
    try:
        if spec.operation == "moderations":
            raw = client.moderations.with_raw_response.create(
                model=model, input=fields.pop("input"), extra_body=fields or None
            )
        elif spec.operation == "images/generations":
            raw = client.images.with_raw_response.generate(
                model=model, prompt=fields.pop("prompt"), extra_body=fields or None
            )
        elif spec.operation == "images/edits":
            images = [(p.name, p.read_bytes()) for n, p in spec.files if n == "image"]
            masks = [(p.name, p.read_bytes()) for n, p in spec.files if n == "mask"]
            edit: Any = client.images.with_raw_response.edit  # files as (name, bytes) tuples
            raw = edit(
                model=model,
                prompt=fields.pop("prompt"),
                image=images[0] if len(images) == 1 else images,
                **({"mask": masks[0]} if masks else {}),
                extra_body=fields or None,
            )
        elif spec.operation == "chat/completions":
            raw = client.chat.completions.with_raw_response.create(
                model=model, messages=fields.pop("messages"), extra_body=fields or None
            )
        elif spec.operation == "responses":
            # stream rides in the body: the SDK reads the whole answer (an event stream) as it came
            raw = client.responses.with_raw_response.create(
                model=model, input=fields.pop("input"), extra_body=fields or None
            )
        else:  # pragma: no cover - the registry routes only these operations here
            raise ValueError(spec.operation)
    except openai.APIStatusError as err:
        response = err.response
        return Answer(err.status_code, dict(response.headers), response.content, str(response.request.url))
    except openai.APIConnectionError as err:
        url = str(err.request.url) if getattr(err, "request", None) is not None else "the endpoint"
        raise ApiError(
            "server_error",
            f"no answer from {url} (the connection failed, dropped or timed out, every retry too): {err}",
            None,
        ) from err
    http = raw.http_response
    return Answer(http.status_code, dict(http.headers), http.content, str(http.request.url))
