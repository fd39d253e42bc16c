"""A shard of a live run takes 1/N of the budget and of each target's rpm."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_imgsafe.collect.config import ConfigError, resolve_settings

TOOL = {
    "targets": {
        "fast": {"kind": "moderation", "model": "omni-moderation-latest", "rpm": 600},
        "slow": {"kind": "moderation", "model": "omni-moderation-latest", "rpm": 3},
        "free": {"kind": "moderation", "model": "omni-moderation-latest"},
    }
}


def test_a_shard_takes_its_share_of_the_rate_and_the_budget(tmp_path: Path) -> None:
    settings = resolve_settings(
        tmp_path,
        TOOL,
        {"--imgsafe-shard": "2/3", "--imgsafe-budget-usd": "5", "--imgsafe-target": ["fast", "slow", "free"]},
    )
    assert settings.options.shard is not None and str(settings.options.shard) == "2/3"
    assert {n: t.rpm for n, t in settings.targets.items()} == {"fast": 200, "slow": 1, "free": None}
    assert settings.options.budget_usd == pytest.approx(5 / 3)


def test_without_a_shard_the_limits_are_whole(tmp_path: Path) -> None:
    settings = resolve_settings(tmp_path, TOOL, {"--imgsafe-budget-usd": "5"})
    assert settings.targets["fast"].rpm == 600 and settings.options.budget_usd == 5


def test_an_rpm_smaller_than_the_shards_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        resolve_settings(tmp_path, TOOL, {"--imgsafe-shard": "1/4"})
    assert str(err.value) == (
        "--imgsafe-shard 1/4: target 'slow' has rpm = 3, fewer requests per minute than shards; "
        "run at most 3 shards, or give the target a pool of keys"
    )
