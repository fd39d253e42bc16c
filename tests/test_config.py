"""[tool.imgsafe] and options -> settings; every bad value names the key and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_imgsafe.config import ConfigError, Settings, missing_keys, resolve_settings


def resolve(tool: dict[str, Any], **kw: Any) -> Settings:
    args: dict[str, Any] = {"cli_record_mode": None, "ini_record_mode": None, "cli_targets": [], "ini_targets": [], "live": False}
    args.update(kw)
    return resolve_settings(Path("/proj"), tool, **args)


def test_defaults_with_no_configuration() -> None:
    settings = resolve({})
    assert list(settings.targets) == ["moderation", "gpt-image-2"]
    assert settings.targets["gpt-image-2"].params == {"quality": "low", "size": "1024x1024"}
    assert settings.targets["moderation"].model == "omni-moderation-latest"
    assert settings.record_mode == "none" and settings.cassettes == Path("/proj/cassettes")
    assert settings.corpora == ("corpora",)


def test_precedence_cli_over_ini_over_default() -> None:
    assert resolve({}, ini_record_mode="once").record_mode == "once"
    assert resolve({}, cli_record_mode="all", ini_record_mode="once").record_mode == "all"
    assert resolve({}, ini_targets=["moderation"]).active_targets == ("moderation",)
    assert resolve({}, cli_targets=["gpt-image-2"], ini_targets=["moderation"]).active_targets == ("gpt-image-2",)


@pytest.mark.parametrize(
    "tool, kw, message",
    [
        ({"corpus": ["x"]}, {}, "[tool.imgsafe] has an unknown key 'corpus' (did you mean 'corpora'?)"),
        ({"targets": {"t": {"kind": "images.generat", "model": "m"}}}, {}, "kind = 'images.generat' is not a target kind (did you mean 'images.generate'?)"),
        ({"targets": {"t": {"kind": "moderation"}}}, {}, '[tool.imgsafe.targets.t] needs model = "<model or deployment name>"'),
        ({"targets": {"t": {"kind": "moderation", "model": "m", "modle": 1}}}, {}, "unknown key 'modle' (did you mean 'model'?)"),
        ({"targets": {"t": {"kind": "images.generate", "model": "m", "azure_endpoint": "https://x"}}}, {}, "needs api_version"),
        ({"targets": {"t": {"kind": "images.generate", "model": "m", "timeout": -1}}}, {}, "timeout must be a positive number of seconds"),
        ({}, {"ini_record_mode": "sometimes"}, "imgsafe_record_mode = 'sometimes' is not a record mode"),
        ({}, {"cli_targets": ["gpt-image"]}, "--imgsafe-target 'gpt-image' is not a configured target (did you mean 'gpt-image-2'?)"),
        ({}, {"live": True, "cli_record_mode": "once"}, "does not combine with --imgsafe-record-mode"),
        ({"corpora": 3}, {}, "corpora must be a list of paths or globs"),
        ({"targets": {"t": {"kind": "images.generate", "model": "m", "rpm": 0}}}, {}, "rpm must be a whole number of requests per minute >= 1"),
        ({"targets": {"t": {"kind": "images.generate", "model": "m", "concurrency": 1000}}}, {}, "concurrency must be a whole number from 1 to 256"),
        ({"targets": {"t": {"kind": "images.generate", "model": "m", "price": "cheap"}}}, {}, "price must be the USD cost of one billed call"),
        ({"describer": {"kind": "images.generate", "model": "m"}}, {}, "[tool.imgsafe.describer] kind = 'images.generate' is not a target kind; use one of: chat"),
        ({"describer": {"base_url": "http://x"}}, {}, '[tool.imgsafe.describer] needs model = "<model or deployment name>"'),
        ({"rewrite_tables": ["nope.yaml"]}, {}, "[tool.imgsafe] rewrite_tables names /proj/nope.yaml, which is not a file"),
        ({"term_tables": "x.yaml"}, {}, 'term_tables must be a list of YAML paths, e.g. term_tables = ["terms/brands.yaml"]'),
    ],
)
def test_bad_values_name_the_key_and_the_fix(tool: dict[str, Any], kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve(tool, **kw)
    assert message in str(info.value)


def test_azure_target_defaults_its_key_env() -> None:
    settings = resolve({"targets": {"az": {"kind": "images.generate", "model": "gpt-image-2", "azure_endpoint": "https://r.openai.azure.com", "api_version": "2025-04-01-preview"}}})
    target = settings.targets["az"]
    assert target.is_azure and target.api_key_env == "AZURE_OPENAI_API_KEY"


def test_missing_keys_names_the_env_vars() -> None:
    settings = resolve({"targets": {"gw": {"kind": "chat-image", "model": "m", "base_url_env": "GW_URL", "api_key_env": "GW_KEY"}}})
    assert missing_keys(settings, {}) == ["GW_KEY (the API key of target 'gw')", "GW_URL (the base URL of target 'gw')"]
    assert missing_keys(settings, {"GW_KEY": "k", "GW_URL": "http://x"}) == []


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
            "targets": {"t": {"kind": "images.generate", "model": "gpt-image-2", "rpm": 50, "concurrency": 8, "price": 0.05}},
            "describer": {"model": "gpt-4.1-mini", "base_url_env": "GW_URL", "api_key_env": "GW_KEY"},
        }
    )
    target = settings.targets["t"]
    assert (target.rpm, target.concurrency, target.price) == (50, 8, 0.05)
    assert settings.describer is not None and settings.describer.kind == "chat"
    from pytest_imgsafe.config import missing_describer_keys

    assert missing_describer_keys(settings, {"GW_KEY": "k"}) == ["GW_URL (the base URL of the describer)"]
