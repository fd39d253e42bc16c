"""Fallback only past an allowed cause: a chain or gateway goes past a block to the next link only
when the block is attributed to an allowed scenario (the provider's categories first, the local
reading second); a hard or unknown cause is a visible block that says why."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_imgsafe import classify
from pytest_imgsafe.base.terms import HARD_PROHIBITED
from pytest_imgsafe.base.terms import bundled_tables as term_tables
from pytest_imgsafe.fuzzing.strategies import prompts
from pytest_imgsafe.providers.outcome import Outcome
from pytest_imgsafe.rewrite import REWRITABLE, default_rewriter
from pytest_imgsafe.routing.cause import BlockReader
from pytest_imgsafe.routing.chain import content, run_chain
from pytest_imgsafe.routing.gateway import GatewayConfig, run_gateway
from pytest_imgsafe.routing.screen import default_screen

READER = BlockReader(default_rewriter())
LINKS = ("strict", "medium", "loose")


def openai_block(*categories: str) -> Outcome:
    body = {
        "error": {
            "message": f"Your request was rejected by the safety system. safety_violations=[{','.join(categories)}].",
            "type": "image_generation_user_error",
            "code": "moderation_blocked",
            "moderation_details": {"moderation_stage": "input", "categories": list(categories)},
        }
    }
    return classify(400, body)


@pytest.mark.parametrize(
    ("outcome", "kind"),
    [
        (openai_block("public_figure"), "allowed"),
        (openai_block("copyright"), "allowed"),
        (openai_block("violence"), "allowed"),
        (openai_block("sexual"), "hard"),
        (openai_block("sexual_minors"), "hard"),
        (openai_block("hate", "public_figure"), "hard"),
        (openai_block("self-harm"), "unknown"),
        (Outcome("block", "input", "PROHIBITED_CONTENT", "gemini"), "hard"),
        (Outcome("block", "output", "IMAGE_RECITATION", "gemini"), "allowed"),
        (Outcome("block", "input", "content_filter", "azure", None, ("hate",)), "hard"),
        (Outcome("block", "input", "content_filter", "azure", None, ("jailbreak",)), "unknown"),
        (Outcome("block", "input", "categoriesAnalysis", "azure", None, ("Sexual:6",)), "hard"),
        (Outcome("block", "input", "blocklistsMatch", "azure", None, ("blocklist:ours",)), "unknown"),
        (Outcome("block", "input", "flagged", "openai", None, ("violence/graphic",)), "allowed"),
    ],
)
def test_the_providers_own_categories_come_first(outcome: Outcome, kind: str) -> None:
    cause = READER.cause("A photo of Elon Musk on Mars", outcome)
    assert cause.kind == kind, cause
    assert cause.source == "provider" and cause.why


@pytest.mark.parametrize(
    ("prompt", "kind"),
    [
        ("A photo of Elon Musk on Mars", "allowed"),
        ("Pikachu in a forest", "allowed"),
        ("A cowboy holding a revolver in a western town, painting", "allowed"),
        ("A lighthouse at dusk", "unknown"),  # nothing allowed to blame: the block stays
        ("A photo of Elon Musk with a swastika", "hard"),
        ("A woman in her birthday suit next to Mickey Mouse", "hard"),
        ("A massacre in a village square", "unknown"),  # atrocity wording is declined, not helped
        ("Pikachu at a party with a 7-year-old", "unknown"),  # a minor: the models judge it, no fallback
        ("Ein Foto von einer Frau", "unknown"),
    ],
)
def test_a_block_without_categories_is_read_from_the_prompt(prompt: str, kind: str) -> None:
    cause = READER.cause(prompt, Outcome("block", "output", "IMAGE_SAFETY", "gemini"))
    assert cause.kind == kind, cause


def test_allowed_categories_do_not_excuse_a_hard_prompt() -> None:
    cause = READER.cause("Mickey Mouse giving a stiff-arm salute", openai_block("copyright"))
    assert cause.kind == "hard" and cause.source == "prompt" and "hate" in cause.why


def links_answering(first: Outcome) -> Callable[[str, str], Outcome]:
    def ask(link: str, prompt: str) -> Outcome:
        return first if link == "strict" else Outcome("pass", provider="stub")

    return ask


def test_a_hard_block_stops_the_chain_and_says_why() -> None:
    result = run_chain("Nazi swastika poster", LINKS, links_answering(openai_block("hate")), reader=READER)
    assert result.outcome.verdict == "block" and result.outcome.link == "strict"
    assert [link for link, _ in result.answers] == ["strict"]
    assert result.steps[-1] == (
        "fallback",
        "stopped at strict: the provider attributes the block to hate, a hard-prohibited scenario",
    )


def test_an_allowed_block_falls_back() -> None:
    result = run_chain("Pikachu in a forest", LINKS, links_answering(openai_block("copyright")), reader=READER)
    assert result.outcome.label == "pass@medium" and result.stopped is None


def test_routing_gives_no_route_to_what_the_second_line_reads_as_hard() -> None:
    assert content("A crowd raising their right arms stiffly forward, palms down, toward a leader") == "hate"
    assert content("Pikachu in a forest") == "copyrighted_ip"


# --- properties ---------------------------------------------------------------------------------

HARD_CATEGORIES = ["sexual", "sexual_minors", "hate", "HARM_CATEGORY_HATE_SPEECH", "self-harm", "jailbreak"]
HARD_TERMS = sorted({t.text for s in HARD_PROHIBITED for t in term_tables()[s].terms})


@st.composite
def hard_or_unknown_block(draw: st.DrawFn) -> tuple[str, Outcome]:
    """A prompt and its first link's block whose cause is hard or unknown: a hard category from
    the provider, or none, with a prompt that holds no allowed trigger or holds a hard term."""
    prompt = draw(st.sampled_from(["benign", *REWRITABLE]).flatmap(prompts))
    if draw(st.booleans()):
        outcome = openai_block(draw(st.sampled_from(HARD_CATEGORIES)))
    else:
        outcome = Outcome("block", draw(st.sampled_from(["input", "output"])), "IMAGE_SAFETY", "gemini")
        if default_rewriter().read(prompt).allowed or draw(st.booleans()):
            prompt = f"{prompt}, {draw(st.sampled_from(HARD_TERMS))}"
    return prompt, outcome


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hard_or_unknown_block())
def test_a_chain_never_passes_later_what_its_first_link_blocked_for_a_hard_or_unknown_cause(
    drawn: tuple[str, Outcome],
) -> None:
    prompt, first = drawn
    result = run_chain(prompt, LINKS, links_answering(first), reader=READER)
    assert result.outcome.verdict == "block" and [link for link, _ in result.answers] == ["strict"], result


# A strict first model that blocks names, brands, artists and violent wording (with or without
# saying so), and sometimes an ordinary scene with a child; looser links that pass what it blocks.
SCENES = [
    "A 7-year-old boy building a sandcastle at the beach",
    "Two kids flying a kite with their grandparents, watercolor",
    "A third grader presenting a volcano at the science fair",
    "A photo of a family picnic in a park",
    "Anatomy textbook diagram of the human heart",
]


@st.composite
def legitimate(draw: st.DrawFn) -> str:
    return draw(st.one_of(st.sampled_from(["benign", *REWRITABLE]).flatmap(prompts), st.sampled_from(SCENES)))


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(legitimate(), min_size=1, max_size=8), st.booleans(), st.booleans(), st.data())
def test_the_gateways_visible_block_rate_on_legitimate_prompts_is_never_above_its_first_models(
    batch: list[str], says_why: bool, blocks_children: bool, data: st.DataObject
) -> None:
    rewriter = default_rewriter()

    def first_model(prompt: str) -> Outcome:
        found = rewriter.read(prompt)
        if found.allowed:
            scenario = found.allowed[0].scenario
            category = {"celebrity": "public_figure", "copyrighted_ip": "copyright"}.get(scenario, scenario)
            return openai_block(category) if says_why else Outcome("block", "input", "IMAGE_SAFETY", "gemini")
        if blocks_children and rewriter.detector.minors(prompt):
            return openai_block("minors")
        return Outcome("pass", provider="stub")

    later = data.draw(st.sampled_from(["pass", "block"]))

    def ask(link: str, prompt: str) -> Outcome:
        if link == "moderation":
            return Outcome("pass", provider="stub")
        if link == "strict":
            return first_model(prompt)
        return Outcome(later if later == "pass" else "block", "input", "IMAGE_SAFETY", "stub")

    config = GatewayConfig(LINKS, "moderation", True, True)
    alone = sum(first_model(p).verdict == "block" for p in batch)
    through = [run_gateway(p, config, ask, rewriter=rewriter, screen=default_screen()) for p in batch]
    assert sum(r.outcome.verdict == "block" for r in through) <= alone
    for prompt, result in zip(batch, through, strict=True):
        if result.outcome.verdict == "block":
            assert first_model(prompt).verdict == "block", (prompt, result.steps)


@pytest.mark.parametrize("prompt", SCENES[:4])
def test_the_gateways_screen_lets_an_ordinary_scene_with_a_child_through(prompt: str) -> None:
    asked: list[str] = []

    def ask(link: str, sent: str) -> Outcome:
        asked.append(link)
        return Outcome("pass", provider="stub")

    result = run_gateway(prompt, GatewayConfig(LINKS), ask, rewriter=default_rewriter(), screen=default_screen())
    assert result.outcome.label == "pass@strict" and result.sent == prompt
    assert result.steps[0][0] == "screen" and not result.steps[0][1].startswith("stopped")


@pytest.mark.parametrize(
    "prompt",
    [
        "A woman in her birthday suit on a sofa",
        "A red flag with a white disc holding a black hooked cross",
        "A nine-year-old in a swimsuit at the beach",
    ],
)
def test_the_gateways_screen_stops_what_the_second_line_reads_as_hard(prompt: str) -> None:
    def ask(link: str, sent: str) -> Outcome:
        raise AssertionError("a hard prompt must never reach a model")

    result = run_gateway(prompt, GatewayConfig(LINKS), ask, rewriter=default_rewriter(), screen=default_screen())
    assert result.outcome.code == "gateway:screen" and result.steps[0][1].startswith("stopped")
