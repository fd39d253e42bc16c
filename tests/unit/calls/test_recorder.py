"""The one recorder: a call session's recordings kept in memory and written once, atomically.

Recording ``n`` calls must cost ``n`` filters and one write, not a reload, a re-filter and a
re-serialisation of the whole cassette per call; an interrupt leaves the old cassette; a
``new_episodes`` session plays back what the cassette holds and adds only what is missing.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import pytest_imgsafe
from pytest_imgsafe.calls import recording
from pytest_imgsafe.calls.recording import CassetteFilter
from pytest_imgsafe.calls.runner import Runner
from pytest_imgsafe.collect.config import Settings
from pytest_imgsafe.providers.target import Target

MODERATION = Target("moderation", "moderation", "omni-moderation-latest")
PACKAGE = Path(pytest_imgsafe.__file__).parent


def _runner(tmp_path: Path, sandbox, record_mode: str) -> Runner:
    settings = Settings(
        rootpath=tmp_path,
        cassettes=tmp_path / "cassettes",
        targets={"moderation": MODERATION},
        record_mode=record_mode,
    )
    return Runner(settings, env={"OPENAI_API_KEY": "sk-test-recorder", "OPENAI_BASE_URL": sandbox.openai_base_url})


def _prompts(n: int) -> list[str]:
    return [f"A lighthouse on a rocky coast, sketch {i}" for i in range(n)]


def _interactions(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["interactions"]


def test_a_session_filters_each_answer_once_and_writes_once(
    tmp_path: Path, imgsafe_sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    filtered: list[int] = []
    writes: list[Path] = []
    real_filter, real_write = CassetteFilter.before_record_response, recording.write_atomic

    def counting_filter(self: CassetteFilter, response: dict) -> dict | None:
        filtered.append(1)
        return real_filter(self, response)

    def counting_write(path: Path, data: str | bytes) -> None:
        writes.append(path)
        real_write(path, data)

    monkeypatch.setattr(CassetteFilter, "before_record_response", counting_filter)
    monkeypatch.setattr(recording, "write_atomic", counting_write)
    runner = _runner(tmp_path, imgsafe_sandbox, "all")
    path = tmp_path / "cassettes" / "moderation" / "spec.json"
    with runner.session(MODERATION, "spec", "corpora/x.yaml::spec[moderation]") as session:
        for prompt in _prompts(40):
            session.outcome(prompt)
        assert not path.exists()  # nothing on disk until the session closes
    assert len(filtered) == 40  # each answer once (re-loading the cassette per call filters 820)
    assert writes == [path]
    assert len(_interactions(path)) == 40

    replay = _runner(tmp_path, imgsafe_sandbox, "none")
    asked = len(imgsafe_sandbox.requests)
    with replay.session(MODERATION, "spec", "corpora/x.yaml::spec[moderation]") as session:
        verdicts = [session.outcome(prompt)[0].verdict for prompt in _prompts(40)]
    assert verdicts == ["pass"] * 40
    assert len(imgsafe_sandbox.requests) == asked


def test_new_episodes_plays_back_what_is_there_and_adds_the_rest_in_order(tmp_path: Path, imgsafe_sandbox) -> None:
    nodeid = "corpora/x.yaml::spec[moderation]"
    with _runner(tmp_path, imgsafe_sandbox, "all").session(MODERATION, "spec", nodeid) as session:
        for prompt in _prompts(3):
            session.outcome(prompt)
    path = tmp_path / "cassettes" / "moderation" / "spec.json"
    before = _interactions(path)
    asked = len(imgsafe_sandbox.requests)
    with _runner(tmp_path, imgsafe_sandbox, "new_episodes").session(MODERATION, "spec", nodeid) as session:
        for prompt in _prompts(5):
            session.outcome(prompt)
    after = _interactions(path)
    assert len(imgsafe_sandbox.requests) == asked + 2  # only the two the cassette did not hold
    assert after[:3] == before
    assert [i["request"]["body"]["json"]["input"] for i in after[3:]] == _prompts(5)[3:]


def test_an_interrupt_mid_session_leaves_the_old_cassette_and_no_other_file(
    tmp_path: Path, imgsafe_sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    nodeid = "corpora/x.yaml::spec[moderation]"
    with _runner(tmp_path, imgsafe_sandbox, "all").session(MODERATION, "spec", nodeid) as session:
        session.outcome("A red fox in the snow")
    folder = tmp_path / "cassettes" / "moderation"
    old = (folder / "spec.json").read_bytes()
    calls = 0
    real = recording.Recorder.record

    def interrupted_on_the_fourth(self, key, send):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 4:
            raise KeyboardInterrupt
        return real(self, key, send)

    monkeypatch.setattr(recording.Recorder, "record", interrupted_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        with _runner(tmp_path, imgsafe_sandbox, "all").session(MODERATION, "spec", nodeid) as session:
            for prompt in _prompts(6):
                session.outcome(prompt)
    assert (folder / "spec.json").read_bytes() == old
    assert sorted(p.name for p in folder.iterdir()) == ["spec.json"]


def test_a_damaged_cassette_is_never_added_to(tmp_path: Path, imgsafe_sandbox) -> None:
    from pytest_imgsafe.calls.runner import ImgsafeError

    path = tmp_path / "cassettes" / "moderation" / "spec.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"interactions": [', encoding="utf-8")
    with pytest.raises(ImgsafeError, match="spec.json is not valid JSON"):
        _runner(tmp_path, imgsafe_sandbox, "new_episodes").session(MODERATION, "spec", "x.yaml::spec")
    assert path.read_text(encoding="utf-8") == '{"interactions": ['


def test_vcrpy_is_driven_in_one_place_and_no_module_imports_private_names_of_recording() -> None:
    drivers = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if "vcr.VCR(" in p.read_text()]
    assert drivers == ["calls/recording.py"]
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("recording"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.relative_to(PACKAGE)} imports {private} from {node.module}"


def test_a_note_is_written_beside_the_answers_even_when_nothing_new_was_recorded(tmp_path: Path) -> None:
    """A fuzz spec's draws are kept beside its answers: a session that only played back its
    answers still writes them, the answers as they were; a fresh session that recorded nothing
    writes nothing; a replay reads them back."""
    bundled = json.loads((PACKAGE.parent / "cassettes/moderation/hate-symbols-stay-blocked.json").read_text("utf-8"))
    bundled.pop("metadata", None)
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(bundled), encoding="utf-8")
    recorder = recording.Recorder(path, CassetteFilter(), fresh=False)
    recorder.note("fuzz_draws", {"of": "abc", "draws": ["A kkk poster"]})
    assert recorder.save()
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["interactions"] == bundled["interactions"]
    assert written["metadata"] == {"fuzz_draws": {"of": "abc", "draws": ["A kkk poster"]}}
    loaded = recording.load_cassette(path)
    assert loaded is not None and loaded.notes["fuzz_draws"]["draws"] == ["A kkk poster"]
    again = recording.Recorder(path, CassetteFilter(), fresh=False)
    again.note("fuzz_draws", {"of": "abc", "draws": ["A kkk poster"]})
    assert not again.save()  # the same note: nothing to write
    fresh = recording.Recorder(tmp_path / "fresh.json", CassetteFilter(), fresh=True)
    fresh.note("fuzz_draws", {"of": "abc", "draws": []})
    assert not fresh.save() and not (tmp_path / "fresh.json").exists()
