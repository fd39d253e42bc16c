"""The six rewriting strategies of the domain notes: help only what is positively allowed.

A rewrite turns a falsely blocked, legitimate prompt into one that passes, touching nothing
but what its strategy targets. Four strategies are table-driven (a trigger term is replaced by
the text its table gives); two ask a chat model (a *describer*) for a plain visual description,
the notes' two-step approach, and then run the tables over its answer as a safety net.

Helping is an allow-list (design.md, responsible use). No detector recognises every way of
saying a prohibited thing, so a strategy acts only on spans it positively identifies as an
allowed trigger (a public figure, a living artist, a character, franchise or brand, violent or
clinical wording: the four tables' terms, also under look-alike spellings). A prompt with none
comes back unchanged, with the reason (:attr:`Rewrite.reason`), and so does a prompt in a
language the tables do not speak (:mod:`.language`): rewritten word by word it would become a
mix of languages. The describer strategies ask their model only about a prompt with an allowed
trigger, and an answer that refuses, apologises, is empty or restates the prompt is a refusal
(:mod:`.answers`), never text to send.

The refusal rule comes first and holds for every strategy: a prompt of the hard-prohibited
scenarios (sexual content, minors, hate symbols and extremism) raises :class:`RewriteRefused`
before anything is asked, and so does a rewrite or a describer's answer that would fall in them.
Two checks make the rule. The term tables: any term of those tables refuses, even one that would
not block on its own (a child in a park), because a rewriting tool has no business making such
a prompt pass. And the library's own detector (:mod:`.refusal`), the second line, which reads
what a word list misses: ages and school years in several languages, hate codes, described
symbols and salutes, euphemisms, look-alike spellings, other languages, encodings. A refusal says
whether the prompt carries a hard signal (:attr:`RewriteRefused.hard`): a prompt that only
mentions a minor in an ordinary scene (a child at school, a family picnic) is not helped, but it
is not a prohibited prompt either, and the gateway leaves it to the models.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from ..base.rewritten import Change, Rewrite, RewriteRefused
from ..base.strategies import STRATEGIES
from ..base.terms import HARD_PROHIBITED, Match, TermIndex, default_index, fold
from . import grammar
from .answers import not_a_description
from .language import not_covered
from .lookalike import NearNames
from .refusal import Finding, RefusalDetector, default_detector
from .tables import TABLE_STRATEGIES, RewriteTable, bundled_tables

Describer = Callable[[str, str, "Path | None"], str]
"""``describe(instruction, text, image) -> description``: a chat model asked for a plain visual
description of an idea (``image`` None) or of an image (``image`` a file)."""

DESCRIBE_INSTRUCTION = (
    "You are a visual description expert. Rewrite the user's idea into a pure visual description: "
    "remove all real names, brand names, copyrighted character names and sensitive words; keep "
    "color, composition, lighting, action, atmosphere, texture and lens. Answer with one short paragraph."
)
EDIT_INSTRUCTION = (
    "Describe the visual elements of this image in plain words (subject, setting, colors, lighting, "
    "composition), without names of people, brands or characters. Answer with one sentence."
)

BY_SCENARIO: dict[str, str] = {scenario: name for name, scenario in TABLE_STRATEGIES.items()}
"""The strategy ``rewrite(prompt)`` picks for each rewritable scenario."""


NO_REFERENCE = (
    "nothing to describe: no public figure, living artist, character or brand (wording is softened, not retold)"
)
"""Why a describer strategy leaves a prompt alone whose only trigger is violent or clinical wording."""

REWRITABLE: frozenset[str] = frozenset(TABLE_STRATEGIES.values())
"""The allowed scenarios: the only triggers a strategy acts on, and the only causes of a block
that a chain or gateway falls back past."""

NOTHING_TO_REWRITE = "nothing to rewrite: no public figure, living artist, character, brand or violent wording in it"


@dataclass(frozen=True)
class Reading:
    """What the rewriter reads in a prompt: its trigger terms, and the refusal it would raise."""

    matches: tuple[Match, ...]
    refusal: RewriteRefused | None
    declined: tuple[Match, ...] = ()
    """Atrocity wording: violent terms the strategies refuse to soften."""

    @property
    def allowed(self) -> tuple[Match, ...]:
        """The allowed triggers: terms of the rewritable scenarios a strategy would rewrite."""
        return tuple(m for m in self.matches if m.scenario in REWRITABLE and m not in self.declined)


@dataclass
class Rewriter:
    """The strategies over one set of trigger terms and replacement tables.

    The module-level functions use one built from the bundled tables; build your own to add
    tables (``merge_tables``) or terms (``pytest_imgsafe.base.terms.merge_tables``).
    """

    index: TermIndex = field(default_factory=default_index)
    tables: Mapping[str, RewriteTable] = field(default_factory=bundled_tables)
    detector: RefusalDetector = field(default_factory=default_detector)

    def rewrite(
        self,
        prompt: str,
        strategy: str | None = None,
        *,
        describe: Describer | None = None,
        image: Path | None = None,
    ) -> Rewrite:
        """Rewrite ``prompt`` with ``strategy``, or the strategies its scenarios call for."""
        if strategy is not None and strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; strategies: {', '.join(STRATEGIES)}")
        if strategy is not None and STRATEGIES[strategy].needs_describer and describe is None:
            raise ValueError(f"{strategy} needs a describer: pass describe=<a function that asks a chat model>")
        matches = self.find(prompt)
        self._refuse_hard(prompt, matches, "the prompt")
        allowed = [m for m in matches if m.scenario in REWRITABLE]
        if not allowed:
            # another script says more than "nothing to rewrite": no table would know its names
            return Rewrite(prompt, prompt, None, reason=not_covered(prompt, script_only=True) or NOTHING_TO_REWRITE)
        references = [m for m in allowed if m.scenario != "violence"]  # what has a name, not wording
        foreign = not_covered(prompt, [(m.start, m.end) for m in references])
        if foreign is not None:
            return Rewrite(prompt, prompt, None, reason=foreign)
        if strategy in (None, *TABLE_STRATEGIES):
            names = (
                (strategy,)
                if strategy
                else tuple(n for n in TABLE_STRATEGIES if any(m.scenario == TABLE_STRATEGIES[n] for m in matches))
            )
            return self._tables(prompt, matches, names)
        assert describe is not None  # checked above
        if not references:
            # a describer describes a *reference* (a person, an artist's work, a character, a
            # brand); violent wording is softened by its table. A prompt whose only trigger is its
            # wording is never handed to a model to be retold: whatever the detector missed in it
            # would come back as new text.
            return Rewrite(prompt, prompt, None, reason=NO_REFERENCE)
        if strategy == "describe_reference":
            return self._describe_reference(prompt, describe)
        return self._edit_to_generate(prompt, describe, image)

    def read(self, prompt: str) -> Reading:
        """What this rewriter reads in ``prompt``, without rewriting it: its trigger terms, the
        refusal any strategy would raise, and atrocity wording. The chain and the gateway decide
        from it whether a block has an allowed cause."""
        matches = self.find(prompt)
        violence = self.tables.get("soften_violence")
        declined = tuple(m for m in matches if m.scenario == "violence" and violence and violence.declines(m.term))
        try:
            self._refuse_hard(prompt, matches, "the prompt")
        except RewriteRefused as refused:
            return Reading(tuple(matches), refused, declined)
        return Reading(tuple(matches), None, declined)

    def find(self, text: str) -> list[Match]:
        """The trigger terms in ``text``, also under look-alike spellings ("Taylor Sw1ft", "B@nksy",
        "TaylorSwift", "Barack Obamma", "Taylor Sift")."""
        matches = self.index.find(text)
        unleet = _unleet(text)
        taken = matches
        if unleet != text:
            # both readings, longest first ("T3enage Mutant Ninja Turtles" over "Ninja Turtles")
            candidates = matches + [m._replace(text=text[m.start : m.end]) for m in self.index.find(unleet)]
            taken = []
            for m in sorted(candidates, key=lambda m: (m.start - m.end, m.start)):
                if not any(t.start < m.end and m.start < t.end for t in taken):
                    taken.append(m)
        # then names run together, with a letter doubled or left out ("TaylorSwift", "Obamma")
        near = self._near.find(unleet, taken)
        kept = [m for m in taken if not any(n.start <= m.start and m.end <= n.end for n in near)]
        return sorted([*kept, *(m._replace(text=text[m.start : m.end]) for m in near)], key=lambda m: m.start)

    @cached_property
    def _near(self) -> NearNames:
        return NearNames(self.tables)

    def _is_franchise(self, franchise: Match, character: Match) -> bool:
        """Is ``franchise`` the franchise of ``character`` ("Pokemon", "Pikachu")? Both are IP, and
        the franchise's replacement is shared (a franchise's is: "a classic American cartoon
        style") by more terms than the character's ("Mario" and "Super Mario" share one)."""
        if franchise.scenario != "copyrighted_ip" or character.scenario != "copyrighted_ip":
            return False
        table = self.tables["ip_to_archetype"]
        return _shared(table, franchise.term) > max(1, _shared(table, character.term))

    # --- table strategies -------------------------------------------------------------------

    def _tables(self, prompt: str, matches: list[Match], names: tuple[str, ...]) -> Rewrite:
        scenarios = {TABLE_STRATEGIES[n]: self.tables[n] for n in names}
        targeted = [m for m in matches if m.scenario in scenarios]
        declined = [m.text for m in targeted if scenarios[m.scenario].declines(m.term)]
        if declined:
            raise RewriteRefused(
                "violence", declined, "atrocity wording is not softened: it is what the filter is for", hard=False
            )
        if not targeted:
            wanted = ", ".join(sorted(scenarios))
            return Rewrite(prompt, prompt, None, reason=f"nothing this strategy rewrites (scenario {wanted})")
        edits = grammar.plan(prompt, targeted, lambda m: scenarios[m.scenario].replacement(m.term), self._is_franchise)
        changes = [Change(e.start, e.end, prompt[e.start : e.end], e.replacement) for e in edits]
        text = _apply(prompt, changes)
        self._refuse_hard(text, self.find(text), "the rewrite")
        used = [n for n in names if any(m.scenario == TABLE_STRATEGIES[n] for m in targeted)]
        return Rewrite(prompt, text, "+".join(used), tuple(changes))

    # --- describer strategies ---------------------------------------------------------------

    # Only called for a prompt with an allowed trigger (:meth:`rewrite` returns the others
    # unchanged before any describer is asked): rewriting a clean rewrite asks nothing.

    def _describe_reference(self, prompt: str, describe: Describer) -> Rewrite:
        described = self._clean(self._description(describe(DESCRIBE_INSTRUCTION, prompt, None), prompt))
        return Rewrite(prompt, described, "describe_reference", (Change(0, len(prompt), prompt, described),))

    def _edit_to_generate(self, prompt: str, describe: Describer, image: Path | None) -> Rewrite:
        description = self._description(describe(EDIT_INSTRUCTION, prompt, image), prompt).rstrip(".")
        change = self._clean(prompt)
        text = self._clean(f"{description}, {change[0].lower() + change[1:] if change else ''}".rstrip(", "))
        return Rewrite(prompt, text, "edit_to_generate", (Change(0, len(prompt), prompt, text),), endpoint="generate")

    def _description(self, answer: str, prompt: str) -> str:
        """A describer's answer, if it is a description: a refusal, an apology, an empty answer
        or the prompt sent back raise :class:`RewriteRefused` (:mod:`.answers`)."""
        why = not_a_description(answer, prompt)
        if why is not None:
            raise RewriteRefused("unknown", [answer.strip()[:80]], f"{why}: it is never sent on", hard=False)
        return answer.strip()

    def _clean(self, text: str) -> str:
        """A describer's answer, with the tables run over it and the refusal rule applied."""
        matches = self.find(text)
        self._refuse_hard(text, matches, "the describer's answer")
        names = tuple(n for n in TABLE_STRATEGIES if any(m.scenario == TABLE_STRATEGIES[n] for m in matches))
        return self._tables(text, matches, names).text if names else text

    def _refuse_hard(self, text: str, matches: list[Match], what: str) -> None:
        """Raise RewriteRefused if the term tables or the detector put ``text`` in a hard scenario:
        a hard signal first (``hard``), then a minor mentioned or depicted realistically."""
        # a name the tables rewrite is read as a name, not as words: "Teen Titans" is a show (but
        # not a name of two letters, which letters spelled apart can make: "f.r.e.s.h.m.a.n")
        names = [m for m in matches if m.scenario in REWRITABLE and sum(c.isalpha() for c in m.text) >= 4]
        blanked = _blank(text, names)
        found = self.detector.find(blanked)
        if found is None and names:
            found = self._across_names(text, names)
        minor = [m.text for m in matches if m.scenario == "minors"]
        hard = [m for m in matches if m.scenario in HARD_PROHIBITED and m.scenario != "minors"]
        # a term of the sexual or hate tables is hard on its own, unless the detector read it and
        # found it taught (a movement named in a history lesson); a suggestive term (level 1:
        # swimwear, a skimpy dress) is hard only beside a minor, or where the detector says so
        judged = found is not None and not found.hard
        strong = [
            m for m in hard if m.level >= 2 and not (judged and found is not None and m.scenario == found.scenario)
        ]
        suggestive = [m for m in hard if m.level < 2]
        if (strong or (suggestive and minor)) and not (found is not None and found.hard):
            # beside a minor, the scenario is minors
            kept = strong or suggestive
            scenario = "minors" if minor else kept[0].scenario
            terms = [*minor, *(m.text for m in kept)] if minor else [m.text for m in kept if m.scenario == scenario]
            reason = f"{what} falls in the {scenario} scenario, which is never rewritten (responsible use)"
            raise RewriteRefused(scenario, terms, reason)
        if found is None and suggestive:
            reason = (
                f"{what} holds suggestive wording ({', '.join(m.text for m in suggestive)}), which is never "
                "rewritten; on its own it is no hard signal, so the models judge it"
            )
            raise RewriteRefused(suggestive[0].scenario, [m.text for m in suggestive], reason, hard=False)
        if found is not None:
            reason = f"{what} reads as {found.family} ({found.scenario}), which is never rewritten (responsible use)"
            raise RewriteRefused(found.scenario, found.terms, reason, hard=found.hard)
        minor += self.detector.minors(blanked)
        if minor:
            reason = (
                f"{what} falls in the minors scenario (it mentions a minor), which is never rewritten "
                "(responsible use: the library helps no prompt with a minor)"
            )
            raise RewriteRefused("minors", minor, reason, hard=False)

    def _across_names(self, text: str, names: list[Match]) -> Finding | None:
        """A hard signal said through a name (an idiom such as "netflix and chill"): the prompt
        read with its names left in, kept only when a term it was read by reaches past the names
        (the "Sex" of a band called Sex Pistols is the name, not a signal)."""
        found = self.detector.find(text)
        if found is None or not found.hard:
            return None
        inside = [fold(m.text) for m in names]
        if all(any(fold(term) in name for name in inside) for term in found.terms):
            return None
        return found


_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_WORD = re.compile(r"(?<![^\W_])[^\W\d_][^\W_]*[0-9@$][^\W_@$]*(?:[@$][^\W_]+)*")


def _unleet(text: str) -> str:
    """``text`` with digits, "@" and "$" read as letters inside words that start with a letter
    ("Sw1ft", "B@nksy"); same length, so a match's span points into the original."""
    return _LEET_WORD.sub(lambda m: m.group().translate(_LEET), text)


def _shared(table: RewriteTable, term: str) -> int:
    """How many terms of the table share this term's replacement (only asked for two IP names
    side by side, so counting on the spot is cheap)."""
    replacement = table.replacement(term)
    return sum(1 for other in table.entries.values() if other == replacement)


def _blank(text: str, matches: list[Match]) -> str:
    """``text`` with the spans of ``matches`` replaced by a neutral word: a public figure's name
    by "a public figure" (the detector reads what is done to a real person: drawn as an ape),
    any other name by "someone"."""
    for m in reversed(matches):
        text = text[: m.start] + ("a public figure" if m.scenario == "celebrity" else "someone") + text[m.end :]
    return text


def _apply(prompt: str, changes: list[Change]) -> str:
    parts: list[str] = []
    at = 0
    for change in changes:
        parts.append(prompt[at : change.start])
        parts.append(change.replacement)
        at = change.end
    parts.append(prompt[at:])
    return "".join(parts)


@lru_cache(maxsize=1)
def default_rewriter() -> Rewriter:
    """The rewriter over the bundled terms and tables."""
    return Rewriter()


def rewrite(
    prompt: str, strategy: str | None = None, *, describe: Describer | None = None, image: Path | None = None
) -> Rewrite:
    """Rewrite a prompt with one strategy, or (``strategy=None``) the ones its scenarios call for.

    Deterministic and idempotent for the table strategies; raises :class:`RewriteRefused` for
    any prompt of the hard-prohibited scenarios, whatever the strategy. ``describe`` is needed by
    ``describe_reference`` and ``edit_to_generate`` (``image``: the picture an edit would change).
    """
    return default_rewriter().rewrite(prompt, strategy, describe=describe, image=image)


def name_to_descriptor(prompt: str) -> Rewrite:
    """Strategy 1: public figures' names -> role descriptors ("a tech company founder wearing a suit")."""
    return rewrite(prompt, "name_to_descriptor")


def living_artist_to_style(prompt: str) -> Rewrite:
    """Strategy 2: living artists -> style, movement or a deceased master of the same movement."""
    return rewrite(prompt, "living_artist_to_style")


def ip_to_archetype(prompt: str) -> Rewrite:
    """Strategy 3: characters and brands -> generic archetypes that keep the visual features."""
    return rewrite(prompt, "ip_to_archetype")


def describe_reference(prompt: str, describe: Describer) -> Rewrite:
    """Strategy 4: the two-step rewrite; ``describe`` asks a chat model (its calls are recorded by the plugin)."""
    return rewrite(prompt, "describe_reference", describe=describe)


def soften_violence(prompt: str) -> Rewrite:
    """Strategy 5: graphic violent wording -> cinematic wording (violence only; atrocities declined)."""
    return rewrite(prompt, "soften_violence")


def edit_to_generate(prompt: str, describe: Describer, image: Path | None = None) -> Rewrite:
    """Strategy 6: an edit request -> a generate prompt built from a description of the image."""
    return rewrite(prompt, "edit_to_generate", describe=describe, image=image)
