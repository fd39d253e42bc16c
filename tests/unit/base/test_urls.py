"""A base URL or key the HTTP client cannot send is found once, in words that never quote it."""

from __future__ import annotations

import httpx2
import pytest

from pytest_imgsafe.base.urls import key_problem, url_problem

SECRET = "sk-proj-URLSECRETq8Zr2mWx0c4"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"http://127.0.0.1:8765/v1?api-key={SECRET}\x1b[31m\n", "control or space character (\\x1b"),
        (f"http://[::1?api-key={SECRET}", "not a well-formed URL"),
        (f"http://127.0.0.1:8765/v1\x07?key={SECRET}", "(\\x07, character 25)"),
        (f"http://h:abc/v1?key={SECRET}", "not a well-formed URL"),
    ],
)
def test_urls_the_http_client_refuses_are_refused_without_quoting_them(url: str, problem: str) -> None:
    with pytest.raises(httpx2.InvalidURL):  # what every item would otherwise fail with
        httpx2.URL(url)
    found = url_problem(url)
    assert found is not None and problem in found
    assert SECRET[:12] not in found and "127.0.0.1" not in found


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("file:///etc/passwd", "must start with http:// or https://"),
        ("http:///v1", "names no host"),
        ("http://h:99999/v1", "not a well-formed URL"),
        ("http://h:0/v1", "port outside 1 to 65535"),
        ("http://exa mple.com/v1", "(\\x20, character 11)"),
        ("http://a..b/v1", "not a valid domain name"),
        (f"http://127.0.0.1:8765/v1#{SECRET}", "'#' fragment, which no request sends"),
        ("http://127.0.0.1:8765/v1#", "'#' fragment"),
    ],
)
def test_urls_that_cannot_reach_a_provider_are_refused(url: str, problem: str) -> None:
    found = url_problem(url)
    assert found is not None and problem in found


@pytest.mark.parametrize(
    "url",
    [
        "https://api.openai.com/v1",
        "http://127.0.0.1:8765/v1?api-key=abc",
        "http://[::1]:8765/v1",
        "https://my-res.openai.azure.com/",
        "https://user:pass@relay.example/v1",
        "http://bücher.example/v1",
    ],
)
def test_ordinary_urls_pass(url: str) -> None:
    assert url_problem(url) is None
    httpx2.URL(url)


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (SECRET + "\n", "(\\x0a, character 29 of 29)"),
        (SECRET + "\n\x1b[31m", "(\\x0a"),
        (" " + SECRET, "(\\x20, character 1"),
        (SECRET + "é", "not ASCII"),
    ],
)
def test_a_key_that_is_not_one_printable_line_is_refused_without_quoting_it(key: str, problem: str) -> None:
    found = key_problem(key)
    assert found is not None and problem in found and SECRET[:12] not in found and SECRET[-8:] not in found


def test_an_ordinary_key_passes() -> None:
    assert key_problem(SECRET) is None and key_problem("0123456789abcdef0123456789abcdef") is None


def test_a_fragment_is_refused_without_quoting_it_and_counted_a_secret_when_it_slips_through() -> None:
    from pytest_imgsafe.base.scrub import secrets_in_url

    found = url_problem(f"http://127.0.0.1:8765/v1#{SECRET}")
    assert found is not None and SECRET[:12] not in found
    assert SECRET in secrets_in_url(f"http://127.0.0.1:8765/v1#{SECRET}")
    assert secrets_in_url("http://127.0.0.1:8765/v1#top") == set()  # too short to be anyone's secret
