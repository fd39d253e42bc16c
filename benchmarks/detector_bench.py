"""The refusal detector's cost per prompt: CPU time of ``find`` and ``minors``, best of N turns.

    python benchmarks/detector_bench.py [--probes benchmarks/probes/set_a] [--turns 3]

Reads every prompt of a probe folder (hard, legitimate and rewrite tasks) and of the bundled
corpus, once each, warms the detector up (its tables are built once per process), then times
``find(prompt)`` and ``minors(prompt)`` over all of them, as the rewriter and the gateway's
screen call them. To compare two versions, run the same script in each checkout, one after the
other on a quiet machine (it imports the package of the checkout it sits in).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pytest_imgsafe.rewrite import default_detector  # noqa: E402


def prompts(probes: Path) -> list[str]:
    found: list[str] = []
    for name in ("hard", "legit", "rewrite"):
        path = probes / f"{name}.jsonl"
        found += [json.loads(line)["prompt"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in sorted((ROOT / "corpora").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in (data.get("cases") or []) if isinstance(data, dict) else []:
            if isinstance(case, dict) and isinstance(case.get("prompt"), str):
                found.append(case["prompt"])
    return list(dict.fromkeys(found))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--probes", type=Path, default=ROOT / "benchmarks" / "probes" / "set_a")
    parser.add_argument("--turns", type=int, default=3)
    args = parser.parse_args(argv)
    texts = prompts(args.probes)
    start = time.process_time()
    detector = default_detector()
    build = time.process_time() - start
    for text in texts:  # warm up
        detector.find(text)
        detector.minors(text)
    best = float("inf")
    for _ in range(args.turns):
        start = time.process_time()
        for text in texts:
            detector.find(text)
            detector.minors(text)
        best = min(best, time.process_time() - start)
    alone = float("inf")
    for _ in range(args.turns):
        start = time.process_time()
        for text in texts:
            detector.find(text)
        alone = min(alone, time.process_time() - start)
    print(f"{len(texts)} prompts; detector built in {build * 1000:.0f} ms (CPU)")
    print(f"find + minors: {best / len(texts) * 1000:.3f} ms per prompt (CPU, best of {args.turns})")
    print(f"find alone: {alone / len(texts) * 1000:.3f} ms per prompt (CPU, best of {args.turns})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
