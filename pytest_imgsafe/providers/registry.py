"""The registry: ``kind = "..."`` -> the kind's object, and what the rest of the plugin asks
through it (config checks, requests, clients, calls, readings, prices).

Adding a kind is one module that implements :class:`~.kind.ProviderKind` and one line in
:data:`KINDS`: configuration, ``classify(kind=...)``, the recorders, ``imgsafe_client`` and the
live gate all find it here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..base.text import did_you_mean
from ..base.wire import Answer, RequestSpec
from . import composite, content_safety, google, local, openai, responses
from .kind import COMMON_KEYS, ProviderKind
from .outcome import read_answer
from .rules import AnswerRule
from .target import Target
from .verdict import Outcome

KINDS: dict[str, ProviderKind] = {
    "moderation": openai.MODERATION,
    "content-safety": content_safety.CONTENT_SAFETY,
    "images.generate": openai.IMAGES_GENERATE,
    "images.edit": openai.IMAGES_EDIT,
    "chat-image": openai.CHAT_IMAGE,
    "responses": responses.RESPONSES,
    "gemini": google.GEMINI,
    "imagen": google.IMAGEN,
    "screen": local.SCREEN,
    "chain": composite.CHAIN,
    "gateway": composite.GATEWAY,
    "chat": openai.CHAT,
}
"""Every kind, by the name a target table gives."""


def target_kinds() -> tuple[str, ...]:
    """The kinds a ``[tool.imgsafe.targets.NAME]`` table may name (the describer's ``chat`` is not one)."""
    return tuple(name for name, kind in KINDS.items() if kind.target)


def target_keys() -> tuple[str, ...]:
    """Every key a target table may hold (each kind takes the common ones and its own)."""
    return tuple(dict.fromkeys([*COMMON_KEYS, *(k for kind in KINDS.values() for k in kind.keys)]))


def kind_of(name: str) -> ProviderKind:
    """The kind named ``name``; ``KeyError`` naming the known ones."""
    kind = KINDS.get(name)
    if kind is None:
        raise KeyError(f"{name!r} is not a target kind{did_you_mean(name, tuple(KINDS))}; known: {', '.join(KINDS)}")
    return kind


def kinds_taking(key: str) -> tuple[str, ...]:
    """The kinds whose targets take ``key`` (for the error of a key set on another kind)."""
    return tuple(name for name, kind in KINDS.items() if key in kind.keys and kind.target)


def path_operations() -> tuple[str, ...]:
    """The operations that are URL path suffixes (how a recorded request's operation is found)."""
    return tuple(dict.fromkeys(p for kind in KINDS.values() for p in kind.paths))


def classify(
    status_code: int,
    body: bytes | str | Mapping[str, Any] | list[Any] | None,
    headers: Mapping[str, str] | None = None,
    *,
    kind: str | None = None,
    thresholds: Mapping[str, int] | None = None,
    rules: Sequence[AnswerRule] = (),
    provider: str | None = None,
) -> Outcome:
    """Read one provider answer: an :class:`Outcome` (pass or block), or raise
    :class:`~pytest_imgsafe.providers.verdict.ApiError` for anything that is not a safety verdict.

    ``kind`` is the asking target's kind: its answers must be of its family (an image target never
    passes without an image; a moderation body is no image answer), and a verdict names the
    kind's filter when the answer does not. Without it, any family reads (as before kinds were
    known). ``thresholds`` apply to Content Safety answers; ``rules`` are a team's
    ``[[tool.imgsafe.answers]]``, checked first; ``provider`` is the provider the target is
    configured for (``azure``: an Azure endpoint), for an answer that does not name its own.
    """
    _check_arguments(status_code, body, headers)
    if kind is None:
        return read_answer(status_code, body, headers, thresholds=thresholds, rules=rules, provider=provider)
    the_kind = _kind_asked(kind)
    return read_answer(
        status_code,
        body,
        headers,
        reads=the_kind.reads,
        default_filter=the_kind.filter,
        thresholds=thresholds,
        rules=rules,
        provider=provider,
    )


def _check_arguments(status_code: Any, body: Any, headers: Any) -> None:
    """A caller's mistake in the arguments is a ``TypeError`` or ``ValueError`` that says which
    argument and what it takes: never an answer read as something (status ``"200"`` or ``None``
    is no status, a set is no body)."""
    if not isinstance(status_code, int) or isinstance(status_code, bool):
        raise TypeError(
            f"classify(): status_code is an int HTTP status, not {type(status_code).__name__} {status_code!r}"
        )
    if body is not None and not isinstance(body, (bytes, bytearray, str, Mapping, list)):
        raise TypeError(f"classify(): body is bytes, str, a parsed dict or list, or None; not {type(body).__name__}")
    if headers is not None and not isinstance(headers, Mapping):
        raise TypeError(f"classify(): headers is a mapping of names to values, not {type(headers).__name__}")


def _kind_asked(kind: Any) -> ProviderKind:
    """The kind ``classify(kind=...)`` names; a name that is none is a ``ValueError`` (the
    registry's own message, with its did-you-mean)."""
    if not isinstance(kind, str):
        raise ValueError(f"classify(): {kind!r} is not a target kind; known: {', '.join(KINDS)}")
    try:
        return kind_of(kind)
    except KeyError as err:
        raise ValueError(f"classify(): {err.args[0]}") from None


def outcome_for(target: Target | None, answer: Answer) -> Outcome:
    """The verdict of one answer of ``target``, read by its kind (with its thresholds and rules).
    Every place that reads a target's answer (replay, record, live, chain and gateway links, fuzz
    sessions) goes through here; ``ApiError`` for a non-verdict. Without a target, any family reads."""
    if target is None:
        return read_answer(answer.status, answer.body, answer.headers)
    return kind_of(target.kind).read(target, answer)


def is_verdict(target: Target | None, answer: Answer) -> bool:
    """Does ``target``'s kind read this answer as a verdict (what a recording may keep)?"""
    from .verdict import ApiError

    try:
        outcome_for(target, answer)
    except ApiError:
        return False
    return True


def build_request(
    target: Target,
    prompt: str,
    params: Mapping[str, Any] | None = None,
    images: tuple[Path, ...] = (),
    mask: Path | None = None,
) -> RequestSpec:
    """The request a target sends for one prompt; case params override the target's."""
    return kind_of(target.kind).build_request(target, prompt, params, images, mask)


def make_client(target: Target, env: Mapping[str, str] | None = None, *, async_client: bool = False) -> Any:
    """One client for a target (the kind's SDK client: ``OpenAI``, ``AzureOpenAI``,
    ``google.genai.Client``, Content Safety's), retries as the target says."""
    return kind_of(target.kind).make_client(target, os.environ if env is None else env, async_client=async_client)


def call(client: Any, spec: RequestSpec) -> Answer:
    """Send one request through the client of the kind whose operation it is."""
    kind = next((k for k in KINDS.values() if spec.operation in k.operations), None)
    if kind is None:
        raise ValueError(f"no kind sends the operation {spec.operation!r}")
    return kind.call(client, spec)


def price_per_call(target: Target, params: Mapping[str, Any] | None = None) -> float:
    """USD a billed call of this target is estimated to cost (an image, an analysis, a description)."""
    return kind_of(target.kind).price(target, params)


def call_cost(target: Target, outcome: Outcome, price: float) -> float:
    """What an answered call costs: its price, except a refusal the provider does not bill."""
    return kind_of(target.kind).cost(target, outcome, price)
