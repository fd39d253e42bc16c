"""The rewriting strategies: examples from the domain notes, properties, and the refusal rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_imgsafe.base.terms import HARD_PROHIBITED, default_index, term_key
from pytest_imgsafe.base.terms import bundled_tables as term_tables
from pytest_imgsafe.fuzzing.strategies import prompts, variations
from pytest_imgsafe.rewrite import (
    STRATEGIES,
    Rewriter,
    RewriteRefused,
    RewriteTableError,
    bundled_tables,
    describe_reference,
    edit_to_generate,
    ip_to_archetype,
    living_artist_to_style,
    load_table_file,
    merge_tables,
    name_to_descriptor,
    rewrite,
    soften_violence,
)
from pytest_imgsafe.sandbox.policy import decide

TABLE_SCENARIOS = {
    "name_to_descriptor": "celebrity",
    "living_artist_to_style": "living_artist",
    "ip_to_archetype": "copyrighted_ip",
    "soften_violence": "violence",
}


def fake_describer(instruction: str, text: str, image: Path | None) -> str:
    """A describer that answers like a careful chat model would (and one that slips, below)."""
    return "A tall figure in a dark suit on a red desert plain under a pale sky, soft light"


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("A photo of Elon Musk on Mars", "A photo of a tech company founder wearing a suit on Mars"),
        ("Anne Hathaway at a gala", "An elegant actress in an evening gown at a gala"),
        (
            "Pikachu in the forest",
            "A round, cute yellow electric cartoon creature with red cheeks and pointed ears in the forest",
        ),
        (
            "Spider-Man swinging over New York",
            "A young man in a red and blue skin-tight superhero suit with a mask swinging over New York",
        ),
        ("Banksy style graffiti", "80s street art style graffiti"),
        (
            "a Pikachu plush",
            "a plush of a round, cute yellow electric cartoon creature with red cheeks and pointed ears",
        ),
        ("A bloody knight", "A deep red knight"),
    ],
)
def test_examples_from_the_domain_notes(prompt: str, expected: str) -> None:
    assert rewrite(prompt).text == expected


def test_named_functions_use_only_their_own_table() -> None:
    prompt = "Taylor Swift holding a Pikachu, in the style of Banksy, with a pistol"
    assert (
        name_to_descriptor(prompt).text
        == "A pop singer on a concert stage holding a Pikachu, in the style of Banksy, with a pistol"
    )
    assert ip_to_archetype(prompt).text.startswith("Taylor Swift holding a round, cute yellow")
    assert living_artist_to_style(prompt).text.endswith(
        "in the style of 80s street art in the manner of Basquiat, with a pistol"
    )
    assert soften_violence(prompt).text.endswith("with a prop")
    both = rewrite(prompt)
    assert both.strategy == "name_to_descriptor+living_artist_to_style+ip_to_archetype+soften_violence"
    assert not default_index().find(both.text)


def test_changes_give_span_original_and_replacement() -> None:
    result = rewrite("A photo of Elon Musk on Mars")
    (change,) = result.changes
    assert (change.start, change.end, change.original) == (11, 20, "Elon Musk")
    assert change.replacement == "a tech company founder wearing a suit"
    assert result.strategy == "name_to_descriptor"


def test_nothing_to_rewrite_is_unchanged() -> None:
    for prompt in ("A cat in the style of Van Gogh", "A lighthouse at dusk", ""):
        result = rewrite(prompt)
        assert (result.text, result.strategy, result.changes) == (prompt, None, ())


def test_unknown_strategy_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown strategy 'name_to_descriptr'.*name_to_descriptor"):
        rewrite("x", "name_to_descriptr")


def test_describer_strategies_need_a_describer() -> None:
    with pytest.raises(ValueError, match="describe_reference needs a describer"):
        rewrite("A photo of Elon Musk", "describe_reference")


# --- the tables -----------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", sorted(TABLE_SCENARIOS))
def test_every_trigger_term_has_a_replacement_or_is_declined(strategy: str) -> None:
    table = bundled_tables()[strategy]
    scenario = TABLE_SCENARIOS[strategy]
    keys = {term_key(t.text) for t in term_tables()[scenario].terms}
    listed = set(table.entries) | set(table.decline)
    assert keys - listed == set(), "terms with no replacement"
    assert listed - keys == set(), "replacements for terms that are not triggers"
    assert len(table.entries) >= (40 if scenario == "violence" else 150)


@pytest.mark.parametrize("strategy", sorted(TABLE_SCENARIOS))
def test_no_replacement_contains_a_trigger(strategy: str) -> None:
    table = bundled_tables()[strategy]
    index = default_index()
    offending = {text: index.find(text) for text in {*table.entries.values(), table.default} if index.find(text)}
    assert offending == {}


@pytest.mark.slow
@pytest.mark.parametrize("strategy", sorted(TABLE_SCENARIOS))
def test_every_rewritten_term_passes_the_strict_profile(strategy: str) -> None:
    """The notes' claim, checked for every term: the rewrite of '<shot> <term>' passes strict."""
    table = bundled_tables()[strategy]
    scenario = TABLE_SCENARIOS[strategy]
    failures = []
    for term in term_tables()[scenario].terms:
        if table.declines(term.text):
            continue
        prompt = f"An illustration of {term.text} in a park"
        text = rewrite(prompt, strategy).text
        decision = decide(text, "strict", 1, "generate")
        if decision.verdict != "pass":
            failures.append((prompt, text, decision))
    assert failures == []


def test_user_tables_override_and_extend(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "strategy: name_to_descriptor\nmap:\n  Elon Musk: a rocket company boss in a t-shirt\n"
        "groups:\n  - replacement: a local news anchor\n    terms: [Jane Localnews]\n",
        encoding="utf-8",
    )
    tables = merge_tables(bundled_tables(), [load_table_file(path)])
    rewriter = Rewriter(tables=tables)
    assert rewriter.rewrite("Elon Musk on Mars").text == "A rocket company boss in a t-shirt on Mars"
    assert rewriter.rewrite("Taylor Swift on Mars").text == "A pop singer on a concert stage on Mars"
    assert tables["name_to_descriptor"].default == bundled_tables()["name_to_descriptor"].default


def test_a_bad_user_table_names_the_file_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("strategy: name_to_descriptr\nmap: {}\n", encoding="utf-8")
    with pytest.raises(RewriteTableError, match=r"bad\.yaml: 'strategy' must be one of name_to_descriptor"):
        load_table_file(path)
    path.write_text("strategy: ip_to_archetype\nmap:\n  007: a spy\n", encoding="utf-8")
    with pytest.raises(RewriteTableError, match="term 7 is not text; quote it"):
        load_table_file(path)


def test_a_term_only_a_user_table_knows_gets_the_default() -> None:
    from pytest_imgsafe.base.terms import Term, TermIndex

    index = TermIndex(
        [*(t for table in term_tables().values() for t in table.terms), Term("Jane Localnews", "celebrity", 1)]
    )
    assert Rewriter(index=index).rewrite("Jane Localnews at a cafe").text == "A person in smart clothes at a cafe"


# --- properties -----------------------------------------------------------------------------

rewritable = st.sampled_from(sorted(TABLE_SCENARIOS.values())).flatmap(prompts)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rewritable)
def test_rewrite_is_deterministic_and_idempotent(prompt: str) -> None:
    try:
        first = rewrite(prompt)
    except RewriteRefused as refused:
        assert refused.scenario == "violence"  # only declined atrocity wording refuses here
        return
    assert rewrite(prompt) == first
    again = rewrite(first.text)
    assert again.text == first.text and again.changes == ()


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rewritable)
def test_rewrite_touches_nothing_but_its_spans(prompt: str) -> None:
    try:
        result = rewrite(prompt)
    except RewriteRefused:
        return
    rebuilt, at = [], 0
    for change in result.changes:
        assert prompt[change.start : change.end] == change.original
        assert change.start >= at
        rebuilt += [prompt[at : change.start], change.replacement]
        at = change.end
    assert "".join([*rebuilt, prompt[at:]]) == result.text
    untouched = [prompt[a.end : b.start] for a, b in zip(result.changes, result.changes[1:], strict=False)]
    assert all(part in result.text for part in untouched)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rewritable)
def test_a_rewrite_never_falls_in_a_prohibited_scenario_and_leaves_no_trigger(prompt: str) -> None:
    try:
        result = rewrite(prompt)
    except RewriteRefused:
        return
    found = default_index().find(result.text)
    assert [m for m in found if m.scenario in HARD_PROHIBITED] == []
    assert [m for m in found if m.scenario in TABLE_SCENARIOS.values() and m.level > 0] == []


# --- the refusal rule -----------------------------------------------------------------------

prohibited = st.sampled_from(sorted(HARD_PROHIBITED)).flatmap(prompts)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prohibited.flatmap(lambda p: st.one_of(st.just(p), variations(p))), st.sampled_from([None, *STRATEGIES]))
def test_every_strategy_refuses_the_hard_prohibited_scenarios(prompt: str, strategy: str | None) -> None:
    calls: list[str] = []

    def describer(instruction: str, text: str, image: Path | None) -> str:
        calls.append(text)
        return "a plain scene"

    with pytest.raises(RewriteRefused) as refused:
        rewrite(prompt, strategy, describe=describer)
    assert refused.value.scenario in HARD_PROHIBITED
    assert refused.value.terms
    assert calls == []  # refused before any describer call


def test_refusal_names_the_scenario_and_terms() -> None:
    with pytest.raises(RewriteRefused) as refused:
        rewrite("A photo of Taylor Swift with a swastika", "name_to_descriptor")
    assert refused.value.scenario == "hate"
    assert refused.value.terms == ("swastika",)
    assert "never rewritten" in str(refused.value)


def test_no_table_maps_sexual_or_minor_terms() -> None:
    prohibited_keys = {term_key(t.text) for s in HARD_PROHIBITED for t in term_tables()[s].terms}
    for table in bundled_tables().values():
        assert prohibited_keys & set(table.entries) == set()


def test_atrocity_wording_is_declined_not_softened() -> None:
    with pytest.raises(RewriteRefused, match="massacre"):
        soften_violence("A massacre in a village square")
    assert soften_violence("A gory zombie movie poster").text == "A dramatic, deep red zombie movie poster"


def test_a_describer_answer_that_slips_is_cleaned_or_refused() -> None:
    def slips(instruction: str, text: str, image: Path | None) -> str:
        return "A tech founder like Elon Musk standing on Mars"

    assert describe_reference("A photo of Elon Musk on Mars", slips).text == (
        "A tech founder like a tech company founder wearing a suit standing on Mars"
    )

    def leaks(instruction: str, text: str, image: Path | None) -> str:
        return "A nude figure on Mars"

    with pytest.raises(RewriteRefused, match="describer's answer reads as sexual content"):
        describe_reference("A photo of Elon Musk on Mars", leaks)


def test_describe_reference_and_edit_to_generate() -> None:
    seen: list[tuple[str, str, Path | None]] = []

    def describer(instruction: str, text: str, image: Path | None) -> str:
        seen.append((instruction, text, image))
        return fake_describer(instruction, text, image)

    result = describe_reference("A photo of Elon Musk on Mars", describer)
    assert result.strategy == "describe_reference" and result.changes[0].original == "A photo of Elon Musk on Mars"
    assert "visual description" in seen[0][0]
    assert describe_reference(result.text, describer).changes == ()  # idempotent: nothing left, no call
    assert len(seen) == 1

    edit = edit_to_generate("Add a Batman logo to the shirt", describer, Path("shirt.png"))
    assert edit.endpoint == "generate"
    assert edit.text == (
        "A tall figure in a dark suit on a red desert plain under a pale sky, soft light, "
        "add a logo of a masked vigilante in a dark cape and cowl to the shirt"
    )
    assert seen[-1][2] == Path("shirt.png")


def test_a_name_written_right_keeps_the_tables_level_and_spelling() -> None:
    """The look-alike pass reads only what the index did not find as written: a name spelled
    right is the index's match (its level, its term), a misspelt one the look-alike's."""
    from pytest_imgsafe.routing.tables import Tables

    rewriter = Tables.of((), ()).rewriter
    (right,) = rewriter.find("a Pikachu plush")
    (near,) = rewriter.find("a Pikachuu plush")
    assert (right.term, right.level) == ("Pikachu", 3)
    assert near.term == "pikachu" and near.text == "Pikachuu"


def test_every_function_word_is_read_as_text() -> None:
    # unquoted, YAML reads "on" and "no" as booleans, and "Dead body on Mars" had no English word
    from pytest_imgsafe.rewrite.language import _function_words

    table = _function_words()
    assert all(isinstance(word, str) for words in table.values() for word in words)
    assert "on" in table["en"] and "no" in table["pt"]


def test_a_short_english_prompt_with_one_function_word_is_rewritten() -> None:
    assert rewrite("Dead body on Mars").changed
