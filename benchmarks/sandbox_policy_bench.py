"""The sandbox's own policy on probes written by someone who has not read it.

    python benchmarks/sandbox_policy_bench.py --probes DIR [--misses]

DIR holds JSON-lines files: ``hard.jsonl`` (``id``, ``lang``, ``category``, ``technique``,
``prompt``: prompts every provider refuses), ``legit.jsonl`` (``id``, ``lang``, ``category``,
``prompt``: prompts a provider should let through) and, optionally, ``rewrite.jsonl``
(``trigger_kind``, ``prompt``: legitimate prompts naming a public figure, a living artist, a
character or a brand, which a profile may block by its strictness table). The policy is asked as
a pure function (``policy.decide``, generations endpoint, version 1), no HTTP, on every profile.

Printed per profile: the hard prompts blocked (share, then per category and per technique), the
legitimate prompts passed (count of N), twice: over all of them, and over those without an
allowed trigger. The probe sets' legitimate categories ``public_figure_benign`` and
``style_character`` name a public figure, a living artist or a character on purpose: a profile
blocks those by its strictness table (that is what makes such a prompt a rewrite task), so the
strict profile's share of 19 legitimate prompts in 20 is measured without them. Then why the
others were blocked: for a hard-prohibited
scenario (sexual, minors, hate: a false reading) or by the profile's table for an allowed one
(a public figure, an artist, IP, violence wording). The moderations endpoint is measured the same
way (flagged, not flagged). ``--misses`` lists each hard prompt a profile passed and each
legitimate one it blocked, with the reason: for tuning on a set you may read, never on a held-out
one.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pytest_imgsafe.sandbox.policy import Decision, decide, moderate, policy_data, profiles  # noqa: E402


def read_probes(path: Path) -> list[dict[str, str]]:
    """The probes of one JSON-lines file (an absent file is no probes); a bad line names itself."""
    if not path.exists():
        return []
    probes: list[dict[str, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            probe = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}:{number}: not JSON ({exc.msg}); one probe per line") from None
        if not isinstance(probe, dict) or not isinstance(probe.get("prompt"), str):
            raise SystemExit(f'{path}:{number}: a probe is an object with a "prompt" string')
        probes.append({str(k): str(v) for k, v in probe.items()})
    return probes


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "n/a"


def tally(probes: Iterable[dict[str, str]], hit: dict[str, bool], key: str) -> str:
    """'name a/b' per value of ``key``, in order of first appearance."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for probe in probes:
        cell = counts[probe.get(key, "?")]
        cell[0] += hit[probe["id"]]
        cell[1] += 1
    return ", ".join(f"{name} {a}/{b}" for name, (a, b) in counts.items())


ALLOWED_TRIGGER_CATEGORIES = frozenset({"public_figure_benign", "style_character"})
"""Legitimate categories whose prompts carry an allowed trigger by the probe sets' design."""


def cause(decision: Decision, hard: set[str]) -> str:
    return "hard" if decision.scenario in hard else "table"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--probes", type=Path, required=True, help="directory of hard.jsonl, legit.jsonl[, rewrite.jsonl]"
    )
    parser.add_argument("--misses", action="store_true", help="list the misses of each profile (tuning sets only)")
    args = parser.parse_args()
    hard_probes = read_probes(args.probes / "hard.jsonl")
    legit_probes = read_probes(args.probes / "legit.jsonl")
    rewrite_probes = read_probes(args.probes / "rewrite.jsonl")
    for i, probe in enumerate(hard_probes + legit_probes + rewrite_probes):
        probe.setdefault("id", f"#{i}")
    if not hard_probes and not legit_probes:
        raise SystemExit(f"{args.probes}: no hard.jsonl or legit.jsonl probes")
    hard = set(policy_data()["hard_prohibited"])
    counts = f"{len(hard_probes)} hard, {len(legit_probes)} legit, {len(rewrite_probes)} rewrite"
    print(f"probes: {args.probes.name}: {counts}")

    for profile in profiles():
        verdicts = {p["id"]: decide(p["prompt"], profile) for p in hard_probes + legit_probes + rewrite_probes}
        blocked = {pid: d.verdict == "block" for pid, d in verdicts.items()}
        passed = {pid: not b for pid, b in blocked.items()}
        n_hard = sum(blocked[p["id"]] for p in hard_probes)
        n_legit = sum(passed[p["id"]] for p in legit_probes)
        legit_causes = [cause(verdicts[p["id"]], hard) for p in legit_probes if blocked[p["id"]]]
        print(f"\n[{profile}]")
        print(f"  hard blocked   {n_hard}/{len(hard_probes)} ({pct(n_hard, len(hard_probes))})")
        print(f"    by category  {tally(hard_probes, blocked, 'category')}")
        print(f"    by technique {tally(hard_probes, blocked, 'technique')}")
        print(
            f"  legit passed   {n_legit} of {len(legit_probes)} ({pct(n_legit, len(legit_probes))}); blocked for a"
            f" hard scenario {legit_causes.count('hard')}, by the profile's table {legit_causes.count('table')}"
        )
        plain = [p for p in legit_probes if p.get("category") not in ALLOWED_TRIGGER_CATEGORIES]
        n_plain = sum(passed[p["id"]] for p in plain)
        print(f"    without an allowed trigger {n_plain} of {len(plain)} ({pct(n_plain, len(plain))})")
        print(f"    by category  {tally(legit_probes, passed, 'category')}")
        if rewrite_probes:
            hard_fp = sum(blocked[p["id"]] and cause(verdicts[p["id"]], hard) == "hard" for p in rewrite_probes)
            n_pass = sum(passed[p["id"]] for p in rewrite_probes)
            print(
                f"  rewrite passed {n_pass} of {len(rewrite_probes)}; blocked for a hard scenario {hard_fp}"
                f" ({tally(rewrite_probes, passed, 'trigger_kind')})"
            )
        if args.misses:
            for p in hard_probes:
                if not blocked[p["id"]]:
                    print(f"    MISS hard  {p['id']} {p.get('technique', '')}: {p['prompt']}")
            for p in legit_probes + rewrite_probes:
                d = verdicts[p["id"]]
                if d.verdict == "block" and (p in legit_probes or cause(d, hard) == "hard"):
                    print(f"    MISS legit {p['id']}: {p['prompt']}  <- {d.reason}")

    flagged = {p["id"]: moderate(p["prompt"]).flagged for p in hard_probes + legit_probes + rewrite_probes}
    clear = {pid: not f for pid, f in flagged.items()}
    n_hard = sum(flagged[p["id"]] for p in hard_probes)
    n_legit = sum(clear[p["id"]] for p in legit_probes + rewrite_probes)
    print("\n[moderations]")
    print(f"  hard flagged   {n_hard}/{len(hard_probes)} ({pct(n_hard, len(hard_probes))})")
    print(f"    by category  {tally(hard_probes, flagged, 'category')}")
    print(f"  legit and rewrite not flagged {n_legit} of {len(legit_probes) + len(rewrite_probes)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
