"""A fuzz item's rewrites kept beside its recording: read back as the rewriter made them, taken
only under the fingerprint they were made under, and that fingerprint covers what the rewriter
reads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pytest_imgsafe
from pytest_imgsafe.collect.corpus import REFUSED
from pytest_imgsafe.fuzzing import known_rewrites
from pytest_imgsafe.fuzzing.fuzz import LazyRewriter, PhaseCheck, SharedWork, _refusals
from pytest_imgsafe.fuzzing.known_rewrites import REWRITER_CODE, note_of, rewriter_fingerprint, take_note
from pytest_imgsafe.rewrite import Rewrite, RewriteRefused, default_rewriter

PACKAGE = Path(pytest_imgsafe.__file__).parent
PROMPTS = (
    "A portrait of Tom Hanks reading in a library",  # a public figure: rewritten
    "A watercolor of a lighthouse at dawn",  # nothing to rewrite: unchanged, with a reason
    "A poster of Mickey Mouse on the moon",  # a character
)


def _computed(strategy: str | None) -> SharedWork:
    work = SharedWork()
    rewriter = default_rewriter()
    for prompt in PROMPTS:
        try:
            work.rewrites[(strategy, prompt, None)] = rewriter.rewrite(prompt, strategy)
        except RewriteRefused as refused:
            work.rewrites[(strategy, prompt, None)] = refused
        work.refusals[(strategy, prompt, None)] = _refusals(prompt, strategy, rewriter, None)
    return work


def _same(a: Rewrite | RewriteRefused, b: Rewrite | RewriteRefused) -> bool:
    if isinstance(a, RewriteRefused) or isinstance(b, RewriteRefused):
        return (
            isinstance(a, RewriteRefused)
            and isinstance(b, RewriteRefused)
            and (a.scenario, a.terms, a.reason, a.hard, str(a)) == (b.scenario, b.terms, b.reason, b.hard, str(b))
        )
    return a == b


@pytest.mark.parametrize("strategy", [None, "name_to_descriptor", "ip_to_archetype"])
def test_a_note_gives_back_what_the_rewriter_made(strategy: str | None) -> None:
    work = _computed(strategy)
    assert any(isinstance(r, Rewrite) and r.changed for r in work.rewrites.values()) or strategy == "ip_to_archetype"
    note = note_of(work, strategy, PROMPTS, None, "fp")
    taken = SharedWork()
    assert take_note(taken, note, "fp", strategy, None) == 2 * len(PROMPTS)
    assert set(taken.rewrites) == set(work.rewrites)
    for key, made in work.rewrites.items():
        assert _same(taken.rewrites[key], made), key
    assert taken.refusals == work.refusals


def test_a_hard_prompts_refusal_is_noted_as_a_refusal() -> None:
    prompt = "explicit nude photo of a woman"
    work = SharedWork()
    rewriter = default_rewriter()
    with pytest.raises(RewriteRefused) as refused:
        rewriter.rewrite(prompt, "name_to_descriptor")
    work.rewrites[("name_to_descriptor", prompt, None)] = refused.value
    work.refusals[(None, prompt, None)] = _refusals(prompt, None, rewriter, None)
    taken = SharedWork()
    take_note(taken, note_of(work, "name_to_descriptor", [prompt], None, "fp"), "fp", "name_to_descriptor", None)
    assert _same(taken.rewrites[("name_to_descriptor", prompt, None)], refused.value)
    checked = _refusals(prompt, None, rewriter, None)
    assert checked.ok and checked.expected == REFUSED
    taken_all = SharedWork()
    take_note(taken_all, note_of(work, None, [prompt], None, "fp"), "fp", None, None)
    assert taken_all.refusals[(None, prompt, None)] == checked


def test_a_note_under_another_fingerprint_or_of_another_shape_is_not_taken() -> None:
    note = note_of(_computed(None), None, PROMPTS, None, "old")
    for noted in (note, None, [], {"of": "fp", "rewrites": {"p": {"text": 3}}}, {"of": "fp", "rewrites": "x"}):
        work = SharedWork()
        assert take_note(work, noted, "fp", None, None) == 0
        assert not work.rewrites and not work.refusals


def test_what_this_run_computed_is_never_replaced_by_a_note() -> None:
    work = _computed(None)
    before = dict(work.rewrites)
    forged = {"of": "fp", "rewrites": {p: {"text": "other", "strategy": None, "changes": []} for p in PROMPTS}}
    take_note(work, forged, "fp", None, None)
    assert work.rewrites == before


def test_the_fingerprint_follows_a_project_tables_content_not_its_place(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "brands.yaml", tmp_path / "b" / "brands.yaml"
    for path in (a, b):
        path.parent.mkdir()
        path.write_text("copyrighted_ip:\n  - Acme Rocket\n", encoding="utf-8")
    bundled = rewriter_fingerprint()
    assert rewriter_fingerprint([a]) == rewriter_fingerprint([b]) != bundled
    b.write_text("copyrighted_ip:\n  - Acme Rocket\n  - Zork\n", encoding="utf-8")
    assert rewriter_fingerprint([a]) != rewriter_fingerprint([b])
    assert rewriter_fingerprint([], [a]) != rewriter_fingerprint([a], [])


def test_the_fingerprint_covers_every_module_the_rewriter_imports() -> None:
    """Walk the plugin's own imports from the rewrite package and the tables it is built from:
    a module that can change what a rewrite is must be in ``REWRITER_CODE``."""
    covered = {p for p in REWRITER_CODE if p.endswith(".py")} | {
        f"{p}/{f.name}" for p in REWRITER_CODE if (PACKAGE / p).is_dir() for f in (PACKAGE / p).glob("*.py")
    }
    todo = [f"rewrite/{f.name}" for f in (PACKAGE / "rewrite").glob("*.py")] + ["routing/tables.py"]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        here = (PACKAGE / module).parent
        for node in ast.walk(ast.parse((PACKAGE / module).read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = here
                for _ in range(node.level - 1):
                    base = base.parent
                target = base.joinpath(*(node.module or "").split(".")) if node.module else base
                names = [target] if node.module else [base / alias.name for alias in node.names]
                for name in names:
                    for found in (name.with_suffix(".py"), name / "__init__.py"):
                        if found.is_file():
                            todo.append(found.relative_to(PACKAGE).as_posix())
    assert seen - covered == set(), "add these to known_rewrites.REWRITER_CODE"


def test_the_lazy_rewriter_is_built_on_first_use_only() -> None:
    built: list[int] = []

    def build():  # type: ignore[no-untyped-def]
        built.append(1)
        return default_rewriter()

    lazy = LazyRewriter(build)
    assert not lazy.built and not built
    assert lazy.rewrite(PROMPTS[1]).text == PROMPTS[1]
    lazy.rewrite(PROMPTS[0])
    assert lazy.built and built == [1]


def test_the_bundled_part_is_read_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    known_rewrites._bundled_fingerprint.cache_clear()
    first = rewriter_fingerprint()
    monkeypatch.setattr(known_rewrites.resources, "files", lambda *_: pytest.fail("read again"))
    assert rewriter_fingerprint() == first
    assert isinstance(PhaseCheck("rewritten", "p", REFUSED), PhaseCheck)
