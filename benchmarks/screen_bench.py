"""The local screen's speed: prompts per second with 5,000 terms, against a bare Aho-Corasick scan.

    python benchmarks/screen_bench.py [--prompts 20000] [--reps 7]

Terms: the bundled tables plus made-up brand names, 5,000 in all. Prompts: templates filled
with subjects and, in a given share of them (0%, the reference's 5%, 20%, all), a term as
written, in upper case, with hyphens or with a look-alike letter. Measured side by side in one
run, the methods taking turns chunk by chunk, each chunk's best of 7 (see ``rates``):
- the bare scan: one pyahocorasick automaton over the same terms as written, iterated over the
  raw prompt, no normalization, no word boundaries (it finds the terms written as in the table,
  a quarter of the seeded ones);
- for comparison with earlier runs, the bare scan as it used to be set up: the terms lowercased
  and the prompts not, so it found almost none of the seeded terms (they are capitalized) and
  scanned prompts with a term as if they had none;
- ``Screen.screen()``: normalization (casefold, look-alikes, punctuation), whole-word matching,
  and every match with its span in the original prompt;
- ``Screen.hit()``: the same matching, answering only whether anything matched.
Targets: ``screen()`` at >= 0.5x the bare scan's prompts per second when one prompt in twenty
holds a term, >= 0.35x when every prompt does.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ahocorasick  # noqa: E402

from pytest_imgsafe.base.terms import Term, TermTable, bundled_tables  # noqa: E402
from pytest_imgsafe.routing.screen import Screen  # noqa: E402

SUBJECTS = [
    "a red fox",
    "a lighthouse",
    "a bowl of ramen",
    "an astronaut",
    "a mountain cabin",
    "a sailboat",
    "a city street",
]
PLACES = ["in the snow", "at dusk", "on Mars", "in a forest", "by the sea", "in a cozy cafe"]
STYLES = ["watercolor", "oil painting", "pencil sketch", "3D render", "photo", "poster"]


def _letters(i: int) -> str:
    """A made-up word per number (brand names are words, not digits): 0 -> "Ba", 100 -> "Baca"."""
    consonants, vowels = "bcdfghjklmnpqrstvwxz", "aeiou"
    word = ""
    while True:
        i, c = divmod(i, len(consonants))
        i, v = divmod(i, len(vowels))
        word += consonants[c] + vowels[v]
        if not i:
            return word.capitalize()


def tables_with(total: int) -> dict[str, TermTable]:
    tables = dict(bundled_tables())
    have = sum(len(t.terms) for t in tables.values())
    extra = tuple(Term(f"Zorblax {_letters(i)} Brand", "copyrighted_ip", 1) for i in range(max(0, total - have)))
    ip = tables["copyrighted_ip"]
    tables["copyrighted_ip"] = TermTable(
        ip.scenario, ip.terms + extra, ip.patterns, ip.levels, ip.hard_prohibited, ip.not_triggers
    )
    return tables


def prompts(count: int, share: float, terms: list[str], rng: random.Random) -> list[str]:
    out = []
    for _ in range(count):
        subject = rng.choice(SUBJECTS)
        if rng.random() < share:
            term = rng.choice(terms)
            subject = rng.choice([term, term.upper(), term.replace(" ", "-"), term.replace("o", "о")])
        out.append(f"A {rng.choice(STYLES)} of {subject} {rng.choice(PLACES)}, soft light, detailed")
    return out


def rates(
    fns: dict[str, Callable[[str], object]], items: list[str], reps: int = 7, chunk: int = 500
) -> dict[str, float]:
    """Prompts per second of each function. The prompts are cut into chunks; within a repetition
    the functions take turns chunk by chunk, so a noisy moment on a shared machine slows all of
    them, not one; each chunk's time is its best over ``reps`` repetitions (a chunk takes a few
    milliseconds, so the best one is rarely preempted), and a function's time is the sum."""
    chunks = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    best = {name: [float("inf")] * len(chunks) for name in fns}
    for _ in range(reps):
        for c, part in enumerate(chunks):
            for name, fn in fns.items():
                started = time.perf_counter()
                for item in part:
                    fn(item)
                best[name][c] = min(best[name][c], time.perf_counter() - started)
    return {name: len(items) / sum(times) for name, times in best.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=20000)
    parser.add_argument("--terms", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=7, help="repetitions; the best of them counts")
    args = parser.parse_args()
    rng = random.Random(1)
    tables = tables_with(args.terms)
    words = [t.text for table in tables.values() for t in table.terms]
    screen = Screen(tables)
    bare = ahocorasick.Automaton()
    lower_keys = ahocorasick.Automaton()
    for word in words:
        bare.add_word(word, word)
        lower_keys.add_word(word.lower(), word)
    bare.make_automaton()
    lower_keys.make_automaton()
    print(
        f"{len(words)} terms ({screen.size} distinct folded keys); prompts/s, "
        f"each chunk of 500 the best of {args.reps}, the methods taking turns"
    )
    targets = {0.05: 0.5, 1.0: 0.35}
    for share in (0.0, 0.05, 0.2, 1.0):
        batch = prompts(args.prompts, share, words, rng)
        found = sum(1 for p in batch if next(bare.iter(p), None) is not None)
        measured = rates(
            {
                "bare": lambda p: list(bare.iter(p)),
                "lower": lambda p: list(lower_keys.iter(p)),
                "screen": screen.screen,
                "hit": screen.hit,
            },
            batch,
            args.reps,
        )
        bare_rate, screen_rate, hit_rate = measured["bare"], measured["screen"], measured["hit"]
        target = f" (target >= {targets[share]}x)" if share in targets else ""
        print(
            f"{share:.0%} of prompts with a term: "
            f"bare scan {bare_rate:,.0f}/s (found a term in {found / len(batch):.0%}); "
            f"screen() {screen_rate:,.0f}/s = {screen_rate / bare_rate:.2f}x{target}; "
            f"hit() {hit_rate:,.0f}/s = {hit_rate / bare_rate:.2f}x; "
            f"against the lowercased-keys scan ({measured['lower']:,.0f}/s): "
            f"screen() {screen_rate / measured['lower']:.2f}x",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
