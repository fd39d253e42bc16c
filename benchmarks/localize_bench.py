"""Trigger localization on synthetic oracles: queries against the information bound.

    python benchmarks/localize_bench.py [--trials 2000] [--seed 1]

Model A (independent): blocked iff the kept units contain any of k triggers.
Model B (together): blocked iff they contain both words of one pair (k = 2).
For n in 10, 20, 50, 100 and k in 1..3 (model B: k = 2), side by side on the same trials:
- the information bound ceil(log2 C(n, k)), which assumes k is known and every trigger blocks alone;
- a computed lower bound on the mean questions of any search that names the exact set and proves
  it (``cell_floor``): exact for k = 1 (``exact_floor_single``), the tree floor or a helper
  argument otherwise; under the table, the k = 1 floor of the issue's weaker promise
  (``issue_floor_single``) and repeated binary search's exact mean for one trigger;
- naive halving (the domain notes' method: test both halves, recurse into the blocked ones);
- repeated binary search with k unknown (binary search for one trigger, drop it, test the rest,
  again), which assumes model A and never asks whether a trigger blocks alone;
- Hwang's generalized binary splitting with k known (model A only: a reference, not a rival);
- pytest_imgsafe.diagnosis.localize.find_cores, which knows neither k nor the model;
- the same search told k and the model in advance (``Expectation``): what not knowing them costs;
and how often each finds the exact trigger set. The full prompt is known blocked and not counted.
Targets: mean of imgsafe / bound over the 16 cells <= 1.15, no cell above 1.3, and in model A
never more than repeated binary search.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_imgsafe.diagnosis.localize import Expectation, find_cores, search_cores  # noqa: E402

Oracle = Callable[[list[int]], bool]


def naive_halving(n: int, blocked: Oracle) -> tuple[set[int], int]:
    queries = 0
    found: set[int] = set()

    def rec(items: list[int]) -> None:
        nonlocal queries
        if len(items) == 1:
            found.add(items[0])
            return
        half = len(items) // 2
        for part in (items[:half], items[half:]):
            queries += 1
            if blocked(part):
                rec(part)

    rec(list(range(n)))
    return found, queries


def repeated_binary_search(n: int, blocked: Oracle) -> tuple[set[int], int]:
    """Binary search for one trigger among the units left, drop it, test what is left, again.
    Units in a half found clean are dropped too (model A: a clean set holds no trigger)."""
    queries, found, remaining, known_blocked = 0, set(), list(range(n)), True
    while remaining:
        if not known_blocked:
            queries += 1
            if not blocked(remaining):
                break
        candidates = remaining
        while len(candidates) > 1:
            half = candidates[: len(candidates) // 2]
            queries += 1
            if blocked(half):
                candidates = half
            else:
                remaining = [u for u in remaining if u not in half]
                candidates = candidates[len(candidates) // 2 :]
        found.add(candidates[0])
        remaining = [u for u in remaining if u != candidates[0]]
        known_blocked = False
    return found, queries


def hwang_splitting(n: int, k: int, blocked: Oracle) -> tuple[set[int], int]:
    """Hwang's generalized binary splitting, k known, model A: test a group of 2^a units
    (a = floor(log2((m - d + 1) / d)) for m units and d triggers left); a clean group is dropped
    whole, a blocked one gives up a trigger by binary search."""
    queries, found, items, left = 0, set(), list(range(n)), k
    while left and items:
        m = len(items)
        if m <= left:  # every unit left is a trigger
            found.update(items)
            break
        if m <= 2 * left - 2:
            group = items[:1]
        else:
            group = items[: 2 ** int(math.floor(math.log2((m - left + 1) / left)))]
        queries += 1
        if not blocked(group):
            items = items[len(group) :]
            continue
        while len(group) > 1:
            half = group[: len(group) // 2]
            queries += 1
            if blocked(half):
                group = half
            else:
                items = [u for u in items if u not in half]
                group = group[len(group) // 2 :]
        found.add(group[0])
        items.remove(group[0])
        left -= 1
    return found, queries


@cache
def exact_floor_single(m: int) -> float:
    """The fewest expected questions of any search that finds one trigger among m >= 3 equally
    likely units and proves it for any classifier (any monotone function of the kept units): the
    trigger must be asked alone (blocked) and the rest without it (clean), since no other answer
    implies either. A question either splits the candidates (a group), or is one candidate alone
    or all but one (found with chance 1/m, and then one of the two checks is left). With one
    candidate left both checks are still to ask (2). Exact over every strategy: the candidates
    are exchangeable, so the state is their number (for m = 2, "one alone" is "all but the other":
    the true floor there is 2, not 2.5; the benchmark's n are >= 10)."""
    if m == 1:
        return 2.0
    best = 1 + 1 / m + (m - 1) / m * exact_floor_single(m - 1)
    for a in range(1, m // 2 + 1):
        best = min(best, 1 + (a * exact_floor_single(a) + (m - a) * exact_floor_single(m - a)) / m)
    return best


@cache
def issue_floor_single(m: int, pending: bool = False) -> float:
    """The fewest expected questions of any search that finds one trigger p among m equally likely
    units and tells it apart only from what the issue names: any number of single triggers, and a
    pair that blocks only together. That needs, for every other unit q, a blocked question with p
    and without q (else {p, q} could be a pair) and a clean question with q (else q could be a
    second trigger). A state is the number of candidates and whether some unit still waits for one
    of those two checks (units left out of a blocked question wait for a clean one; candidates put
    in a clean one wait for a blocked one without them); the best question holds some candidates,
    every unit waiting for a clean question and none waiting for a blocked one, so at most one
    kind waits at a time and its count does not matter. Exact: it equals an exhaustive search over
    every question and every such hypothesis for n = 2 to 5 (tests/unit/diagnosis/test_localize_floor.py). This is
    a floor for a weaker promise than the search makes (it assumes no classifier blocks on, say,
    three words together), so it is a lower bound for the search's cells, not its target."""
    if m == 1:
        return 1.0 if pending else 0.0
    best = math.inf
    for c in range(1, m):
        best = min(best, 1 + c / m * issue_floor_single(c, True) + (m - c) / m * issue_floor_single(m - c, True))
    if pending:
        best = min(best, 1 + issue_floor_single(m, False))
    return best


def repeated_binary_search_single(n: int) -> float:
    """Repeated binary search's exact mean for one trigger (every position once)."""
    return sum(repeated_binary_search(n, lambda keep, p=p: p in keep)[1] for p in range(n)) / n


def tree_floor(outcomes: int) -> float:
    """The fewest expected yes/no questions that tell ``outcomes`` equally likely answers apart
    (a balanced tree: floor(log2 N) + 2 (N - 2^floor(log2 N)) / N), for any search; at least log2 N."""
    d = outcomes.bit_length() - 1
    return d + 2 * (outcomes - 2**d) / outcomes


def cell_floor(model: str, n: int, k: int) -> tuple[float, str]:
    """A computed lower bound on the mean questions of any search that names the exact trigger set
    of the cell and proves it for any classifier, and how it was obtained.

    k = 1: ``exact_floor_single`` (exact). Model A, k >= 2: the larger of the tree floor over the
    C(n, k) sets, and a helper argument: a search told k - 1 of the triggers for free still asks
    each of them alone (k - 1 questions whose answers it already knows) and is left with the
    k = 1 problem over n - k + 1 units. Model B: every pair {a, b} needs {a, b} asked and both
    "all but a" and "all but b" asked (nothing else implies them for any classifier): those three
    questions at least, and the tree floor over C(n, 2) pairs; the larger of the two."""
    if model == "A" and k == 1:
        return exact_floor_single(n), "exact"
    tree = tree_floor(math.comb(n, k))
    if model == "A":
        helper = (k - 1) + exact_floor_single(n - k + 1)
        return max(tree, helper), "tree" if tree >= helper else "helper"
    return tree, "tree"


def trial(model: str, n: int, k: int, rng: random.Random) -> tuple[set[int], Oracle]:
    triggers = set(rng.sample(range(n), k))
    if model == "A":
        return triggers, lambda keep: bool(triggers & set(keep))
    return triggers, lambda keep: triggers <= set(keep)


METHODS = ("naive", "rbs", "hwang", "imgsafe", "told")


def told(model: str, k: int) -> Expectation:
    """An expectation that knows the cell: k single triggers (model A) or one pair (model B)."""
    if model == "A":
        return Expectation(((k, 1.0),), more_decay=1e-4, pair_share=1e-4)
    return Expectation(((2, 1.0),), more_decay=1e-4, pair_share=0.9999)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(
        "| model | n | k | bound | lower bound (how) | naive halving | repeated binary search | Hwang, k known "
        "| imgsafe told k and model | imgsafe | imgsafe / bound | "
        "lower bound / bound | found: imgsafe, told, rbs, naive |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    ratios: list[float] = []
    floor_ratios: list[float] = []
    told_ratios: list[float] = []
    totals_all = [0.0, 0.0]  # imgsafe's questions and the bounds, over every cell
    over_rbs = []
    over_cell = []
    for model, ks in (("A", (1, 2, 3)), ("B", (2,))):
        for n in (10, 20, 50, 100):
            for k in ks:
                bound = math.ceil(math.log2(math.comb(n, k)))
                totals = {name: [0, 0] for name in METHODS}
                for _ in range(args.trials):
                    triggers, oracle = trial(model, n, k, rng)
                    cores, q, _ = find_cores(n, oracle, budget=10_000)
                    want = sorted([t] for t in triggers) if model == "A" else [sorted(triggers)]
                    totals["imgsafe"][0] += q
                    totals["imgsafe"][1] += sorted(cores) == want
                    knowing = search_cores(n, oracle, 10_000, expect=told(model, k))
                    totals["told"][0] += knowing.queries
                    totals["told"][1] += sorted(knowing.cores) == want
                    for name, method in (("naive", naive_halving), ("rbs", repeated_binary_search)):
                        found, q = method(n, oracle)
                        totals[name][0] += q
                        totals[name][1] += found == triggers and model == "A"
                    if model == "A":
                        found, q = hwang_splitting(n, k, oracle)
                        totals["hwang"][0] += q
                        totals["hwang"][1] += found == triggers
                mean = {key: v[0] / args.trials for key, v in totals.items()}
                share = {key: v[1] / args.trials for key, v in totals.items()}
                ratio = mean["imgsafe"] / bound
                floor, how = cell_floor(model, n, k)
                ratios.append(ratio)
                floor_ratios.append(floor / bound)
                told_ratios.append(mean["told"] / bound)
                totals_all[0] += mean["imgsafe"]
                totals_all[1] += bound
                if model == "A" and mean["imgsafe"] > mean["rbs"]:
                    over_rbs.append(f"({n}, {k}) by {mean['imgsafe'] - mean['rbs']:.2f}")
                if ratio > 1.3:
                    over_cell.append(f"{model} ({n}, {k}) {ratio:.2f}")
                hwang = f"{mean['hwang']:.2f}" if model == "A" else ""
                print(
                    f"| {model} | {n} | {k} | {bound} | {floor:.2f} ({how}) "
                    f"| {mean['naive']:.2f} | {mean['rbs']:.2f} | {hwang} | {mean['told']:.2f} "
                    f"| {mean['imgsafe']:.2f} | {ratio:.2f} | {floor / bound:.2f} | {share['imgsafe']:.0%}, "
                    f"{share['told']:.0%}, {share['rbs']:.0%}, {share['naive']:.0%} |",
                    flush=True,
                )
    print(
        f"\nimgsafe / bound: mean over the cells {sum(ratios) / len(ratios):.3f}, worst {max(ratios):.3f}; "
        f"all questions over all bounds {totals_all[0] / totals_all[1]:.3f}; "
        f"told k and the model: mean {sum(told_ratios) / len(told_ratios):.3f}; "
        f"lower bounds / bound: mean {sum(floor_ratios) / len(floor_ratios):.3f}, worst {max(floor_ratios):.3f}"
    )
    print(f"cells above 1.3x the bound: {', '.join(over_cell) or 'none'}")
    print(f"model A cells where imgsafe asks more than repeated binary search: {', '.join(over_rbs) or 'none'}")
    print(
        "\none trigger, exactly (every position once): n, proof for any classifier, "
        "the issue's weaker promise, repeated binary search"
    )
    for n in (10, 20, 50, 100):
        print(
            f"  {n}: {exact_floor_single(n):.3f}, {issue_floor_single(n):.3f}, {repeated_binary_search_single(n):.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
