"""The ``content-safety`` kind: Azure AI Content Safety's ``text:analyze``, over plain HTTP.

There is no SDK dependency: the request goes through ``httpx2``, the HTTP client the ``openai``
SDK already brings, which vcrpy patches, so these calls are recorded, replayed and made live like
every other kind. The request is the API's own body, sent as it is keyed (``recording.http_key``
reads the same fields back from the recorded request):

    POST {endpoint}/contentsafety/text:analyze?api-version=2024-09-01
    Ocp-Apim-Subscription-Key: <key>          (a credential header: never recorded or printed)
    {"text": prompt, "categories": [...], "outputType": ..., "blocklistNames"?: [...], "haltOnBlocklistHit"?: ...}

The target's thresholds are not part of the request: they judge the answer
(``ContentSafety.read`` -> ``outcome.content_safety_verdict``), so changing them re-judges the
recorded answers without a call. A prompt longer than the API's limit (10,000 characters) is
refused before sending, as an ``invalid_request`` error: analyzing only part of it could pass a
prompt whose harmful part was cut off.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..base.errors import ConfigError
from ..base.text import did_you_mean
from ..base.wire import Answer, RequestSpec
from .kind import Kind
from .outcome import CONTENT_SAFETY_CATEGORIES, DEFAULT_SEVERITY_THRESHOLD, ApiError, Outcome, category_key, read_answer
from .prices import table_price
from .retry import retry_delay, should_retry
from .target import Target

OPERATION = "contentsafety/text:analyze"
"""Azure AI Content Safety's text analysis: the operation and the path suffix it is keyed by."""
KEY_HEADER = "Ocp-Apim-Subscription-Key"
MAX_TEXT = 10_000
"""Characters (Unicode code points) per request: the service's documented input limit."""
API_VERSION = "2024-09-01"
PARAMS: tuple[str, ...] = ("thresholds", "categories", "output_type", "blocklist_names", "halt_on_blocklist_hit")
OUTPUT_TYPES: tuple[str, ...] = ("FourSeverityLevels", "EightSeverityLevels")


class ContentSafety(Kind):
    """The ``content-safety`` kind: a prompt's text judged by ``text:analyze`` against thresholds."""

    name = "content-safety"
    reads = "content-safety"
    filter = "azure"
    keys = ("azure_endpoint", "azure_endpoint_env", "api_version")
    default_model = "text:analyze"
    paths = operations = (OPERATION,)
    bills_refusals = True  # every analysis is billed, whatever its verdict

    def check(self, where: str, table: Mapping[str, Any]) -> dict[str, Any]:
        return check_content_safety(where, table)

    def default_key_env(self, table: Mapping[str, Any]) -> str:
        return "CONTENT_SAFETY_KEY"

    def build_request(
        self,
        target: Target,
        prompt: str,
        params: Mapping[str, Any] | None = None,
        images: tuple[Path, ...] = (),
        mask: Path | None = None,
    ) -> RequestSpec:
        return build_content_safety_request(target, prompt)

    def make_client(self, target: Target, env: Mapping[str, str], *, async_client: bool = False) -> Any:
        if async_client:
            raise TypeError("a content-safety target has a synchronous client only")
        return make_content_safety_client(target, env)

    def call(self, client: Any, spec: RequestSpec) -> Answer:
        return call_content_safety(client, spec)

    def read(self, target: Target | None, answer: Answer) -> Outcome:
        return read_answer(
            answer.status,
            answer.body,
            answer.headers,
            reads=self.reads,
            default_filter=self.filter,
            thresholds=target.params.get("thresholds") if target is not None else None,
            rules=target.answer_rules if target is not None else (),
        )

    def price(self, target: Target, params: Mapping[str, Any] | None = None) -> float:
        return table_price("text:analyze", {}, target.price)


CONTENT_SAFETY = ContentSafety()


def build_content_safety_request(target: Target, prompt: str) -> RequestSpec:
    """The ``text:analyze`` request for one prompt, from the target's canonical params (a case's
    image params do not apply, as for the moderation kind)."""
    params = target.params
    fields: dict[str, Any] = {
        "text": prompt,
        "categories": list(params["categories"]),
        "outputType": params["output_type"],
    }
    if params.get("blocklist_names"):
        fields["blocklistNames"] = list(params["blocklist_names"])
        fields["haltOnBlocklistHit"] = bool(params.get("halt_on_blocklist_hit", False))
    return RequestSpec(OPERATION, fields, (), None, target.api_version)


@dataclass
class ContentSafetyClient:
    """One target's connection: its endpoint, key and retries, and an ``httpx2.Client``.

    ``analyze(text)`` sends one request and returns the raw :class:`Answer`; ``outcome(text)`` is
    the verdict with the target's thresholds (what ``imgsafe_client`` hands a team's own test).
    ``http`` is the underlying ``httpx2.Client`` (base URL and key header set) for code that calls
    the REST API itself.
    """

    target: Target
    endpoint: str
    http: Any

    def analyze(self, text: str) -> Answer:
        """Send ``text`` to ``text:analyze`` with the target's categories, scale and blocklists."""
        return call_content_safety(self, build_content_safety_request(self.target, text))

    def outcome(self, text: str) -> Outcome:
        """The verdict on ``text`` with the target's thresholds (``ApiError`` for a non-verdict)."""
        return CONTENT_SAFETY.read(self.target, self.analyze(text))

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.http.close()


def make_content_safety_client(target: Target, env: Mapping[str, str]) -> ContentSafetyClient:
    """A client for a content-safety target: the endpoint from its settings or env var, the key
    from ``api_key_env`` (sent only as the ``Ocp-Apim-Subscription-Key`` header)."""
    import httpx2

    endpoint = (target.resolve_base_url(env) or "").rstrip("/")
    if not endpoint:
        where = target.azure_endpoint_env or target.base_url_env or "azure_endpoint"
        raise ApiError("invalid_request", f"target {target.name!r} has no Content Safety endpoint: set {where}", None)
    key = env.get(target.api_key_env) or ""
    timeout = target.timeout if target.timeout is not None else 60.0
    http = httpx2.Client(
        base_url=endpoint, headers={KEY_HEADER: key}, params={"api-version": target.api_version or ""}, timeout=timeout
    )
    return ContentSafetyClient(target, endpoint, http)


def call_content_safety(client: ContentSafetyClient, spec: RequestSpec) -> Answer:
    """Send one request; every HTTP answer comes back as an :class:`Answer` (``classify`` decides).

    429, 408, 409 and 5xx answers and dropped connections are retried up to ``max_retries`` times
    (the answer's ``Retry-After`` when it gives one of at most a minute, else exponential back-off),
    as the openai SDK does for the other kinds; live runs set it to 0 and retry through the gate.
    Only a call that got no answer at all raises, as ``ApiError(kind="server_error")``.
    """
    import httpx2

    text = spec.fields.get("text")
    if isinstance(text, str) and len(text) > MAX_TEXT:
        raise ApiError(
            "invalid_request",
            f"the prompt is {len(text):,} characters; "
            f"Content Safety's text:analyze takes at most {MAX_TEXT:,} per request. "
            "Shorten the case's prompt (it is refused rather than cut, so no part of it goes unchecked)",
            None,
        )
    body = json.dumps(dict(spec.fields), ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    retries = client.target.max_retries
    for attempt in range(retries + 1):
        last = attempt == retries
        try:
            response = client.http.post(f"/{OPERATION}", content=body, headers=headers)
        except httpx2.HTTPError as err:  # no answer: refused, dropped, timed out
            if last:
                raise ApiError(
                    "server_error",
                    f"no answer from {client.endpoint} (the connection failed, "
                    f"dropped or timed out, every retry too): {err!r}",
                    None,
                ) from err
            time.sleep(retry_delay(attempt, None))
            continue
        answer = Answer(response.status_code, dict(response.headers), response.content, str(response.request.url))
        if last or not should_retry(answer):
            return answer
        time.sleep(retry_delay(attempt, answer.headers))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


# --- the target's table ---------------------------------------------------------------------


def check_content_safety(where: str, table: Mapping[str, Any]) -> dict[str, Any]:
    """A content-safety target's own keys, its defaults filled in and its params checked and made
    canonical (the request and the verdict read only the canonical form).

    The endpoint is an Azure endpoint (``azure_endpoint`` or ``azure_endpoint_env``, by default
    ``CONTENT_SAFETY_ENDPOINT``) or a ``base_url``/``base_url_env``; ``api_version`` defaults to
    the GA version; params: ``thresholds`` (a severity per category, or one for all), ``categories``,
    ``output_type``, ``blocklist_names``, ``halt_on_blocklist_hit``.
    """
    out: dict[str, Any] = {}
    if not any(k in table for k in ("azure_endpoint", "azure_endpoint_env", "base_url", "base_url_env")):
        out["azure_endpoint_env"] = "CONTENT_SAFETY_ENDPOINT"
    if ("azure_endpoint" in table or "azure_endpoint_env" in table) and (
        "base_url" in table or "base_url_env" in table
    ):
        raise ConfigError(f"{where} sets both an Azure endpoint and a base URL; keep one (the Content Safety endpoint)")
    out["api_version"] = table.get("api_version", API_VERSION)
    params = table.get("params", {})
    if not isinstance(params, dict):
        raise ConfigError(f"{where} params must be a table, e.g. params = {{ thresholds = {{ Hate = 2 }} }}")
    for key in params:
        if key not in PARAMS:
            raise ConfigError(
                f"{where} params has an unknown key {key!r}{did_you_mean(str(key), PARAMS)}; "
                f"a content-safety target takes: {', '.join(PARAMS)}"
            )
    raw_categories = params.get("categories", list(CONTENT_SAFETY_CATEGORIES))
    if (
        not isinstance(raw_categories, list)
        or not raw_categories
        or not all(isinstance(c, str) for c in raw_categories)
    ):
        raise ConfigError(
            f"{where} params.categories must be a list of categories, e.g. "
            f'categories = ["Hate", "Violence"] (known: {", ".join(CONTENT_SAFETY_CATEGORIES)})'
        )
    categories = list(dict.fromkeys(_category(where, "params.categories", c) for c in raw_categories))
    output_type = params.get("output_type", "FourSeverityLevels")
    if output_type not in OUTPUT_TYPES:
        raise ConfigError(
            f"{where} params.output_type = {output_type!r} is not an output "
            f"type{did_you_mean(str(output_type), OUTPUT_TYPES)}; "
            f"use one of: {', '.join(OUTPUT_TYPES)}"
        )
    thresholds = _thresholds(where, params.get("thresholds", {}), categories)
    canonical: dict[str, Any] = {"categories": categories, "output_type": output_type, "thresholds": thresholds}
    names = params.get("blocklist_names", [])
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise ConfigError(
            f'{where} params.blocklist_names must be a list of blocklist names, e.g. blocklist_names = ["our-terms"]'
        )
    halt = params.get("halt_on_blocklist_hit", False)
    if not isinstance(halt, bool):
        raise ConfigError(f"{where} params.halt_on_blocklist_hit is true or false")
    if halt and not names:
        raise ConfigError(
            f"{where} params.halt_on_blocklist_hit needs blocklist_names (the lists whose hit stops the analysis)"
        )
    if names:
        canonical.update(blocklist_names=list(names), halt_on_blocklist_hit=halt)
    out["params"] = canonical
    return out


def _category(where: str, key: str, name: str) -> str:
    """The API's spelling of a category named loosely (``self_harm`` -> ``SelfHarm``)."""
    found = next((c for c in CONTENT_SAFETY_CATEGORIES if category_key(c) == category_key(name)), None)
    if found is None:
        raise ConfigError(
            f"{where} {key}: {name!r} is not a Content Safety "
            f"category{did_you_mean(name, CONTENT_SAFETY_CATEGORIES)}; known: {', '.join(CONTENT_SAFETY_CATEGORIES)}"
        )
    return found


def _thresholds(where: str, raw: Any, categories: list[str]) -> dict[str, int]:
    """A severity threshold (0-7) per analyzed category; one number sets them all; default 4."""

    def level(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 7:
            raise ConfigError(
                f"{where} {key} = {value!r}: a threshold is a severity from 0 to 7 "
                "(a category blocks at it and above; 4 is medium, Azure's default)"
            )
        return value

    if isinstance(raw, int) and not isinstance(raw, bool):
        return dict.fromkeys(categories, level("params.thresholds", raw))
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{where} params.thresholds must be a severity for every category or a table of them, "
            f"e.g. thresholds = {{ Hate = 2, Violence = 6 }}"
        )
    out = dict.fromkeys(categories, DEFAULT_SEVERITY_THRESHOLD)
    for key, value in raw.items():
        name = _category(where, "params.thresholds", str(key))
        if name not in categories:
            raise ConfigError(
                f"{where} params.thresholds sets {name}, which params.categories leaves out; "
                "add it to categories or drop its threshold"
            )
        out[name] = level(f"params.thresholds.{key}", value)
    return out
