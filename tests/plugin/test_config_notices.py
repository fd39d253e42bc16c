"""Configuration never disappears without a word: a moved rootdir, and target tables that replace
the default targets, each get one line in the run's header."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_imgsafe.collect.notices import config_notices, outside_corpora_notice
from tests.conftest import PROJECT_HEAD, write_corpus

CORPUS = "cases:\n  - id: fox\n    scenario: benign\n    prompt: A fox\n    expect: pass\n    targets: [gpt-image-2]\n"


def test_a_path_outside_the_project_that_moves_the_rootdir_is_named(project: pytest.Pytester) -> None:
    write_corpus(project, "benign", CORPUS)
    outside = project.path.parent / f"{project.path.name}-history"
    outside.mkdir()
    result = project.runpytest("--imgsafe", "--co", "-p", "no:cacheprovider", "--imgsafe-history", str(outside))
    result.stdout.fnmatch_lines(
        [
            f"imgsafe: {project.path / 'pyproject.toml'} is not applied: pytest's rootdir is *, moved there by "
            f"a path on the command line outside {project.path} (write options as --imgsafe-report=PATH, or add "
            f"--rootdir {project.path}); the default targets and folders apply instead"
        ]
    )


def test_the_project_as_its_own_rootdir_says_nothing(project: pytest.Pytester) -> None:
    write_corpus(project, "benign", CORPUS)
    result = project.runpytest("--imgsafe", "--co", "-p", "no:cacheprovider")
    assert "is not applied" not in result.stdout.str()
    assert "replaces the default targets" not in result.stdout.str()


def test_a_target_list_without_a_default_target_says_which_it_dropped(project: pytest.Pytester) -> None:
    project.makefile(".toml", pyproject=PROJECT_HEAD.format())
    write_corpus(project, "benign", CORPUS)
    result = project.runpytest("--imgsafe", "--co", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        [
            "imgsafe: [[]tool.imgsafe.targets[]] replaces the default targets; not configured here: moderation "
            "(add [[]tool.imgsafe.targets.moderation[]] to keep it)"
        ]
    )


def test_no_configuration_at_all_is_no_notice(tmp_path: Path) -> None:
    assert config_notices(tmp_path, tmp_path, {}) == []
    assert config_notices(tmp_path, tmp_path, {"targets": {"moderation": {}, "gpt-image-2": {}}}) == []


def test_corpora_configured_outside_the_project_are_named_once_in_the_header(project: pytest.Pytester) -> None:
    shared = project.path.parent / f"{project.path.name}-shared"
    shared.mkdir()
    (shared / "benign.yaml").write_text(CORPUS, encoding="utf-8")
    project.makefile(".toml", pyproject=f'[tool.imgsafe]\ncorpora = ["corpora", "../{shared.name}"]\n')
    (project.path / "corpora").mkdir(exist_ok=True)
    result = project.runpytest("--imgsafe", "--co", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines([f"imgsafe: corpora outside the project are read: '../{shared.name}' ({shared})"])
    result.stdout.fnmatch_lines(["*CaseItem fox*"])  # read as configured, and said so
    assert outside_corpora_notice(project.path, {"corpora": ["corpora", "corp*/**.yaml"]}) is None
