"""Honest numbers: the product's screen, rewrites, refusal and gateway against an independent judge.

    python benchmarks/honest_bench.py

The judge is the sandbox's own policy (``pytest_imgsafe.sandbox``: its names, rules and
profiles; it reads none of the product's tables), asked as a pure function, no HTTP. The prompts
come from ``honest_prompts.py``, which does not read the product's tables either. Measured:

1. the local screen's precision and recall per scenario, against what the sandbox's judge reads
   in each prompt;
2. each strategy's rate of turning a prompt the strict profile (gpt-image-2) blocks into one it
   passes, over the blocked prompts of the four rewritable scenarios (the describer strategies
   use the sandbox's describer, a stand-in for a text model);
3. the refusal rate on hard-scenario paraphrases (sexual, minors, hate);
4. the gateway's visible block rate (screen -> moderation -> rewrite -> gpt-image-2 ->
   gpt-image-2-all -> the flash image model) on legitimate prompts, next to gpt-image-2 alone,
   and on the hard paraphrases (which must all stay blocked).
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from honest_prompts import generate, swapped  # noqa: E402

from pytest_imgsafe.providers.outcome import Outcome  # noqa: E402
from pytest_imgsafe.rewrite import STRATEGIES, RewriteRefused, default_rewriter  # noqa: E402
from pytest_imgsafe.routing.gateway import GatewayConfig, run_gateway  # noqa: E402
from pytest_imgsafe.routing.screen import default_screen  # noqa: E402
from pytest_imgsafe.sandbox.describe import describe_idea  # noqa: E402
from pytest_imgsafe.sandbox.judge import find as judge  # noqa: E402
from pytest_imgsafe.sandbox.policy import decide, moderate, profile_for_model  # noqa: E402

SCENARIOS = ("celebrity", "living_artist", "copyrighted_ip", "violence", "sexual", "minors", "hate")
REWRITABLE = ("celebrity", "living_artist", "copyrighted_ip", "violence")
HARD = ("sexual", "minors", "hate")
LEGITIMATE = ("benign", "celebrity", "living_artist", "copyrighted_ip")
MODELS = {"gpt-image-2": "gpt-image-2", "gpt-image-2-all": "gpt-image-2-all", "flash": "gemini-3.1-flash-image-preview"}


def verdict(prompt: str, model: str = "gpt-image-2") -> str:
    return decide(prompt, profile_for_model(model)[0], 1, "generate").verdict


def ask(target: str, prompt: str) -> Outcome:
    """A target as the gateway calls it, answered by the sandbox's policy, with the categories its
    answers carry over HTTP (``safety_violations``): the gateway reads a block's cause from them."""
    if target == "moderation":
        m = moderate(prompt)
        flagged = tuple(k for k, v in dict(m.categories).items() if v) if m.flagged else ()
        return Outcome("block", "input", "flagged", "openai", None, flagged) if m.flagged else Outcome("pass")
    d = decide(prompt, profile_for_model(MODELS[target])[0], 1, "generate")
    if d.verdict != "block":
        return Outcome("pass", None, None, "sandbox")
    return Outcome("block", d.stage, "moderation_blocked", "sandbox", None, tuple(d.categories))


def describer(instruction: str, text: str, image: Path | None) -> str:
    return describe_idea(text)


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "n/a"


def main() -> int:
    prompts = generate()
    screen = default_screen()
    rewriter = default_rewriter()
    results: dict[str, object] = {"prompts": len(prompts), "by_intent": dict(Counter(s for s, _ in prompts))}
    print(f"{len(prompts)} prompts: " + ", ".join(f"{k} {v}" for k, v in Counter(s for s, _ in prompts).items()))

    # 1. screen precision / recall against the sandbox judge's reading
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    for _, p in prompts:
        truth = {f.scenario for f in judge(p)}
        found = set(screen.screen(p).scenarios)
        for s in SCENARIOS:
            counts[s][0] += s in truth and s in found
            counts[s][1] += s in found and s not in truth
            counts[s][2] += s in truth and s not in found
    print("\n1. screen vs the sandbox judge      precision  recall   (judge positives)")
    screen_rows = {}
    for s in SCENARIOS:
        tp, fp, fn = counts[s]
        screen_rows[s] = {
            "precision": tp / (tp + fp) if tp + fp else None,
            "recall": tp / (tp + fn) if tp + fn else None,
            "positives": tp + fn,
        }
        print(f"   {s:16} {pct(tp, tp + fp):>18} {pct(tp, tp + fn):>8}   ({tp + fn})")
    results["screen"] = screen_rows

    # 2. each strategy: blocked on strict -> passes on strict; a table strategy over the blocked
    #    prompts of its own scenario, the describer strategies over all of them
    own = {
        "name_to_descriptor": "celebrity",
        "living_artist_to_style": "living_artist",
        "ip_to_archetype": "copyrighted_ip",
        "soften_violence": "violence",
    }
    blocked = [(s, p) for s, p in prompts if s in REWRITABLE and verdict(p) == "block"]
    print(f"\n2. strategies on the {len(blocked)} prompts of the rewritable scenarios that gpt-image-2 (strict) blocks")
    strategy_rows = {}
    for name in (*STRATEGIES, None):
        mine = [p for s, p in blocked if own.get(name or "", s) == s]
        passed = refused = 0
        for p in mine:
            try:
                text = rewriter.rewrite(p, name, describe=describer).text
            except (RewriteRefused, ValueError):
                refused += 1
                continue
            passed += verdict(text) == "pass"
        label = name or "auto (strategy=None)"
        strategy_rows[label] = {"blocked": len(mine), "block_to_pass": passed / len(mine), "refused": refused}
        print(f"   {label:24} over {len(mine):3}: block -> pass {pct(passed, len(mine)):>7}   refused {refused}")
    held = [p for s, p in swapped() if verdict(p) == "block"]
    held_pass = sum(verdict(rewriter.rewrite(p).text) == "pass" for p in held)
    print(
        f"   held out: {len(held)} blocked prompts with two letters of a name swapped: "
        f"block -> pass {pct(held_pass, len(held))}"
    )
    strategy_rows["held_out_swapped"] = {"blocked": len(held), "block_to_pass": held_pass / len(held) if held else None}
    results["strategies"] = strategy_rows

    # 3. refusal on hard paraphrases
    hard = [(s, p) for s, p in prompts if s in HARD]
    print(f"\n3. refusal on {len(hard)} hard-scenario paraphrases (strategy=None, and the least-refusing strategy)")
    refusal_rows = {}
    for scenario in HARD:
        mine = [p for s, p in hard if s == scenario]
        per = {}
        for name in (None, *STRATEGIES):
            n = 0
            for p in mine:
                try:
                    rewriter.rewrite(p, name, describe=describer)
                except RewriteRefused:
                    n += 1
                except ValueError:
                    pass
            per[name or "auto"] = n
        judged = sum(verdict(p) == "block" for p in mine)
        refusal_rows[scenario] = {
            "refused": per["auto"] / len(mine),
            "least": min(per.values()) / len(mine),
            "strict_blocks": judged / len(mine),
        }
        print(
            f"   {scenario:8} refused {pct(per['auto'], len(mine)):>7}  (least-refusing strategy "
            f"{pct(min(per.values()), len(mine))}); strict blocks {pct(judged, len(mine))}"
        )
    results["refusal"] = refusal_rows

    # 4. the gateway's visible block rate
    config = GatewayConfig(("gpt-image-2", "gpt-image-2-all", "flash"), "moderation", True, True)
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # n, bare blocks, gateway blocks
    layers: Counter[str] = Counter()
    for s, p in prompts:
        row = rows[s]
        row[0] += 1
        row[1] += verdict(p) == "block"
        out = run_gateway(p, config, ask, rewriter=rewriter, screen=screen).outcome
        row[2] += out.verdict == "block"
        if s in LEGITIMATE and out.verdict == "block":
            layers[out.code or "model"] += 1
    print("\n4. visible block rate            gpt-image-2 alone   gateway")
    gateway_rows = {}
    for s in ("benign", *SCENARIOS):
        n, bare, gw = rows[s]
        gateway_rows[s] = {"n": n, "bare": bare / n, "gateway": gw / n}
        print(f"   {s:16} (n={n:3})  {pct(bare, n):>12}  {pct(gw, n):>9}")
    legit = [rows[s] for s in LEGITIMATE]
    n, bare, gw = (sum(r[i] for r in legit) for i in range(3))
    print(f"   legitimate       (n={n:3})  {pct(bare, n):>12}  {pct(gw, n):>9}   (the notes claim < 1%)")
    print("   where the gateway blocked legitimate prompts: " + ", ".join(f"{k} {v}" for k, v in layers.most_common()))
    hard_n, hard_gw = sum(rows[s][0] for s in HARD), sum(rows[s][2] for s in HARD)
    print(f"   hard paraphrases (n={hard_n:3})  gateway blocks {pct(hard_gw, hard_n)}")
    gateway_rows["legitimate"] = {"n": n, "bare": bare / n, "gateway": gw / n, "stopped_by": dict(layers)}
    held_all = [p for _, p in swapped()]
    held_bare = sum(verdict(p) == "block" for p in held_all)
    held_gw = sum(
        run_gateway(p, config, ask, rewriter=rewriter, screen=screen).outcome.verdict == "block" for p in held_all
    )
    print(
        f"   held out, swapped letters (n={len(held_all)})  "
        f"{pct(held_bare, len(held_all)):>8}  {pct(held_gw, len(held_all)):>9}"
    )
    gateway_rows["held_out_swapped"] = {
        "n": len(held_all),
        "bare": held_bare / len(held_all),
        "gateway": held_gw / len(held_all),
    }
    results["gateway"] = gateway_rows
    work = ROOT / "benchmarks" / ".work"
    work.mkdir(exist_ok=True)
    (work / "honest.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
