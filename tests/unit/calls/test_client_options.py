"""imgsafe_client's options: the precedence of marks, command line and config fixture (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_imgsafe.calls.client_options import ClientOptions, ClientOptionsError, client_options

ROOT = Path("/project")


def test_the_test_marks_come_first_then_the_command_lines_then_the_fixture() -> None:
    config = {"record_mode": "all"}
    assert client_options({"mode": "once"}, {"record_mode": "all"}, config, "all", "all", ROOT).mode == "once"
    assert client_options({}, {"record_mode": "new_episodes"}, config, "all", "all", ROOT).mode == "new_episodes"
    assert client_options({}, {}, config, "once", "all", ROOT).mode == "once"
    assert client_options({}, {}, config, None, "new_episodes", ROOT).mode == "new_episodes"
    assert client_options({}, {}, config, None, None, ROOT).mode == "all"
    assert client_options({}, {}, {}, None, None, ROOT) == ClientOptions()


def test_the_fixture_names_the_cassettes_folder() -> None:
    found = client_options({"cassette": "pre"}, {}, {"cassette_library_dir": "recorded"}, None, None, ROOT)
    assert found == ClientOptions(None, "pre", ROOT / "recorded")


def test_what_is_not_taken_is_named_with_what_is() -> None:
    with pytest.raises(ClientOptionsError, match=r"imgsafe_vcr_config returned filter_headers: it takes record_mode"):
        client_options({}, {}, {"filter_headers": ["authorization"]}, None, None, ROOT)
    with pytest.raises(ClientOptionsError, match=r"@pytest.mark.vcr\(record_mode='sometimes'\): use one of none"):
        client_options({}, {"record_mode": "sometimes"}, {}, None, None, ROOT)
    with pytest.raises(ClientOptionsError, match="takes mode= and cassette=, not record"):
        client_options({"record": "once"}, {}, {}, None, None, ROOT)
