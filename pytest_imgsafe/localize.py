"""Which words make a prompt blocked: adaptive group testing against a classifier (pure).

``localize(prompt, is_blocked, budget=...)`` asks ``is_blocked(text)`` about sub-prompts and
returns the triggers: single words or phrases that block on their own, and groups that only
block together (a name plus a context). The full prompt is taken as known blocked (the caller
saw it blocked), so it is not asked again.

**Units.** A prompt is cut into units a classifier can still read: a content word (or a term of
the term tables, kept whole: "Elon Musk", "bleeding wound") together with the function words in
front of it ("of a", "in the"). A sub-prompt keeps whole units in their original order and
drops the others, so "A photo of Elon Musk on Mars" can become "A photo on Mars" or "of Elon
Musk", never "Elon on". Removing whole phrases keeps the text grammatical enough that the
classifier's answer means something.

**Search.** Triggers are found one core at a time (a core is a smallest set of units that is
blocked on its own). A binary search finds the shortest blocked prefix of the candidate units:
its last unit belongs to a core. One query tells whether that unit blocks alone; if not, the
same search over the units before it, with the unit kept, finds its partner, and so on until
the core blocks. Then the core is removed and the search goes on over the rest, whose first
question also settles whether anything blocks any more. Prefixes known to be clean are never
asked again, and the split points follow the likely position of the next trigger (a geometric
prior that learns from the triggers found so far) rather than the middle. Naive halving
(test both halves, recurse) costs 1.7 to 1.95 times the information bound and misses triggers
that only block together whenever a split separates them; this search finds them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .terms import TermIndex, default_index

FUNCTION_WORDS = frozenset(
    "a an the of in on at to for with and or by from into onto over under near as is are was be "
    "this that these those its his her their my our your some any very".split()
)
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Unit:
    """A piece of the prompt that is kept or dropped as a whole."""

    text: str
    """The content word or term (what is reported)."""
    start: int
    end: int
    """Span in the prompt, including the function words in front of it."""


@dataclass(frozen=True)
class Localization:
    """What made the prompt blocked."""

    triggers: tuple[tuple[str, ...], ...]
    """Each core: one word or phrase that blocks alone, or the words that only block together."""
    queries: int
    budget_exhausted: bool
    units: tuple[Unit, ...] = field(default=(), repr=False)

    @property
    def words(self) -> tuple[str, ...]:
        """Every trigger word or phrase, flattened."""
        return tuple(w for core in self.triggers for w in core)


class _Budget(Exception):
    pass


def split_units(prompt: str, index: TermIndex | None = None) -> list[Unit]:
    """Cut a prompt into units (see the module docstring)."""
    spans: list[tuple[int, int, bool]] = []  # start, end, is a function word
    terms = (index or default_index()).find(prompt)
    covered = [(m.start, m.end) for m in terms]
    for m in _WORD.finditer(prompt):
        inside = next(((a, b) for a, b in covered if a <= m.start() < b), None)
        if inside is not None:
            if not spans or spans[-1][:2] != (inside[0], inside[1]):
                spans.append((inside[0], inside[1], False))
            continue
        word = m.group().strip(".,;:!?\"'()").lower()
        spans.append((m.start(), m.end(), word in FUNCTION_WORDS or not word))
    units: list[Unit] = []
    lead: int | None = None
    for start, end, function in spans:
        if function:
            lead = start if lead is None else lead
            continue
        units.append(Unit(prompt[start:end].strip(".,;:!?\"'()"), start if lead is None else lead, end))
        lead = None
    if lead is not None and units:  # trailing function words go with the last unit
        last = units[-1]
        units[-1] = Unit(last.text, last.start, len(prompt.rstrip()))
    return units


def render(prompt: str, units: Sequence[Unit], keep: Sequence[int]) -> str:
    """The sub-prompt with only the kept units, in their original order."""
    return " ".join(prompt[units[i].start : units[i].end].strip() for i in sorted(keep))


class _Search:
    """Binary searches for the shortest blocked prefix, split at the median of a prior."""

    def __init__(self, ask: Callable[[list[int]], bool], n: int) -> None:
        self.ask = ask
        self.n = n
        self.found = 0

    def shortest_blocked_prefix(self, seq: list[int], required: list[int], lo: int, full_blocked: bool, rate: float | None = None) -> int | None:
        """Smallest m in (lo, len(seq)] with ``required + seq[:m]`` blocked, given ``seq[:lo]`` is
        clean; None when the whole ``seq`` is clean (asked first unless ``full_blocked``)."""
        if lo >= len(seq):
            return None
        if not full_blocked and not self.ask(required + seq):
            return None  # nothing blocks any more: one question, the usual answer once triggers are out
        top = len(seq)
        q = rate if rate is not None else min(0.5, (self.found + 1.0) / (self.n + 1.0))
        while top - lo > 1:
            mid = _median_split(lo, top, q)
            if self.ask(required + seq[:mid]):
                top = mid
            else:
                lo = mid
        return top


def _median_split(lo: int, top: int, q: float) -> int:
    """The split in (lo, top) closest to halving the prior mass of "where is the first trigger".

    Each unit is a trigger with chance ``q``, independently: the first one lies at lo + j with
    weight (1-q)^(j-1) q, truncated to (lo, top]; a virtual top ("none") gets the weight of
    finding nothing at all. With a small ``q`` this is the middle; with more triggers likely,
    the split moves towards the start, where the first of them probably is.
    """
    span = top - lo
    weights = [(1.0 - q) ** (j - 1) * q for j in range(1, span + 1)]
    total = sum(weights)
    best, best_gap, acc = lo + 1, 2.0, 0.0
    for j in range(1, span):
        acc += weights[j - 1]
        gap = abs(acc / total - 0.5)
        if gap < best_gap:
            best, best_gap = lo + j, gap
    return best


def find_cores(n: int, blocked: Callable[[list[int]], bool], budget: int) -> tuple[list[list[int]], int, bool]:
    """The search on abstract units 0..n-1 (``blocked(kept units)``; all n known blocked):
    the cores found, the queries used, and whether the budget ran out."""
    queries = 0

    def ask(keep: list[int]) -> bool:
        nonlocal queries
        if queries >= budget:
            raise _Budget
        queries += 1
        return bool(blocked(sorted(keep)))

    search = _Search(ask, n)
    cores: list[list[int]] = []
    remaining = list(range(n))
    clean_prefix = 0  # remaining[:clean_prefix] is known not to hold a whole core
    full_blocked = True
    try:
        while remaining:
            m = search.shortest_blocked_prefix(remaining, [], clean_prefix, full_blocked)
            if m is None:
                break
            core = [remaining[m - 1]]
            before = remaining[: m - 1]
            while not ask(core):
                # the unit needs company: find its partner among the units before it
                k = search.shortest_blocked_prefix(before, core, 0, bool(before), rate=1.0 / (len(before) + 1.0))
                if k is None:  # an oracle that contradicts itself (a flaky classifier): stop here
                    return cores, queries, False
                core.append(before[k - 1])
                before = before[: k - 1]
            cores.append(sorted(core))
            search.found += len(core)
            clean_prefix = len([u for u in remaining[: m - 1] if u not in core])
            remaining = [u for u in remaining if u not in core]
            full_blocked = False
    except _Budget:
        return cores, queries, True
    return cores, queries, False


def localize(
    prompt: str,
    is_blocked: Callable[[str], bool],
    *,
    budget: int = 64,
    index: TermIndex | None = None,
    known_blocked: bool = True,
) -> Localization:
    """Find the words or phrases that make ``prompt`` blocked, in at most ``budget`` queries.

    ``known_blocked=False`` asks about the whole prompt first (one query) and finds nothing if it passes.
    """
    units = split_units(prompt, index)
    if not known_blocked:
        if budget < 1:
            return Localization((), 0, True, tuple(units))
        if not is_blocked(prompt):
            return Localization((), 1, False, tuple(units))
        cores, queries, exhausted = find_cores(len(units), lambda keep: is_blocked(render(prompt, units, keep)), budget - 1)
        return Localization(tuple(tuple(units[i].text for i in core) for core in cores), queries + 1, exhausted, tuple(units))
    cores, queries, exhausted = find_cores(len(units), lambda keep: is_blocked(render(prompt, units, keep)), budget)
    triggers = tuple(tuple(units[i].text for i in core) for core in cores)
    return Localization(triggers, queries, exhausted, tuple(units))
