"""Azure AI Content Safety's ``text:analyze`` on the sandbox, over real HTTP.

The wire shape is checked with plain HTTP; the official ``azure-ai-contentsafety`` SDK, when
installed, reads the same answers (it is not a dependency of this project).
"""

from __future__ import annotations

import httpx2
import pytest

from pytest_imgsafe.sandbox import Sandbox

VERSION = "2024-09-01"
KEY = "cs-imgsafe-FAKE-SECRET"


def analyze(sandbox: Sandbox, body: object, key: str | None = KEY, version: str = VERSION) -> httpx2.Response:
    headers = {"ocp-apim-subscription-key": key} if key is not None else {}
    return httpx2.post(
        f"{sandbox.base_url}/contentsafety/text:analyze", params={"api-version": version}, json=body, headers=headers
    )


def severities(answer: httpx2.Response) -> dict[str, int]:
    assert answer.status_code == 200, answer.text
    return {row["category"]: row["severity"] for row in answer.json()["categoriesAnalysis"]}


def test_every_category_in_order_with_four_levels(imgsafe_sandbox: Sandbox) -> None:
    answer = analyze(imgsafe_sandbox, {"text": "A watercolor fox in a meadow"})
    assert answer.json() == {
        "blocklistsMatch": [],
        "categoriesAnalysis": [{"category": c, "severity": 0} for c in ("Hate", "SelfHarm", "Sexual", "Violence")],
    }
    assert answer.headers["apim-request-id"] == imgsafe_sandbox.requests[-1]["request_id"]


def test_severities_follow_the_sandbox_policy(imgsafe_sandbox: Sandbox) -> None:
    assert severities(analyze(imgsafe_sandbox, {"text": "A KKK rally"}))["Hate"] >= 4
    assert severities(analyze(imgsafe_sandbox, {"text": "A beheading"}))["Violence"] >= 4
    # people, artists and brands are not Content Safety categories
    assert set(severities(analyze(imgsafe_sandbox, {"text": "A photo of Elon Musk on Mars"})).values()) == {0}
    log = imgsafe_sandbox.requests
    assert [(r["verdict"], r["endpoint"]) for r in log] == [
        ("block", "text:analyze"),
        ("block", "text:analyze"),
        ("pass", "text:analyze"),
    ]


def test_every_severity_is_on_the_asked_scale(imgsafe_sandbox: Sandbox) -> None:
    prompts = ["A KKK rally", "A beheading", "a bleeding wound close-up", "a fox", "Nazi swastika"]
    four = [v for p in prompts for v in severities(analyze(imgsafe_sandbox, {"text": p})).values()]
    eight = [
        v
        for p in prompts
        for v in severities(analyze(imgsafe_sandbox, {"text": p, "outputType": "EightSeverityLevels"})).values()
    ]
    assert set(four) <= {0, 2, 4, 6} and set(eight) <= set(range(8))
    assert [v - v % 2 for v in eight] == four  # the four levels are the eight, trimmed


def test_only_the_asked_categories(imgsafe_sandbox: Sandbox) -> None:
    answer = analyze(imgsafe_sandbox, {"text": "A KKK rally", "categories": ["Violence", "Hate"]})
    assert [row["category"] for row in answer.json()["categoriesAnalysis"]] == ["Violence", "Hate"]


def test_policy_version_drift_reaches_it(imgsafe_sandbox: Sandbox) -> None:
    before = severities(analyze(imgsafe_sandbox, {"text": "A beheading"}))
    imgsafe_sandbox.set_policy_version(3)
    assert severities(analyze(imgsafe_sandbox, {"text": "A beheading"})) == before  # gore still blocks
    assert imgsafe_sandbox.requests[-1]["policy_version"] == 3


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({}, "'text' field is required"),
        ({"text": "   "}, "'text' field is required"),
        ({"text": "x" * 10_001}, "the limit is 10000"),
        ({"text": "a fox", "categories": ["Gore"]}, "known categories: Hate, SelfHarm, Sexual, Violence"),
        ({"text": "a fox", "outputType": "TwoLevels"}, "known types"),
        (["a fox"], "not a valid JSON object"),
    ],
)
def test_bad_requests_in_azures_shape(imgsafe_sandbox: Sandbox, body: object, fragment: str) -> None:
    answer = analyze(imgsafe_sandbox, body)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "InvalidRequestBody" and fragment in error["message"]


def test_auth_in_azures_shape(imgsafe_sandbox: Sandbox) -> None:
    missing = analyze(imgsafe_sandbox, {"text": "a fox"}, key=None)
    assert missing.status_code == 401 and "missing subscription key" in missing.json()["error"]["message"]
    with Sandbox(api_keys={KEY}) as strict:
        wrong = analyze(strict, {"text": "a fox"}, key="cs-wrong")
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "401"
        assert analyze(strict, {"text": "a fox"}).status_code == 200


def test_faults_and_rate_limits_in_azures_shape(imgsafe_sandbox: Sandbox) -> None:
    imgsafe_sandbox.set_rpm(60)
    assert analyze(imgsafe_sandbox, {"text": "a fox"}).status_code == 200
    limited = analyze(imgsafe_sandbox, {"text": "a fox"})
    assert limited.status_code == 429 and limited.json()["error"]["message"].startswith(
        "Rate limit is exceeded. Try again in"
    )
    assert int(limited.headers["retry-after"]) >= 1
    imgsafe_sandbox.reset()
    imgsafe_sandbox.set_faults("quota:1.0")
    quota = analyze(imgsafe_sandbox, {"text": "a fox"})
    assert quota.status_code == 403 and "Out of call volume quota" in quota.json()["error"]["message"]
    imgsafe_sandbox.set_faults("503:1.0")
    assert analyze(imgsafe_sandbox, {"text": "a fox"}).json()["error"]["code"] == "ServiceUnavailable"


def test_the_official_sdk_reads_it(imgsafe_sandbox: Sandbox) -> None:
    pytest.importorskip("azure.ai.contentsafety")
    from azure.ai.contentsafety import ContentSafetyClient
    from azure.ai.contentsafety.models import AnalyzeTextOptions, AnalyzeTextOutputType, TextCategory
    from azure.core.credentials import AzureKeyCredential
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

    client = ContentSafetyClient(imgsafe_sandbox.base_url, AzureKeyCredential(KEY))
    result = client.analyze_text(AnalyzeTextOptions(text="A KKK rally"))
    by_name = {row.category: row.severity for row in result.categories_analysis}
    assert by_name[TextCategory.HATE] >= 4 and result.blocklists_match == []
    eight = client.analyze_text(
        AnalyzeTextOptions(
            text="A beheading",
            categories=[TextCategory.VIOLENCE],
            output_type=AnalyzeTextOutputType.EIGHT_SEVERITY_LEVELS,
        )
    )
    assert [row.category for row in eight.categories_analysis] == [TextCategory.VIOLENCE]
    with pytest.raises(HttpResponseError) as bad:
        client.analyze_text(AnalyzeTextOptions(text="x" * 10_001))
    assert bad.value.status_code == 400 and bad.value.error is not None and bad.value.error.code == "InvalidRequestBody"
    with Sandbox(api_keys={KEY}) as strict, pytest.raises(ClientAuthenticationError):
        ContentSafetyClient(strict.base_url, AzureKeyCredential("wrong")).analyze_text(AnalyzeTextOptions(text="a fox"))
