"""Visible block rate of the five-layer gateway against the bare model, on the bundled corpus.

    python benchmarks/gateway_bench.py

Every bundled case is sent, over HTTP through the SDK, to a sandbox: once to gpt-image-2 alone
(strict profile), once through the gateway (local screen -> moderation pre-check -> rewrite ->
gpt-image-2 -> gpt-image-2-all -> a Gemini-class model). The visible block rate is the share of
prompts that end blocked, per scenario; "legitimate" are the benign controls and the three
rewritable name scenarios (celebrity, living_artist, copyrighted_ip); the hard-prohibited
scenarios must stay at 100%.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pytest_imgsafe.collect.corpus import load_corpus  # noqa: E402
from pytest_imgsafe.providers.registry import build_request, call, make_client, outcome_for  # noqa: E402
from pytest_imgsafe.providers.target import Target  # noqa: E402
from pytest_imgsafe.providers.verdict import Outcome  # noqa: E402
from pytest_imgsafe.rewrite import default_rewriter  # noqa: E402
from pytest_imgsafe.routing.gateway import GatewayConfig, run_gateway  # noqa: E402
from pytest_imgsafe.routing.screen import default_screen  # noqa: E402
from pytest_imgsafe.sandbox import Sandbox  # noqa: E402

KINDS = {
    "gpt-image-2": "images.generate",
    "gpt-image-2-all": "chat-image",
    "nano-banana": "chat-image",
    "moderation": "moderation",
}
LEGITIMATE = ("benign", "celebrity", "living_artist", "copyrighted_ip")


def main() -> int:
    cases = [c for path in sorted((ROOT / "corpora").glob("*.yaml")) for c in load_corpus(path, KINDS).cases]
    with Sandbox() as sandbox:
        env = {"OPENAI_API_KEY": "bench", "OPENAI_BASE_URL": sandbox.openai_base_url}
        targets = {
            "gpt-image-2": Target(
                "gpt-image-2", "images.generate", "gpt-image-2", params={"quality": "low", "size": "1024x1024"}
            ),
            "gpt-image-2-all": Target("gpt-image-2-all", "chat-image", "gpt-image-2-all"),
            "nano-banana": Target("nano-banana", "chat-image", "gemini-3.1-flash-image-preview"),
            "moderation": Target("moderation", "moderation", "omni-moderation-latest"),
        }
        clients = {name: make_client(t, env) for name, t in targets.items()}

        def ask(name: str, prompt: str) -> Outcome:
            answer = call(clients[name], build_request(targets[name], prompt))
            return outcome_for(targets[name], answer)

        config = GatewayConfig(("gpt-image-2", "gpt-image-2-all", "nano-banana"), "moderation", True, True)
        blocked: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # cases, bare blocks, gateway blocks
        layers: dict[str, int] = defaultdict(int)
        for case in cases:
            row = blocked[case.scenario or "unspecified"]
            row[0] += 1
            row[1] += ask("gpt-image-2", case.prompt).verdict == "block"
            result = run_gateway(case.prompt, config, ask, rewriter=default_rewriter(), screen=default_screen())
            row[2] += result.outcome.verdict == "block"
            layers[result.outcome.code if result.outcome.verdict == "block" else f"pass@{result.outcome.link}"] += 1
    print("| scenario | cases | gpt-image-2 alone blocks | gateway blocks |")
    print("|---|---|---|---|")
    for scenario, (n, bare, gate) in sorted(blocked.items()):
        print(f"| {scenario} | {n} | {bare / n:.0%} | {gate / n:.0%} |")
    legit = [blocked[s] for s in LEGITIMATE if s in blocked]
    n = sum(r[0] for r in legit)
    print(
        f"\nlegitimate prompts ({', '.join(LEGITIMATE)}): {n} cases; visible block rate gpt-image-2 alone "
        f"{sum(r[1] for r in legit) / n:.1%}, through the gateway {sum(r[2] for r in legit) / n:.1%}"
    )
    print("where the gateway's answers came from: " + ", ".join(f"{k} {v}" for k, v in sorted(layers.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
