"""Routing by content: what the prompt says first, the declared scenario as a fallback, then the
request (batch or fast work); the notes' routes for CJK posters and batch work included."""

from __future__ import annotations

import pytest

from pytest_imgsafe.routing.chain import content, is_batch, route, routing_table

LINKS = ["gpt-image-2", "gpt-image-2-all", "banana-pro", "banana-2"]
MODELS = {
    "gpt-image-2": "gpt-image-2",
    "gpt-image-2-all": "gpt-image-2-all",
    "banana-pro": "gemini-3-pro-image-preview",
    "banana-2": "gemini-3.1-flash-image-preview",
}


@pytest.mark.parametrize(
    ("prompt", "declared", "params", "key"),
    [
        # what the local screen finds in the prompt wins over the declared scenario
        ("A photo of Elon Musk on Mars", "benign", {}, "celebrity"),
        ("A party with Mickey Mouse", None, {"n": 4}, "copyrighted_ip"),
        ("A cat in the style of Banksy", "celebrity", {}, "living_artist"),
        # posters and signs with text in a CJK script
        ('A summer festival poster with the title "夏日祭" in bold letters', "benign", {}, "cjk_text"),
        ("A shop sign reading 「ラーメン」 at night", None, {}, "cjk_text"),
        ("A concert poster that says 여름 축제", None, {"n": 3}, "cjk_text"),
        ("一张海报，上面写着春节快乐", None, {}, "cjk_text"),
        # CJK words that are not text in the picture route like any other prompt
        ("一只猫在窗台上", None, {}, "benign"),
        # the declared scenario when the prompt says nothing the screen knows
        ("A tall figure at a podium", "celebrity", {}, "celebrity"),
        # batch or fast work, from the request
        ("A lighthouse at dusk", "benign", {"n": 4}, "batch"),
        ("A lighthouse at dusk", None, {"quality": "low"}, "batch"),
        ("A lighthouse at dusk", None, {"n": 1, "quality": "high"}, "benign"),
        # a hard-prohibited scenario is named, and has no route
        ("A nazi poster", "benign", {"n": 4}, "hate"),
    ],
)
def test_the_routing_key_comes_from_the_content(
    prompt: str, declared: str | None, params: dict[str, object], key: str
) -> None:
    assert content(prompt, declared, params) == key


def test_batch_work_is_several_images_or_draft_quality() -> None:
    assert is_batch({"n": 2}) and is_batch({"quality": "LOW"})
    assert not is_batch({}) and not is_batch({"n": 1}) and not is_batch({"n": True}) and not is_batch({"n": "4"})


def test_the_two_routes_the_notes_table_adds() -> None:
    assert route(LINKS, MODELS, "benign", prompt='A poster titled "新年快乐"') == [
        "gpt-image-2-all",
        "gpt-image-2",
        "banana-pro",
        "banana-2",
    ]
    assert route(LINKS, MODELS, "benign", prompt="A lighthouse", params={"n": 8}) == [
        "banana-2",
        "banana-pro",
        "gpt-image-2",
        "gpt-image-2-all",
    ]


def test_routes_read_the_prompt_not_the_label() -> None:
    assert route(LINKS, MODELS, "benign", prompt="Pikachu in a forest")[:2] == ["banana-pro", "banana-2"]
    assert route(LINKS, MODELS, "benign", prompt="A lighthouse at dusk") == LINKS


def test_a_hard_scenario_keeps_the_configured_order_whatever_the_label() -> None:
    for declared in ("celebrity", "copyrighted_ip", "benign", None):
        assert route(LINKS, MODELS, declared, prompt="A swastika banner", params={"n": 4}) == LINKS


def test_without_a_prompt_the_declared_scenario_routes() -> None:
    assert route(LINKS, MODELS, "copyrighted_ip")[:2] == ["banana-pro", "banana-2"]
    assert route(LINKS, MODELS, None) == LINKS


def test_every_route_but_benign_reorders_a_chain_in_the_configured_order() -> None:
    links, models = [*LINKS, "imagen"], {**MODELS, "imagen": "imagen-4.0-generate-001"}
    table = routing_table()
    assert {"cjk_text", "batch"} <= set(table)
    assert not {"sexual", "minors", "hate"} & set(table)  # never routed to a looser model
    for name in table:
        assert (route(links, models, name) == links) == (name == "benign"), name
