"""One provider kind behind one small protocol (:class:`ProviderKind`), and the defaults most
kinds share (:class:`Kind`).

A kind knows five things about its targets, and nothing else in the plugin asks:

- **check** its keys and params (``[tool.imgsafe.targets.NAME]``), with clear errors;
- **build the request** of one prompt (a :class:`~pytest_imgsafe.base.wire.RequestSpec`: its key
  is what a recording is found by);
- **call**: make its client and send one request through it, handing back the raw
  :class:`~pytest_imgsafe.base.wire.Answer` (the one call path and its rate gate are the
  caller's: ``calls.runner`` and ``calls.live``);
- **read** an answer into an :class:`Outcome` or a typed non-verdict (``read_answer`` with the
  family of answer the kind expects, its default filter, the target's thresholds and rules);
- **price** a call.

A kind that makes no call of its own says so: ``local`` (the keyword screen answers in-process)
or ``composite`` (a chain or gateway, whose links are the calls: the composition stays in
``routing`` and ``calls``). ``providers.registry`` maps each ``kind = "..."`` to its object.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from ..base.errors import ConfigError
from ..base.wire import Answer, RequestSpec
from .outcome import read_answer
from .prices import table_price
from .target import Target
from .verdict import Outcome, Reads

COMMON_KEYS: tuple[str, ...] = (
    "kind",
    "model",
    "base_url",
    "base_url_env",
    "api_key_env",
    "params",
    "timeout",
    "max_retries",
    "rpm",
    "concurrency",
    "price",
    "pool",
)
"""The keys every target table takes; a kind adds its own (``Kind.keys``)."""


class ProviderKind(Protocol):
    """What the rest of the plugin may ask of a provider kind."""

    @property
    def name(self) -> str:
        """The ``kind = "..."`` that names it."""

    @property
    def reads(self) -> Reads | None:
        """The family of answer that is a verdict for this kind (``None``: it reads no answers)."""

    @property
    def filter(self) -> str | None:
        """The filter its verdicts name when the answer does not say."""

    @property
    def keys(self) -> tuple[str, ...]:
        """Target keys this kind takes beyond :data:`COMMON_KEYS`."""

    @property
    def default_model(self) -> str | None:
        """The model a table that names none gets (the local and composite kinds have no model)."""

    @property
    def local(self) -> bool:
        """It answers in-process (the keyword screen)."""

    @property
    def composite(self) -> bool:
        """It is made of other targets (chain, gateway)."""

    @property
    def base_url_fallback(self) -> str | None:
        """The variable its SDK reads a base URL from when the target names none (None: it reads none)."""

    @property
    def target(self) -> bool:
        """Usable as a corpus target (the describer's ``chat`` kind is not)."""

    @property
    def paths(self) -> tuple[str, ...]:
        """The operations it sends that are URL path suffixes (how a recorded request is keyed)."""

    @property
    def operations(self) -> tuple[str, ...]:
        """Every operation its requests name (``RequestSpec.operation``)."""

    @property
    def calls_endpoint(self) -> bool:
        """True when one item is one request to one endpoint (not local, not made of links)."""

    def check(self, where: str, table: Mapping[str, Any]) -> dict[str, Any]:
        """The kind's own keys and params, checked: ``Target`` fields (``params`` made canonical)."""

    def default_key_env(self, table: Mapping[str, Any]) -> str:
        """The env var of the key when the table names none."""

    def build_request(
        self,
        target: Target,
        prompt: str,
        params: Mapping[str, Any] | None = None,
        images: tuple[Path, ...] = (),
        mask: Path | None = None,
    ) -> RequestSpec:
        """The request one prompt sends (case params override the target's)."""

    def make_client(self, target: Target, env: Mapping[str, str], *, async_client: bool = False) -> Any:
        """The SDK (or HTTP) client of a target."""

    def call(self, client: Any, spec: RequestSpec) -> Answer:
        """Send one request; every HTTP answer comes back (only no answer at all raises ApiError)."""

    def read(self, target: Target | None, answer: Answer) -> Outcome:
        """The verdict of one answer of this kind (``ApiError`` for a non-verdict)."""

    def price(self, target: Target, params: Mapping[str, Any] | None = None) -> float:
        """Estimated USD of one billed call."""

    def cost(self, target: Target, outcome: Outcome, price: float) -> float:
        """What an answered call cost: its price, or nothing when the provider bills no refusal."""


class Kind:
    """The defaults a kind inherits; a kind module overrides what differs."""

    name: str = ""
    reads: Reads | None = "image"
    filter: str | None = None
    """The filter a verdict names when the answer does not say (an Azure target's: ``azure``)."""
    keys: tuple[str, ...] = ()
    default_model: str | None = None
    local: bool = False
    composite: bool = False
    target: bool = True
    paths: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    bills_refusals: bool = False
    """A refusal before generating (an input-stage block) is billed too (Content Safety's analyses)."""
    base_url_fallback: str | None = "OPENAI_BASE_URL"
    """The variable the kind's SDK reads a base URL from when the target names none (None: it reads none)."""

    @property
    def calls_endpoint(self) -> bool:
        return not (self.local or self.composite)

    def check(self, where: str, table: Mapping[str, Any]) -> dict[str, Any]:
        return {"params": simple_params(where, table.get("params", {}))}

    def default_key_env(self, table: Mapping[str, Any]) -> str:
        return "OPENAI_API_KEY"

    def build_request(
        self,
        target: Target,
        prompt: str,
        params: Mapping[str, Any] | None = None,
        images: tuple[Path, ...] = (),
        mask: Path | None = None,
    ) -> RequestSpec:
        raise TypeError(f"a {self.name} target sends no request of its own")

    def make_client(self, target: Target, env: Mapping[str, str], *, async_client: bool = False) -> Any:
        raise TypeError(f"a {self.name} target has no client of its own")

    def call(self, client: Any, spec: RequestSpec) -> Answer:
        raise TypeError(f"a {self.name} target makes no call of its own")

    def read(self, target: Target | None, answer: Answer) -> Outcome:
        return read_answer(
            answer.status,
            answer.body,
            answer.headers,
            reads=self.reads,
            default_filter=self.filter_for(target),
            rules=target.answer_rules if target is not None else (),
            provider="azure" if target is not None and target.is_azure else None,
        )

    def filter_for(self, target: Target | None) -> str | None:
        """The filter this kind's verdicts name when the answer does not say."""
        return "azure" if target is not None and target.is_azure else self.filter

    def price(self, target: Target, params: Mapping[str, Any] | None = None) -> float:
        return table_price(target.model, {**target.params, **(params or {})}, target.price)

    def cost(self, target: Target, outcome: Outcome, price: float) -> float:
        refused_before_generating = outcome.verdict == "block" and outcome.stage == "input"
        return 0.0 if refused_before_generating and not self.bills_refusals else price


def simple_params(where: str, params: Any) -> dict[str, Any]:
    """Params that are a table of simple values (what the OpenAI-style kinds send as body fields)."""
    if not isinstance(params, dict) or not all(isinstance(v, (str, int, float, bool)) for v in params.values()):
        raise ConfigError(f'{where} params must be a table of simple values, e.g. params = {{ quality = "low" }}')
    return dict(params)
