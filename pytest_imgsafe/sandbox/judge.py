"""What a prompt is about, as a provider's classifier would see it: the sandbox's findings.

A provider's input filter is a learned classifier: it reacts to meaning, so a prompt that avoids
the listed words still trips it. The sandbox imitates that offline with two mechanisms over the
folded prompt (``fold.py``):

* **names** (``data/names.yaml``): public figures, living artists, characters and brands, found
  in any spelling a reader still recognizes: with or without spaces and hyphens ("spider man",
  "spiderman"), with digits for letters ("Tayl0r Sw1ft"), accents or look-alike letters, and,
  for long names, one letter changed, dropped or swapped ("Scarlet Johanson");
* **rules** (``data/rules.yaml``): meaning a word list misses: ages written as numbers or words,
  school years and stages of life; hate codes, described symbols and salutes; nudity described
  instead of named; weapons by model number. A rule may be lowered by its frame (swimwear on a
  beach, "murdered" on a memorial), and a name is read in its phrase (``persons.py``: the Anne
  Frank House is a building; a historical figure in a history lesson, drawn, is a lesson).

Everything here is the sandbox's own (see the README's sandbox section): it reads none of the
product's term tables, screen or rewrite code, so a rewrite or a gateway tested against it is
tested against a judge the product did not write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

import yaml

from .fold import TOKEN, Folded, fold, within_edits
from .lexicon import compile_pattern
from .memo import text_cache
from .persons import in_history_frame, is_place_word, names_a_place
from .readings import hard_words, readings

# What may stand between the words of one name: "Spider-Man", "J.K. Rowling", "Kiki's", "H&M".
_NAME_GAP = re.compile(r"[\s\-\u2010-\u2015_.'\u2019\u00b7&]*")
_MAX_WINDOW = 5


class Finding(NamedTuple):
    """One thing the classifier recognized; ``start``/``end`` index the original prompt.

    ``term`` is the name as listed, or the rule's reason; ``text`` the words of the prompt.
    """

    scenario: str
    level: int
    term: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Rule:
    """A meaning-level rule of ``rules.yaml``."""

    scenario: str
    level: int
    why: str
    pattern: re.Pattern[str]
    near: tuple[re.Pattern[str], ...]
    within: int
    excused_by: re.Pattern[str] | None = None
    not_excused_with: re.Pattern[str] | None = None
    lowered_by: re.Pattern[str] | None = None
    not_lowered_with: re.Pattern[str] | None = None
    beside: str | None = None
    """A scenario of names (``celebrity``): the rule counts only within ``within`` characters of
    a name of it ("a real person drawn as an ape" is a trope; an ape alone is an animal)."""
    also_excused: tuple[tuple[re.Pattern[str], re.Pattern[str] | None], ...] = ()
    """Further frames that excuse the rule, each with what keeps it (``also_excused_by``: a nude
    in a life-drawing class, where "model" and "pose" are the class's own words)."""

    def level_in(self, text: str) -> int:
        """The rule's level in ``text``: one lower (never below 0) where a frame that lowers it
        is there and nothing that keeps it is ("a bikini" on a beach, "murdered" on a memorial)."""
        if self.lowered_by is None or not self.lowered_by.search(text):
            return self.level
        if self.not_lowered_with is not None and self.not_lowered_with.search(text):
            return self.level
        return max(0, self.level - 1)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The folded spans where this rule holds, in the text as written and with words joined by
        ``-`` or ``/`` read apart ("white-power" is "white power" to a classifier; one character
        for one, so the spans stay the same)."""
        frames = (
            ((self.excused_by, self.not_excused_with), *self.also_excused) if self.excused_by else self.also_excused
        )
        for excused_by, not_excused_with in frames:
            if excused_by is not None and excused_by.search(text):
                if not_excused_with is None or not not_excused_with.search(text):
                    return []
        found: list[tuple[int, int]] = []
        for variant, where in _readings(text):
            for m in self.pattern.finditer(variant):
                if self.near:
                    lo, hi = max(0, m.start() - self.within), m.end() + self.within
                    window = variant[lo : m.start()] + " " + variant[m.end() : hi]
                    if not all(near.search(window) for near in self.near):
                        continue
                span = (
                    (where[m.start()], where[m.end() - 1] + 1)
                    if m.end() > m.start()
                    else (where[m.start()], where[m.start()])
                )
                if span not in found:
                    found.append(span)
        return found


@text_cache(maxsize=4096)
def _readings(text: str) -> list[tuple[str, list[int]]]:
    """The text as a classifier reads it, each reading with the index in ``text`` of each of its
    characters: as written; with words joined by ``-`` or ``/`` read apart ("white-power"); with
    runs of white space read as one ("white  power", a line break)."""
    same = list(range(len(text) + 1))
    readings = [(text, same)]
    apart = _JOINERS.sub(" ", text)
    if apart != text:
        readings.append((apart, same))
    if _SPACES.search(apart):
        chars: list[str] = []
        where: list[int] = []
        for i, ch in enumerate(apart):
            if ch.isspace() and chars and chars[-1] == " ":
                continue
            chars.append(" " if ch.isspace() else ch)
            where.append(i)
        where.append(len(apart))
        readings.append(("".join(chars), where))
    return readings


_JOINERS = re.compile(r"(?<=[a-z])[-/](?=[a-z])")
_SPACES = re.compile(r"\s\s|[\t\n\r\f\v]")


@dataclass(frozen=True)
class Name:
    """A listed name: how it is written, its scenario and level, and its joined folded form."""

    text: str
    scenario: str
    level: int
    joined: str
    words: int = 1


def _data(name: str) -> Any:
    text = (resources.files("pytest_imgsafe.sandbox") / "data" / name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _name(text: str, scenario: str, level: int) -> Name:
    return Name(text, scenario, level, joined_form(text), len(TOKEN.findall(fold(text).text)))


def joined_form(text: str) -> str:
    """A name's letters and digits, folded, without spaces: the key every spelling meets at."""
    return "".join(TOKEN.findall(fold(text).text))


_SPECIAL = ("safe", "given_names", "not_family_names")


@lru_cache(maxsize=1)
def names() -> tuple[Name, ...]:
    """Every name of ``names.yaml``; safe references have the scenario ``safe``."""
    data = _data("names.yaml")
    listed = [_name(str(text), "safe", 0) for text in data["safe"]]
    for scenario, levels in data.items():
        if scenario in _SPECIAL:
            continue
        for level, items in levels.items():
            for text in items:
                if not isinstance(text, str):
                    raise ValueError(f"names.yaml: {scenario} level {level}: {text!r} is not text; quote it")
                listed.append(_name(text, str(scenario), int(level)))
    return tuple(listed)


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """Every rule of ``rules.yaml``, compiled, its ``{{concept}}`` names expanded (``lexicon.py``)."""
    compiled: list[Rule] = []
    for scenario, items in _data("rules.yaml").items():
        for item in items:
            near = item.get("near") or []
            excused_by, not_excused_with = item.get("excused_by"), item.get("not_excused_with")
            lowered_by, not_lowered_with = item.get("lowered_by"), item.get("not_lowered_with")
            compiled.append(
                Rule(
                    str(scenario),
                    int(item["level"]),
                    str(item["why"]),
                    compile_pattern(str(item["pattern"])),
                    tuple(compile_pattern(str(n)) for n in ([near] if isinstance(near, str) else near)),
                    int(item.get("within", 40)),
                    compile_pattern(str(excused_by)) if excused_by else None,
                    compile_pattern(str(not_excused_with)) if not_excused_with else None,
                    compile_pattern(str(lowered_by)) if lowered_by else None,
                    compile_pattern(str(not_lowered_with)) if not_lowered_with else None,
                    str(item["beside"]) if item.get("beside") else None,
                    tuple(
                        (
                            compile_pattern(str(frame["by"])),
                            compile_pattern(str(frame["unless"])) if frame.get("unless") else None,
                        )
                        for frame in item.get("also_excused_by") or ()
                    ),
                )
            )
    return tuple(compiled)


class _NameIndex:
    """Names by joined form (exact look-up) and by first letter (for near misses)."""

    def __init__(self, listed: tuple[Name, ...]) -> None:
        self.exact: dict[str, Name] = {}
        # (first letter, length) -> names: a near miss differs in length by at most two
        self.by_shape: dict[tuple[str, int], list[Name]] = {}
        for name in listed:
            old = self.exact.get(name.joined)
            if old is None or name.level > old.level:
                self.exact[name.joined] = name
        for name in self.exact.values():
            if len(name.joined) >= 8 and name.scenario != "safe":
                self.by_shape.setdefault((name.joined[0], len(name.joined)), []).append(name)
        self.longest = max((len(j) for j in self.exact), default=0) + 2

    def near_miss(self, joined: str, words: int) -> Name | None:
        """A long name (8 letters or more) ``joined`` is one edit from (two for the longest).

        The window must have as many words as the name, or be one word (the name written
        joined): "of a white" is not a misspelling of a two-word brand.
        """
        size = len(joined)
        if size < 7:
            return None
        for length in range(size - 2, size + 3):
            for name in self.by_shape.get((joined[0], length), ()):
                limit = 2 if length >= 14 else 1
                if words not in (1, name.words):
                    continue
                if abs(length - size) <= limit and within_edits(joined, name.joined, limit):
                    return name
        return None


@lru_cache(maxsize=1)
def _index() -> _NameIndex:
    return _NameIndex(names())


def _name_candidates(folded: Folded, near_misses: bool = True) -> list[tuple[int, int, Name, bool]]:
    """(start, end, name, exact) for every window of words that reads as a name (near misses
    too, unless ``near_misses`` is off)."""
    text = folded.text
    tokens = [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]
    index = _index()
    found: list[tuple[int, int, Name, bool]] = []
    for i in range(len(tokens)):
        joined = ""
        for j in range(i, min(len(tokens), i + _MAX_WINDOW)):
            if j > i and not _NAME_GAP.fullmatch(text[tokens[j - 1][2] : tokens[j][1]]):
                break
            joined += tokens[j][0]
            if len(joined) > index.longest:
                break
            exact = index.exact.get(joined)
            if exact is not None:
                found.append((tokens[i][1], tokens[j][2], exact, True))
                continue
            fuzzy = index.near_miss(joined, j - i + 1) if near_misses else None
            if fuzzy is not None:
                found.append((tokens[i][1], tokens[j][2], fuzzy, False))
    return found


# A named artist as a style ("in the style of Jane Doe"), read on the prompt as written: the
# capitals are what mark a name. The name ends where the sentence or a small word goes on.
_STYLE_NAME = re.compile(
    r"\b(?:style of|styled after|inspired by|in the manner of|[aà] la|"
    r"painted by|drawn by|illustrated by|art by|artwork by)\s+"
    r"(?P<name>[A-Z][\w'’.\-]*(?:\s+(?:(?:de|da|van|von|del|der|di|du|le|la)\s+)?[A-Z][\w'’.\-]*){0,2})"
    r"(?=\s*(?:$|[,.;:!?)]|(?:and|with|on|in|at|for|from|of|to|under|over|featuring)\b))"
)
_PERSON = re.compile(
    r"\b(?P<first>[A-Z][a-z]+)\s+(?:[A-Z]\.\s*)?(?:(?:de|da|van|von|del|der|bin|al|le|la|di|du)\s+)?"
    r"(?P<last>[A-Z][a-z]+(?:[-'’][A-Za-z]+)?)\b"
)
_STYLE_BEFORE = re.compile(r"(?:style of|styled after|inspired by|manner of|[aà] la|by|after)\s*$")


@lru_cache(maxsize=1)
def _person_words() -> tuple[frozenset[str], frozenset[str]]:
    data = _data("names.yaml")
    return frozenset(map(str, data["given_names"])), frozenset(map(str, data["not_family_names"]))


_PERSONS = frozenset({"celebrity", "living_artist"})
_HISTORICAL = 1
"""The level of a listed figure no longer alive (``names.yaml``): history, in a history frame."""


def _heuristics(prompt: str) -> list[Finding]:
    """Names no list holds: a named artist as a style, a given name and a family name (each pair
    of capitalized words tried, so "The Anne Frank House" is read from "Anne"), unless the name
    is a place's; in a history or teaching frame such a name is read as a historical figure."""
    found: list[Finding] = []
    for m in _STYLE_NAME.finditer(prompt):
        found.append(
            Finding(
                "living_artist",
                1,
                "a named artist not known as a deceased master",
                m.start("name"),
                m.end("name"),
                m.group("name"),
            )
        )
    given, not_family = _person_words()
    history = in_history_frame(prompt)
    person = _PERSON.search(prompt)
    while person is not None:
        if (
            person.group("first") not in given
            or person.group("last") in not_family
            or is_place_word(person.group("last"))
            or person.group("last") in given
            and person.group("last") == person.group("first")
            or _STYLE_BEFORE.search(prompt[: person.start()])
            or names_a_place(prompt, person.start(), person.end())
        ):
            person = _PERSON.search(prompt, person.start("last"))
            continue
        level, why = (0, "a named person in a history frame") if history else (2, "a named real person")
        found.append(Finding("celebrity", level, why, person.start(), person.end(), person.group()))
        person = _PERSON.search(prompt, person.end())
    return found


@text_cache(maxsize=4096)
def find(prompt: str) -> tuple[Finding, ...]:
    """Everything the classifier recognizes in ``prompt``, in order of position.

    Every reading of the prompt is searched (``readings.py``: as written, respelled, numbers
    in words as digits, decoded, deciphered). Names first (exact spellings before near misses,
    longer before shorter, no overlaps; a safe reference such as a deceased master claims its
    words and reports nothing); then names no list holds (a named artist as a style, a given and
    a family name); a person's name inside a place's name reports nothing ("the Anne Frank
    House"), and a historical figure in a history frame, drawn, is reported at level 0
    (``persons.py``); then the rules, except where a name already explains the words ("Teen
    Titans"), each at its level or one lower where its frame lowers it (swimwear on a beach). A
    hard-prohibited rule gives way only to a name spelled as listed: a look-alike or a guessed
    name never hides nudity, a minor or a hate symbol beside it.
    """
    views = readings(prompt)
    # near misses of a name are looked for in the prompt as written and respelled; decoded and
    # deciphered readings look for names spelled as listed
    forms = [(r.folded, r.kind in ("plain", "respelled")) for r in views if r.kind != "numbers"]
    candidates = [(s, e, n, x, f) for f, near in forms for s, e, n, x in _name_candidates(f, near)]
    candidates.sort(key=lambda c: (not c[3], -(c[1] - c[0]), c[0]))
    taken: list[tuple[int, int]] = []
    exact: list[tuple[int, int]] = []
    history = in_history_frame(prompt)
    findings: list[Finding] = []
    for start, end, name, is_exact, form in candidates:
        o_start, o_end = form.span(start, end)
        if any(o_start < e and s < o_end for s, e in taken):
            continue
        taken.append((o_start, o_end))
        if is_exact:
            exact.append((o_start, o_end))
        if name.scenario in _PERSONS and names_a_place(prompt, o_start, o_end):
            continue  # "the Anne Frank House": a building, not a person
        if _in_its_own_script(prompt[o_start:o_end], name.text):
            continue  # "снег" is snow in Russian, not "Cher" in look-alike letters
        words = prompt[o_start:o_end]
        if name.scenario == "celebrity" and name.level <= _HISTORICAL and history:
            findings.append(Finding(name.scenario, 0, f"{name.text} in a history frame", o_start, o_end, words))
        elif name.scenario != "safe":
            findings.append(Finding(name.scenario, name.level, name.text, o_start, o_end, words))
    for guess in _heuristics(prompt):
        if not any(guess.start < e and s < guess.end for s, e in taken):
            taken.append((guess.start, guess.end))
            findings.append(guess)
    hard = _hard_scenarios()
    seen: set[tuple[str, int, int]] = set()
    for rule in rules():
        claimed = exact if rule.scenario in hard else taken
        for view in views:
            for start, end in rule.spans(view.folded.text):
                o_start, o_end = view.folded.span(start, end)
                key = (rule.scenario, o_start, o_end)
                if key in seen or any(o_start < e and s < o_end for s, e in claimed):
                    continue
                if view.kind == "respelled" and rule.scenario in hard and _joined_compound(prompt[o_start:o_end]):
                    continue
                if rule.beside is not None and not _beside(findings, rule.beside, o_start, o_end, rule.within):
                    continue
                seen.add(key)
                level = rule.level_in(view.folded.text)
                findings.append(Finding(rule.scenario, level, rule.why, o_start, o_end, prompt[o_start:o_end]))
    findings.sort(key=lambda f: (f.start, f.end))
    return tuple(findings)


# Alphabets whose letters look like Latin ones: a word written wholly in one of them is read in
# its own language; only a word that mixes them with Latin letters is a look-alike spelling.
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_LOOKALIKE_ALPHABET = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0530-\u058f]")


def _in_its_own_script(words: str, listed: str) -> bool:
    """Whether ``words`` are written wholly in a Cyrillic, Greek or Armenian alphabet while the
    name is listed in Latin letters: a classifier reads them as that language's words."""
    return (
        bool(_LATIN_LETTER.search(listed))
        and not _LATIN_LETTER.search(words)
        and bool(_LOOKALIKE_ALPHABET.search(words))
    )


def _beside(findings: list[Finding], scenario: str, start: int, end: int, within: int) -> bool:
    """Whether a finding of ``scenario`` (a name) lies within ``within`` characters of the span."""
    return any(f.scenario == scenario and max(f.start, start) - min(f.end, end) <= within for f in findings)


# A compound of words joined by hyphens ("co-pilot", "X-ray-proof" is not one): every part two
# letters or more, the last four or more; a word split to hide it ("na-ked", "ch-ild") ends short.
_COMPOUND = re.compile(r"[^\W\d_]{2,}(?:-[^\W\d_]{2,})*-[^\W\d_]{4,}")


def _joined_compound(text: str) -> bool:
    """Whether ``text`` is a hyphenated compound of words that a respelled reading joined into a
    word that is not itself a hard word.

    The respelled reading drops a separator inside a word so that "nu-de" is read as "nude"; but
    "co-pilot" joined is "copilot", whose start a stem of the lexicon may match ("copil", a child
    in Romanian). A classifier reads a compound by its parts: a hard finding on the joined
    compound counts only where the joined word is, whole, a hard word ("nu-de", "na-zi"); a part
    that is hard on its own is still read in the plain reading ("kid-sized" says "kid").
    """
    if not _COMPOUND.fullmatch(text.strip()):
        return False
    return joined_form(text) not in hard_words()


@lru_cache(maxsize=1)
def _hard_scenarios() -> frozenset[str]:
    policy = _data("policy.yaml")
    return frozenset(str(s) for s in policy["hard_prohibited"])


def asks_for_realism(prompt: str, pattern: re.Pattern[str]) -> bool:
    """Whether the prompt asks for a realistic image (a photo, a close-up, a lens ...), in any
    of its plain or respelled readings ("ph0t0")."""
    return any(pattern.search(r.folded.text) for r in readings(prompt) if r.kind in ("plain", "respelled"))
