"""The sandbox's command line and request log: a bad port is a usage error, a log that cannot be
written is said at start, and a log that stops being writable never breaks an answer."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import pytest

from pytest_imgsafe.sandbox import Sandbox
from pytest_imgsafe.sandbox.__main__ import build_parser

BODY = json.dumps({"model": "omni-moderation-latest", "input": "a fox"}).encode()


def moderate(sandbox: Sandbox) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        f"{sandbox.openai_base_url}/moderations",
        data=BODY,
        headers={"Authorization": "Bearer k", "content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, json.loads(answer.read())


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_a_port_out_of_range_is_a_usage_error(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["--port", port])
    assert info.value.code == 2
    assert f"argument --port: '{port}' is not a port: give 0 to 65535" in capsys.readouterr().err


def test_a_log_in_a_folder_that_does_not_exist_fails_at_start(tmp_path: Path) -> None:
    sandbox = Sandbox(port=0, log_path=tmp_path / "missing" / "x.log")
    with pytest.raises(ValueError, match=r"^cannot write the request log .*missing/x\.log: No such file or directory$"):
        sandbox.start()
    sandbox.stop()


def test_a_log_that_stops_being_writable_never_breaks_an_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    with Sandbox(port=0, log_path=folder / "x.log") as sandbox:
        assert moderate(sandbox)[0] == 200
        shutil.rmtree(folder)
        for _ in range(2):
            status, body = moderate(sandbox)
            assert status == 200 and body["results"]
    err = capsys.readouterr().err
    assert err.count("sandbox: request log") == 1 and "not written: No such file or directory" in err
