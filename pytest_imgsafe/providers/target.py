"""A configured target: one endpoint (or a chain of them) a case runs against.

The plain type the providers build requests for and read answers of; ``collect.config`` makes
these from ``[tool.imgsafe.targets.NAME]``. What a target's ``kind`` means is the kind's own
business (``providers.registry.kind_of``): this type holds the settings and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .pool import PoolMember
from .rules import AnswerRule


@dataclass(frozen=True)
class Target:
    """One configured endpoint a case runs against."""

    name: str
    kind: str
    model: str
    base_url: str | None = None
    base_url_env: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    azure_endpoint: str | None = None
    azure_endpoint_env: str | None = None
    azure_deployment: str | None = None
    api_version: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    max_retries: int = 5
    """Attempts after a 429, 5xx or dropped connection (live: each paced through the rate gate)."""
    rpm: int | None = None
    """Live runs: requests per minute this target may receive (None: no limit of ours)."""
    concurrency: int = 4
    """Live runs: calls in flight at once to this target."""
    price: float | None = None
    """USD per billed call, overriding the price table."""
    links: tuple[str, ...] = ()
    """chain / gateway: the targets to try, in order (the first is the gateway's generator)."""
    routing: bool = False
    """chain / gateway: reorder the links by the case's scenario (data/routing.yaml)."""
    moderation: str | None = None
    """gateway: the moderation target of the pre-check (None: no pre-check)."""
    screen: bool = True
    """gateway: run the local keyword screen first."""
    rewrite: bool = True
    """gateway: rewrite with the strategies before generating."""
    vertex: bool = False
    """gemini / imagen: call Vertex AI (with a key: express mode; with ``project``: Google credentials)."""
    project: str | None = None
    location: str | None = None
    pool: tuple[PoolMember, ...] = ()
    """Live runs: the credentials or deployments that serve this target, each with its rpm (``providers.pool``)."""
    member: str | None = None
    """The pool member this copy of the target calls through (``as_member``); None: the target itself."""
    answer_rules: tuple[AnswerRule, ...] = field(default=(), compare=False, repr=False)
    """The ``[[tool.imgsafe.answers]]`` rules that read this target's answers, in order."""

    def as_member(self, member: PoolMember) -> Target:
        """This target as one member of its pool calls it: the member's route and key, its rpm."""
        route: dict[str, Any] = dict(member.route)
        if "base_url" in route or "base_url_env" in route:
            route.setdefault("base_url", None)
            route.setdefault("base_url_env", None)
        if "azure_endpoint" in route or "azure_endpoint_env" in route:
            route.setdefault("azure_endpoint", None)
            route.setdefault("azure_endpoint_env", None)
        return replace(self, **route, rpm=member.rpm, pool=(), member=member.name)

    @property
    def is_azure(self) -> bool:
        """True when the target goes through ``AzureOpenAI``."""
        return bool(self.azure_endpoint or self.azure_endpoint_env)

    def resolve_base_url(self, env: Mapping[str, str], fallback_env: str | None = "OPENAI_BASE_URL") -> str | None:
        """The base URL (or Azure endpoint) to call, from the setting or its env var; else the
        ``fallback_env`` variable the kind's SDK would read by itself (the openai SDK's, by default)."""
        if self.is_azure and self.azure_endpoint:
            return self.azure_endpoint
        if not self.is_azure and self.base_url:
            return self.base_url
        variable = self.base_url_variable(fallback_env)
        return env.get(variable) or None if variable else None

    def base_url_variable(self, fallback_env: str | None = "OPENAI_BASE_URL") -> str | None:
        """The environment variable :meth:`resolve_base_url` reads (None: the setting itself is the URL)."""
        if self.is_azure:
            return None if self.azure_endpoint else self.azure_endpoint_env
        if self.base_url:
            return None
        return self.base_url_env or fallback_env

    def describe(self) -> dict[str, Any]:
        """What identifies this target in reports (never a key)."""
        return {
            "kind": self.kind,
            "model": self.model,
            "params": dict(self.params),
            "azure_deployment": self.azure_deployment,
            "api_version": self.api_version,
        }
