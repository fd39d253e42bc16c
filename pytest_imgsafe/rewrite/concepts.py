"""Concepts read in many languages, and meanings described by putting concepts side by side.

A word list of one language is the signature of a reader fitted to its examples: the next prompt
says "nackt", "عارية", "çıplak" or "裸体". The detector reads *concepts* instead
(``data/rewrite/concepts.yaml``): a meaning with its words in the thirty-odd languages most used
on the web, all read through one fold (:mod:`.folding`), so adding a language is adding words
to data, never code.

Two kinds of concept:

- hard concepts, named (nudity, sexual content, a minor, a hate group or symbol): one word is
  enough;
- atoms that say nothing alone (a colour, a shape, "without", "only", clothing, an arm, "right",
  "stiff", a rally): a :class:`Rule` puts them side by side, a few words apart, so that a symbol,
  a salute or a euphemism described rather than named is read the way a person reads it: "a red
  flag with a white disc" (red ~ flag, white ~ circle), "bandera roja con círculo blanco",
  "right arm stiffly forward ... a crowd" (arm ~ right, arm ~ stiff, a scene), "without a stitch
  of clothing", "sin nada de ropa", "wearing only a towel", "nur mit einem Handtuch".

How words are found (:class:`ConceptIndex`, one walk over a prompt's tokens for every concept):
a run of whole words; a stem ("nackt*") at the start of a word; in a script that does not put
spaces between words (Chinese, Japanese, Korean, Thai), anywhere in the text (one Aho-Corasick
automaton); in Arabic and Hebrew script, also behind the letters these languages glue before a
word ("ال", "و", "ב", "ה"); a long word of a hard concept with one letter left out
("swastik"); and, inside letters spelled apart and run together ("n a z i p o s t e r"), the
hard words.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..base.files import bundled_text
from ..base.table_files import read_yaml
from .folding import NO_SPACES, Normalized, normalized_entry

_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")
_HEBREW_SCRIPT = re.compile(r"[\u0590-\u05ff]")
# the letters Arabic and Persian (and Hebrew) write glued before a word: the article, "and",
# "with", "to", "in", "from", "that" (folded the way the prompt is: hamzas dropped)
_PROCLITICS: dict[str, tuple[str, ...]] = {
    "arabic": ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ف", "ل", "ك"),
    "hebrew": ("וה", "שה", "וב", "ול", "ה", "ו", "ב", "ל", "מ", "ש", "כ"),
}


class ConceptError(ValueError):
    """The concepts file cannot be used; the message names the concept, the language and the fix."""


@dataclass(frozen=True)
class Hit:
    """A concept found in a reading: the data's term, and the tokens it covers (``end`` excluded)."""

    concept: str
    term: str
    start: int
    end: int
    chars: tuple[int, int] = (-1, -1)
    """Where a hit in a script without spaces is in the reading's text (a whole clause of such a
    script is one token: its words are told apart by these)."""


def gap(a: Hit, b: Hit) -> int:
    """How many words lie between two hits (0 when they touch or overlap). Inside one token of a
    script without spaces, two characters count as a word."""
    if a.start == b.start and a.chars[0] >= 0 and b.chars[0] >= 0:
        return max(0, max(a.chars[0], b.chars[0]) - min(a.chars[1], b.chars[1])) // 2
    return max(0, max(a.start, b.start) - min(a.end, b.end))


Hits = Mapping[str, Sequence[Hit]]


class ConceptIndex:
    """Every word of every concept, found in one walk over a reading's tokens."""

    def __init__(self, concepts: Mapping[str, Iterable[str]], whole_words_inside: Iterable[str] = ()) -> None:
        """``concepts``: each concept's entries (all languages together). ``whole_words_inside``:
        the words (of the hard concepts, named, in English) also read with one letter left out
        when long, and inside runs of letters spelled apart; a word with a letter left out in
        another language is too often a word of its own ("dessous" without its "o" is "dessus")."""
        inside = set(whole_words_inside)
        # first token -> (tokens, concept, entry); the same by the squeezed first token
        self._by_first: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        self._by_squeezed: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], str, str]]] = {}
        self._stems: dict[str, list[tuple[str, str, str]]] = {}
        self._dropped: dict[str, list[tuple[str, str]]] = {}
        self._inside: list[tuple[str, str]] = []
        anywhere: dict[str, list[tuple[str, str]]] = {}
        for concept, entries in concepts.items():
            for entry in entries:
                if not isinstance(entry, str) or not entry.strip():
                    raise ConceptError(f"concept {concept!r}: entry {entry!r} is not a word; quote it in the data")
                if NO_SPACES.search(entry):
                    key = normalized_entry(entry.rstrip("*")).text
                    anywhere.setdefault(key, []).append((concept, entry))
                    continue
                if entry.endswith("*"):
                    stem = normalized_entry(entry[:-1]).text
                    if len(stem) < 3 or " " in stem:
                        raise ConceptError(f"concept {concept!r}: the stem {entry!r} needs three letters and one word")
                    self._stems.setdefault(stem[:3], []).append((stem, concept, entry))
                    continue
                norm = normalized_entry(entry)
                if not norm.tokens:
                    raise ConceptError(f"concept {concept!r}: entry {entry!r} has no letters or digits")
                self._by_first.setdefault(norm.tokens[0], []).append((norm.tokens, concept, entry))
                self._by_squeezed.setdefault(norm.squeezed[0], []).append((norm.squeezed, norm.tokens, concept, entry))
                word = norm.tokens[0]
                if entry in inside and len(norm.tokens) == 1 and word.isascii() and len(word) >= 3:
                    self._inside.append((word, concept))
                    if len(word) >= 6:
                        # not the plural's "s": the singular is another word, listed where it is meant
                        for i in range(len(word) - word.endswith("s")):
                            self._dropped.setdefault(word[:i] + word[i + 1 :], []).append((word, concept))
        for keys in self._by_first.values():
            keys.sort(key=lambda k: -len(k[0]))
        for squeezed_keys in self._by_squeezed.values():
            squeezed_keys.sort(key=lambda k: -len(k[0]))
        self._starts = frozenset(self._by_first) | frozenset(self._dropped)
        self._anywhere: Any = None
        if anywhere:
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for key, owners in anywhere.items():
                automaton.add_word(key, (len(key), tuple(owners)))
            automaton.make_automaton()
            self._anywhere = automaton

    def find(self, norm: Normalized) -> dict[str, list[Hit]]:
        """The hits of every concept in ``norm``, by concept, in the order of the text."""
        hits: dict[str, list[Hit]] = {}
        seen: set[tuple[str, int, int]] = set()

        def add(concept: str, term: str, start: int, end: int, chars: tuple[int, int] = (-1, -1)) -> None:
            if (concept, start, chars[0]) not in seen:
                seen.add((concept, start, chars[0]))
                hits.setdefault(concept, []).append(Hit(concept, term, start, end, chars))

        tokens, squeezed = norm.tokens, norm.squeezed
        repeats = squeezed != tokens
        for i, token in enumerate(tokens):
            for first in _variants(token):
                for key, concept, entry in self._by_first.get(first, ()):
                    size = len(key)
                    if tokens[i + 1 : i + size] == key[1:]:
                        add(concept, entry, i, i + size)
                for stem, concept, entry in self._stems.get(first[:3], ()):
                    if first.startswith(stem):
                        add(concept, entry, i, i + 1)
            if repeats:
                # letters typed more times than the word has them ("nuuude", "miiddle"): read
                # squeezed, where each run of the prompt is at least as long as the word's own
                # ("poor" is not the Swedish "porr": its "r" is single)
                for key, written, concept, entry in self._by_squeezed.get(squeezed[i], ()):
                    size = len(key)
                    if squeezed[i + 1 : i + size] == key[1:] and all(
                        _covers(t, w) for t, w in zip(tokens[i : i + size], written, strict=False)
                    ):
                        add(concept, entry, i, i + size)
                for stem, concept, entry in self._stems.get(squeezed[i][:3], ()):
                    if squeezed[i].startswith(stem) and _covers(token, stem, prefix=True):
                        add(concept, entry, i, i + 1)
            for word, concept in self._dropped.get(token, ()):
                add(concept, word, i, i + 1)
        if self._anywhere is not None and not norm.text.isascii():
            starts = norm.starts
            for end, (size, owners) in self._anywhere.iter(norm.text):
                at = bisect.bisect_right(starts, end - size + 1) - 1
                for concept, entry in owners:
                    add(concept, entry, at, at + 1, (end - size + 1, end + 1))
        if norm.spelled and self._inside:
            # "n a z i p o s t e r": words spelled apart run together; a hard word inside counts
            for run in norm.spelled:
                at = next((i for i, t in enumerate(tokens) if run in t), 0)
                for word, concept in self._inside:
                    if word in run and word != run:
                        add(concept, word, at, at + 1)
        for found in hits.values():
            found.sort(key=lambda h: h.start)
        return hits


_RUN = re.compile(r"(.)\1*")


def _covers(token: str, word: str, prefix: bool = False) -> bool:
    """Does ``token`` write ``word`` with some of its letters typed more times ("miiddle" writes
    "middle"; "poor" does not write "porr")? ``prefix``: ``word`` is a stem of ``token``."""
    mine = [(m.group(1), len(m.group())) for m in _RUN.finditer(token)]
    theirs = [(m.group(1), len(m.group())) for m in _RUN.finditer(word)]
    if prefix:
        mine = mine[: len(theirs)]
        if theirs and mine and len(mine) == len(theirs):
            # the stem's last run may continue in the word ("nackt*" in "nacktt...")
            return all(a == c and b >= d for (a, b), (c, d) in zip(mine, theirs, strict=True))
    return len(mine) == len(theirs) and all(a == c and b >= d for (a, b), (c, d) in zip(mine, theirs, strict=True))


def _variants(token: str) -> tuple[str, ...]:
    """A token, and in Arabic or Hebrew script the same without the letters glued before it."""
    if _ARABIC_SCRIPT.match(token):
        script = "arabic"
    elif _HEBREW_SCRIPT.match(token):
        script = "hebrew"
    else:
        return (token,)
    return (token, *(token[len(p) :] for p in _PROCLITICS[script] if token.startswith(p) and len(token) - len(p) >= 2))


@dataclass(frozen=True)
class Rule:
    """A meaning described: every group holds (one of its alternatives: concepts a few words
    apart, written "a ~ b ~ c"), and no ``none`` concept is in the reading."""

    family: str
    groups: tuple[tuple[tuple[str, ...], ...], ...]
    none: tuple[str, ...] = ()
    window: int = 4
    attach: tuple[str, ...] = ()
    """Concepts that compete for the word beside them (colours): "red ~ flag" holds only where
    red is the colour nearest the flag, so "a white flag with a red circle" is no red flag."""

    @classmethod
    def parse(cls, data: Mapping[str, Any], where: str, known: Iterable[str]) -> Rule:
        """One rule of ``refusal.yaml``; ``where`` names it in errors."""
        concepts = set(known)
        groups = []
        for group in data.get("all") or ():
            alternatives = []
            for alternative in [group] if isinstance(group, str) else group:
                chain = tuple(part.strip() for part in str(alternative).split("~"))
                unknown = [c for c in chain if c not in concepts]
                if unknown:
                    raise ConceptError(
                        f"{where}: unknown concept {unknown[0]!r} (concepts: {', '.join(sorted(concepts))})"
                    )
                alternatives.append(chain)
            groups.append(tuple(alternatives))
        if not groups:
            raise ConceptError(f"{where}: a rule needs 'all: [[concept ~ concept, ...], ...]'")
        none = tuple(str(c) for c in data.get("none") or ())
        for concept in none:
            if concept not in concepts:
                raise ConceptError(f"{where}: unknown concept {concept!r} in 'none'")
        attach = tuple(str(c) for c in data.get("attach") or ())
        for concept in attach:
            if concept not in concepts:
                raise ConceptError(f"{where}: unknown concept {concept!r} in 'attach'")
        family = str(data.get("family") or "described")
        return cls(family, tuple(groups), none, int(data.get("window", 4)), attach)

    def find(self, hits: Hits) -> list[str]:
        """The terms that make the rule hold in a reading's hits, or []."""
        if any(hits.get(c) for c in self.none):
            return []
        found: list[str] = []
        for group in self.groups:
            for chain in group:
                terms = self._chain(hits, chain)
                if terms:
                    found += terms
                    break
            else:
                return []
        return list(dict.fromkeys(found))

    def _chain(self, hits: Hits, chain: tuple[str, ...]) -> list[str]:
        """Hits of each concept of ``chain``, each within the window of the one before it."""
        if any(not hits.get(c) for c in chain):
            return []

        def walk(at: int, before: Hit | None) -> list[Hit] | None:
            if at == len(chain):
                return []
            for hit in hits[chain[at]]:
                if before is not None and (gap(before, hit) > self.window or hit is before):
                    continue
                if before is not None and not self._attached(hits, chain[at - 1], before, chain[at], hit):
                    continue
                rest = walk(at + 1, hit)
                if rest is not None:
                    return [hit, *rest]
            return None

        path = walk(0, None)
        return [h.term for h in path] if path else []

    def _attached(self, hits: Hits, first: str, a: Hit, second: str, b: Hit) -> bool:
        """Where one side is a competing concept (a colour), it must be the nearest to the other."""
        for concept, mine, other in ((first, a, b), (second, b, a)):
            if concept in self.attach:
                rivals = [h for c in self.attach for h in hits.get(c, ()) if h is not mine]
                if any(gap(r, other) < gap(mine, other) for r in rivals):
                    return False
        return True


@dataclass(frozen=True)
class Concepts:
    """The concepts file: each concept's words (all languages), which must cover every language,
    and the age units."""

    words: Mapping[str, tuple[str, ...]]
    languages: tuple[str, ...]
    by_language: Mapping[str, Mapping[str, tuple[str, ...]]]
    named: tuple[str, ...]
    age_units: Mapping[str, tuple[str, ...]]
    age_units_before: Mapping[str, tuple[str, ...]]
    number_languages: tuple[str, ...]

    @classmethod
    def parse(cls, data: Any, source: str = "data/rewrite/concepts.yaml") -> Concepts:
        if not isinstance(data, dict) or not isinstance(data.get("concepts"), dict):
            raise ConceptError(f"{source}: needs 'languages' and 'concepts: {{name: {{words: {{lang: [...]}}}}}}'")
        languages = tuple(str(lang) for lang in data.get("languages") or ())
        words: dict[str, tuple[str, ...]] = {}
        by_language: dict[str, dict[str, tuple[str, ...]]] = {}
        named = []
        for name, concept in data["concepts"].items():
            per_lang = (concept or {}).get("words")
            if not isinstance(per_lang, dict):
                raise ConceptError(f"{source}: concept {name!r} needs 'words: {{language: [word, ...]}}'")
            by_language[name] = {}
            for lang, entries in per_lang.items():
                if not isinstance(entries, list):
                    raise ConceptError(f"{source}: concept {name!r}, language {lang!r}: a list of words is expected")
                for entry in entries:
                    if not isinstance(entry, str):
                        raise ConceptError(
                            f"{source}: concept {name!r}, language {lang!r}: {entry!r} is not text; quote it"
                        )
                by_language[name][str(lang)] = tuple(entries)
            words[name] = tuple(dict.fromkeys(e for entries in by_language[name].values() for e in entries))
            if concept.get("dropped_letter"):
                named.append(str(name))
            if concept.get("every_language"):
                missing = [lang for lang in languages if not by_language[name].get(lang)]
                if missing:
                    raise ConceptError(f"{source}: concept {name!r} has no words in {', '.join(missing)}")
        ages = data.get("ages") or {}
        units = {str(k): tuple(map(str, v)) for k, v in (ages.get("units") or {}).items()}
        before = {str(k): tuple(map(str, v)) for k, v in (ages.get("units_before") or {}).items()}
        numbers = tuple(str(lang) for lang in ages.get("number_languages") or ())
        return cls(words, languages, by_language, tuple(named), units, before, numbers)


@lru_cache(maxsize=1)
def bundled_concepts() -> Concepts:
    """The concepts of ``data/rewrite/concepts.yaml``."""
    text = bundled_text("data", "rewrite", "concepts.yaml")
    return Concepts.parse(read_yaml(text))
