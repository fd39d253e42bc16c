"""Hypothesis strategies for prompts, their scenarios and their surface variations.

    from hypothesis import given
    from pytest_imgsafe.fuzzing.strategies import prompts, variations

    @given(prompts("celebrity"))
    def test_names_rewrite(prompt): ...

``prompts(scenario)`` fills templates (``data/prompt_templates.yaml``) with terms of the
scenario's table; ``prompts("benign")`` draws controls with no trigger term at all.
``variations(prompt)`` draws trivial surface changes (case, punctuation, spacing, Unicode
confusables and accents, words joined by hyphens or spaces) under which a block must hold: a
classifier that blocks "Nazi swastika" and passes "NAZI  swastika!" is broken. Confusables are
the ones the term matcher folds (``pytest_imgsafe.base.terms``), so the sandbox holds against them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml
from hypothesis import strategies as st

from ..base.files import bundled_text
from ..base.terms import ALL_SCENARIOS, SCENARIOS, TermTable, bundled_tables

# Latin letter -> lookalikes from other scripts (all folded back by the term matcher).
CONFUSABLES: dict[str, str] = {
    "a": "аα",
    "e": "еε",
    "o": "оο",
    "p": "рρ",
    "c": "с",
    "y": "у",
    "x": "хχ",
    "i": "іι",
    "j": "ј",
    "s": "ѕ",
    "h": "һ",
    "d": "ԁ",
    "k": "кκ",
    "m": "м",
    "t": "тτ",
    "v": "ν",
}
ACCENTS: dict[str, str] = {"a": "áàâä", "e": "éèêë", "i": "íìîï", "o": "óòôö", "u": "úùûü", "n": "ñ", "c": "ç"}


@lru_cache(maxsize=1)
def _templates() -> dict[str, Any]:
    text = bundled_text("data", "prompt_templates.yaml")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def terms(scenario: str, tables: dict[str, TermTable] | None = None) -> st.SearchStrategy[str]:
    """A term of one scenario's table, as written there."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; scenarios: {', '.join(SCENARIOS)}")
    table = (tables or bundled_tables())[scenario]
    return st.sampled_from(sorted(t.text for t in table.terms))


def prompts(scenario: str = "benign", tables: dict[str, TermTable] | None = None) -> st.SearchStrategy[str]:
    """A prompt of the scenario, from a template and a term of its table (benign: no term)."""
    if scenario not in ALL_SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; scenarios: {', '.join(ALL_SCENARIOS)}")
    data = _templates()
    slots = {name: st.sampled_from(values) for name, values in data["slots"].items()}
    if scenario != "benign":
        slots["term"] = terms(scenario, tables)
    return st.sampled_from(data["templates"][scenario]).flatmap(lambda template: fill(template, slots))


def benign_prompts() -> st.SearchStrategy[str]:
    """Controls: prompts with no trigger term, which every target should pass."""
    return prompts("benign")


def fill(template: str, slots: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    """Fill a ``{slot}`` template, drawing each slot it names from ``slots``."""
    import string

    names = sorted({field for _, field, _, _ in string.Formatter().parse(template) if field})
    missing = [n for n in names if n not in slots]
    if missing:
        raise ValueError(f"template {template!r} has slots with no values: {', '.join(missing)}")
    return st.fixed_dictionaries({n: slots[n] for n in names}).map(
        lambda values: _capitalized(template.format(**values))
    )


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- surface variations -------------------------------------------------------------------


def _case(draw: st.DrawFn, text: str) -> str:
    how = draw(st.sampled_from(["upper", "lower", "title", "swap", "random"]))
    if how == "random":
        flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
        return "".join(c.upper() if f else c.lower() for c, f in zip(text, flips, strict=True))
    return str(getattr(text, {"upper": "upper", "lower": "lower", "title": "title", "swap": "swapcase"}[how])())


def _punctuation(draw: st.DrawFn, text: str) -> str:
    how = draw(st.sampled_from(["end", "quote", "commas", "dots"]))
    if how == "end":
        return text + draw(st.sampled_from(["!", "!!", "?", "...", ".", " :)"]))
    if how == "quote":
        quote = draw(st.sampled_from(['"', "'", "«", "“"]))
        return f"{quote}{text}{'»' if quote == '«' else '”' if quote == '“' else quote}"
    if how == "commas":
        return text.replace(" ", ", ", 1)
    return text.replace(" ", " ... ", 1)


def _spacing(draw: st.DrawFn, text: str) -> str:
    words = text.split(" ")
    seps = draw(st.lists(st.sampled_from([" ", "  ", "\t", "\n", "   "]), min_size=len(words), max_size=len(words)))
    return (
        draw(st.sampled_from(["", " ", "\n"]))
        + "".join(w + s for w, s in zip(words, seps, strict=True)).rstrip()
        + draw(st.sampled_from(["", " ", "\n"]))
    )


def _joins(draw: st.DrawFn, text: str) -> str:
    words = text.split(" ")
    seps = draw(
        st.lists(
            st.sampled_from([" ", "-", " - ", "_", "/"]),
            min_size=max(0, len(words) - 1),
            max_size=max(0, len(words) - 1),
        )
    )
    out = words[0]
    for word, sep in zip(words[1:], seps, strict=True):
        out += sep + word
    return out


def _letters(draw: st.DrawFn, text: str, table: dict[str, str]) -> str:
    chars = list(text)
    spots = [i for i, c in enumerate(chars) if c.lower() in table]
    if not spots:
        return text
    chosen = draw(st.lists(st.sampled_from(spots), min_size=1, max_size=min(4, len(spots)), unique=True))
    for i in chosen:
        look = draw(st.sampled_from(table[chars[i].lower()]))
        chars[i] = look.upper() if chars[i].isupper() else look
    return "".join(chars)


KINDS: tuple[str, ...] = ("case", "punctuation", "spacing", "joins", "confusables", "accents")


@st.composite
def variations(draw: st.DrawFn, prompt: str, kinds: tuple[str, ...] = KINDS) -> str:
    """The prompt under one to three trivial surface changes (see the module docstring)."""
    chosen = draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=3, unique=True))
    text = prompt
    for kind in sorted(chosen, key=kinds.index):
        if kind == "case":
            text = _case(draw, text)
        elif kind == "punctuation":
            text = _punctuation(draw, text)
        elif kind == "spacing":
            text = _spacing(draw, text)
        elif kind == "joins":
            text = _joins(draw, text)
        elif kind == "confusables":
            text = _letters(draw, text, CONFUSABLES)
        elif kind == "accents":
            text = _letters(draw, text, ACCENTS)
    return text


def varied_prompts(scenario: str) -> st.SearchStrategy[str]:
    """A prompt of the scenario under surface variations."""
    return prompts(scenario).flatmap(variations)
