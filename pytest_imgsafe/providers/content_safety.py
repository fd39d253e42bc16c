"""The ``content-safety`` kind: Azure AI Content Safety's ``text:analyze``, over plain HTTP.

There is no SDK dependency: the request goes through ``httpx2``, the HTTP client the ``openai``
SDK already brings, which vcrpy patches, so these calls are recorded, replayed and made live like
every other kind. The request is the API's own body, sent as it is keyed (``recording.http_key``
reads the same fields back from the recorded request):

    POST {endpoint}/contentsafety/text:analyze?api-version=2024-09-01
    Ocp-Apim-Subscription-Key: <key>          (a credential header: never recorded or printed)
    {"text": prompt, "categories": [...], "outputType": ..., "blocklistNames"?: [...], "haltOnBlocklistHit"?: ...}

The target's thresholds are not part of the request: they judge the answer
(``targets.outcome_for`` -> ``outcome.content_safety_verdict``), so changing them re-judges the
recorded answers without a call. A prompt longer than the API's limit (10,000 characters) is
refused before sending, as an ``invalid_request`` error: analyzing only part of it could pass a
prompt whose harmful part was cut off.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..base.wire import CONTENT_SAFETY_OPERATION as OPERATION
from ..base.wire import Answer, RequestSpec
from .outcome import ApiError, Outcome
from .retry import retry_delay, should_retry
from .target import Target

KEY_HEADER = "Ocp-Apim-Subscription-Key"
MAX_TEXT = 10_000
"""Characters (Unicode code points) per request: the service's documented input limit."""


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
        from .outcome import classify

        answer = self.analyze(text)
        return classify(answer.status, answer.body, answer.headers, thresholds=self.target.params.get("thresholds"))

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
