"""``python -m pytest_imgsafe.report view REPORT`` opens the page; ``serve DIR`` lists past runs."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from pytest_imgsafe.report.__main__ import main
from pytest_imgsafe.report.viewer import serve_in_background
from tests.plugin.test_report_summary import row
from tests.unit.report.test_report_html import night


def test_view_opens_the_page_beside_the_report_writing_it_when_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = night("2026-12-03T03:17:00Z", [row("alpha", prompt="A lighthouse")], [])
    (tmp_path / "drift.json").write_text(json.dumps(report))
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda uri: opened.append(uri) or True)
    assert main(["view", str(tmp_path / "drift.json")]) == 0
    assert opened == [(tmp_path / "drift.html").as_uri()]
    assert "A lighthouse" in (tmp_path / "drift.html").read_text()
    assert capsys.readouterr().out == f"opened: {(tmp_path / 'drift.html').as_uri()}\n"
    assert main(["view", str(tmp_path / "nothing.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_serve_lists_the_runs_newest_first_and_opens_each(tmp_path: Path) -> None:
    history: list[dict[str, object]] = []
    for stamp, actual in (("2026-12-01T03:17:00Z", "pass"), ("2026-12-02T03:17:00Z", "block:input")):
        status = "ok" if actual == "pass" else "drift: now blocked"
        report = night(stamp, [row("lighthouse", actual=actual, status=status, prompt="A lighthouse")], list(history))
        history.append(report)
        (tmp_path / f"{stamp[:10]}.json").write_text(json.dumps(report))
    server, thread = serve_in_background(tmp_path)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        index = urllib.request.urlopen(f"{base}/").read().decode()
        assert index.index("2026-12-02") < index.index("2026-12-01")
        assert "2 runs in" in index and "href='/run/1'" in index and "href='/run/0'" in index
        page = urllib.request.urlopen(f"{base}/run/1").read().decode()
        assert "drift: now blocked" in page and "A lighthouse" in page
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/run/7")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_serve_names_the_files_it_cannot_list_and_escapes_what_a_report_holds(tmp_path: Path) -> None:
    """A truncated report is named under the list, never left out without a word; a case or a
    prompt holding ESC, BEL or a right-to-left override reaches the page escaped."""
    hostile = "A lighthouse\x1b[31m\x07\u202eevil"
    report = night("2026-12-01T03:17:00Z", [row("lighthouse\x1b[2J", prompt=hostile)], [])
    (tmp_path / "good.json").write_text(json.dumps(report))
    (tmp_path / "cut.json").write_text(json.dumps(report)[:200])
    server, thread = serve_in_background(tmp_path)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        index = urllib.request.urlopen(f"{base}/").read().decode()
        assert "1 runs in" in index and "cut.json" in index and "Not listed" in index
        page = urllib.request.urlopen(f"{base}/run/0").read().decode()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in index and raw not in page
    assert "\\x1b[31m" in page and "\\u202e" in page
