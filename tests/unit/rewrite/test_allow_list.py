"""Help only what is positively allowed: the strategies act on allowed triggers and nothing else.

A prompt with no allowed trigger, or in a language the tables do not speak, comes back unchanged
with a reason; the describers are asked only about a prompt with an allowed trigger, and their
answer is used only when it is a description.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_imgsafe.base.terms import HARD_PROHIBITED
from pytest_imgsafe.base.terms import bundled_tables as term_tables
from pytest_imgsafe.base.wire import Answer
from pytest_imgsafe.providers.openai import read_description
from pytest_imgsafe.rewrite import NOTHING_TO_REWRITE, STRATEGIES, Rewrite, RewriteRefused, rewrite
from pytest_imgsafe.rewrite.answers import not_a_description
from pytest_imgsafe.rewrite.language import not_covered

PLAUSIBLE = "A figure standing in a softly lit room, muted colors, calm balanced composition"


def permissive(instruction: str, text: str, image: Path | None) -> str:
    """A describer that never refuses: it always answers with a plausible description."""
    return PLAUSIBLE


def never_asked(instruction: str, text: str, image: Path | None) -> str:
    raise AssertionError("the describer must not be asked about a prompt with no allowed trigger")


def every_strategy(prompt: str, describe=permissive) -> list[Rewrite]:
    return [rewrite(prompt, s, describe=describe, image=Path("x.png")) for s in (None, *STRATEGIES)]


@pytest.mark.parametrize(
    "prompt",
    [
        "A lighthouse on a rocky coast at sunset, oil painting",
        "A quiet street with a red door, watercolor",
        "Zorblax Quentin riding a bicycle",  # a name no table knows: not an allowed trigger
    ],
)
def test_a_prompt_with_no_allowed_trigger_comes_back_unchanged_and_no_describer_is_asked(prompt: str) -> None:
    for result in every_strategy(prompt, never_asked):
        assert (result.text, result.strategy, result.changes) == (prompt, None, ())
        assert result.reason == NOTHING_TO_REWRITE


def test_a_table_strategy_without_its_own_trigger_says_so() -> None:
    result = rewrite("A photo of Elon Musk on Mars", "ip_to_archetype")
    assert result.text == "A photo of Elon Musk on Mars"
    assert result.reason == "nothing this strategy rewrites (scenario copyrighted_ip)"


@pytest.mark.parametrize(
    ("prompt", "said"),
    [
        ("Ein Foto von Angela Merkel beim Wandern in den Alpen.", "German"),
        ("Una lattina di Coca-Cola su un tavolo di marmo al tramonto.", "Italian"),
        ("Un paysage enneigé dans le style de David Hockney.", "French"),
        ("宮崎駿のスタイルで描かれた海辺の町。", "Chinese or Japanese script"),
        ("Пикачу на пляже у моря, акварель", "Cyrillic script"),
    ],
)
def test_a_language_the_tables_do_not_speak_comes_back_unchanged_with_a_reason(prompt: str, said: str) -> None:
    for result in every_strategy(prompt, never_asked):
        assert result.text == prompt and result.strategy is None
        assert result.reason is not None and said in result.reason and "English" in result.reason


def test_english_around_a_foreign_name_is_english() -> None:
    assert not_covered("Angela Merkel hiking in the Alps, watercolor", [(0, 13)]) is None
    assert rewrite("Angela Merkel hiking in the Alps, watercolor").changed
    # too short for a detector to tell: taken as English
    assert not_covered("an Eminem concert", [(3, 9)]) is None


@pytest.mark.parametrize(
    "answer",
    [
        "I can't help with that request.",
        "I’m sorry, but I can’t create that image.",
        "Sorry — that goes against my content policy.",
        "As an AI, I am unable to describe this.",
        "Lo siento, no puedo ayudar con eso.",
        "Je suis désolé, je ne peux pas faire cela.",
        "Es tut mir leid, dabei kann ich nicht helfen.",
        "申し訳ありませんが、お応えできません。",
        "",
        "   ...  ",
        "A photo of Elon Musk on Mars",
        "a photo of elon musk on mars, please",
    ],
)
def test_a_describer_answer_that_refuses_apologises_is_empty_or_restates_is_refused(answer: str) -> None:
    def describer(instruction: str, text: str, image: Path | None) -> str:
        return answer

    for strategy in ("describe_reference", "edit_to_generate"):
        with pytest.raises(RewriteRefused) as refused:
            rewrite("A photo of Elon Musk on Mars", strategy, describe=describer, image=Path("x.png"))
        assert not refused.value.hard
        assert "describer's answer" in refused.value.reason and "never sent on" in refused.value.reason


def test_a_description_that_keeps_the_scene_and_drops_the_name_is_a_description() -> None:
    prompt = "Pikachu surfing a big wave at sunset"
    answer = "an original cartoon creature surfing a big wave at sunset, soft natural light, balanced composition"
    assert not_a_description(answer, prompt) is None
    assert rewrite(prompt, "describe_reference", describe=lambda i, t, im: answer).text == answer


def test_an_empty_describer_answer_reaches_the_rewriter_as_empty_text() -> None:
    body = json.dumps({"choices": [{"message": {"role": "assistant", "content": None}, "finish_reason": "stop"}]})
    assert read_description(Answer(200, {}, body.encode(), "test")) == ""


HARD_TERMS = sorted({t.text for s in HARD_PROHIBITED for t in term_tables()[s].terms})
UNKNOWN = ["Zorblax Quentin", "Mirela Vostok", "the Glimmerfen twins", "Captain Orrowind", "Sable Marchetti"]
FILLER = ["a quiet street", "at dusk", "oil painting", "in a meadow", "photo", "watercolor", "on a rooftop"]


@st.composite
def unknown_or_hard(draw: st.DrawFn) -> str:
    """A prompt whose only triggers are names no table knows, or terms of the hard tables."""
    parts = draw(st.lists(st.sampled_from(UNKNOWN + HARD_TERMS), min_size=1, max_size=3))
    parts += draw(st.lists(st.sampled_from(FILLER), min_size=1, max_size=3))
    return ", ".join(draw(st.permutations(parts)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unknown_or_hard(), st.sampled_from([None, *STRATEGIES]))
def test_no_strategy_changes_a_prompt_whose_only_triggers_are_unknown_or_hard(
    prompt: str, strategy: str | None
) -> None:
    try:
        result = rewrite(prompt, strategy, describe=permissive, image=Path("x.png"))
    except RewriteRefused:
        return
    assert result.text == prompt and result.changes == () and result.reason


def test_short_english_that_the_detector_names_scots_is_english() -> None:
    # CLD2 names "Corpse in a snowy forest" Scots: a prompt of the English templates, which the
    # violence table softens, must not come back "in another language".
    result = rewrite("Corpse in a snowy forest")
    assert result.reason is None or "Scots" not in result.reason
    assert result.text != "Corpse in a snowy forest"


@pytest.mark.parametrize(
    "prompt, language",
    [
        ("A phhoto of a teapot, Ai Weiwei style", None),  # CLD2's guess: Czech
        ("Corpse in a snowy forest", None),  # CLD2's guess: Scots
        ("Una foto de Shakira en la playa al atardecer", "Spanish"),  # CLD2's guess: English
        ("Photo de Zidane dans un café parisien le matin", "French"),  # CLD2's guess: English
    ],
)
def test_where_the_detector_is_unsure_the_function_words_decide(prompt: str, language: str | None) -> None:
    reason = not_covered(prompt, [])
    assert (reason is None) if language is None else (reason is not None and language in reason)


@pytest.mark.parametrize(
    "prompt, language",
    [
        # CLD2 calls these English and says it is sure; the function words say otherwise
        ("Tom Hanks serrant des mains au salon du livre, photo de presse", "French"),
        ("Tom Hanks serrant des mains au salon de la musique", "French"),
        # an English prompt with a French name or phrase stays English
        ("Taylor Swift on stage at the Stade de France, a la mode", None),
        ("A portrait of Gérard Depardieu in the style of a Dutch master", None),
    ],
)
def test_a_detector_sure_of_english_is_overruled_by_another_languages_function_words(
    prompt: str, language: str | None
) -> None:
    result = rewrite(prompt)
    if language is None:
        assert result.reason is None or "reads as" not in result.reason
    else:
        assert result.text == prompt and result.reason is not None and language in result.reason
