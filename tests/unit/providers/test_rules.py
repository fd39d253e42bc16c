"""[[tool.imgsafe.answers]]: a team's rules read its own gateway's answers, checked first, and a
wrong rule is a clear error naming the file, the rule and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_imgsafe import ApiError, classify
from pytest_imgsafe.base.wire import Answer
from pytest_imgsafe.collect.config import ConfigError, resolve_settings
from pytest_imgsafe.providers.registry import outcome_for
from pytest_imgsafe.providers.rules import parse_rules

# A custom proxy's answers (the README's worked example): its policy layer answers 451 with its
# own envelope; its quota is a 200 with an error code; it passes OpenAI's answers through.
PROXY_BLOCK = {"ok": False, "failure": {"kind": "POLICY", "reason": "Prompt refused by Acme content policy"}}
PROXY_QUOTA = {"ok": False, "failure": {"kind": "BUDGET", "reason": "monthly budget spent"}}
RULES = [
    {
        "status": 451,
        "path": "failure.kind",
        "equals": "POLICY",
        "verdict": "block",
        "stage": "input",
        "filter": "acme-gateway",
    },
    {"path": "failure.kind", "equals": "BUDGET", "error": "quota"},
]
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def rules(raw: Any = RULES) -> Any:
    return parse_rules(raw, "pyproject.toml")


def test_a_rule_reads_the_proxys_own_shapes_first() -> None:
    outcome = classify(451, PROXY_BLOCK, rules=rules())
    assert (outcome.verdict, outcome.stage, outcome.filter, outcome.code, outcome.read_by) == (
        "block",
        "input",
        "acme-gateway",
        "POLICY",
        "rule",
    )
    with pytest.raises(ApiError) as info:
        classify(200, PROXY_QUOTA, rules=rules())
    assert info.value.kind == "quota" and "rule 2" in info.value.message


def test_without_the_rule_the_answer_stays_a_non_verdict() -> None:
    with pytest.raises(ApiError):
        classify(451, PROXY_BLOCK)


def test_answers_no_rule_matches_go_to_the_built_in_readers() -> None:
    passed = classify(200, {"created": 1, "data": [{"b64_json": PNG}]}, rules=rules())
    assert (passed.verdict, passed.read_by) == ("pass", "shape")
    with pytest.raises(ApiError):  # no rule for this kind of failure, and no reader knows the shape
        classify(451, {**PROXY_BLOCK, "failure": {"kind": "OTHER"}}, rules=rules())


def test_a_non_matching_status_skips_the_rule() -> None:
    with pytest.raises(ApiError):
        classify(400, PROXY_BLOCK, rules=rules())


def test_message_patterns_paths_with_wildcards_and_status_classes() -> None:
    found = rules(
        [
            {
                "status": "4xx",
                "path": "errors[*].code",
                "matches": "^SAFE_",
                "verdict": "block",
                "stage": "output",
                "filter": "relay",
                "code": "SAFETY",
            },
            {"message": "(?i)image withheld by policy", "verdict": "block", "filter": "relay"},
        ]
    )
    listed = {"errors": [{"code": "RATE"}, {"code": "SAFE_IMAGE", "message": "no"}]}
    assert classify(422, listed, rules=found).label == "block:output"
    assert classify(422, listed, rules=found).code == "SAFETY"
    text = classify(502, "<html><body><p>Image WITHHELD by policy</p></body></html>", rules=found)
    assert (text.label, text.read_by) == ("block", "rule")


def test_a_target_reads_with_the_rules_that_apply_to_it(tmp_path: Path) -> None:
    tool = {
        "targets": {
            "acme": {"kind": "images.generate", "model": "gpt-image-2", "base_url": "https://acme.example/v1"},
            "openai": {"kind": "images.generate", "model": "gpt-image-2"},
        },
        "answers": [{**RULES[0], "targets": ["acme"]}],
    }
    settings = resolve_settings(tmp_path, tool)
    answer = Answer(451, {}, PROXY_BLOCK, "test")
    assert outcome_for(settings.targets["acme"], answer).filter == "acme-gateway"
    with pytest.raises(ApiError):
        outcome_for(settings.targets["openai"], answer)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"rules": 1}, r"must be an array of tables: write each rule under its own \[\[tool.imgsafe.answers\]\]"),
        (
            [{"path": "error.code", "equals": "X", "verdict": "block", "filter": "f", "stauts": 400}],
            r"rule 1 has an unknown key 'stauts' \(did you mean 'status'\?\)",
        ),
        (
            [{"status": 400, "verdict": "block", "filter": "f"}],
            r"rule 1 needs path \(with equals or matches\) or message",
        ),
        (
            [{"path": "error..code", "equals": "X", "verdict": "block", "filter": "f"}],
            r"rule 1 path = 'error..code' is not a JSON path",
        ),
        (
            [{"path": "a", "equals": "X", "matches": "Y", "verdict": "block", "filter": "f"}],
            r"sets both equals and matches",
        ),
        (
            [{"message": "(unclosed", "verdict": "block", "filter": "f"}],
            r"message = '\(unclosed' is not a valid regular expression",
        ),
        ([{"message": "x", "verdict": "blocked", "filter": "f"}], r"verdict = 'blocked' \(did you mean 'block'\?\)"),
        ([{"message": "x", "verdict": "block", "error": "quota"}], r"needs exactly one of verdict"),
        (
            [{"message": "x", "error": "rate-limited"}],
            r"error = 'rate-limited' is not a kind of non-verdict \(did you mean 'rate_limited'\?\)",
        ),
        ([{"message": "x", "verdict": "pass", "stage": "input", "filter": "f"}], r"only for verdict = \"block\""),
        ([{"message": "x", "verdict": "block"}], r"name the filter that answered"),
        ([{"message": "x", "verdict": "block", "filter": "f", "status": 999}], r"give an HTTP status"),
        ([{"equals": "x", "verdict": "block", "filter": "f"}], r"sets equals without a path"),
    ],
)
def test_a_wrong_rule_names_the_file_the_rule_and_the_fix(raw: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=r"^pyproject.toml: \[\[tool.imgsafe.answers\]\]") as info:
        rules(raw)
    assert info.match(message)


def test_a_rule_naming_an_unknown_target_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"rule 1 names target 'gpt-imag-2'.*did you mean 'gpt-image-2'"):
        resolve_settings(tmp_path, {"answers": [{**RULES[0], "targets": ["gpt-imag-2"]}]})


def test_the_readmes_worked_example_reads_what_it_says(tmp_path: Path) -> None:
    import re
    import tomllib

    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("A worked example. Acme's proxy") :]
    toml = re.search(r"```toml\n(.*?)```", section, re.DOTALL)
    assert toml is not None
    tool = tomllib.loads(toml.group(1))["tool"]["imgsafe"]
    acme = resolve_settings(tmp_path, tool).targets["acme"]
    assert len(acme.answer_rules) == 3
    block = outcome_for(acme, Answer(451, {}, PROXY_BLOCK, "test"))
    assert (block.label, block.filter, block.read_by) == ("block:input", "acme-gateway", "rule")
    with pytest.raises(ApiError) as info:
        outcome_for(acme, Answer(200, {}, PROXY_QUOTA, "test"))
    assert info.value.kind == "quota"
    dropped = outcome_for(acme, Answer(502, {}, b"Image withheld by policy (request 8d2f)", "test"))
    assert (dropped.label, dropped.code) == ("block:output", "image_withheld")
    passed = outcome_for(acme, Answer(200, {}, {"created": 1, "data": [{"b64_json": PNG}]}, "test"))
    assert (passed.verdict, passed.read_by) == ("pass", "shape")


@pytest.mark.parametrize(
    ("key", "pattern"),
    [("message", "^(a+)+$"), ("message", "^(a|aa)+$"), ("matches", r"(\w+\s?)+$"), ("matches", "(.*)*x")],
)
def test_a_pattern_that_backtracks_without_end_is_refused_before_the_run(key: str, pattern: str) -> None:
    """A repeated group that itself repeats, or whose alternatives start alike, takes time that
    doubles with every character of an answer that almost matches: the run would hang on it."""
    rule = {"status": 400, key: pattern, "verdict": "block", "stage": "input", "filter": "relay"}
    if key == "matches":
        rule["path"] = "error.message"
    with pytest.raises(ConfigError, match=rf"rule 1 {key} = .* repeats a group .*write it without the outer"):
        parse_rules([rule])


@pytest.mark.parametrize(
    "pattern", ["(?i)blocked", "(?i)(foo|bar)+", "(?:ab)+", r"content[_ ]filter", r"(x|y)*z", "(?i)(unsafe|nsfw) word"]
)
def test_patterns_that_match_in_one_way_are_accepted(pattern: str) -> None:
    assert parse_rules([{"status": 400, "message": pattern, "verdict": "block", "stage": "input", "filter": "relay"}])
