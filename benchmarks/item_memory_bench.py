"""Memory per replayed item, against pytest's own floor (tracemalloc, in one run, by turns).

    python benchmarks/item_memory_bench.py             # 2,000 recorded moderation cases
    python benchmarks/item_memory_bench.py --cases 10000

The replay project of ``run.py`` (b) and its baseline (pytest's documented non-python YAML
collector, ``runtest`` doing nothing) run with a probe plugin that starts ``tracemalloc`` when
pytest is configured and reads it when collection is final and when the session ends. Per item:
what is held at the end of the session (items, their reports' leftovers, the run's rows) and
what the run itself kept while the items ran (end minus collection), both divided by the
items; and the peak. An item that kept its parsed answer, or a second copy of its row, shows
in the second number.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import WORK, offline_env, project, pytest_cmd, record_replay_project  # noqa: E402

PROBE = """
import json, os, tracemalloc


def pytest_configure(config):
    tracemalloc.start()


def pytest_collection_finish(session):
    session.config._imgsafe_mem_collected = tracemalloc.get_traced_memory()[0]


def pytest_sessionfinish(session):
    import gc

    gc.collect()
    now, peak = tracemalloc.get_traced_memory()
    with open(os.environ["IMGSAFE_MEM_OUT"], "w") as out:
        json.dump({"items": len(session.items), "collected": session.config._imgsafe_mem_collected,
                   "end": now, "peak": peak}, out)
"""


def measure(folder: Path, args: list[str], cases: int) -> dict[str, float]:
    out = folder / "memprobe.json"
    env = {
        **offline_env(),
        "IMGSAFE_MEM_OUT": str(out),
        "PYTHONPATH": os.pathsep.join([str(folder), *os.environ.get("PYTHONPATH", "").split(os.pathsep)]),
    }
    (folder / "imgsafe_memprobe.py").write_text(PROBE)
    done = subprocess.run(
        pytest_cmd("-p", "imgsafe_memprobe", *args), cwd=folder, env=env, capture_output=True, text=True
    )
    if f"{cases} passed" not in done.stdout:
        raise SystemExit(f"benchmark run failed in {folder}:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    data = json.loads(out.read_text())
    n = data["items"]
    return {
        "per_item_end": data["end"] / n,
        "per_item_kept_while_running": (data["end"] - data["collected"]) / n,
        "peak_per_item": data["peak"] / n,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    ours = record_replay_project(args.cases)
    base = project("replay-baseline", True)
    if (base / "corpora").exists():
        shutil.rmtree(base / "corpora")
    shutil.copytree(ours / "corpora", base / "corpora")
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "imgsafe": []}
    for _ in range(args.reps):  # by turns
        runs["baseline"].append(measure(base, ["corpora"], args.cases))
        runs["imgsafe"].append(measure(ours, ["--imgsafe", "corpora"], args.cases))
    summary = {who: {key: statistics.median(r[key] for r in rs) for key in rs[0]} for who, rs in runs.items()}
    b, o = summary["baseline"], summary["imgsafe"]
    print(
        f"replay of {args.cases:,} cases, median of {args.reps} (bytes per item): "
        f"held at the end {o['per_item_end']:.0f} against {b['per_item_end']:.0f} = "
        f"{o['per_item_end'] / b['per_item_end']:.2f}x; kept while running {o['per_item_kept_while_running']:.0f} "
        f"against {b['per_item_kept_while_running']:.0f}; peak {o['peak_per_item']:.0f} against "
        f"{b['peak_per_item']:.0f} = {o['peak_per_item'] / b['peak_per_item']:.2f}x"
    )
    (WORK / "item_memory.json").write_text(json.dumps({"cases": args.cases, **summary}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
