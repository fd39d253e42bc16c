"""Target kinds -> requests, and calls through the official ``openai`` SDK.

``build_request`` is pure: it turns a case and a target into the :class:`RequestSpec` the SDK
will send. The same spec gives the recording key (``recording.request_key``), so a replay finds
its answer without building an HTTP request. ``call`` sends a spec through a client and returns
the raw answer (status, headers, body) for ``classify``; the SDK's own retries (429, 5xx,
Retry-After) stay on.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..base.wire import CONTENT_SAFETY_OPERATION, GOOGLE_OPERATIONS, Answer, RequestSpec
from .outcome import ApiError, Outcome, classify
from .target import Target

if TYPE_CHECKING:
    from openai import OpenAI

OPERATIONS: dict[str, str] = {
    "moderation": "moderations",
    "images.generate": "images/generations",
    "images.edit": "images/edits",
    "chat-image": "chat/completions",
    "chat": "chat/completions",
    "screen": "screen",
    "chain": "chain",
    "gateway": "gateway",
}


def build_request(
    target: Target,
    prompt: str,
    params: Mapping[str, Any] | None = None,
    images: tuple[Path, ...] = (),
    mask: Path | None = None,
) -> RequestSpec:
    """The request a target sends for one prompt; case params override the target's."""
    if target.kind == "content-safety":
        from .content_safety import build_content_safety_request

        return build_content_safety_request(target, prompt)
    merged = {**target.params, **(params or {})}
    if target.is_google:
        from .google import build_google_request

        return build_google_request(target, prompt, merged, images)
    operation = OPERATIONS[target.kind]
    deployment = (target.azure_deployment or target.model) if target.is_azure and operation != "moderations" else None
    if target.kind == "moderation":
        fields: dict[str, Any] = {"model": target.model, "input": prompt}
    elif target.kind == "chat-image":
        fields = {"model": target.model, "messages": [{"role": "user", "content": prompt}], **merged}
    else:
        fields = {"model": target.model, "prompt": prompt, **merged}
    files: list[tuple[str, Path]] = []
    if target.kind == "images.edit":
        files.extend(("image", path) for path in images)
        if mask is not None:
            files.append(("mask", mask))
    return RequestSpec(operation, fields, tuple(files), deployment, target.api_version if target.is_azure else None)


def outcome_for(target: Target | None, answer: Answer) -> Outcome:
    """The verdict of one answer of ``target``: :func:`~pytest_imgsafe.providers.outcome.classify`, with a
    content-safety target's severity thresholds. Every place that reads a target's answer (replay,
    record, live, chain and gateway links, fuzz sessions) goes through here; ``ApiError`` for a
    non-verdict."""
    thresholds = target.params.get("thresholds") if target is not None and target.kind == "content-safety" else None
    return classify(answer.status, answer.body, answer.headers, thresholds=thresholds)


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


def read_description(answer: Answer) -> str:
    """The text of a describer's answer ("" when it is empty: the rewriter reads that as a refusal);
    anything else is an :class:`ApiError`, never a description."""
    if answer.status != 200:
        outcome = classify(answer.status, answer.body, answer.headers)  # raises ApiError for non-verdicts
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


def make_client(target: Target, env: Mapping[str, str] | None = None) -> OpenAI:
    """One SDK client for a target (``OpenAI`` or ``AzureOpenAI``; ``google.genai.Client`` for
    the Google kinds), retries on."""
    import openai

    if target.is_google:
        from .google import make_google_client

        google: OpenAI = make_google_client(target, os.environ if env is None else env)
        return google
    if target.kind == "content-safety":
        from .content_safety import make_content_safety_client

        safety: OpenAI = make_content_safety_client(target, os.environ if env is None else env)  # type: ignore[assignment]
        return safety

    client: OpenAI = _make(target, env, openai.OpenAI, openai.AzureOpenAI)
    return client


def make_async_client(target: Target, env: Mapping[str, str] | None = None) -> Any:
    """The asynchronous twin of :func:`make_client` (``AsyncOpenAI`` or ``AsyncAzureOpenAI``)."""
    import openai

    return _make(target, env, openai.AsyncOpenAI, openai.AsyncAzureOpenAI)


def _make(target: Target, env: Mapping[str, str] | None, plain: Any, azure: Any) -> Any:
    environ = os.environ if env is None else env
    key = environ.get(target.api_key_env) or ""
    options: dict[str, Any] = {"max_retries": target.max_retries}
    if target.timeout is not None:
        options["timeout"] = target.timeout
    base_url, query = split_query(target.resolve_base_url(environ))
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


def call(client: Any, spec: RequestSpec, key: str = "") -> Answer:
    """Send one request through the SDK; every HTTP answer comes back as an :class:`Answer`.

    Only a call that got no answer at all (connection refused, dropped, timed out after the
    SDK's retries) raises, as ``ApiError(kind="server_error")``: it is never a verdict. ``key``
    is the request's key (``recording.spec_key``), which the Google kinds send along.
    """
    if spec.operation in GOOGLE_OPERATIONS:
        from .google import call_google

        return call_google(client, spec, key)
    if spec.operation == CONTENT_SAFETY_OPERATION:
        from .content_safety import call_content_safety

        return call_content_safety(client, spec)
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
        else:  # pragma: no cover - OPERATIONS is closed
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
