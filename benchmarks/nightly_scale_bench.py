"""A nightly run at scale against the sandbox: shards that merge, over a key pool that loses a member.

N cases x 2 targets (``images.generate`` and ``moderation``), each target served by a pool of three
members with different rpm, each member its own sandbox (its own key and address). Halfway through
each run the third member starts answering every call with a 429. The run is made twice:

1. split over S shards (``--imgsafe-shard K/S``), all at once, each with ``-n W``, then merged with
   ``python -m pytest_imgsafe.report merge``;
2. as one run with ``-n W``.

It reports, from the sandboxes' own request logs: each run's throughput per target as a fraction of
the pool's combined rpm (and of the capacity the pool really had, the third member counted only
while it answered), the calls lost (items without a verdict) and duplicated (answers served that no
item used), the refusals; and whether the merged report equals the single run's item by item
(everything but the provider's request id and the answering member's address, which two runs
cannot share).

    python benchmarks/nightly_scale_bench.py                 # scaled down: 2,000 cases
    python benchmarks/nightly_scale_bench.py --cases 20000   # the full size (about 15 minutes a run at the default rpm)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

WORK = Path(__file__).resolve().parent / ".work" / "nightly-scale"
TARGETS = {"gen": "/images/generations", "mod": "/moderations"}
MEMBERS = ("east", "west", "north")
CPU: dict[str, float] = {}
"""CPU seconds (user + system) of each run's pytest processes."""

PYPROJECT = """
[tool.pytest.ini_options]

[tool.imgsafe]
corpora = ["corpora"]
cassettes = "cassettes"
{targets}
"""
TARGET = """
[tool.imgsafe.targets.{name}]
kind = "{kind}"
model = "{model}"
concurrency = {concurrency}
max_retries = 4
pool = [
{members}
]
"""


GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa")


def letters(number: int) -> str:
    """A number written as Greek letter names, one per digit: digits would read as hate codes
    ("88"), and letters as brands ("fifa", "kfc"), both of which a classifier blocks."""
    return "-".join(GREEK[int(digit)] for digit in str(number))


def write_project(cases: int, rpms: list[int], concurrency: int) -> None:
    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "corpora").mkdir(parents=True)
    members = "\n".join(
        f'  {{ name = "{m}", api_key_env = "KEY_{m.upper()}", base_url_env = "URL_{m.upper()}", rpm = {rpm} }},'
        for m, rpm in zip(MEMBERS, rpms, strict=True)
    )
    targets = TARGET.format(
        name="gen", kind="images.generate", model="gpt-image-2", concurrency=concurrency, members=members
    ) + TARGET.format(
        name="mod", kind="moderation", model="omni-moderation-latest", concurrency=concurrency, members=members
    )
    (WORK / "pyproject.toml").write_text(PYPROJECT.format(targets=targets))
    lines = ["defaults:\n  targets: [gen, mod]\ncases:"]
    scenarios = ("benign", "celebrity", "copyrighted_ip", "living_artist")
    lines += [
        f"  - id: case-{i:06d}\n"
        f"    scenario: {scenarios[i % len(scenarios)]}\n"
        f"    prompt: A watercolor painting of a lighthouse, study {letters(i)}\n"
        "    expect: pass"
        for i in range(cases)
    ]
    (WORK / "corpora" / "bench.yaml").write_text("\n".join(lines) + "\n")


def pytest_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *args]


def fail_halfway(sandboxes: dict[str, Any], half: int, done: threading.Event) -> threading.Thread:
    """The third member answers 429 to everything once the pool has served ``half`` calls."""

    def flip() -> None:
        while not done.wait(0.25):
            if sum(1 for sb in sandboxes.values() for e in sb.requests if e.get("status") == 200) >= half:
                sandboxes[MEMBERS[2]].set_faults("429:1", seed=1)
                return

    thread = threading.Thread(target=flip, daemon=True)
    thread.start()
    return thread


def measure(sandboxes: dict[str, Any], rpms: list[int], report: dict[str, Any]) -> dict[str, Any]:
    """Throughput, lost and duplicated calls, refusals, from the sandboxes' logs and the report."""
    logs = {m: sb.requests for m, sb in sandboxes.items()}
    rows = report["results"]
    used = {r.get("request_id") for r in rows if r.get("request_id")}
    out: dict[str, Any] = {}
    for target, path in TARGETS.items():
        served = [(m, e) for m, log in logs.items() for e in log if e.get("path", "").endswith(path)]
        ok = [(m, e) for m, e in served if e.get("status") == 200]
        times = sorted(e["time"] for _, e in ok)
        span = max(1e-9, times[-1] - times[0]) if len(times) > 1 else 1e-9
        per_minute = (len(ok) - 1) / span * 60
        combined = sum(rpms)
        # capacity the pool really had: the third member's rpm only while it still answered
        third = [e["time"] for m, e in ok if m == MEMBERS[2]]
        third_span = (max(third) - times[0]) if third else 0.0
        available = (sum(rpms[:2]) * span + rpms[2] * min(span, third_span)) / span
        items = [r for r in rows if r["target"] == target]
        out[target] = {
            "items": len(items),
            "no_verdict": sum(1 for r in items if not r.get("actual")),
            "served_200": len(ok),
            "duplicated": sum(1 for _, e in ok if e.get("request_id") not in used),
            "refused": sum(1 for _, e in served if e.get("status") != 200),
            "per_member": {m: sum(1 for mm, _ in ok if mm == m) for m in MEMBERS},
            "rpm": round(per_minute),
            "of_combined": round(per_minute / combined, 3),
            "of_available": round(per_minute / available, 3),
            "minutes": round(span / 60, 2),
        }
    return out


def run(label: str, commands: list[list[str]], env: dict[str, str], sandboxes: dict[str, Any], half: int) -> float:
    for sb in sandboxes.values():
        sb.set_faults(None)
        sb.clear_log()
    done = threading.Event()
    fail_halfway(sandboxes, half, done)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    procs = [
        subprocess.Popen(c, cwd=WORK, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for c in commands
    ]
    outputs = [p.communicate()[0] for p in procs]
    done.set()
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[label] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    for cmd, out in zip(commands, outputs, strict=True):
        tail = out.strip().splitlines()[-1] if out.strip() else "(no output)"
        print(f"  {label}: {' '.join(cmd[-5:])}\n    {tail}", flush=True)
    return elapsed


PER_CALL = ("request_id", "source", "exchange")
"""What two runs cannot share: the provider's id of each call, the address of the member that
answered, and a failing row's exchange (the answer it quotes carries that call's id)."""


def by_item(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["case"], r["target"]): {k: v for k, v in r.items() if k not in PER_CALL} for r in report["results"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rpm", default="1200,900,600", help="the three members' rpm (each target's pool)")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    rpms = [int(x) for x in args.rpm.split(",")]
    from pytest_imgsafe.report.merge import merge_shards
    from pytest_imgsafe.sandbox import Sandbox

    write_project(args.cases, rpms, args.concurrency)
    half = args.cases * len(TARGETS) // 2
    with (
        Sandbox(fault_retry_after_ms=5000) as a,
        Sandbox(fault_retry_after_ms=5000) as b,
        Sandbox(fault_retry_after_ms=5000) as c,
    ):
        sandboxes = dict(zip(MEMBERS, (a, b, c), strict=True))
        for sb, rpm in zip(sandboxes.values(), rpms, strict=True):
            sb.set_rpm(int(rpm * len(TARGETS) * 1.1))  # the provider's own limit, a little above the pace
        env = {**os.environ}
        for m, sb in sandboxes.items():
            env[f"KEY_{m.upper()}"] = f"bench-{m}"
            env[f"URL_{m.upper()}"] = sb.openai_base_url
        live = ["--imgsafe", "--imgsafe-live", "--imgsafe-target", "gen", "--imgsafe-target", "mod"]
        live += ["-n", str(args.workers), "corpora"]
        print(f"{args.cases} cases x {len(TARGETS)} targets; pool rpm {rpms} (combined {sum(rpms)}) per target")
        shards = [
            pytest_cmd(*live, "--imgsafe-shard", f"{k}/{args.shards}", "--imgsafe-report", f"shard-{k}.json")
            for k in range(1, args.shards + 1)
        ]
        sharded_s = run("shards", shards, env, sandboxes, half)
        reports = [
            (f"shard-{k}.json", json.loads((WORK / f"shard-{k}.json").read_text())) for k in range(1, args.shards + 1)
        ]
        merged = merge_shards(reports)
        sharded = measure(sandboxes, rpms, merged)
        single_s = run("single", [pytest_cmd(*live, "--imgsafe-report", "single.json")], env, sandboxes, half)
        one = json.loads((WORK / "single.json").read_text())
        single = measure(sandboxes, rpms, one)
    left, right = by_item(merged), by_item(one)
    differ = sorted(k for k in left.keys() | right.keys() if left.get(k) != right.get(k))
    results = {
        "cases": args.cases,
        "rpm": rpms,
        "sharded": {"wall_s": round(sharded_s, 1), "cpu_s": round(CPU["shards"], 1), **sharded},
        "single": {"wall_s": round(single_s, 1), "cpu_s": round(CPU["single"], 1), **single},
        "report_bytes_per_item": round((WORK / "single.json").stat().st_size / max(1, len(one["results"]))),
        "merged_equals_single": not differ,
        "items_that_differ": len(differ),
        "pools_sharded": merged["totals"].get("pools"),
    }
    print(json.dumps(results, indent=1))
    (WORK / "results.json").write_text(json.dumps(results, indent=1))
    return 0 if not differ else 1


if __name__ == "__main__":
    sys.exit(main())
