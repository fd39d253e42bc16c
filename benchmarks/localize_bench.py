"""Trigger localization on synthetic oracles: queries against the information bound.

    python benchmarks/localize_bench.py [--trials 2000]

Model A (independent): blocked iff the kept units contain any of k triggers.
Model B (together): blocked iff they contain both words of one pair (k = 2).
For n in 10, 20, 50, 100 and k in 1..3 (model B: k = 2), the mean queries of
pytest_imgsafe.localize.find_cores, of naive halving (the domain notes' method: test both
halves, recurse into the blocked ones) and of delta debugging (Zeller's ddmin, one minimal core),
against the target 1.2 x ceil(log2 C(n, k)) + k, and how often each finds the exact trigger set.
The full prompt is known blocked and not counted, as in the reference table.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_imgsafe.localize import find_cores  # noqa: E402

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


def ddmin(n: int, blocked: Oracle) -> tuple[set[int], int]:
    queries = 0
    items = list(range(n))
    granularity = 2
    while len(items) >= 2:
        size = math.ceil(len(items) / granularity)
        subsets = [items[i : i + size] for i in range(0, len(items), size)]
        reduced = False
        for subset in subsets:
            queries += 1
            if blocked(subset):
                items, granularity, reduced = subset, 2, True
                break
        if not reduced:
            for subset in subsets:
                complement = [x for x in items if x not in subset]
                queries += 1
                if complement and blocked(complement):
                    items, granularity, reduced = complement, max(granularity - 1, 2), True
                    break
        if not reduced:
            if granularity >= len(items):
                break
            granularity = min(len(items), granularity * 2)
    return set(items), queries


def trial(model: str, n: int, k: int, rng: random.Random) -> tuple[set[int], Oracle]:
    triggers = set(rng.sample(range(n), k))
    if model == "A":
        return triggers, lambda keep: bool(triggers & set(keep))
    return triggers, lambda keep: triggers <= set(keep)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print("| model | n | k | bound | target | imgsafe | ratio to bound | found | naive halving | found | ddmin | found |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for model, ks in (("A", (1, 2, 3)), ("B", (2,))):
        for n in (10, 20, 50, 100):
            for k in ks:
                bound = math.ceil(math.log2(math.comb(n, k)))
                target = 1.2 * bound + k
                totals = {"imgsafe": [0, 0], "naive": [0, 0], "ddmin": [0, 0]}
                for _ in range(args.trials):
                    triggers, oracle = trial(model, n, k, rng)
                    cores, q, exhausted = find_cores(n, oracle, budget=10_000)
                    ok = (set().union(*map(set, cores)) == triggers if cores else False) and (model == "A" and len(cores) == k or model == "B" and len(cores) == 1)
                    totals["imgsafe"][0] += q
                    totals["imgsafe"][1] += ok
                    found, q = naive_halving(n, oracle)
                    totals["naive"][0] += q
                    totals["naive"][1] += found == triggers
                    found, q = ddmin(n, oracle)
                    totals["ddmin"][0] += q
                    totals["ddmin"][1] += found == triggers and model == "B" or (model == "A" and k == 1 and found == triggers)
                mean = {key: v[0] / args.trials for key, v in totals.items()}
                share = {key: v[1] / args.trials for key, v in totals.items()}
                worst = max(worst, mean["imgsafe"] / target)
                mark = "" if mean["imgsafe"] <= target else " **over**"
                print(
                    f"| {model} | {n} | {k} | {bound} | {target:.1f} | {mean['imgsafe']:.2f}{mark} | {mean['imgsafe'] / bound:.2f} | {share['imgsafe']:.0%} "
                    f"| {mean['naive']:.2f} | {share['naive']:.0%} | {mean['ddmin']:.2f} | {share['ddmin']:.0%} |",
                    flush=True,
                )
    print(f"\nworst imgsafe mean / target: {worst:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
