"""[tool.imgsafe] and options -> settings; every bad value names the key and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_imgsafe.collect.config import (
    ConfigError,
    RunOptions,
    Settings,
    environment_problem,
    missing_keys,
    resolve_settings,
)


def resolve(tool: dict[str, Any], options: dict[str, Any] | None = None, ini: dict[str, Any] | None = None) -> Settings:
    return resolve_settings(Path("/proj"), tool, options, ini, cwd=Path("/work-dir"))


def test_defaults_with_no_configuration() -> None:
    settings = resolve({})
    assert list(settings.targets) == ["moderation", "gpt-image-2"]
    assert settings.targets["gpt-image-2"].params == {"quality": "low", "size": "1024x1024"}
    assert settings.targets["moderation"].model == "omni-moderation-latest"
    assert settings.record_mode == "none" and settings.cassettes == Path("/proj/cassettes")
    assert settings.corpora == ("corpora",)


def test_precedence_cli_over_ini_over_default() -> None:
    assert resolve({}).record_mode == "none"
    assert resolve({}, ini={"imgsafe_record_mode": "once"}).record_mode == "once"
    assert resolve({}, ini={"imgsafe_record_mode": ""}).record_mode == "none"  # what pytest gives for an unset key
    assert resolve({}, {"--imgsafe-record-mode": "all"}, {"imgsafe_record_mode": "once"}).record_mode == "all"
    assert resolve({}, {"--imgsafe-record-mode": None}, {"imgsafe_record_mode": "once"}).record_mode == "once"
    assert resolve({}).active_targets == ("moderation", "gpt-image-2")
    assert resolve({}, ini={"imgsafe_targets": ["moderation"]}).active_targets == ("moderation",)
    assert resolve({}, {"--imgsafe-target": ["gpt-image-2"]}, {"imgsafe_targets": ["moderation"]}).active_targets == (
        "gpt-image-2",
    )
    assert resolve({}, {"--imgsafe-target": []}, {"imgsafe_targets": ["moderation"]}).active_targets == ("moderation",)


@pytest.mark.parametrize(
    "tool, kw, message",
    [
        ({"corpus": ["x"]}, {}, "[tool.imgsafe] has an unknown key 'corpus' (did you mean 'corpora'?)"),
        (
            {"targets": {"t": {"kind": "images.generat", "model": "m"}}},
            {},
            "kind = 'images.generat' is not a target kind (did you mean 'images.generate'?)",
        ),
        (
            {"targets": {"t": {"kind": "moderation"}}},
            {},
            '[tool.imgsafe.targets.t] needs model = "<model or deployment name>"',
        ),
        (
            {"targets": {"t": {"kind": "moderation", "model": "m", "modle": 1}}},
            {},
            "unknown key 'modle' (did you mean 'model'?)",
        ),
        (
            {"targets": {"t": {"kind": "images.generate", "model": "m", "azure_endpoint": "https://x"}}},
            {},
            "needs api_version",
        ),
        (
            {"targets": {"t": {"kind": "images.generate", "model": "m", "timeout": -1}}},
            {},
            "timeout must be a positive number of seconds",
        ),
        ({}, {"ini": {"imgsafe_record_mode": "sometimes"}}, "imgsafe_record_mode = 'sometimes' is not a record mode"),
        (
            {},
            {"options": {"--imgsafe-target": ["gpt-image"]}},
            "--imgsafe-target 'gpt-image' is not a configured target (did you mean 'gpt-image-2'?)",
        ),
        (
            {},
            {"options": {"--imgsafe-live": True, "--imgsafe-record-mode": "once"}},
            "does not combine with --imgsafe-record-mode",
        ),
        ({"corpora": 3}, {}, "corpora must be a list of paths or globs"),
        (
            {"targets": {"t": {"kind": "images.generate", "model": "m", "rpm": 0}}},
            {},
            "rpm must be a whole number of requests per minute >= 1",
        ),
        (
            {"targets": {"t": {"kind": "images.generate", "model": "m", "concurrency": 1000}}},
            {},
            "concurrency must be a whole number from 1 to 256",
        ),
        (
            {"targets": {"t": {"kind": "images.generate", "model": "m", "price": "cheap"}}},
            {},
            "price must be the USD cost of one billed call",
        ),
        (  # a budget compared with nan never stops a run
            {"targets": {"t": {"kind": "images.generate", "model": "m", "price": float("nan")}}},
            {},
            "price must be the USD cost of one billed call",
        ),
        (
            {"targets": {"t": {"kind": "images.generate", "model": "m", "price": float("inf")}}},
            {},
            "price must be the USD cost of one billed call",
        ),
        (  # a misspelt field would be sent as written, and the provider's default used instead
            {"targets": {"t": {"kind": "images.generate", "model": "m", "params": {"qualty": "high"}}}},
            {},
            "params has 'qualty' (did you mean 'quality'?): a request to images.generate takes",
        ),
        (
            {"targets": {"t": {"kind": "images.edit", "model": "m", "params": {"quality": "hihg"}}}},
            {},
            "params quality is none of auto, low, medium, high, standard, hd (did you mean 'high'?)",
        ),
        (  # a billion retries of a failing endpoint never end
            {"targets": {"t": {"kind": "images.generate", "model": "m", "max_retries": 1_000_000_000}}},
            {},
            "max_retries must be a whole number from 0 to 20",
        ),
        (  # nan and inf overflowed the live scheduler's clock, item by item
            {"targets": {"t": {"kind": "images.generate", "model": "m", "timeout": float("nan")}}},
            {},
            "timeout must be a positive number of seconds, at most a day",
        ),
        (
            {"targets": {"t": {"kind": "images.generate", "model": "m", "timeout": float("inf")}}},
            {},
            "timeout must be a positive number of seconds, at most a day",
        ),
        (
            {"describer": {"kind": "images.generate", "model": "m"}},
            {},
            "[tool.imgsafe.describer] kind = 'images.generate' is not a target kind; use one of: chat",
        ),
        (
            {"describer": {"base_url": "http://x"}},
            {},
            '[tool.imgsafe.describer] needs model = "<model or deployment name>"',
        ),
        (
            {"rewrite_tables": ["nope.yaml"]},
            {},
            "[tool.imgsafe] rewrite_tables names /proj/nope.yaml, which is not a file",
        ),
        (
            {"term_tables": "x.yaml"},
            {},
            'term_tables must be a list of YAML paths, e.g. term_tables = ["terms/brands.yaml"]',
        ),
    ],
)
def test_bad_values_name_the_key_and_the_fix(tool: dict[str, Any], kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve(tool, **kw)
    assert message in str(info.value)


def test_azure_target_defaults_its_key_env() -> None:
    settings = resolve(
        {
            "targets": {
                "az": {
                    "kind": "images.generate",
                    "model": "gpt-image-2",
                    "azure_endpoint": "https://r.openai.azure.com",
                    "api_version": "2025-04-01-preview",
                }
            }
        }
    )
    target = settings.targets["az"]
    assert target.is_azure and target.api_key_env == "AZURE_OPENAI_API_KEY"


def test_missing_keys_names_the_env_vars() -> None:
    settings = resolve(
        {"targets": {"gw": {"kind": "chat-image", "model": "m", "base_url_env": "GW_URL", "api_key_env": "GW_KEY"}}}
    )
    assert missing_keys(settings, {}) == ["GW_KEY (the API key of target 'gw')", "GW_URL (the base URL of target 'gw')"]
    assert missing_keys(settings, {"GW_KEY": "k", "GW_URL": "http://x"}) == []


def test_missing_keys_names_each_variable_once_with_every_target_that_needs_it(tmp_path: Path) -> None:
    tool = {
        "targets": {
            "one": {"kind": "images.generate", "model": "m", "api_key_env": "SHARED_KEY"},
            "two": {"kind": "chat-image", "model": "m", "api_key_env": "SHARED_KEY", "base_url_env": "TWO_URL"},
        }
    }
    settings = resolve_settings(tmp_path, tool)
    assert missing_keys(settings, {}) == [
        "SHARED_KEY (the API key of targets 'one', 'two')",
        "TWO_URL (the base URL of target 'two')",
    ]


def test_corpus_files_by_folder_and_glob(tmp_path: Path) -> None:
    settings = Settings(rootpath=tmp_path, corpora=("corpora", "more/*.yml"))
    assert settings.is_corpus_file(tmp_path / "corpora" / "a.yaml")
    assert settings.is_corpus_file(tmp_path / "corpora" / "sub" / "b.yml")
    assert settings.is_corpus_file(tmp_path / "more" / "c.yml")
    assert not settings.is_corpus_file(tmp_path / "other" / "a.yaml")
    assert not settings.is_corpus_file(tmp_path / "corpora" / "notes.txt")


def test_live_settings_and_the_describer() -> None:
    settings = resolve(
        {
            "targets": {
                "t": {"kind": "images.generate", "model": "gpt-image-2", "rpm": 50, "concurrency": 8, "price": 0.05}
            },
            "describer": {"model": "gpt-4.1-mini", "base_url_env": "GW_URL", "api_key_env": "GW_KEY"},
        }
    )
    target = settings.targets["t"]
    assert (target.rpm, target.concurrency, target.price) == (50, 8, 0.05)
    assert settings.describer is not None and settings.describer.kind == "chat"
    from pytest_imgsafe.collect.config import missing_describer_keys

    assert missing_describer_keys(settings, {"GW_KEY": "k"}) == ["GW_URL (the base URL of the describer)"]


def test_run_options_default_to_off() -> None:
    options = resolve({}).options
    assert options == RunOptions()
    assert options.explain_budget is None and options.report_path is None


def test_run_options_are_resolved_once_with_absolute_paths() -> None:
    options = resolve(
        {},
        {
            "--imgsafe-seed": 7,
            "--imgsafe-report": "out/night.json",
            "--imgsafe-history": "/reports",
            "--imgsafe-appeal": "appeals",
            "--imgsafe-save-failures": "found.yaml",
            "--imgsafe-budget-usd": 2.5,
            "--imgsafe-max-blocks": 0,
            "--imgsafe-explain": True,
            "--imgsafe-explain-budget": 12,
            "--imgsafe-max-error-rate": 0.05,
        },
    ).options
    assert options.seed == 7
    assert (
        options.report == options.report_path == Path("/work-dir/out/night.json")
    )  # relative to where pytest was invoked
    assert options.history_dir == Path("/reports")
    assert options.appeal_dir == Path("/work-dir/appeals") and options.save_failures == Path("/work-dir/found.yaml")
    assert (options.budget_usd, options.max_blocks, options.explain_budget, options.max_error_rate) == (
        2.5,
        0,
        12,
        0.05,
    )


def test_explain_budget_counts_only_when_explaining() -> None:
    assert resolve({}, {"--imgsafe-explain-budget": 12}).options.explain_budget is None
    assert resolve({}, {"--imgsafe-explain": True}).options.explain_budget == 24  # the option's default
    assert resolve({}, {"--imgsafe-explain": True, "--imgsafe-explain-budget": 0}).options.explain_budget == 0


def test_a_rerun_report_is_where_the_merged_report_goes_unless_one_is_named() -> None:
    from pytest_imgsafe.report.nightly import EarlierReport

    earlier = EarlierReport(Path("/reports/night.json"), {"results": []})
    assert resolve({}, {"--imgsafe-rerun-errors": earlier}).options.report_path == Path("/reports/night.json")
    assert resolve({}, {"--imgsafe-rerun-errors": earlier, "--imgsafe-report": "/m.json"}).options.report_path == Path(
        "/m.json"
    )


def test_settings_are_frozen() -> None:
    import dataclasses

    settings = resolve({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.options.budget_usd = 1.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.live = True  # type: ignore[misc]


@pytest.mark.parametrize(
    ("options", "ini", "message"),
    [
        ({"--imgsafe-budget-usd": -1}, {}, "--imgsafe-budget-usd '-1' is not a spend limit: give USD, 0 or more"),
        ({"--imgsafe-budget-usd": "lots"}, {}, "--imgsafe-budget-usd 'lots' is not a number"),
        ({"--imgsafe-max-blocks": -2}, {}, "--imgsafe-max-blocks '-2' is below 0"),
        ({"--imgsafe-max-blocks": 1.5}, {}, "--imgsafe-max-blocks '1.5' is not a whole number"),
        ({"--imgsafe-explain": True, "--imgsafe-explain-budget": -1}, {}, "--imgsafe-explain-budget '-1' is below 0"),
        ({"--imgsafe-max-error-rate": 5}, {}, "--imgsafe-max-error-rate '5' is outside [0, 1]"),
        ({"--imgsafe-seed": "x"}, {}, "--imgsafe-seed 'x' is not a whole number"),
        ({"--imgsafe-record-mode": "sometimes"}, {}, "--imgsafe-record-mode 'sometimes' is not a record mode"),
        ({}, {"imgsafe_record_mode": "al"}, "imgsafe_record_mode = 'al' is not a record mode (did you mean 'all'?)"),
        (
            {"--imgsafe-record-mode": "all"},
            {"imgsafe_record_mode": "sometimes"},
            "imgsafe_record_mode = 'sometimes'",
        ),  # a bad key is bad even when overridden
        (
            {},
            {"imgsafe_targets": ["gpt-image"]},
            "imgsafe_targets 'gpt-image' is not a configured target (did you mean 'gpt-image-2'?)",
        ),
        ({"--imgsafe-target": "moderation"}, {}, "--imgsafe-target takes target names, one per use"),
        ({"--imgsafe-live": "yes"}, {}, "--imgsafe-live is a flag (true or false), not 'yes'"),
        ({"--imgsafe-report": 3}, {}, "--imgsafe-report takes a path, not 3"),
        (
            {"--imgsafe-rerun-errors": "night.json"},
            {},
            "--imgsafe-rerun-errors takes a report read by nightly.parse_rerun_report",
        ),
        (
            {"--imgsafe-budget": 1},
            {},
            "'--imgsafe-budget' is not a pytest-imgsafe option (did you mean '--imgsafe-budget-usd'?)",
        ),
        (
            {},
            {"imgsafe_target": ["x"]},
            "'imgsafe_target' is not a pytest-imgsafe ini key (did you mean 'imgsafe_targets'?)",
        ),
    ],
)
def test_bad_options_and_ini_keys_name_themselves(options: dict[str, Any], ini: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve({}, options, ini)
    assert message in str(info.value)


BAD_URL = "http://[::1?api-key=sk-proj-SECRETINURLq8Zr2m"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"base_url": BAD_URL}, "[tool.imgsafe.targets.gw] base_url is not a well-formed URL"),
        ({"base_url": "http://127.0.0.1:8765/v1\x07"}, "[tool.imgsafe.targets.gw] base_url holds a control or space"),
        (
            {"azure_endpoint": "https://res.openai.azure.com/\n", "azure_deployment": "d"},
            "[tool.imgsafe.targets.gw] azure_endpoint holds a control or space character (\\x0a",
        ),
        (
            {"pool": [{"name": "east", "rpm": 5, "base_url": BAD_URL}]},
            "[tool.imgsafe.targets.gw] pool member 'east' base_url is not a well-formed URL",
        ),
    ],
)
def test_a_configured_url_the_client_cannot_send_is_a_config_error(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        resolve({"targets": {"gw": {"kind": "images.generate", "model": "m", **table}}})
    assert str(err.value).startswith(message) and "SECRETINURL" not in str(err.value)


def test_a_url_or_key_variable_the_client_cannot_send_is_named_never_shown() -> None:
    tool = {
        "targets": {
            "one": {"kind": "images.generate", "model": "m"},
            "two": {"kind": "moderation", "model": "m"},
            "gw": {"kind": "chat-image", "model": "m", "base_url_env": "GW_URL", "api_key_env": "GW_KEY"},
            "gemini": {"kind": "gemini", "model": "m"},  # google-genai reads no OPENAI_BASE_URL
        }
    }
    replay, record = resolve(tool), resolve(tool, {"--imgsafe-record-mode": "once"})
    secret = "sk-proj-SECRETq8Zr2mWx0c4"
    fine = {"GW_URL": "http://gw.example/v1", "GW_KEY": secret, "OPENAI_API_KEY": secret, "GEMINI_API_KEY": secret}
    assert environment_problem(record, fine) is None
    bad_url = {**fine, "OPENAI_BASE_URL": f"http://127.0.0.1:8765/v1?key={secret}\x1b[31m\n"}
    problem = environment_problem(replay, bad_url)  # a replay builds its requests too
    assert problem is not None and secret[:12] not in problem and "127.0.0.1" not in problem
    assert problem.startswith(
        "the environment variable OPENAI_BASE_URL (the base URL of targets 'one', 'two') holds a control or space "
        "character (\\x1b"
    )
    bad_key = {**fine, "GW_KEY": secret + "\n"}
    assert environment_problem(replay, bad_key) is None  # a replay sends no key
    problem = environment_problem(record, bad_key)
    assert problem is not None and secret[:12] not in problem
    assert problem.startswith("the environment variable GW_KEY (the API key of target 'gw') holds a line break")


def test_a_gateways_own_field_named_unlike_the_apis_is_sent_as_written() -> None:
    from pytest_imgsafe.providers.registry import kind_of

    params = {"quality": "high", "seed": 3, "x_gateway_tag": "nightly", "safety_tolerance": 2}
    assert kind_of("images.generate").check("[tool.imgsafe.targets.t]", {"params": params})["params"] == params
