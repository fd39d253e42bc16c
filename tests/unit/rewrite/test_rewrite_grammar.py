"""Rewrites that read as a person wrote them, and that leave no trigger behind.

The table holds exact expected rewrites (possessives, names used as modifiers, a character named
with its franchise, articles, words the replacement already says, look-alike spellings, several
names side by side). The properties check every rewrite of drawn prompts against both the
product's term tables and the sandbox's own judge, which shares nothing with them.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_imgsafe.base.terms import HARD_PROHIBITED, default_index
from pytest_imgsafe.fuzzing.strategies import prompts
from pytest_imgsafe.rewrite import RewriteRefused, rewrite
from pytest_imgsafe.sandbox.judge import find as sandbox_find

NAME_SCENARIOS = ("celebrity", "living_artist", "copyrighted_ip")

TABLE = [
    # possessives: the replacement's head takes the 's, or the thing owned comes first
    ("Taylor Swift's boyfriend", "A pop singer's boyfriend"),
    ("Elon Musk's rocket", "A tech company founder's rocket"),
    ("A photo of Barack Obama's dog", "A photo of a head of state's dog"),
    ("Oprah's book club", "A talk show host's book club"),
    (
        "Spider-Man's mask on a table",
        "The mask of a young man in a red and blue skin-tight superhero suit with a mask on a table",
    ),
    ("The Joker's grin", "The grin of a grinning villain with green hair and a purple suit"),
    ("Harry Potter's glasses", "The glasses of a young wizard with round glasses and a striped scarf"),
    ("Banksy's rat on a wall", "A rat in the style of 80s street art in the manner of Basquiat on a wall"),
    (
        "Hayao Miyazaki's castle in the sky",
        "A castle in the style of bright, hand-drawn Japanese animation with painted watercolor skies in the sky",
    ),
    # a name used as a modifier
    ("Elon Musk rocket launch", "A tech company founder's rocket launch"),
    ("an Eminem concert", "a hip-hop artist's concert"),
    ("a Pikachu plush", "a plush of a round, cute yellow electric cartoon creature with red cheeks and pointed ears"),
    ("an Iron Man figure on a shelf", "a figure of a hero in glowing red and gold powered armor on a shelf"),
    ("a Batman costume for a party", "a costume of a masked vigilante in a dark cape and cowl for a party"),
    ("Mickey Mouse ears", "Ears of a cheerful cartoon mouse with round ears, red shorts and white gloves"),
    ("An Elsa doll", "A doll of a young snow queen in a shimmering ice-blue gown with a platinum braid"),
    ("a Mario plush", "a plush of a cheerful plumber with a red cap and a mustache"),
    ("a Spider-Man poster", "a poster of a young man in a red and blue skin-tight superhero suit with a mask"),
    ("Banksy style graffiti", "80s street art style graffiti"),
    ("B@nksy style mural", "80s street art style mural"),
    # articles agree with what follows
    ("a Banksy mural", "an 80s street art mural"),
    ("a Yayoi Kusama pumpkin", "a polka-dot pop art pumpkin"),
    ("Anne Hathaway at a gala", "An elegant actress in an evening gown at a gala"),
    ("a cat in the style of Banksy", "a cat in the style of 80s street art in the manner of Basquiat"),
    # words the replacement already says are not said twice
    ("Taylor Swift concert stage", "A pop singer on a concert stage"),
    ("A Coca-Cola bottle on a table", "A classic soda bottle on a table"),
    ("a Gucci bag on a chair", "a luxury designer handbag on a chair"),
    # a character named with its franchise: both names go
    (
        "Pikachu from Pokemon in a forest",
        "A round, cute yellow electric cartoon creature with red cheeks and pointed ears in a forest",
    ),
    ("Marvel's Iron Man flying over a city", "A hero in glowing red and gold powered armor flying over a city"),
    (
        "the Pokemon Pikachu in the rain",
        "a round, cute yellow electric cartoon creature with red cheeks and pointed ears in the rain",
    ),
    ("Nintendo's Mario jumping", "A cheerful plumber with a red cap and a mustache jumping"),
    # look-alike spellings
    ("Taylor Sw1ft on a beach", "A pop singer on a concert stage on a beach"),
    (
        "P1kachu in the forest",
        "A round, cute yellow electric cartoon creature with red cheeks and pointed ears in the forest",
    ),
    ("Elon Mu5k on Mars", "A tech company founder wearing a suit on Mars"),
    ("Darth V4der in a desert", "A dark armored space knight with a black helmet and cape in a desert"),
    ("TaylorSwift reading a book", "A pop singer on a concert stage reading a book"),
    ("Barack Obamma at a cafe", "A head of state in a dark suit at a podium at a cafe"),
    ("A photo of Taylor Sift", "A photo of a pop singer on a concert stage"),
    ("Homer impson next to a lighthouse", "A bald yellow cartoon dad holding a donut next to a lighthouse"),
    ("a star war", "a star war"),  # a plural dropped is not a misspelling of Star Wars
    # overlapping and neighbouring terms: the longest name wins, each name once
    ("Lego Batman on a desk", "A brick-built toy superhero on a desk"),
    ("Garfield and Odie on a couch", "A lazy orange cat and a goofy yellow dog on a couch"),
    (
        "Superman and Batman shaking hands",
        "A flying hero in a blue suit and a red cape and a masked vigilante in a dark cape and cowl shaking hands",
    ),
    (
        "A watercolor of Pikachu, Bulbasaur and Squirtle",
        "A watercolor of a round, cute yellow electric cartoon creature with red cheeks and pointed ears, "
        "a small green creature with a plant bulb on its back and a small blue turtle creature",
    ),
    # plain replacements, as before
    ("A photo of Elon Musk on Mars", "A photo of a tech company founder wearing a suit on Mars"),
    ("A photo of Keanu Reeves riding a motorcycle", "A photo of a film actor in a tailored suit riding a motorcycle"),
    ("a portrait of Messi, oil painting", "a portrait of a soccer player in a team jersey, oil painting"),
    ("a Tesla on a mountain road", "a sleek electric car on a mountain road"),
    ("A bloody knight", "A deep red knight"),
    ("A gory zombie movie poster", "A dramatic, deep red zombie movie poster"),
    ("a pistol on a table", "a prop on a table"),
]


def test_the_table_is_long_enough() -> None:
    assert len(TABLE) >= 40 and len({p for p, _ in TABLE}) == len(TABLE)


@pytest.mark.parametrize(("prompt", "expected"), TABLE)
def test_rewrites_read_as_written_by_a_person(prompt: str, expected: str) -> None:
    result = rewrite(prompt)
    assert result.text == expected
    assert rewrite(result.text).changes == ()  # nothing left to rewrite


def sandbox_triggers(text: str) -> list[str]:
    """What the sandbox's own judge still recognizes: a name, or anything of a hard scenario."""
    return [
        f"{f.scenario}: {f.text}"
        for f in sandbox_find(text)
        if f.scenario in NAME_SCENARIOS or f.scenario in HARD_PROHIBITED
    ]


def product_triggers(text: str) -> list[str]:
    found = default_index().find(text)
    return [m.text for m in found if m.scenario in HARD_PROHIBITED or (m.scenario != "violence" and m.level > 0)]


LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5"}


@st.composite
def lookalike(draw: st.DrawFn, prompt: str) -> str:
    """The prompt with one letter inside a word (not its first) swapped for a digit, or doubled."""
    spots = [i for i in range(1, len(prompt)) if prompt[i].isalpha() and prompt[i - 1].isalpha()]
    if not spots:
        return prompt
    i = draw(st.sampled_from(spots))
    if prompt[i] in LEET and draw(st.booleans()):
        return prompt[:i] + LEET[prompt[i]] + prompt[i + 1 :]
    return prompt[:i] + prompt[i] + prompt[i:]


name_prompts = st.sampled_from(NAME_SCENARIOS).flatmap(prompts)
drawn = st.one_of(name_prompts, name_prompts.flatmap(lookalike))


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn)
def test_a_rewrite_leaves_no_trigger_of_the_tables_or_the_sandbox(prompt: str) -> None:
    try:
        result = rewrite(prompt)
    except RewriteRefused:
        return
    if result.strategy is None:
        # not rewritten (a lookalike letter such as "att" can make it read as another language):
        # then it comes back exactly as given, and says why, never half-rewritten
        assert result.text == prompt and result.changes == () and result.reason, result
        return
    assert product_triggers(result.text) == [], (prompt, result.text)
    assert sandbox_triggers(result.text) == [], (prompt, result.text)
