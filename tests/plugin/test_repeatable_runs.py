"""The same answer every time: the bundled main job in a copy of the project, run again and again
with pytest's cache on, with xdist, one file alone, and --lf / --sw selecting just the failed
items. Nothing a run reads back from pytest's cache folder decides what a case expects: the
folder can come from elsewhere (a CI cache restored from another branch), so it holds no corpus."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

KINDS = {
    "gpt-image-2": "images.generate",
    "gpt-image-2-all": "chat-image",
    "nano-banana": "chat-image",
    "moderation": "moderation",
    "gpt-image-2-edit": "images.edit",
    "azure-gpt-image-2": "images.generate",
    "fallback": "chain",
    "gateway": "gateway",
}


def _copy_project(dest: Path) -> Path:
    for name in ("corpora", "cassettes"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def _run(cwd: Path, *args: str) -> tuple[int, dict[str, int], str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    env["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1"  # nothing listens there: replay only
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--imgsafe", "-q", "-p", "no:randomly", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|errors?|deselected|skipped)", last)}
    return result.returncode, counts, result.stdout


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy_project(tmp_path_factory.mktemp("main-job"))


@pytest.mark.slow
def test_main_job_gives_the_same_answer_on_every_run_with_the_cache_on(copy: Path) -> None:
    first = _run(copy, "corpora")
    assert first[0] == 0, first[2][-3000:]
    assert (copy / ".pytest_cache").is_dir()  # the cache really was on
    second = _run(copy, "corpora")
    assert second[:2] == first[:2], second[2][-3000:]
    workers = _run(copy, "corpora", "-n", "2")
    assert workers[:2] == first[:2], workers[2][-3000:]


@pytest.mark.slow
def test_one_file_alone_gives_the_same_answer(copy: Path) -> None:
    code, counts, out = _run(copy, "corpora/fuzz_prohibited.yaml")
    assert code == 0 and counts.get("passed", 0) > 0 and "failed" not in counts, out[-3000:]


@pytest.mark.slow
def test_last_failed_and_stepwise_select_just_the_failed_items(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    corpus = project / "corpora" / "benign.yaml"
    text = corpus.read_text(encoding="utf-8")
    first_pass = re.search(r"expect: pass\n", text)
    assert first_pass is not None
    corpus.write_text(text[: first_pass.start()] + "expect: block\n" + text[first_pass.end() :], encoding="utf-8")
    code, counts, out = _run(project, "corpora")
    failed = counts.get("failed", 0)
    assert code == 1 and failed >= 1, out[-3000:]
    code, counts, out = _run(project, "corpora", "--lf")
    assert counts == {"failed": failed}, out[-3000:]  # nothing that passed ran again
    code, counts, out = _run(project, "corpora", "--sw")
    assert counts == {"failed": 1}, out[-3000:]  # stops at the first failure
    code, counts, out = _run(project, "corpora", "--sw")
    assert counts == {"failed": 1}, out[-3000:]  # and starts from it next time


def test_a_planted_cache_entry_runs_no_code_and_changes_no_expectation(tmp_path: Path) -> None:
    """Whatever is planted in pytest's cache folder (a pickle that runs code when loaded, under
    every name a run wrote there) is never loaded: the corpus is read from its YAML every run."""
    project = _copy_project(tmp_path / "project")
    first = _run(project, "corpora/celebrity.yaml")
    assert first[0] == 0, first[2][-3000:]
    marker = tmp_path / "ran-planted-code"
    planted = (
        b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."  # pickle protocol 0: os.system(...)
    )
    written = [p for p in (project / ".pytest_cache").rglob("*") if p.is_file()]
    for path in written:
        if path.suffix != ".json" or "imgsafe" in str(path):
            path.write_bytes(planted)
    own = project / ".pytest_cache" / "d" / "imgsafe-corpus"
    own.mkdir(parents=True, exist_ok=True)
    (own / "planted.pickle").write_bytes(planted)
    again = _run(project, "corpora/celebrity.yaml")
    assert not marker.exists()
    assert again[:2] == first[:2], again[2][-3000:]
    assert not [p for p in (project / ".pytest_cache").rglob("*.pickle") if p.name != "planted.pickle"]
