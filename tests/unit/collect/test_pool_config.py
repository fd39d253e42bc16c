"""A target's pool in [tool.imgsafe.targets.NAME]: members checked with errors that say the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_imgsafe.collect.config import ConfigError, resolve_settings


def target_with(pool: Any, **more: Any) -> dict[str, Any]:
    return {"targets": {"gen": {"kind": "images.generate", "model": "gpt-image-2", "pool": pool, **more}}}


def test_a_pool_gives_each_member_its_route_and_rpm(tmp_path: Path) -> None:
    settings = resolve_settings(
        tmp_path,
        target_with(
            [
                {"name": "east", "api_key_env": "KEY_EAST", "rpm": 60, "budget_usd": 2},
                {"name": "west", "api_key_env": "KEY_WEST", "base_url_env": "WEST_URL", "rpm": 30},
            ]
        ),
        {"--imgsafe-shard": "1/2"},
    )
    east, west = settings.targets["gen"].pool
    assert (east.name, east.rpm, east.budget_usd) == ("east", 30, 1.0)  # a shard's half
    member = settings.targets["gen"].as_member(west)
    assert (member.api_key_env, member.base_url_env, member.rpm, member.member) == ("KEY_WEST", "WEST_URL", 15, "west")


@pytest.mark.parametrize(
    ("pool", "more", "says"),
    [
        ({"name": "a"}, {}, "[tool.imgsafe.targets.gen] pool must be a list of members"),
        ([{"rpm": 5}], {}, "[tool.imgsafe.targets.gen] pool member 1 needs name ="),
        ([{"name": "a", "rpm": 5, "api_key": "sk-x"}], {}, "pool member 'a' sets api_key: a key never goes in a file"),
        ([{"name": "a"}], {}, "pool member 'a' needs rpm = <requests per minute"),
        ([{"name": "a", "rpm": 5}, {"name": "a", "rpm": 5}], {}, "pool has two members named 'a'"),
        ([{"name": "a", "rpm": 5, "region": "x"}], {}, "pool member 'a' has an unknown key 'region'"),
        ([{"name": "a", "rpm": 5, "budget_usd": -1}], {}, "pool member 'a' budget_usd must be USD, 0 or more"),
        ([{"name": "a", "rpm": 5}], {"rpm": 10}, "sets rpm and a pool: give each pool member its rpm"),
    ],
)
def test_a_bad_pool_is_a_clear_error(tmp_path: Path, pool: Any, more: dict[str, Any], says: str) -> None:
    with pytest.raises(ConfigError) as err:
        resolve_settings(tmp_path, target_with(pool, **more))
    assert says in str(err.value)


def test_a_live_run_checks_each_member_key_and_a_recording_the_target(tmp_path: Path) -> None:
    from pytest_imgsafe.collect.config import missing_keys

    tool = target_with(
        [
            {"name": "east", "api_key_env": "KEY_EAST", "rpm": 60},
            {"name": "west", "api_key_env": "KEY_WEST", "base_url_env": "WEST_URL", "rpm": 30},
        ],
        api_key_env="TEAM_KEY",
    )
    env = {"KEY_EAST": "x", "TEAM_KEY": "y"}
    live = resolve_settings(tmp_path, tool, {"--imgsafe-live": True, "--imgsafe-target": ["gen"]})
    assert missing_keys(live, env) == [
        "KEY_WEST (the API key of target 'gen@west')",
        "WEST_URL (the base URL of target 'gen@west')",
    ]
    recording = resolve_settings(tmp_path, tool, {"--imgsafe-record-mode": "all", "--imgsafe-target": ["gen"]})
    assert missing_keys(recording, env) == []
