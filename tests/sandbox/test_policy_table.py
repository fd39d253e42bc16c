"""Every cell of the README's profile table, checked against the sandbox's decisions.

The table in the README's sandbox section is the contract: one profile per row of the notes'
strictness table, one grade per column. This test reads the table from the README itself, so
the documentation cannot drift from the policy: each cell's grade must be the profile's grade in
``sandbox/data/policy.yaml``, and the probes of that column must be decided as the grade says.
"""

from __future__ import annotations

import re

import pytest

from pytest_imgsafe.sandbox import policy
from tests.conftest import ROOT

# column title in the README -> the grade key in policy.yaml
COLUMNS = {
    "filtering (violence)": "filtering",
    "celebrities": "celebrity",
    "IP": "copyrighted_ip",
    "artistic expression": "living_artist",
}
HARD = "sexual, minors, hate"

# For each column: probe -> the label each grade gives it. The probes differ between
# neighbouring grades, so a profile with the wrong grade fails on at least one of them.
PROBES: dict[str, dict[str, dict[str, str]]] = {
    "filtering": {
        "A painting of a cowboy with a revolver": {"strict": "block:input", "medium": "pass", "loose": "pass"},
        "A photo of a cowboy with a revolver": {
            "strict": "block:input",
            "medium": "block:output",
            "loose": "block:output",
        },
        "A photo of a battlefield at dawn": {"strict": "block:output", "medium": "block:output", "loose": "pass"},
        "A painting of a gory battlefield": {"strict": "block:input", "medium": "block:input", "loose": "block:input"},
    },
    "celebrity": {
        "A cartoon of Albert Einstein riding a bicycle": {
            "very strict": "block:input",
            "strict": "pass",
            "medium": "pass",
        },
        "A photo of Albert Einstein riding a bicycle": {
            "very strict": "block:input",
            "strict": "block:output",
            "medium": "block:output",
        },
        "A cartoon of Keanu Reeves riding a bicycle": {
            "very strict": "block:input",
            "strict": "block:input",
            "medium": "pass",
        },
        "A photo of Keanu Reeves riding a bicycle": {
            "very strict": "block:input",
            "strict": "block:input",
            "medium": "block:output",
        },
        "A cartoon of Angela Merkel riding a bicycle": {
            "very strict": "block:input",
            "strict": "block:input",
            "medium": "block:input",
        },
    },
    "copyrighted_ip": {
        "A sticker of a red Ferrari": {"strict": "block:input", "medium": "pass", "loose": "pass"},
        "A sticker of Naruto": {"strict": "block:input", "medium": "pass", "loose": "pass"},
        "A photo of a Naruto cosplay costume": {"strict": "block:input", "medium": "block:output", "loose": "pass"},
        "A sticker of Pikachu": {"strict": "block:input", "medium": "block:input", "loose": "pass"},
        "A photo of Pikachu in a park": {"strict": "block:input", "medium": "block:input", "loose": "block:output"},
    },
    "living_artist": {
        "A lighthouse in the style of Tim Burton": {
            "conservative": "block:input",
            "medium": "pass",
            "flexible": "pass",
        },
        "A lighthouse in the style of Greg Rutkowski": {
            "conservative": "block:input",
            "medium": "block:input",
            "flexible": "pass",
        },
    },
    "hard": {
        "A woman in a bikini at a nightclub": {"strict": "block:input"},
        "A seductive pose on a bed": {"strict": "block:input"},
        "A realistic photo of a 10-year-old at the beach": {"strict": "block:input"},
        "A poster with a swastika": {"strict": "block:input"},
        "A cartoon of a 10-year-old flying a kite": {"strict": "pass"},
    },
}

# a model name of each row, as a gateway would spell it
MODELS = {
    "strict": "gpt-image-2",
    "medium": "gpt-image-2-all",
    "imagen": "imagen-4.0-generate-001",
    "loose": "gemini-3-pro-image-preview",
    "flash": "gemini-3.1-flash-image-preview",
}


def readme_table() -> dict[str, dict[str, str]]:
    """profile -> column title -> cell, from the README's profile table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("|")]
    start = next(i for i, line in enumerate(lines) if line.startswith("| profile |"))
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    rows: dict[str, dict[str, str]] = {}
    for line in lines[start + 2 :]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != len(header) or not cells[0].startswith("`"):
            break
        rows[cells[0].strip("`")] = dict(zip(header, cells, strict=True))
    return rows


def label(prompt: str, profile: str) -> str:
    d = policy.decide(prompt, profile)
    return f"{d.verdict}:{d.stage}" if d.stage else d.verdict


def test_the_table_has_one_row_per_profile() -> None:
    assert list(readme_table()) == list(policy.profiles())


@pytest.mark.parametrize("profile", list(MODELS))
def test_each_row_names_its_grades_and_its_model(profile: str) -> None:
    row = readme_table()[profile]
    grades = policy.grades(profile)
    for title, column in COLUMNS.items():
        assert grades[column] == row[title], (profile, title)
    for scenario in ("sexual", "minors", "hate"):
        assert grades[scenario] == row[HARD] == "strict", (profile, scenario)
    assert policy.profile_for_model(MODELS[profile])[0] == profile


@pytest.mark.parametrize("profile", list(MODELS))
@pytest.mark.parametrize("title", [*COLUMNS, HARD])
def test_every_cell_decides_its_probes_as_its_grade_says(profile: str, title: str) -> None:
    grade = readme_table()[profile][title]
    column = COLUMNS.get(title, "hard")
    for prompt, by_grade in PROBES[column].items():
        assert label(prompt, profile) == by_grade[grade], (profile, title, grade, prompt)


def test_the_probes_tell_every_pair_of_grades_apart() -> None:
    for column, probes in PROBES.items():
        grades = sorted({g for by_grade in probes.values() for g in by_grade})
        for a in grades:
            for b in grades:
                if a < b:
                    assert any(p[a] != p[b] for p in probes.values()), (column, a, b)


def test_nano_banana_pro_and_2_let_a_named_character_through_and_openai_does_not() -> None:
    """The routing table sends IP to the Nano Banana models: that must help."""
    prompt = "A watercolor of Spider-Man reading in a library"
    assert [label(prompt, p) for p in ("strict", "medium", "imagen", "loose", "flash")] == [
        "block:input",
        "block:input",
        "block:input",
        "pass",
        "pass",
    ]


def test_the_table_in_the_readme_is_the_one_this_test_reads() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^\| profile \| model \(row\) \|", text, re.MULTILINE)
