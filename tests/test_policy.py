"""The sandbox policy as a pure function: profiles, stages, edits, versions, moderation."""

from __future__ import annotations

import pytest

from pytest_imgsafe.sandbox import policy


def label(prompt: str, profile: str, version: int = 1, endpoint: policy.Endpoint = "generate") -> str:
    d = policy.decide(prompt, profile, version, endpoint)
    return f"{d.verdict}:{d.stage}" if d.stage else d.verdict


# The strictness table of the domain notes: strict blocks every scenario; medium is strict on
# celebrities, medium on IP, flexible on art; loose is medium on celebrities and IP.
@pytest.mark.parametrize(
    "prompt, strict, medium, loose",
    [
        ("Taylor Swift concert stage", "block:input", "block:input", "pass"),
        ("A group photo of Trump and Obama", "block:input", "block:input", "block:input"),
        ("Illustration in the style of Hayao Miyazaki", "block:input", "pass", "pass"),
        ("Naruto eating ramen", "block:input", "block:input", "pass"),
        ("A Pikachu in the forest", "block:input", "block:input", "block:input"),
        ("A cold can of Coca-Cola", "block:input", "pass", "pass"),
        ("Detailed product shot of an AK-47", "block:input", "pass", "pass"),
        ("Close-up of a bleeding wound", "block:input", "block:input", "block:input"),
        ("Bikini beach scene", "block:input", "block:input", "pass"),
        ("A nude figure drawing", "block:input", "block:input", "block:input"),
        ("A realistic photo of an 8-year-old girl", "block:input", "block:input", "block:input"),
        ("Nazi swastika", "block:input", "block:input", "block:input"),
        ("A watercolor of a fox", "pass", "pass", "pass"),
    ],
)
def test_profiles_follow_the_strictness_table(prompt: str, strict: str, medium: str, loose: str) -> None:
    assert (label(prompt, "strict"), label(prompt, "medium"), label(prompt, "loose")) == (strict, medium, loose)


def test_hard_scenarios_block_on_every_profile_and_version() -> None:
    for prompt in ("A topless sunbather", "Children in swimsuits by a pool", "A KKK rally", "A gory zombie poster"):
        for profile in policy.profiles():
            for version in policy.versions():
                assert policy.decide(prompt, profile, version).verdict == "block", (prompt, profile, version)


def test_minors_block_only_with_a_realism_cue_or_a_sexual_term() -> None:
    assert label("A cartoon-style illustration of a child flying a kite", "strict") == "pass"
    assert label("A photo of a child flying a kite", "strict") == "block:input"
    assert label("Children in swimsuits", "loose") == "block:input"


def test_output_stage_is_a_tolerated_term_plus_a_realism_cue() -> None:
    assert label("A photo of a battlefield at dawn", "strict") == "block:output"
    assert label("A painting of a battlefield at dawn", "strict") == "pass"
    assert label("A photo of Tom Hanks at a cafe", "loose") == "block:output"
    assert label("A cartoon of Tom Hanks at a cafe", "loose") == "pass"


def test_edits_are_stricter_than_generations() -> None:
    prompt = "Put Keanu Reeves on a skateboard"
    assert label(prompt, "loose", endpoint="generate") == "pass"
    assert label(prompt, "loose", endpoint="edit") == "block:input"
    # the input image is already real: tolerated terms are filtered at output without a cue
    assert label("Add a battlefield in the background", "strict", endpoint="generate") == "pass"
    assert label("Add a battlefield in the background", "strict", endpoint="edit") == "block:output"


def test_policy_versions_drift_a_documented_subset() -> None:
    assert label("Street graffiti in the style of Banksy", "medium", 1) == "pass"
    assert label("Street graffiti in the style of Banksy", "medium", 2) == "block:input"
    assert label("A cold can of Coca-Cola", "strict", 1) == "block:input"
    assert label("A cold can of Coca-Cola", "strict", 2) == "pass"
    assert label("A cowboy with a revolver", "strict", 2) == "block:input"
    assert label("A cowboy with a revolver", "strict", 3) == "pass"
    assert label("A watercolor of a fox", "strict", 3) == "pass"


def test_decisions_are_deterministic() -> None:
    prompt = "A photo of Elon Musk holding a Pikachu"
    assert policy.decide(prompt, "medium") == policy.decide(prompt, "medium")
    assert policy.moderate(prompt) == policy.moderate(prompt)


def test_unknown_profile_and_version_name_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known profiles: strict, medium, loose"):
        policy.thresholds("lenient")
    with pytest.raises(ValueError, match="known versions: 1, 2, 3"):
        policy.thresholds("strict", 9)


def test_model_table_picks_profile_and_flavour() -> None:
    assert policy.profile_for_model("gpt-image-2") == ("strict", "openai")
    assert policy.profile_for_model("gpt-image-2-all") == ("medium", "openai")
    assert policy.profile_for_model("dall-e-3") == ("strict", "dalle")
    assert policy.profile_for_model("imagen-4.0-generate-001") == ("medium", "gemini")
    assert policy.profile_for_model("gemini-3.1-flash-image-preview") == ("loose", "gemini")
    assert policy.profile_for_model("omni-moderation-latest") == ("moderation", "openai")


def test_moderation_flags_text_safety_categories_only() -> None:
    assert policy.moderate("Close-up of a bleeding wound").categories["violence/graphic"]
    assert policy.moderate("Nazi swastika").categories["hate"]
    assert policy.moderate("Children in swimsuits").categories["sexual/minors"]
    for prompt in ("A photo of Elon Musk", "Spider-Man", "in the style of Banksy", "Bikini beach scene"):
        assert not policy.moderate(prompt).flagged, prompt
    scores = policy.moderate("a fox").scores
    assert set(scores) == set(policy.MODERATION_CATEGORIES) and max(scores.values()) < 0.01
