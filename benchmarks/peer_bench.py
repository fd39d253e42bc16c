"""(i) The peer: what a team would write instead, against pytest-imgsafe, on the same cases.

    pip install -e ".[dev,bench]"
    python benchmarks/peer_bench.py --cases 2000 --reps 3

The peer is pytest-recording plus the openai SDK: a generated test module with one test per
case, each marked ``@pytest.mark.vcr`` (one cassette per test), calling
``client.moderations.create`` and asserting the verdict the case expects. Both sides get the
same cases (the moderation corpus of ``run.py``'s (b)), are recorded from the same in-process
sandbox (``--record-mode=once`` against ``--imgsafe-record-mode=once``, the cassettes removed
before each turn) and then replayed offline (pytest-recording's default ``none`` against
``pytest --imgsafe``). The sides take turns; each run's wall time, CPU time and peak resident
memory come from the kernel's account of that child alone (``wait4``), and each turn's own
ratio (pytest-imgsafe / the peer) is printed so the spread shows.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import WORK, measured, offline_env, project, pytest_cmd, write_corpus  # noqa: E402

PEER_CONFTEST = """
import pytest


@pytest.fixture(scope="module")
def vcr_config():
    # what such a team writes: the key kept out of the cassettes, requests told apart by their body
    return {"filter_headers": ["authorization"], "match_on": ["method", "path", "body"]}
"""

PEER_HEAD = """
import openai
import pytest

CLIENT = openai.OpenAI()
MODEL = "omni-moderation-latest"


def flagged(prompt):
    return CLIENT.moderations.create(model=MODEL, input=prompt).results[0].flagged
"""

PEER_TEST = """

@pytest.mark.vcr
def test_{name}():
    assert flagged({prompt!r}) is {flagged}
"""


def cases_of(corpora: Path) -> list[tuple[str, str, bool]]:
    """(id, prompt, blocked?) of every case in our corpus files, in order."""
    import yaml

    out = []
    for path in sorted(corpora.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            out.append((case["id"], case["prompt"], str(case["expect"]).startswith("block")))
    return out


def peer_project(cases: list[tuple[str, str, bool]]) -> Path:
    """The peer's project: a conftest with ``vcr_config`` and one module of one test per case."""
    peer = WORK / "peer-recording"
    shutil.rmtree(peer, ignore_errors=True)
    peer.mkdir(parents=True)
    (peer / "pytest.ini").write_text("[pytest]\n")
    (peer / "conftest.py").write_text(PEER_CONFTEST)
    tests = [PEER_HEAD] + [
        PEER_TEST.format(name=case_id.replace("-", "_"), prompt=prompt, flagged=blocked)
        for case_id, prompt, blocked in cases
    ]
    (peer / "test_peer.py").write_text("".join(tests))
    return peer


def ours_project(cases: int) -> Path:
    ours = project("peer-imgsafe", False)
    write_corpus(ours / "corpora", max(1, cases // 1000), min(cases, 1000), "moderation")
    return ours


def bench_peer(cases: int, reps: int) -> dict[str, object]:
    """Record and replay ``cases`` cases with each side, taking turns."""
    from pytest_imgsafe.sandbox import Sandbox

    ours = ours_project(cases)
    peer = peer_project(cases_of(ours / "corpora"))
    runs: dict[str, list[tuple[float, float, int]]] = {k: [] for k in ("peer record", "imgsafe record")}
    expect = f"{cases} passed"
    with Sandbox() as sandbox:
        url = sandbox.openai_base_url
        env = {**os.environ, "OPENAI_API_KEY": "bench-key", "OPENAI_BASE_URL": url}
        for _ in range(reps):
            shutil.rmtree(peer / "cassettes", ignore_errors=True)
            runs["peer record"].append(measured(pytest_cmd("--record-mode=once", "test_peer.py"), peer, env, expect))
            shutil.rmtree(ours / "cassettes", ignore_errors=True)
            runs["imgsafe record"].append(
                measured(pytest_cmd("--imgsafe", "--imgsafe-record-mode=once", "corpora"), ours, env, expect)
            )
    # replay: nothing listens any more; the peer's client needs a key to be built (ours needs none)
    # and keeps the recorded base URL (its requests are matched on method, path and body)
    peer_env = {**offline_env(), "OPENAI_API_KEY": "bench-key", "OPENAI_BASE_URL": url}
    runs["peer replay"], runs["imgsafe replay"] = [], []
    for _ in range(reps):
        runs["peer replay"].append(measured(pytest_cmd("test_peer.py"), peer, peer_env, expect))
        runs["imgsafe replay"].append(measured(pytest_cmd("--imgsafe", "corpora"), ours, offline_env(), expect))
    out: dict[str, object] = {"cases": cases, "runs": runs}
    for phase in ("record", "replay"):
        mine, theirs = runs[f"imgsafe {phase}"], runs[f"peer {phase}"]
        out[phase] = {
            "wall_ratio_median": statistics.median(r[0] for r in mine) / statistics.median(r[0] for r in theirs),
            "wall_turn_ratios": [m[0] / t[0] for m, t in zip(mine, theirs, strict=True)],
            "cpu_ratio_median": statistics.median(r[1] for r in mine) / statistics.median(r[1] for r in theirs),
            "memory_ratio_median": statistics.median(r[2] for r in mine) / statistics.median(r[2] for r in theirs),
            "memory_turn_ratios": [m[2] / t[2] for m, t in zip(mine, theirs, strict=True)],
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    try:
        import pytest_recording  # noqa: F401
    except ImportError:
        raise SystemExit('the peer needs pytest-recording: pip install -e ".[bench]"') from None
    WORK.mkdir(parents=True, exist_ok=True)
    r = bench_peer(args.cases, args.reps)
    runs = r["runs"]
    assert isinstance(runs, dict)
    for phase in ("record", "replay"):
        v = r[phase]
        assert isinstance(v, dict)
        mine, theirs = runs[f"imgsafe {phase}"], runs[f"peer {phase}"]
        their_s, my_s = (statistics.median(x[0] for x in side) for side in (theirs, mine))
        their_mb, my_mb = (statistics.median(x[2] for x in side) / 2**20 for side in (theirs, mine))
        print(
            f"(i) {phase} {args.cases:,} cases: peer (pytest-recording + SDK) {their_s:.2f} s, {their_mb:.0f} MB; "
            f"imgsafe {my_s:.2f} s, {my_mb:.0f} MB; "
            f"wall {v['wall_ratio_median']:.2f}x of the medians (each turn: "
            f"{', '.join(f'{x:.2f}' for x in v['wall_turn_ratios'])}); CPU {v['cpu_ratio_median']:.2f}x; "
            f"peak memory {v['memory_ratio_median']:.2f}x (each turn: "
            f"{', '.join(f'{x:.2f}' for x in v['memory_turn_ratios'])})",
            flush=True,
        )
    (WORK / "peer_results.json").write_text(json.dumps(r, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
