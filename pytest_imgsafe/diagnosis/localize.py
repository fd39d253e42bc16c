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
its last unit belongs to a core. One question tells whether that unit blocks alone; if not, the
same search over the units before it, with the unit kept, finds its partner, and so on until
the core blocks. Then the core is removed and the search goes on over the rest, whose questions
also settle whether anything blocks any more.

The questions are chosen to be worth a whole bit each. The search's split points come from an
optimal alphabetic tree over a prior on where the next core completes (a prior on how many
triggers a prompt holds and on pairs that only block together), updated with every answer, so
it adapts to what the first answers show; "nothing left" is one of its outcomes, so "is anything
left?" comes early only when it is likely. The last few candidates are finished by an exact
small plan that may ask a candidate alone: blocked settles both where a core ends and that it
blocks alone, in one question. Answers that follow from earlier ones (a superset of a blocked
sub-prompt is blocked, a subset of a clean one clean) are never asked. The prior only shapes
which questions are asked: whatever it says, every core is found.

**What it promises, and what that costs.** Every named core was seen blocked, no part of it
without one of its units blocks, and the prompt without the named cores was seen clean: that
holds for any classifier whose verdict grows with the kept words, not only for the benchmark's
models. For a single trigger p it takes two questions nothing else can answer: p alone (blocked)
and everything but p (clean). The fewest questions any search can then ask on average, for one
trigger among n, are 4.80 for n = 10 and 8.08 for n = 100 (the bound, ceil(log2 n), is 4 and 7;
computed exactly in ``benchmarks/localize_bench.py``, checked against an exhaustive search over
every strategy for small n). A search that only has to tell one trigger from several and from a
pair (the issue's weaker promise) still needs 4.40 and 7.72; repeated binary search asks 4.30
and 7.71 because it names one word of a pair as the trigger. Naive halving costs 1.7 to 1.95
times the bound and misses triggers that only block together whenever a split separates them
(``benchmarks/README.md``).

**A classifier that changes its mind** (an output filter judging a freshly generated image, a
classifier answering at random) can make any answer look settled, since the search never asks
what it can infer. ``confirm`` asks each answer's grounds again; contradictions and cores the
budget ran out on are reported as ``uncertain``, never as triggers: with ``confirm``, a core the
budget left unconfirmed is uncertain too, and a budget that ends between cores reports the
smallest blocked sub-prompt no named core explains.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..base.terms import TermIndex, default_index

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
    uncertain: tuple[tuple[str, ...], ...] = ()
    """Words the answers implicate without settling them (the budget ran out on them, or the
    classifier contradicted itself about them): never reported as triggers."""
    contradicted: bool = False
    """The classifier changed its mind: no fixed set of triggers explains its answers."""

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


@dataclass(frozen=True)
class Expectation:
    """What the search expects before any question: only the number of questions depends on it,
    never the answer. A caller that knows its classifier (say, one that only ever blocks on
    single words) can say so and save questions."""

    trigger_counts: tuple[tuple[int, float], ...] = ((1, 1.5), (2, 1.0), (3, 0.8))
    """Weight of each number of triggers; beyond the largest, each one more is ``more_decay``
    times as likely. The default: one a little more often than two or three. The benchmark's
    mean over its cells moves by about 0.01 of the bound across sensible choices (one trigger
    from half as likely to twice as likely as two), so this is not a tuned edge."""
    more_decay: float = 0.05
    pair_share: float = 0.2
    """The share of blocked prompts whose first core is a pair that only blocks together."""

    def __post_init__(self) -> None:
        if not self.trigger_counts or any(k < 1 or w < 0 for k, w in self.trigger_counts):
            raise ValueError(f"trigger_counts needs (count >= 1, weight >= 0) pairs, got {self.trigger_counts!r}")
        if not 0.0 <= self.pair_share < 1.0 or self.more_decay < 0.0:
            raise ValueError(
                f"pair_share must be in [0, 1) and more_decay >= 0, got {self.pair_share!r}, {self.more_decay!r}"
            )

    def count_weight(self, k: int) -> float:
        """The weight of a prompt holding exactly k triggers."""
        counts = dict(self.trigger_counts)
        if k in counts:
            return counts[k]
        largest = max(counts)
        return counts[largest] * self.more_decay ** (k - largest) if k > largest else 0.0


DEFAULT_EXPECTATION = Expectation()


class _Knowledge:
    """The questions asked so far; answers that follow from them are not asked again.

    A classifier's verdict is monotone in the kept units: a superset of a blocked sub-prompt is
    blocked, a subset of a clean one is clean.
    """

    def __init__(self, blocked: Callable[[list[int]], bool], budget: int, n: int) -> None:
        self.blocked = blocked
        self.budget = budget
        self.queries = 0
        self.positive: list[frozenset[int]] = [frozenset(range(n))]  # the whole prompt: seen blocked
        self.negative: list[frozenset[int]] = []

    def known(self, keep: Sequence[int]) -> bool | None:
        kept = frozenset(keep)
        if any(seen <= kept for seen in self.positive):
            return True
        if any(kept <= seen for seen in self.negative):
            return False
        return None

    def ask(self, keep: Sequence[int]) -> bool:
        answer = self.known(keep)
        if answer is not None:
            return answer
        if self.queries >= self.budget:
            raise _Budget
        self.queries += 1
        answer = bool(self.blocked(sorted(keep)))
        (self.positive if answer else self.negative).append(frozenset(keep))
        return answer


@dataclass(frozen=True)
class _Prior:
    """Where the next core completes, as weights per position (and "nowhere", last)."""

    single: list[float]
    """Weight of "the first single trigger is here" for each candidate position."""
    pair: list[float]
    """Weight of "a pair completes here" for each candidate position."""
    none: float | None
    """Weight of "nothing blocks any more" (None when the candidates are known to block)."""

    def weights(self) -> list[float]:
        tiny = 1e-12  # every outcome stays possible: the prior shapes the questions, never the answer
        weights = [max(s + p, tiny) for s, p in zip(self.single, self.pair, strict=True)]
        return weights if self.none is None else [*weights, max(self.none, tiny)]


def _next_core_prior(
    n: int,
    candidates: Sequence[bool],
    clean: int,
    found: int,
    may_be_none: bool,
    expect: Expectation = DEFAULT_EXPECTATION,
) -> _Prior:
    """The prior over where the next core completes among the candidates that follow ``clean``
    units known to hold no core, with ``found`` trigger units already taken out. ``candidates``
    says, per candidate, whether it may be a trigger on its own (False: asked alone, clean).

    Single triggers: each count k of triggers has the weight ``expect`` gives it, and its
    sets are equally likely, so j more triggers among the u free candidates have weight
    C(u, j) * prior(found + j) / C(n, found + j), and the first of j is the i-th free candidate
    with chance C(u - i, j - 1) / C(u, j). A pair (only before the first core is found) completes
    at its later word, so at a candidate with weight proportional to the units before it.
    """

    count_prior = expect.count_weight
    free = sum(candidates)
    more = [
        math.comb(free, j) * count_prior(found + j) / math.comb(n, found + j) if 0 < found + j <= n else 0.0
        for j in range(free + 1)
    ]
    if not may_be_none:
        more[0] = 0.0
    total = sum(more) or 1.0
    pair_share = expect.pair_share if found == 0 else 0.0
    first = [0.0] * free
    for j in range(1, free + 1):
        if more[j]:
            scale = (1.0 - pair_share) * more[j] / total / math.comb(free, j)
            for i in range(1, free - j + 2):
                first[i - 1] += scale * math.comb(free - i, j - 1)
    spread = iter(first)
    single = [next(spread) if may_be_single else 0.0 for may_be_single in candidates]
    partners = [clean + i for i in range(len(candidates))]
    pair = [pair_share * p / (sum(partners) or 1) for p in partners]
    none = (1.0 - pair_share) * more[0] / total if may_be_none else None
    return _Prior(single, pair, none)


def _optimal_splits(weights: Sequence[float]) -> list[list[int]]:
    """Where to split ordered outcomes with these weights so that telling them apart takes the
    fewest questions on average, each question being "is it at or before s?": an optimal
    alphabetic tree (Knuth's dynamic programme, O(m^2) with his bound on where the best split of
    an interval lies). ``splits[i][j]`` is the s to ask first when the outcome lies in i..j."""
    m = len(weights)
    prefix = [0.0]
    for w in weights:
        prefix.append(prefix[-1] + w)
    cost = [[0.0] * m for _ in range(m)]
    splits = [[i] * m for i in range(m)]
    for i in range(m - 1):
        cost[i][i + 1] = weights[i] + weights[i + 1]
    for length in range(3, m + 1):
        for i in range(m - length + 1):
            j = i + length - 1
            best, best_s = math.inf, splits[i][j - 1]
            for s in range(splits[i][j - 1], splits[i + 1][j] + 1):
                c = cost[i][s] + cost[s + 1][j]
                if c < best:
                    best, best_s = c, s
            cost[i][j] = best + prefix[j + 1] - prefix[i]
            splits[i][j] = best_s
    return splits


@dataclass(frozen=True)
class _Completion:
    position: int
    """1-based: ``required + seq[:position]`` is blocked."""
    clean: int
    """``seq[:clean]`` is known to hold no core (with what was required)."""


def _shortest_blocked_prefix(
    facts: _Knowledge, seq: list[int], required: list[int], lo: int, prior: _Prior | None
) -> _Completion | None:
    """The shortest prefix of ``seq`` (after ``seq[:lo]``, known clean) that blocks together with
    ``required``; None when the whole of it is clean. ``prior`` None: every position alike and
    the whole known to block.

    With a prior, the last ``_ENDGAME`` outcomes are finished by ``_Endgame``, and a longer
    interval that holds only one or two candidates that may block alone (the others were asked
    alone and are clean, but may still complete a pair) asks those alone first. Without one (the
    search for a partner), ``_cheapest_ending`` may ask the last two candidates alone.
    """
    size = len(seq) - lo
    if size <= 0:
        return None
    weights = prior.weights() if prior is not None else [1.0] * size
    splits = _optimal_splits(weights) if len(weights) > 2 else None
    i, j = 0, len(weights) - 1
    while i < j:
        if prior is not None and j - i < _ENDGAME:
            return _Endgame(facts, seq, required, lo, prior).play(i, j)
        s = splits[i][j] if splits else i
        x = lo + s
        if j == i + 1 and j < size:
            ending = _cheapest_ending(facts, seq, required, x, prior, (i, j))
            if ending is not None:
                return ending
        elif j < size and prior is not None and not any(prior.pair[i : j + 1]):
            # the interval's other candidates are known not to block alone: ask its one or two
            # free ones alone (the others stay candidates, for pairs)
            free = [lo + f for f in range(i, j + 1) if prior.single[f] > 0.0]
            if len(free) <= 2:
                for f in free:
                    if facts.ask(required + [seq[f]]):
                        return _Completion(f + 1, lo + i)
        if facts.ask(required + seq[: x + 1]):
            j = s
        else:
            i = s + 1
    if lo + i >= len(seq):
        return None
    return _Completion(lo + i + 1, lo + i)


# Intervals of this many outcomes or fewer are finished by ``_Endgame``.
_ENDGAME = 8


class _Endgame:
    """Finish the search in a short interval of outcomes in the fewest expected questions (under
    the prior), counting the "does it block alone?" question that a single trigger found by its
    prefix still needs: a small dynamic programme over two kinds of question, "is it at or before s?"
    (the prefix up to s) and "does this candidate block alone?" (the first candidate not yet asked
    alone: blocked settles both where a core ends and that it blocks alone, in one question).

    A state is (i, j, g): the outcome lies in i..j and the first g candidates of it were asked
    alone and are clean (they may still complete a pair). Outcome ``size`` is "nothing blocks".
    """

    def __init__(self, facts: _Knowledge, seq: list[int], required: list[int], lo: int, prior: _Prior) -> None:
        self.facts, self.seq, self.required, self.lo, self.prior = facts, seq, required, lo, prior
        self.size = len(seq) - lo
        self.memo: dict[tuple[int, int, int], tuple[float, tuple[str, int]]] = {}

    def _single(self, u: int, i: int, g: int) -> float:
        return 0.0 if u < i + g else self.prior.single[u]

    def _weight(self, i: int, j: int, g: int) -> float:
        total = sum(self._single(u, i, g) + self.prior.pair[u] for u in range(i, min(j, self.size - 1) + 1))
        if j == self.size and self.prior.none is not None:
            total += self.prior.none
        return total + 1e-12 * (j - i + 1)  # every outcome stays possible

    def _best(self, i: int, j: int, g: int) -> tuple[float, tuple[str, int]]:
        key = (i, j, g)
        if key in self.memo:
            return self.memo[key]
        if i == j:
            if i == self.size:
                result = (0.0, ("done", i))
            else:
                asked = g > 0 or self.prior.single[i] == 0.0
                alone = 0.0 if asked or self.lo + i == 0 and not self.required else 1.0
                result = (self._single(i, i, g) * alone + (0.0 if asked else self.prior.pair[i]), ("done", i))
            self.memo[key] = result
            return result
        weight = self._weight(i, j, g)
        best = (math.inf, ("done", i))
        for s in range(i, min(j, self.size)):
            left = self._best(i, s, min(g, s - i + 1))[0]
            right = self._best(s + 1, j, max(0, g - (s + 1 - i)))[0]
            if weight + left + right < best[0]:
                best = (weight + left + right, ("prefix", s))
        u = next((u for u in range(i + g, min(j, self.size - 1) + 1) if self.prior.single[u] > 0.0), None)
        if u is not None:
            # blocked: a core found and settled; candidates skipped before it stay for the next round
            unsettled = self.prior.single[u] * _UNSETTLED_COST if u > i else 0.0
            cost = weight + self._best(i, j, u - i + 1)[0] + unsettled
            if cost < best[0]:
                best = (cost, ("alone", u))
        self.memo[key] = best
        return best

    def play(self, i: int, j: int) -> _Completion | None:
        """Ask the questions of the best plan from the interval i..j (outcomes), until it is one."""
        g = 0
        while i < j:
            kind, s = self._best(i, j, g)[1]
            if kind == "alone":
                if self.facts.ask(self.required + [self.seq[self.lo + s]]):
                    return _Completion(self.lo + s + 1, self.lo + i)
                g = s - i + 1
            elif self.facts.ask(self.required + self.seq[: self.lo + s + 1]):
                j, g = s, min(g, s - i + 1)
            else:
                i, g = s + 1, max(0, g - (s + 1 - i))
        if i >= self.size:
            return None
        return _Completion(self.lo + i + 1, self.lo + i)


# After a single trigger is found by asking it alone, the candidate before it has been asked
# alone but not with the units before it; a later question usually covers that, else the
# "anything left?" question at the end pays one more. The expected share of that question when
# more candidates follow:
_UNSETTLED_COST = 0.3


def _cheapest_ending(
    facts: _Knowledge, seq: list[int], required: list[int], x: int, prior: _Prior | None, outcomes: tuple[int, int]
) -> _Completion | None:
    """Tell the last two candidates ``seq[x]`` and ``seq[x + 1]`` apart in the fewest expected
    questions, counting the "does it block alone?" question that follows; None: ask the prefix.

    A single trigger found by asking it alone needs no second question. The ways to end, with
    their questions for "x alone", "y alone", "x with a partner", "y with a partner":
    the prefix up to x, then the winner alone (2, 2, 2, 2); x alone, y alone, the prefix
    (1, 2, 3, 3); x alone, the prefix (1, 3, 2, 3); y alone, the prefix (3, 1, 3, 2).
    Answers already known are not asked and not counted.
    """
    i, j = outcomes
    ux, uy = seq[x], seq[x + 1]
    single = prior.single if prior else None
    pair = prior.pair if prior else None
    ax, ay = (single[i], single[j]) if single else (1.0, 1.0)
    bx, by = (pair[i], pair[j]) if pair else (0.0, 0.0)
    x_alone_known = facts.known(required + [ux]) is not None
    # a core with something required is complete once it blocks: only the main search leaves x unsettled
    unsettled = 0.0 if required else (1.0 if x + 2 == len(seq) else _UNSETTLED_COST)
    ask_x = 0.0 if x_alone_known else 1.0
    costs = {
        "prefix": 2 * (ax + ay + by) + (1 + ask_x) * bx,
        "x, y, prefix": ask_x * ax + (ask_x + 1 + unsettled) * ay + (ask_x + 2) * (bx + by),
        "x, prefix": ask_x * ax + (ask_x + 2) * (ay + by) + (ask_x + 1) * bx,
        "y, prefix": (2 + ask_x) * ax + (1 + unsettled) * ay + (1 + 1 + ask_x) * bx + 2 * by,
    }
    way = min(costs, key=lambda w: (costs[w], w != "prefix"))
    if way == "prefix":
        return None
    if way != "y, prefix" and facts.ask(required + [ux]):
        return _Completion(x + 1, x)
    if way != "x, prefix" and facts.ask(required + [uy]):
        return _Completion(x + 2, x)  # y blocks on its own; x stays a candidate
    return _Completion(x + 1, x) if facts.ask(required + seq[: x + 1]) else _Completion(x + 2, x + 1)


@dataclass(frozen=True)
class CoreSearch:
    """What the search on abstract units found."""

    cores: list[list[int]]
    """Cores the answers settle: each blocked, each part of it without one unit clean."""
    uncertain: list[list[int]]
    """Units the answers implicate without settling them: a core the budget ran out on, or every
    core found when the classifier contradicted itself (or did not repeat itself: ``confirm``)."""
    queries: int
    exhausted: bool
    contradicted: bool
    """The classifier gave answers no fixed set of triggers explains (it changed its mind)."""


def find_cores(n: int, blocked: Callable[[list[int]], bool], budget: int) -> tuple[list[list[int]], int, bool]:
    """The search on abstract units 0..n-1 (``blocked(kept units)``; all n known blocked):
    the cores found, the queries used, and whether the budget ran out (see ``search_cores``)."""
    found = search_cores(n, blocked, budget)
    return found.cores, found.queries, found.exhausted


def search_cores(
    n: int,
    blocked: Callable[[list[int]], bool],
    budget: int,
    *,
    confirm: int = 0,
    expect: Expectation = DEFAULT_EXPECTATION,
) -> CoreSearch:
    """The search on abstract units 0..n-1, never more than ``budget`` questions.

    A classifier that is not a fixed function of the prompt (a stochastic output filter, one that
    answers at random) can make any core look settled: the search itself never asks a question
    whose answer follows from earlier ones, so it cannot see the contradiction. ``confirm`` asks
    each core found, and the rest without the cores, that many more times; a core that does not
    block every time, or a rest that blocks, moves the answer to ``uncertain`` and sets
    ``contradicted``. Without it, a contradiction is still caught where the search runs into one
    (a unit that blocks with the units before it, but neither alone nor with any of them).
    """
    facts = _Knowledge(blocked, budget, n)
    cores: list[list[int]] = []
    remaining = list(range(n))
    clean = 0  # remaining[:clean] is known not to hold a whole core
    found = 0
    core: list[int] = []
    try:
        while len(remaining) > clean:
            core = []
            candidates = [facts.known([u]) is not False for u in remaining[clean:]]
            prior = _next_core_prior(n, candidates, clean, found, bool(cores), expect)
            completion = _shortest_blocked_prefix(facts, remaining, [], clean, prior)
            if completion is None:
                break
            core = [remaining[completion.position - 1]]
            before = remaining[: completion.clean]
            while not facts.ask(core):
                # the unit needs company: find its partner among the units before it
                partner = _shortest_blocked_prefix(facts, before, core, 0, None)
                if partner is None:  # answers that contradict each other: nothing is settled
                    return CoreSearch([], [*cores, sorted(core)], facts.queries, False, True)
                core.append(before[partner.position - 1])
                before = before[: partner.position - 1]
            cores.append(sorted(core))
            core = []
            found += len(cores[-1])
            clean = len([u for u in remaining[: completion.clean] if u not in cores[-1]])
            remaining = [u for u in remaining if u not in cores[-1]]
    except _Budget:
        return _out_of_budget(facts, cores, core, confirm)
    if confirm <= 0:
        return CoreSearch(cores, [], facts.queries, False, False)
    return _confirmed(facts, cores, n, confirm)


def _out_of_budget(facts: _Knowledge, cores: list[list[int]], core: list[int], confirm: int) -> CoreSearch:
    """What a search the budget stopped can say. The units of a core in progress are uncertain;
    between cores, the smallest sub-prompt seen blocked that no core found explains is (some
    core lies in it, not yet narrowed down). Cores found before are settled by the answers, but
    when ``confirm`` was asked for they were not confirmed: they are uncertain too, never named."""
    taken = {u for found in cores for u in found}
    if core:
        open_ = [sorted(core)]
    else:
        unexplained = [seen for seen in facts.positive if not seen & taken]
        smallest = min(unexplained, key=len, default=frozenset[int]())
        open_ = [sorted(smallest)] if smallest else []
    if confirm > 0:
        return CoreSearch([], [*cores, *open_], facts.queries, True, False)
    return CoreSearch(cores, open_, facts.queries, True, False)


def _confirmed(facts: _Knowledge, cores: list[list[int]], n: int, times: int) -> CoreSearch:
    """Ask again, ``times`` times each, with fresh questions (not answered from what is known),
    what makes each answer: each core blocks, each core without one of its units does not (a
    trigger missed once looks like half of a pair), and the rest without the cores does not.
    Once the classifier changes its mind, every answer the search built on is suspect: every core
    is uncertain. Cores the budget leaves unconfirmed are uncertain too."""
    rest = sorted(set(range(n)) - {u for core in cores for u in core})
    checks: list[tuple[list[int], bool, int]] = []  # what to ask, the answer it must get, whose core
    for number, core in enumerate(cores):
        checks.append((core, True, number))
        if len(core) > 1:
            checks.extend(([v for v in core if v != u], False, number) for u in core)
    if rest:
        checks.append((rest, False, len(cores)))
    unconfirmed: int | None = None  # the budget ended on this core's checks (len(cores): the rest's)
    for keep, expected, number in checks:
        for _ in range(times):
            if facts.queries >= facts.budget:
                unconfirmed = number if unconfirmed is None else unconfirmed
                break
            facts.queries += 1
            if bool(facts.blocked(keep)) != expected:
                return CoreSearch([], cores, facts.queries, False, True)
    if unconfirmed is None:
        return CoreSearch(cores, [], facts.queries, False, False)
    return CoreSearch(cores[:unconfirmed], cores[unconfirmed:], facts.queries, True, False)


def localize(
    prompt: str,
    is_blocked: Callable[[str], bool],
    *,
    budget: int = 64,
    index: TermIndex | None = None,
    known_blocked: bool = True,
    confirm: int = 0,
    expect: Expectation = DEFAULT_EXPECTATION,
) -> Localization:
    """Find the words or phrases that make ``prompt`` blocked, in at most ``budget`` queries.

    ``known_blocked=False`` asks about the whole prompt first (one query) and finds nothing if it
    passes. ``confirm`` (for a classifier that may change its mind, such as an output filter that
    judges a freshly generated image) asks each trigger found and the rest that many more times;
    see ``search_cores``. ``expect`` says what triggers to expect (``Expectation``): it changes
    how many questions are asked, never the answer.
    """
    units = split_units(prompt, index)
    used = 0
    if not known_blocked:
        if budget < 1:
            return Localization((), 0, True, tuple(units))
        if not is_blocked(prompt):
            return Localization((), 1, False, tuple(units))
        used = 1
    found = search_cores(
        len(units), lambda keep: is_blocked(render(prompt, units, keep)), budget - used, confirm=confirm, expect=expect
    )

    def words(cores: list[list[int]]) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(units[i].text for i in core) for core in cores)

    return Localization(
        words(found.cores),
        found.queries + used,
        found.exhausted,
        tuple(units),
        words(found.uncertain),
        found.contradicted,
    )
