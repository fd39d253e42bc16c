"""Fitting a replacement into the sentence it lands in, so a rewrite reads as a person wrote it.

A table gives a name's replacement as a full noun phrase ("a pop singer on a concert stage").
Dropped in as is, it breaks the sentence wherever the name did more than stand alone:

- a possessive: "Taylor Swift's boyfriend" -> "a pop singer's boyfriend" (the phrase's head, not
  "a pop singer on a concert stage's boyfriend"); a living artist's work -> "a rat in the style
  of ..." rather than "... Basquiat's rat";
- a name used as a modifier: "a Pikachu plush" -> "a round, cute ... creature plush", "Elon Musk
  rocket" -> "a tech company founder's rocket", "Banksy style graffiti" -> "80s street art style
  graffiti";
- words the replacement already says: "Taylor Swift concert stage" -> "a pop singer on a concert
  stage", "a Coca-Cola bottle" -> "a classic soda bottle";
- a character named with its franchise: "Pikachu from Pokemon", "Marvel's Iron Man", "the
  Pokemon Pikachu": both names go, the character's description stays;
- articles: "a Pikachu" keeps one article, "a Banksy mural" gets "an" when the next word wants it.

Pure string work over the matches the term index found; :mod:`.core` decides what to replace.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from ..base.terms import Match

FUNCTION_WORDS = frozenset(
    """a an the this that these those his her their its our my your and or but nor so yet on in at
    with by from of for to into onto over under near beside behind above below across through during
    after before without like as against among around is are was were be being been has have had
    does do did can could will would should may might must who which while where when than next
    together alone again here there up down out off away back inside outside nearby also too now
    then""".split()
)
"""Words after a name that show it stands alone (a preposition, a conjunction, a verb's helper)."""
COMMON_VERBS = frozenset(
    """sits stands walks runs sings dances plays holds wears rides smiles looks eats reads waves
    jumps flies swims drives poses performs speaks gives meets fights hugs laughs cries paints
    cooks writes talks shakes signs visits greets leads climbs sleeps sits""".split()
)
# Cut points: where a replacement's head noun phrase ends and its description begins.
_CUT = re.compile(
    r"\s(?:wearing|holding|with|in|on|at|behind|by|from|under|over|near|beside|exploring|jumping|"
    r"swinging|casting|eating|lying|hidden|rising|floating|loves?|who)\s"
)
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s?(?![^\W_])")
_ARTICLE_BEFORE = re.compile(r"\b(a|an|the)\s+$", re.IGNORECASE)
_STARTS_WITH_ARTICLE = re.compile(r"^(a|an|the)\s", re.IGNORECASE)
_SENTENCE_START = re.compile(r"(^|[.!?]\s+)$")
_JOINERS = re.compile(r"^(?:\s+(?:from|of|in)\s+(?:the\s+)?|['’]s\s+|\s+(?:character\s+)?)$", re.IGNORECASE)
_VOWEL_SOUND = re.compile(r"^(?:[aeio]|u(?!ni|se|su|ro)|8|11|18|80s|honest|hour|heir)", re.IGNORECASE)


class Edit(NamedTuple):
    """One span of the prompt and the text that replaces it."""

    start: int
    end: int
    replacement: str


def head(replacement: str) -> str:
    """The replacement's head noun phrase: "a pop singer on a concert stage" -> "a pop singer"."""
    cut = _CUT.search(replacement)
    return replacement[: cut.start()] if cut else replacement


def strip_article(phrase: str) -> str:
    return _STARTS_WITH_ARTICLE.sub("", phrase, count=1)


def article_for(word: str) -> str:
    """'a' or 'an' for the word that follows."""
    return "an" if _VOWEL_SOUND.match(word) else "a"


def plan(
    prompt: str, matches: Sequence[Match], replace: Callable[[Match], str], is_franchise: Callable[[Match, Match], bool]
) -> list[Edit]:
    """The edits that put each match's replacement into ``prompt`` (matches in prompt order)."""
    merged = _merge_franchises(prompt, list(matches), is_franchise)
    edits = [_fit(prompt, lead, end, replace(lead)) for lead, end in merged]
    return [e for e in edits if e is not None]


def _merge_franchises(
    prompt: str, matches: list[Match], is_franchise: Callable[[Match, Match], bool]
) -> list[tuple[Match, int]]:
    """(the match that keeps its description, where its span ends) for every match or pair."""
    out: list[tuple[Match, int]] = []
    i = 0
    while i < len(matches):
        m = matches[i]
        nxt = matches[i + 1] if i + 1 < len(matches) else None
        if nxt is not None and _JOINERS.match(prompt[m.end : nxt.start]):
            gap = prompt[m.end : nxt.start].strip().lower()
            if gap in ("from", "of", "in", "from the", "of the", "in the") and is_franchise(nxt, m):
                out.append((m, nxt.end))  # "Pikachu from Pokemon": the character stays
                i += 2
                continue
            if gap in ("", "'s", "’s", "character") and is_franchise(m, nxt):
                # "Marvel's Iron Man", "the Pokemon Pikachu": the franchise goes
                out.append((nxt._replace(start=m.start), nxt.end))
                i += 2
                continue
        out.append((m, m.end))
        i += 1
    return out


def _fit(prompt: str, match: Match, end: int, replacement: str) -> Edit | None:
    start = match.start
    after = prompt[end:]
    possessive = _POSSESSIVE.match(after)
    next_word = _next_word(after[possessive.end() :] if possessive else after)
    if possessive:
        end += possessive.end()
        if match.scenario == "living_artist":
            return _reorder(prompt, start, end, "{noun} in the style of {r}", replacement, "a")
        if match.scenario == "copyrighted_ip" and head(replacement) != replacement:
            return _reorder(prompt, start, end, "{noun} of {r}", replacement, "the")
        replacement = _possessive(head(replacement))
    elif next_word:
        repeated = _repeated_tail(replacement, after)
        if repeated:
            end += repeated  # "Taylor Swift concert stage": the replacement says it already
        elif next_word.lower().startswith("style"):
            replacement = strip_article(head(replacement)) if match.scenario != "celebrity" else head(replacement)
        elif _is_noun(next_word):
            # a name used as a modifier: "Elon Musk rocket", "a Pikachu plush", "a Banksy mural"
            if match.scenario == "celebrity":
                replacement = _possessive(head(replacement))
            elif match.scenario == "copyrighted_ip" and head(replacement) != replacement:
                return _reorder(prompt, start, end, "{noun} of {r}", replacement, None)
            else:
                replacement = head(replacement)
    return _with_article(prompt, start, end, replacement)


def _with_article(prompt: str, start: int, end: int, replacement: str) -> Edit:
    before = _ARTICLE_BEFORE.search(prompt, 0, start)
    if before is not None and _STARTS_WITH_ARTICLE.match(replacement):
        # "a Pikachu" -> "a round, cute ...", never "a a round, cute ...": the article goes too
        start = before.start()
        if prompt[start].isupper():
            replacement = replacement[0].upper() + replacement[1:]
    elif before is not None and before.group(1).lower() in ("a", "an"):
        # "a Banksy mural" -> "an 80s street art mural": the article agrees with what follows
        article = article_for(replacement)
        written = before.group(1)
        if written.lower() != article:
            start = before.start()
            article = article.capitalize() if written[0].isupper() else article
            replacement = f"{article} {replacement}"
    elif _SENTENCE_START.search(prompt, 0, start) and prompt[start : start + 1].isupper():
        replacement = replacement[0].upper() + replacement[1:]
    return Edit(start, end, replacement)


def _reorder(prompt: str, start: int, end: int, template: str, replacement: str, article: str | None) -> Edit:
    """The noun the name qualified comes first: "Banksy's rat" -> "a rat in the style of ...",
    "Spider-Man's mask" -> "the mask of a young man in ...", "a Pikachu plush" -> "a plush of a
    round, cute ...". ``article`` ("a" or "the") is added when none precedes the name."""
    noun: list[re.Match[str]] = []
    for w in _WORD.finditer(prompt, end):
        between = prompt[(noun[-1].end() if noun else end) : w.start()]
        if between.strip() or not _is_noun(w.group()) or len(noun) == 3:
            break
        noun.append(w)
    if not noun:
        return _with_article(prompt, start, end, head(replacement))
    phrase = prompt[noun[0].start() : noun[-1].end()]
    text = template.format(noun=phrase, r=replacement)
    if (
        article
        and not _ARTICLE_BEFORE.search(prompt, 0, start)
        and not (article == "a" and phrase.lower().endswith("s"))
    ):
        text = f"{article_for(phrase) if article == 'a' else article} {text}"
    return _with_article(prompt, start, noun[-1].end(), text)


def _possessive(phrase: str) -> str:
    return phrase + ("'" if phrase.endswith("s") and not phrase.endswith("ss") else "'s")


def _next_word(text: str) -> str:
    """The word right after a name (only spaces between), or '' if punctuation comes first."""
    m = re.match(r"\s+([^\W_]+(?:-[^\W_]+)*)", text)
    return m.group(1) if m else ""


def _is_noun(word: str) -> bool:
    low = word.lower()
    return not (
        low in FUNCTION_WORDS
        or low in COMMON_VERBS
        or low.endswith(("ing", "ly"))
        or (low.endswith("ed") and len(low) > 4)
    )


def _repeated_tail(replacement: str, after: str) -> int:
    """How many characters at the start of ``after`` repeat the end of the replacement (whole
    words, singular or plural alike): "... on a concert stage" + " concert stage" -> 14."""
    tail = [w.lower().rstrip("s") for w in _WORD.findall(replacement)]
    spans = list(re.finditer(r"\s+([^\W_]+)", after))
    best = 0
    for n in range(1, min(len(spans), len(tail)) + 1):
        if any(m.start() != (spans[k - 1].end() if k else 0) for k, m in enumerate(spans[:n])):
            break
        words = [m.group(1).lower().rstrip("s") for m in spans[:n]]
        if words == tail[-n:] or (n == 1 and tail and tail[-1].endswith(words[0]) and len(words[0]) >= 3):
            best = spans[n - 1].end()
    if not best and tail:
        # "Taylor Swift on stage" -> "a pop singer on a concert stage", never "... on a concert stage
        # on stage": a phrase of the replacement's own preposition and noun is said already
        phrase = _PLACE_PHRASE.match(after)
        if (
            phrase
            and phrase.group(2).lower().rstrip("s") == tail[-1]
            and phrase.group(1).lower() in (w.lower() for w in _WORD.findall(replacement))
        ):
            best = phrase.end()
    return best


_PLACE_PHRASE = re.compile(r"\s+(on|at|in|onto|upon)\s+(?:(?:a|an|the)\s+)?([^\W_]+)\b", re.I)
"""A short place phrase right after a name: a preposition, an optional article, a noun."""
