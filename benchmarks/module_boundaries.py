"""How many module boundaries one replayed item crosses inside the package.

    python benchmarks/module_boundaries.py

Records five moderation cases through the sandbox (``run.py``'s replay project), replays them with
a probe plugin, and profiles the last item's setup, call and teardown with ``sys.setprofile``: a
*crossing* is a call from a function of one ``pytest_imgsafe`` module into a function of another
(calls within a module, and calls into pytest, the SDK or the standard library, are not counted;
a call of the package from outside it is an entry, counted apart). The last item is measured, so
one-time work (imports, caches, the read-ahead's start) is not. Only the main thread is profiled.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import offline_env, pytest_cmd, record_replay_project  # noqa: E402

CASES = 5

PROBE = """
import json, os, sys
import pytest

PACKAGE = "pytest_imgsafe"
counts = {"crossings": 0, "entries": 0, "modules": set(), "pairs": {}}
state = {"seen": 0, "total": 0}


def _module(frame):
    return frame.f_globals.get("__name__", "") if frame is not None else ""


def _profile(frame, event, arg):
    if event != "call":
        return
    callee = _module(frame)
    if not callee.startswith(PACKAGE):
        return
    caller = _module(frame.f_back)
    counts["modules"].add(callee)
    if not caller.startswith(PACKAGE):
        counts["entries"] += 1
    elif caller != callee:
        counts["crossings"] += 1
        pair = f"{caller} -> {callee}"
        counts["pairs"][pair] = counts["pairs"].get(pair, 0) + 1


def pytest_collection_finish(session):
    state["total"] = len(session.items)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    state["seen"] += 1
    last = state["seen"] == state["total"]
    if last:
        sys.setprofile(_profile)
    try:
        return (yield)
    finally:
        if last:
            sys.setprofile(None)


def pytest_sessionfinish(session):
    with open(os.environ["IMGSAFE_BOUNDARIES_OUT"], "w") as out:
        json.dump({**counts, "modules": sorted(counts["modules"])}, out, indent=1)
"""


def main() -> int:
    folder = record_replay_project(CASES)
    out = folder / "boundaries.json"
    (folder / "imgsafe_boundaries.py").write_text(PROBE)
    env = {
        **offline_env(),
        "IMGSAFE_BOUNDARIES_OUT": str(out),
        "PYTHONPATH": os.pathsep.join([str(folder), *os.environ.get("PYTHONPATH", "").split(os.pathsep)]),
    }
    done = subprocess.run(
        pytest_cmd("-p", "imgsafe_boundaries", "--imgsafe", "corpora"),
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
    )
    if f"{CASES} passed" not in done.stdout:
        raise SystemExit(f"the replay failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    data = json.loads(out.read_text())
    print(
        f"one replayed item (setup, call, teardown): {data['crossings']} module boundaries crossed, "
        f"{len(data['modules'])} modules of the package run, {data['entries']} entries from outside the package"
    )
    if "-v" in sys.argv:
        for pair, n in sorted(data["pairs"].items(), key=lambda kv: -kv[1]):
            print(f"  {n:4d}  {pair}")
        print("  modules:", ", ".join(data["modules"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
