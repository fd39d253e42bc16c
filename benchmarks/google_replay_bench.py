"""Replay cost per item of the native Google kinds against the OpenAI kinds, side by side.

Records the same N prompts once on four targets (``images.generate``, ``chat-image``, ``gemini``,
``imagen``) against the sandbox, then replays each target alone (``--imgsafe-target``) with no key
and no network, the four taking turns in every repetition so that machine noise falls on all of
them alike. Reports the best wall time and the best CPU time (user + system of the pytest process,
which other work on a shared machine disturbs far less than the wall time) of each, and their
ratios to ``images.generate``.

    python benchmarks/google_replay_bench.py [--cases 2000] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work" / "google-replay"

PYPROJECT = """
[tool.pytest.ini_options]

[tool.imgsafe]
corpora = ["corpora"]
cassettes = "cassettes"

[tool.imgsafe.targets.openai-images]
kind = "images.generate"
model = "gpt-image-2"
params = { quality = "low", size = "1024x1024" }

[tool.imgsafe.targets.openai-chat]
kind = "chat-image"
model = "gpt-image-2-all"

[tool.imgsafe.targets.gemini]
kind = "gemini"
model = "gemini-2.5-flash-image"
base_url_env = "GOOGLE_BASE"

[tool.imgsafe.targets.imagen]
kind = "imagen"
model = "imagen-4.0-generate-001"
base_url_env = "GOOGLE_BASE"
"""
TARGETS = ("openai-images", "openai-chat", "gemini", "imagen")


def pytest_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *args]


def _letters(number: int) -> str:
    """A number written with the letters a to j for its digits."""
    return "".join(chr(ord("a") + int(digit)) for digit in str(number))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    from pytest_imgsafe.sandbox import Sandbox

    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "corpora").mkdir(parents=True)
    (WORK / "pyproject.toml").write_text(PYPROJECT)
    lines = ["defaults:\n  scenario: benign\ncases:"]
    # the study's number is spelled in letters: some numbers are hate codes a classifier blocks
    lines += [
        f"  - id: case-{i:05d}\n"
        f"    prompt: A watercolor painting of a lighthouse, study {_letters(i)}\n"
        "    expect: pass"
        for i in range(args.cases)
    ]
    (WORK / "corpora" / "bench.yaml").write_text("\n".join(lines) + "\n")
    with Sandbox() as sandbox:
        env = {
            **os.environ,
            "OPENAI_API_KEY": "bench",
            "OPENAI_BASE_URL": sandbox.openai_base_url,
            "GEMINI_API_KEY": "bench",
            "GOOGLE_BASE": sandbox.base_url,
        }
        started = time.perf_counter()
        done = subprocess.run(
            pytest_cmd("--imgsafe", "--imgsafe-record-mode=once", "corpora"),
            cwd=WORK,
            env=env,
            capture_output=True,
            text=True,
        )
        if f"{args.cases * len(TARGETS)} passed" not in done.stdout:
            print(done.stdout[-3000:], done.stderr[-3000:])
            return 1
        print(
            f"recorded {args.cases} cases on {len(TARGETS)} targets in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    offline = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    offline.update(OPENAI_BASE_URL="http://127.0.0.1:9/v1", GOOGLE_BASE="http://127.0.0.1:9")
    times: dict[str, list[float]] = {t: [] for t in TARGETS}
    cpu: dict[str, list[float]] = {t: [] for t in TARGETS}
    for _ in range(args.reps):
        for target in TARGETS:  # taking turns: noise falls on every target alike
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            result = subprocess.run(
                pytest_cmd("--imgsafe", "--imgsafe-target", target, "corpora"),
                cwd=WORK,
                env=offline,
                capture_output=True,
                text=True,
            )
            times[target].append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[target].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if f"{args.cases} passed" not in result.stdout:
                print(result.stdout[-3000:], result.stderr[-3000:])
                return 1
    base, base_cpu = min(times["openai-images"]), min(cpu["openai-images"])
    for target in TARGETS:
        best, best_cpu = min(times[target]), min(cpu[target])
        print(
            f"{target:14s} replay of {args.cases} items: "
            f"wall best {best:.2f} s (runs {', '.join(f'{t:.2f}' for t in times[target])}) = {best / base:.2f}x; "
            f"CPU best {best_cpu:.2f} s = {best_cpu / base_cpu:.2f}x images.generate"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
