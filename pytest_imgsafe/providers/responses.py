"""The ``responses`` kind: OpenAI's Responses API with the ``image_generation`` tool, streamed or
not, through the ``openai`` SDK (``client.responses.create``) on OpenAI, Azure or a gateway.

This is how the gpt-image models are increasingly called: a chat model (``model``) is asked to
draw with the tool, and the image comes back as an ``image_generation_call`` item. The request
forces the tool (``tool_choice``), so a pass means an image came back::

    [tool.imgsafe.targets.gpt-5-images]
    kind = "responses"
    model = "gpt-5"
    params = { stream = true, image_generation = { quality = "low", size = "1024x1024" } }

Params: ``image_generation`` holds the tool's fields (the SDK's names: ``quality``, ``size``,
``moderation`` = ``"low"``, ``partial_images``, ``model``, ...); a simple value named like a tool
field at the top (``quality = "low"``, or a case's ``params``) goes into the tool too. The other
params are the Responses API's own (``stream``, ``instructions``, ``tool_choice``, a
``moderation`` table asking for moderated completions, ``reasoning``, ...).

Reading: an ``image_generation_call`` with a result is a pass; one that failed with
``moderation_blocked`` (its ``moderation_details`` give the stage and categories), an answer cut
short by the content filter (``incomplete_details``), or a flagged ``moderation`` object with no
image is a block; a stream without ``response.completed`` is never a pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..base.errors import ConfigError
from ..base.text import did_you_mean
from ..base.wire import RequestSpec
from .openai import OpenAIKind, check_azure
from .prices import table_price
from .target import Target

TOOL_FIELDS: tuple[str, ...] = (
    "action",
    "background",
    "complexity",
    "frame_count",
    "frame_duration_ms",
    "input_fidelity",
    "input_image_mask",
    "model",
    "moderation",
    "output_compression",
    "output_format",
    "partial_images",
    "quality",
    "size",
    "svg",
)
"""The ``image_generation`` tool's fields (openai-python ``types/responses/tool_param.py``, ImageGeneration)."""
RESPONSE_PARAMS: tuple[str, ...] = (
    "background",
    "include",
    "instructions",
    "max_output_tokens",
    "max_tool_calls",
    "metadata",
    "moderation",
    "parallel_tool_calls",
    "prompt_cache_key",
    "reasoning",
    "safety_identifier",
    "service_tier",
    "store",
    "stream",
    "temperature",
    "text",
    "tool_choice",
    "top_p",
    "truncation",
    "user",
)
"""Responses API body fields a target may set (openai-python ``response_create_params.py``)."""
FORCE_TOOL = {"type": "image_generation"}


class Responses(OpenAIKind):
    name = "responses"
    operation = "responses"

    def check(self, where: str, table: Mapping[str, Any]) -> dict[str, Any]:
        params = table.get("params", {})
        if not isinstance(params, dict):
            raise ConfigError(
                f'{where} params must be a table, e.g. params = {{ image_generation = {{ quality = "low" }} }}'
            )
        known = (*RESPONSE_PARAMS, "image_generation", *TOOL_FIELDS)
        for key, value in params.items():
            if key not in known:
                raise ConfigError(
                    f"{where} params has an unknown key {key!r}{did_you_mean(str(key), known)}; a responses target "
                    "takes the image_generation tool's fields (in image_generation = {...}) and the Responses API's "
                    f"own: {', '.join(RESPONSE_PARAMS)}"
                )
            if key == "stream" and not isinstance(value, bool):
                raise ConfigError(f"{where} params.stream is true or false")
            if key == "moderation" and not isinstance(value, (str, dict)):
                raise ConfigError(
                    f'{where} params.moderation is the tool\'s "auto" or "low", or a table asking for moderated '
                    'completions, e.g. moderation = { model = "omni-moderation-latest" }'
                )
        tool = params.get("image_generation", {})
        if not isinstance(tool, dict):
            raise ConfigError(f'{where} params.image_generation must be a table, e.g. {{ quality = "low" }}')
        for key in tool:
            if key not in TOOL_FIELDS:
                raise ConfigError(
                    f"{where} params.image_generation has an unknown key {key!r}{did_you_mean(str(key), TOOL_FIELDS)}; "
                    f"the tool takes: {', '.join(TOOL_FIELDS)}"
                )
        return {"params": dict(params), **check_azure(where, table)}

    def build_request(
        self,
        target: Target,
        prompt: str,
        params: Mapping[str, Any] | None = None,
        images: tuple[Path, ...] = (),
        mask: Path | None = None,
    ) -> RequestSpec:
        target_tool, target_top = split_params(target.params)
        case_tool, case_top = split_params(params or {})
        tool = {"type": "image_generation", **target_tool, **case_tool}
        fields = {"model": target.model, "input": prompt, "tools": [tool], "tool_choice": FORCE_TOOL}
        fields.update({**target_top, **case_top})
        return RequestSpec(self.operation, fields, (), None, target.api_version if target.is_azure else None)

    def price(self, target: Target, params: Mapping[str, Any] | None = None) -> float:
        """The image the tool makes, priced by its image model (the tool's default, gpt-image-1),
        quality and size; the chat model's tokens are left out of the estimate."""
        tool = {**split_params(target.params)[0], **split_params(params or {})[0]}
        return table_price(str(tool.get("model") or "gpt-image-1"), tool, target.price)


RESPONSES = Responses()


def split_params(params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Params as (the tool's fields, the Responses API's own): ``image_generation`` and simple
    values named like a tool field go to the tool (``moderation = "low"`` is the tool's, a
    ``moderation`` table the response's)."""
    tool = dict(params.get("image_generation") or {})
    top: dict[str, Any] = {}
    for key, value in params.items():
        if key == "image_generation":
            continue
        if key in TOOL_FIELDS and not isinstance(value, Mapping):
            tool[key] = value
        else:
            top[key] = value
    return tool, top
