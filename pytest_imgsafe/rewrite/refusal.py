"""The rewriting library's own refusal detector: meanings, not names. The second line.

The strategies help only what they positively recognise (:mod:`.core`); this detector is what
refuses a prompt outright, whatever else it holds. The term tables list names ("swastika",
"child", "nude"); a user who wants a prohibited image writes around them: an age as a number or
in another language ("a 9 year old", "una niña de seis años", "十岁", "9 yaşında"), a school year
("a third grader", "Fünftklässler"), a hate code shown on something ("a tattoo reading 14/88"), a
symbol described ("a red flag with a white disc and a black hooked cross", "bandera roja con
círculo blanco"), a salute described ("right arms stiffly forward, palms down"), a euphemism for
undress ("in her birthday suit", "without a stitch of clothing", "wearing only a towel", "sin
nada de ropa"), a look-alike spelling ("n4ked", "h1tler", "k.k.k", "nuuude", "na\u200bked"),
another language ("nackt", "عارية", "çıplak", "裸体"), an encoding (base64, Morse, rot13 or any
Caesar shift, text written backwards).

This detector reads *concepts*, not word lists of one language: each hard concept (nudity,
sexual content, a minor, a hate group or symbol) and each atom a description is made of (a
colour, a shape, "without", "only", clothing, an arm, a rally) has its words in the thirty-odd
languages most used on the web (``data/rewrite/concepts.yaml``, read by :mod:`.concepts`); the
rules of ``data/rewrite/refusal.yaml`` say which concepts refuse alone and which refuse side by
side. Every text is read through one fold (:mod:`.folding`: NFKC, case, accents, invisible
characters, look-alike letters, digits of every script, leetspeak, letters spelled apart), number
words through libraries (:mod:`.numbers`, :mod:`.ages`), and what a prompt hides in an encoding is
decoded and read again (:mod:`.hidden`). It shares nothing with the sandbox, which stands for
the provider's classifier and must stay an independent judge.

What it finds (:meth:`RefusalDetector.find`) is a *hard* signal: sexual content or nudity, a
hate symbol, salute, flag, group or code shown, a minor beside undress, swimwear, underwear or
anything sexual. Never rewritten, and stopped by the gateway before any model is asked. Three
readings are no hard signal (a finding with ``hard=False``: not rewritten, left to the models):
a minor depicted realistically in an ordinary scene (design.md's "realistically depicting
minors" is never helped; the gateway's screen must not stop a photo of a child at play, and
the providers block realistic minors themselves), nudity in a work of fine art with no realism,
act or minor, and a movement of history named to teach or remember it, where nothing shows,
praises or stages it. A hard finding in any
reading wins over one that is not.
:meth:`RefusalDetector.minors` says what reads as a minor at all (an age, a school year, a stage
of life, in any of the languages above): a minor in an ordinary scene (at school, at play, with
family, photographed or drawn) is no hard signal. The rewriter does not help such a prompt,
but the gateway lets it through to the models. A number code counts only next to a word that shows it
(a tattoo, a banner, a code), so "room 88 of the hotel" is not refused. The table rule in
:mod:`.core` still refuses every term of the hard-prohibited tables on its own; the detector only
adds to what is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..base.files import bundled_text
from ..base.table_files import read_yaml
from ..base.terms import fold
from .ages import AgeReader
from .concepts import ConceptError, ConceptIndex, Concepts, Hits, Rule, bundled_concepts, gap
from .folding import Normalized, normalize, normalized_entry, prepare
from .hidden import payloads
from .numbers import as_digits, number_words

# "*" inside a word hides one ("n*de"): the detector reads it as each word of its own
# vocabulary it can be ("bla*k" is "black" as well as "blank"), up to a few.
_MASKED = re.compile(r"[^\W_]*(?:[^\W_]\*+|\*+[^\W_])[^\W_*]*(?:\*+[^\W_]+)*")
_UNMASKED_READINGS = 6
"""How many readings a masked prompt gets at most: the i-th reads every masked word as its i-th candidate."""

MINOR_NUM = r"(?<![\d.,])(?:1[0-7]|[0-9])(?![\d,]|\.\d)"
"""A number under 18 in digits (an age that makes a minor). Number words are read as digits
first (:mod:`.numbers`), in several languages: "nine", "neun", "nueve", "neuf", "九"."""
MINOR_ORD = r"(?<![\d.,])(?:1[0-8]|[1-9])(?:st|nd|rd|th|o|a|e|eme|er|re)(?!\w)"
"""An ordinal up to 18th ("in her 11th year" is an age of ten; "11º ano" a school year)."""
GRADE = r"(?<![\d.,])(?:1[0-2]|[1-9])(?![\d,])"
"""A school year, 1 to 12."""
NUM = r"\d+"
"""Any number in digits."""


@dataclass(frozen=True)
class Finding:
    """Why a prompt is refused: its scenario, what was read in it, and the family of meaning."""

    scenario: str
    terms: tuple[str, ...]
    family: str
    hard: bool = True
    """A hard-prohibited signal, whatever the scene (every finding of the detector is one; the
    rewriter's refusal of a minor in an ordinary scene is not)."""


@dataclass(frozen=True)
class _Frame:
    """A setting where a hate word named is no hard signal (a movement in a history lesson, a
    swastika on a Hindu temple): the names it covers, the words of the setting, and what, beside
    them, still shows, praises or stages the symbol."""

    named: tuple[str, ...]
    frame: tuple[str, ...]
    unless: tuple[str, ...]
    family: str


@dataclass(frozen=True)
class _Coded:
    """Codes that count only beside words of their own concepts (1488 on a t-shirt, 109 beside expulsions)."""

    codes: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]
    beside: tuple[str, ...]


_PATTERN_REPEATS = re.compile(r"(?<!\\)([a-z])\1+")


def _patterns(items: Sequence[str]) -> tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]:
    """Each pattern twice: as written, and with its repeated letters squeezed, for the squeezed
    text ("saalute" squeezes to "salute", "stiff" to "stif": both sides alike)."""
    compiled = []
    for item in items:
        source = (
            item.replace("{MINOR_NUM}", MINOR_NUM)
            .replace("{MINOR_ORD}", MINOR_ORD)
            .replace("{MINOR}", MINOR_NUM)
            .replace("{GRADE}", GRADE)
            .replace("{NUM}", NUM)
        )
        compiled.append((re.compile(source), re.compile(_PATTERN_REPEATS.sub(r"\1", source))))
    return tuple(compiled)


def _search(patterns: Sequence[tuple[re.Pattern[str], re.Pattern[str]]], norm: Normalized) -> list[str]:
    found = [m.group() for plain, _ in patterns for m in plain.finditer(norm.text)]
    squeezed = " ".join(norm.squeezed)
    if squeezed != norm.text:
        found += [m.group() for _, short in patterns for m in short.finditer(squeezed)]
    return list(dict.fromkeys(found))


_WORK_WINDOW = 5
"""How many words may lie between a statue and the nudity that is its own ("a statue of a nude Greek athlete")."""

_CACHED = 64
"""How many prompts' readings the detector keeps (the oldest goes first)."""


@dataclass(frozen=True)
class _Reading:
    """One text as the detector reads it: its concepts, and its readings where numbers are digits."""

    norm: Normalized
    hits: Hits
    numeric: tuple[Normalized, ...]


def _concept_names(section: Mapping[str, Any], key: str, where: str, known: Iterable[str]) -> tuple[str, ...]:
    value = section.get(key) or ()
    names = (value,) if isinstance(value, str) else tuple(map(str, value))
    concepts = set(known)
    for name in names:
        if name not in concepts:
            raise ConceptError(f"refusal.yaml: {where}.{key}: unknown concept {name!r} (see concepts.yaml)")
    return names


class RefusalDetector:
    """Reads the rules of ``data/rewrite/refusal.yaml`` (or a mapping like it) over the concepts of
    ``data/rewrite/concepts.yaml`` (or ``concepts``)."""

    def __init__(self, data: Mapping[str, Any], concepts: Concepts | None = None) -> None:
        concepts = concepts or bundled_concepts()
        sexual, minors, hate = data["sexual"], data["minors"], data["hate"]
        known = tuple(concepts.words)
        english = (w for c in concepts.named for w in concepts.by_language[c].get("en", ()))
        self._index = ConceptIndex(concepts.words, whole_words_inside=english)
        self._sexual = _concept_names(sexual, "concepts", "sexual", known)
        self._sexual_patterns = _patterns(sexual.get("patterns") or ())
        self._sexual_rules = _rules(sexual, "sexual", known)
        art = sexual.get("art") or {}
        self._art_nudity = _concept_names(art, "nudity", "sexual.art", known)
        self._fine_art = _concept_names(art, "frame", "sexual.art", known)
        self._art_unless = _concept_names(art, "unless", "sexual.art", known)
        photographed = art.get("photographed") or {}
        self._art_work = _concept_names(photographed, "work", "sexual.art.photographed", known)
        self._art_medium = _concept_names(photographed, "medium", "sexual.art.photographed", known)
        self._minor = _concept_names(minors, "concepts", "minors", known)
        self._realism = _concept_names(minors, "realism", "minors", known)
        self._exposure = _concept_names(minors, "exposure", "minors", known)
        self._ages = _patterns(minors.get("ages") or ())
        self._age_reader = AgeReader(concepts.age_units, concepts.age_units_before, concepts.number_languages)
        self._hate = _concept_names(hate, "concepts", "hate", known)
        self._hate_patterns = _patterns(hate.get("patterns") or ())
        self._hate_rules = _rules(hate, "hate", known)
        self._codes = _patterns(hate.get("codes") or ())
        self._shown_by = _concept_names(hate, "shown_by", "hate", known)
        self._coded = tuple(
            _Coded(_patterns(group.get("codes") or ()), _concept_names(group, "beside", f"hate.coded[{i}]", known))
            for i, group in enumerate(hate.get("coded") or ())
        )
        self._frames = tuple(
            _Frame(
                _concept_names(section, "named", f"hate.{key}", known),
                _concept_names(section, "frame", f"hate.{key}", known),
                _concept_names(section, "unless", f"hate.{key}", known),
                family,
            )
            for key, family in (
                ("taught", "a movement of history, named to teach or remember it"),
                ("sacred", "a sacred sign of a faith, named in its own setting"),
            )
            if (section := hate.get(key) or {})
        )
        # a masked word is read as the first word that fits: the refusing words come first, then
        # the atoms of the rules, so "n**e" reads "nude", not "nine"
        refusing = [*self._sexual, *self._hate, *self._minor, *self._shown_by, *self._realism, *self._exposure]
        words: list[str] = []
        for items in (
            *(concepts.words[c] for c in refusing),
            *(concepts.words[c] for c in concepts.words if c not in refusing),
            sexual.get("patterns") or (),
            minors.get("ages") or (),
            hate.get("patterns") or (),
            hate.get("codes") or (),
            *((group.get("codes") or ()) for group in hate.get("coded") or ()),
            sorted(number_words()),
        ):
            for item in items:
                words += re.findall(r"[a-z]{3,}", fold(item).replace("\\b", " "))
        self._vocabulary: dict[int, list[str]] = {}
        for word in dict.fromkeys(words):
            self._vocabulary.setdefault(len(word), []).append(word)
        # the words whose presence shows that a decoded text reads as words (hidden.payloads)
        self._known = (
            frozenset(
                token
                for entries in concepts.words.values()
                for entry in entries
                for token in normalized_entry(entry.rstrip("*")).tokens
                if token.isascii() and token.isalpha()
            )
            | number_words()
        )
        self._cache: dict[str, list[_Reading]] = {}

    def find(self, text: str) -> Finding | None:
        """The first family of meaning that refuses ``text`` or what it hides (minors, sexual,
        hate), or None. A hard finding in any reading wins over one that is not hard (a movement
        named in a history lesson, as written, may hide a slogan in base64)."""
        soft = None
        for reading in self._readings(text):
            found = self._find(reading)
            if found is not None and found.hard:
                return found
            soft = soft or found
        return soft

    def minors(self, text: str) -> tuple[str, ...]:
        """What reads as a minor in ``text`` (an age, a school year, a stage of life), or ()."""
        found: list[str] = []
        for reading in self._readings(text):
            found += self._minors_in(reading)
        return tuple(dict.fromkeys(found))

    def _readings(self, text: str) -> list[_Reading]:
        """The prompt read every way: as written, its letters spelled apart run into the words
        beside them or not, and each text it hides (base64, Morse, rot13, reversed, ...). The
        last few prompts' readings are kept: the rewriter and the gateway ask :meth:`find` and
        :meth:`minors` of the same text one after the other."""
        cached = self._cache.get(text)
        if cached is None:
            cached = self._cache[text] = self._read(text)
            if len(self._cache) > _CACHED:
                del self._cache[next(iter(self._cache))]
        return cached

    def _read(self, text: str) -> list[_Reading]:
        readings: list[_Reading] = []
        parts = [prepare(part) for part in (text, *payloads(text, self._known))]
        for part in [u for p in parts for u in (self._unmasked(p) if "*" in p else [p])]:
            norm = normalize(part)
            # numbers read from the prompt as written ("zwölf"), as folded ("th1rd" is "third") and
            # squeezed ("fiirst" is "first")
            spelled = as_digits(part)
            for folded in dict.fromkeys((norm.text, " ".join(norm.squeezed))):
                if folded != part.casefold():
                    spelled += as_digits(folded)
            # each also read with its digits as numbers: folded, "a z.e.r.o y/o" is "a 0 y o", which
            # would otherwise run together as letters spelled apart
            numeric = tuple(normalize(r, numbers=n) for r in dict.fromkeys(spelled) for n in (False, True))
            readings.append(_Reading(norm, self._index.find(norm), numeric))
            if norm.spelled:
                for trim in ((True, False), (False, True), (True, True)):
                    trimmed = normalize(part, trim)
                    # a number spelled apart ("z e r o", "t w e l v e") is a number word once joined
                    joined = tuple(normalize(r, numbers=n) for r in as_digits(trimmed.text) for n in (False, True))
                    readings.append(_Reading(trimmed, self._index.find(trimmed), numeric + joined))
        return readings

    def _unmasked(self, text: str) -> list[str]:
        """``text`` with its masked words read: one text per candidate rank, the i-th reading
        every masked word as its i-th candidate (or its last), at most :data:`_UNMASKED_READINGS`.
        A masked word that could be a refusing word is never read only as a harmless one: every
        reading is judged, and the hard one wins (fail safe)."""
        candidates = [self._candidates(m.group()) for m in _MASKED.finditer(text)]
        ranks = min(_UNMASKED_READINGS, max((len(c) for c in candidates), default=1))
        readings = []
        for rank in range(ranks):
            words = [c[min(rank, len(c) - 1)] for c in candidates]
            pieces = _MASKED.split(text)  # the text between the masked words, one more than the words
            readings.append("".join(p + w for p, w in zip(pieces, [*words, ""], strict=True)))
        return list(dict.fromkeys(readings))

    def _candidates(self, masked: str) -> list[str]:
        """The words of the detector's vocabulary a word masked with "*" ("n*de") can be (a whole
        word, or one the vocabulary has the start of: "s*luting"), refusing words first; failing
        that, the word without its stars, as if they were thrown in ("n*azi")."""
        word = fold(masked)
        pattern = re.compile("[a-z]".join(re.escape(part) for part in word.split("*")))
        found: list[str] = []
        for size in range(len(word), 2, -1):
            for known in self._vocabulary.get(size, ()):
                if pattern.fullmatch(known + word[size:]):
                    found.append(known + word[size:])
                    if len(found) >= _UNMASKED_READINGS:
                        return found
        return found or [word.replace("*", "")]

    def _minors_in(self, reading: _Reading) -> list[str]:
        found = _terms(reading.hits, self._minor)
        for norm in (reading.norm, *reading.numeric):
            found += _search(self._ages, norm)
        found += self._age_reader.find(reading.norm)
        return list(dict.fromkeys(found))

    def _find(self, reading: _Reading) -> Finding | None:
        norm, hits = reading.norm, reading.hits
        undress = _search(self._sexual_patterns, norm)
        sexual = _terms(hits, self._sexual) + undress
        for rule in self._sexual_rules:
            sexual += rule.find(hits)
        minor = self._minors_in(reading)
        if minor:
            context = _terms(hits, self._exposure) + sexual
            if context:
                return Finding(
                    "minors",
                    tuple(dict.fromkeys(minor + context)),
                    "a minor, in a sexual or undressed context",
                )
            realism = _terms(hits, self._realism)
            if realism:
                # never helped, but no hard signal on its own: a photo of a child at play or with
                # family is the models' to judge (the providers block realistic minors themselves)
                return Finding(
                    "minors", tuple(dict.fromkeys(minor + realism)), "a minor, depicted realistically", hard=False
                )
        art = None
        if sexual:
            if not self._in_fine_art(hits, sexual, undress):
                return Finding("sexual", tuple(dict.fromkeys(sexual)), "sexual content or nudity")
            art = Finding("sexual", tuple(dict.fromkeys(sexual)), "nudity in a work of fine art", hard=False)
        named = _terms(hits, self._hate)
        hate = named + _search(self._hate_patterns, norm)
        for rule in self._hate_rules:
            found = rule.find(hits)
            if found:
                hate += [f"{rule.family}: {', '.join(found)}"]
        framed = None
        if hate:
            frame = None if len(hate) > len(named) else self._framed(hits)
            if frame is None:
                return Finding("hate", tuple(dict.fromkeys(hate)), "a hate symbol, salute, flag or group")
            framed = Finding("hate", tuple(dict.fromkeys(hate)), frame.family, hard=False)
        numbers = (norm, *reading.numeric)
        codes = [code for n in numbers for code in _search(self._codes, n)]
        if codes:
            shown = _terms(hits, self._shown_by)
            if shown:
                return Finding("hate", tuple(dict.fromkeys(codes + shown)), "a hate code shown as a symbol")
        for coded in self._coded:
            codes = [code for n in numbers for code in _search(coded.codes, n)]
            beside = _terms(hits, coded.beside) if codes else []
            if beside:
                return Finding("hate", tuple(dict.fromkeys(codes + beside)), "a hate code shown as a symbol")
        return art or framed

    def _in_fine_art(self, hits: Hits, sexual: Sequence[str], undress: Sequence[str]) -> bool:
        """Is every sexual word read one of nudity's (or an undress pattern: "homme nu"), beside a
        word of fine art (a statue, a fresco), with no realism cue, explicit picture, act or
        sexual word (a minor was read before)? Beside a sculpted work, a photograph as the medium
        ("a photo of a marble statue") is no realism cue."""
        if not self._fine_art or not any(hits.get(c) for c in self._fine_art):
            return False
        # a photo of a sculpted work is a photo of stone: the medium's words are no realism cue there
        medium = set(_terms(hits, self._art_medium)) if self._of_a_work(hits) else set()
        if any(h.term not in medium for c in self._art_unless for h in hits.get(c, ())):
            return False
        return set(sexual) <= {*_terms(hits, self._art_nudity), *undress}

    def _of_a_work(self, hits: Hits) -> bool:
        """Is the nudity read the sculpted work's: a word of a statue or a sculpture before every
        nudity word, a few words ahead ("a photo of a marble statue of a nude athlete"; "a nude
        woman beside a statue" is a woman)?"""
        works = [h for c in self._art_work for h in hits.get(c, ())]
        nude = [h for c in self._art_nudity for h in hits.get(c, ())]
        return bool(works) and all(any(w.end <= n.start and gap(w, n) <= _WORK_WINDOW for w in works) for n in nude)

    def _framed(self, hits: Hits) -> _Frame | None:
        """The first frame in which every hate word of the reading is no hard signal, or None."""
        return next((frame for frame in self._frames if self._in_frame(hits, frame)), None)

    def _in_frame(self, hits: Hits, frame: _Frame) -> bool:
        """Is every hate word of the reading a name the frame covers (a movement of history, a
        sacred sign), beside a word of its setting (teaching, a temple), with nothing that shows,
        praises or stages it?"""
        if not frame.named or not any(hits.get(c) for c in frame.frame):
            return False
        if any(hits.get(c) for c in frame.unless):
            return False
        names = [h for c in frame.named for h in hits.get(c, ())]
        return all(
            any(
                n.start <= h.start and h.end <= n.end and n.chars[0] <= h.chars[0] and h.chars[1] <= n.chars[1]
                for n in names
            )
            for c in self._hate
            for h in hits.get(c, ())
        )


def _terms(hits: Hits, concepts: Sequence[str]) -> list[str]:
    """The data's terms found for ``concepts``, in order, once each."""
    return list(dict.fromkeys(h.term for c in concepts for h in hits.get(c, ())))


def _rules(section: Mapping[str, Any], where: str, known: Sequence[str]) -> list[Rule]:
    return [
        Rule.parse(rule, f"refusal.yaml: {where}.described[{i}]", known)
        for i, rule in enumerate(section.get("described") or ())
    ]


@lru_cache(maxsize=1)
def default_detector() -> RefusalDetector:
    """The detector over the bundled ``data/rewrite/refusal.yaml``."""
    text = bundled_text("data", "rewrite", "refusal.yaml")
    return RefusalDetector(read_yaml(text))
