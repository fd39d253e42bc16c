"""Hostile corpus YAML: every file is items or a clear collection error, never a hang or a traceback.

Written as probes before the loader's code was read: the file is loaded in a child process with a
memory and CPU-time limit, so a blow-up fails the test instead of taking the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_imgsafe.base.terms import load_table_file as load_terms
from pytest_imgsafe.collect.config import ConfigError, load_pyproject, resolve_settings
from pytest_imgsafe.collect.corpus import CorpusError, load_corpus
from pytest_imgsafe.fuzzing.failures import save_failures
from pytest_imgsafe.rewrite.tables import RewriteTableError
from pytest_imgsafe.rewrite.tables import load_table_file as load_rewrite

TARGETS = {"gpt-image-2": "images.generate", "moderation": "moderation"}
CASE = "cases:\n  - id: a\n    prompt: p\n"

CHILD = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (30, 30))
    sys.setrecursionlimit(1000)
    from pytest_imgsafe.collect.corpus import CorpusError, load_corpus
    try:
        corpus = load_corpus(Path(sys.argv[1]), {"gpt-image-2": "images.generate", "moderation": "moderation"})
    except CorpusError as err:
        print(json.dumps({"problems": [[p.line, p.message] for p in err.problems]}))
    else:
        print(json.dumps({"cases": [c.id for c in corpus.cases]}))
    """
)


def load_in_child(tmp_path: Path, text: str | bytes) -> dict[str, list[object]]:
    """Load a corpus file in a child limited to 1 GiB and 30 CPU seconds; its verdict as JSON."""
    path = tmp_path / "hostile.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"the loader crashed (exit {done.returncode}): {done.stderr[-2000:]}"
    result: dict[str, list[object]] = json.loads(done.stdout)
    return result


def laughs(levels: int = 9) -> str:
    lines = ["lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("field", ["id", "scenario", "expect", "block_rate", "prompt", "params"])
def test_a_billion_laughs_is_a_clear_error_at_once(tmp_path: Path, field: str) -> None:
    case = {"id": "a", "prompt": "p", "expect": "pass", field: f"*a{8}"}
    body = "".join(f"    {k}: {v}\n" for k, v in case.items())
    text = f"x:\n{textwrap.indent(laughs(), '  ')}cases:\n  - {body.lstrip()}"
    assert len(text.encode()) < 1500
    (problem,) = load_in_child(tmp_path, text)["problems"]
    line, message = problem
    assert "aliases (*name) here expand the file to" in str(message) and "write the values out" in str(message)
    assert 2 <= int(str(line)) <= 10  # at the aliases, not at line 1
    assert len(str(message)) < 300


@pytest.mark.parametrize(
    "value",
    [
        "[" * 990 + "]" * 990,
        "{a: " * 990 + "1" + "}" * 990,
    ],
)
@pytest.mark.parametrize("field", ["id", "scenario", "params", "expect", "reason"])
def test_nesting_990_deep_is_a_clear_error(tmp_path: Path, field: str, value: str) -> None:
    case = {"id": "a", "prompt": "p", "expect": "pass", field: value}
    text = "cases:\n  - " + "    ".join(f"{k}: {v}\n" for k, v in case.items())
    (problem,) = load_in_child(tmp_path, text)["problems"]
    assert problem[1] == "values are nested more than 64 deep here: flatten the structure"
    assert problem[0] == 2 + list(case).index(field)


def test_an_alias_that_contains_itself_is_a_clear_error(tmp_path: Path) -> None:
    text = "cases:\n  - id: a\n    prompt: p\n    expect: pass\n    params: &p {x: *p}\n"
    (problem,) = load_in_child(tmp_path, text)["problems"]
    assert problem == [5, "an alias here refers to a value that contains it: write the value out instead"]


def test_shared_defaults_by_alias_still_load(tmp_path: Path) -> None:
    cases = "".join(f"  - {{id: c{i}, prompt: p{i}, expect: *e, params: *p}}\n" for i in range(300))
    text = "cases:\n  - {id: first, prompt: p, expect: &e {gpt-image-2: pass, moderation: block}, params: &p {n: 1}}\n"
    assert len(load_in_child(tmp_path, text + cases)["cases"]) == 301


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        (CASE + "    expect: {gpt-image-2: pass, gpt-image-2: block, moderation: pass}\n", 4, "gpt-image-2"),
        (CASE + "    expect: pass\n    params:\n      size: 1024x1024\n      size: 256x256\n", 7, "size"),
        (
            "defaults:\n  params: {quality: low, quality: high}\ncases:\n  - {id: a, prompt: p, expect: pass}\n",
            2,
            "quality",
        ),
        (
            "fuzz:\n  - id: f\n    template: 'A {x}'\n    slots: {x: [a], x: [b]}\n"
            "    expect: {original: block, rewritten: pass}\n",
            4,
            "x",
        ),
        (
            "fuzz:\n  - id: f\n    template: 'A {x}'\n    slots: {x: [a]}\n"
            "    expect: {gpt-image-2: {original: block, original: pass, rewritten: pass},"
            " moderation: {original: block}}\n",
            5,
            "original",
        ),
    ],
)
def test_a_repeated_key_at_any_level_is_an_error(tmp_path: Path, text: str, line: int, key: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(CorpusError) as info:
        load_corpus(path, TARGETS)
    found = [(p.line, p.message.partition(" (")[0]) for p in info.value.problems]
    assert (line, f"the key {key!r} is repeated") in found


def test_a_merge_key_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "defaults: &d\n  scenario: violence\ncases:\n  - <<: *d\n    id: a\n    prompt: p\n    expect: pass\n"
    )
    with pytest.raises(CorpusError) as info:
        load_corpus(path, TARGETS)
    assert [(p.line, p.message) for p in info.value.problems] == [
        (
            4,
            "'<<' (a YAML merge key) is not read here: write the keys out "
            "(in a corpus, shared values go under 'defaults:')",
        )
    ]


def test_non_utf8_bytes_name_the_line(tmp_path: Path) -> None:
    (problem,) = load_in_child(tmp_path, b"cases:\n  - id: a\n    prompt: caf\xe9\n    expect: pass\n")["problems"]
    assert problem == [3, "the file is not UTF-8 text (byte 0xe9 at offset 32): save it as UTF-8"]


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "hostile.yaml"
    with path.open("wb") as fh:
        fh.truncate(65 * 2**20)  # sparse: no disk is used
    with pytest.raises(CorpusError, match="the file is 65 MiB; corpus files are limited to 64 MiB"):
        load_corpus(path, TARGETS)


@pytest.mark.parametrize("field", ["id", "scenario", "expect", "block_rate", "targets", "rewrite_of"])
def test_an_error_quotes_a_bounded_excerpt_of_a_long_value(tmp_path: Path, field: str) -> None:
    long = "x" * 200_000
    text = f"cases:\n  - id: a\n    prompt: p\n    expect: pass\n    repeat: 2\n    {field}: {long}\n"
    if field == "id":
        text = text.replace("  - id: a\n    prompt", "  - prompt")
    if field == "block_rate":
        text = text.replace("    expect: pass\n", "")
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(CorpusError) as info:
        load_corpus(path, TARGETS)
    assert "(200,000 characters)" in str(info.value) and len(str(info.value)) < 2000


@pytest.mark.parametrize("ending", ["\\n", "\\r", "\\t", "\\x00", "\\x1b[2J"])
def test_an_id_with_a_control_character_is_a_collection_error(tmp_path: Path, ending: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(f'cases:\n  - id: "case{ending}"\n    prompt: p\n    expect: pass\n')
    with pytest.raises(CorpusError, match=r"2: id 'case.*' is not valid: use letters, digits"):
        load_corpus(path, TARGETS)


def test_a_target_name_ending_in_a_line_break_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a valid target name"):
        resolve_settings(tmp_path, {"targets": {"gpt-image-2\n": {"kind": "images.generate", "model": "m"}}})


# --- config and the user's other YAML files -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.imgsafe]\nx = " + "[" * 990 + "]" * 990 + "\n", "values are nested too deep for TOML to read"),
        ("[tool.imgsafe]\nx = " + "[" * 80 + "]" * 80 + "\n", "[tool.imgsafe] nests values more than 64 deep"),
        ("[tool.imgsafe]\ncorpora = ['caf\xe9']\n", "not UTF-8 text (byte offset 30): save it as UTF-8"),
    ],
)
def test_a_hostile_pyproject_is_a_config_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_bytes(text.encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_pyproject(tmp_path)
    assert message in str(info.value)


def test_a_long_config_value_is_quoted_as_an_excerpt(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_settings(tmp_path, {"image_root": "x" * 100_000})
    assert "(100,000 characters)" in str(info.value) and len(str(info.value)) < 500


@pytest.mark.parametrize(
    "text",
    [
        f"scenario: celebrity\nterms: {{2: [a]}}\nx:\n{textwrap.indent(laughs(), '  ')}",
        "scenario: x\nterms: {a: b, a: c}\n",
    ],
)
def test_a_hostile_term_table_names_its_file_and_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "terms.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"terms\.yaml:\d+: (aliases|the key 'a' is repeated)"):
        load_terms(path)


def test_a_rewrite_table_nested_too_deep_names_its_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "rewrite.yaml"
    path.write_text("strategy: " + "[" * 990 + "]" * 990 + "\n")
    with pytest.raises(RewriteTableError, match=r"rewrite\.yaml:1: values are nested more than 64 deep"):
        load_rewrite(path)


def test_an_unreadable_failures_file_is_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "failures.yaml"
    path.write_text(laughs())
    with pytest.raises(ValueError, match=r"failures\.yaml:\d+: aliases"):
        save_failures(path, [{"id": "x", "prompt": "p", "expect": "pass"}])
    assert path.read_text() == laughs()


@pytest.mark.parametrize("text", ["scenario: x\nterms: 5\n", "scenario: x\nterms: {1: 5}\n"])
def test_a_term_table_of_the_wrong_shape_is_a_value_error_naming_it(tmp_path: Path, text: str) -> None:
    path = tmp_path / "terms.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"terms\.yaml: this term table has a value of the wrong shape"):
        load_terms(path)


def test_a_term_tables_pattern_that_is_no_regular_expression_names_the_table_level_and_error(tmp_path: Path) -> None:
    path = tmp_path / "terms.yaml"
    path.write_text("scenario: x\nterms: {}\npatterns: {1: ['(']}\n")
    with pytest.raises(ValueError, match=r"terms\.yaml: pattern '\(' \(level 1\) is not a valid regular expression"):
        load_terms(path)


def test_an_entry_that_is_not_a_mapping_is_reported_at_its_own_line(tmp_path: Path) -> None:
    """``- null`` or ``- 5`` among the cases (or fuzz specs) has no keys whose lines could be
    shown: the problem names the line the entry is written on, not the list's line plus its index."""
    path = tmp_path / "odd.yaml"
    path.write_text(
        "cases:\n"
        "  - id: first\n"
        "    prompt: a lake\n"
        "    expect: pass\n"
        "\n"
        "  # a comment\n"
        "  - null\n"
        "  - 5\n"
        "fuzz:\n"
        "  - id: spec\n"
        "    template: a {x}\n"
        "\n"
        "  - []\n",
        encoding="utf-8",
    )
    with pytest.raises(CorpusError) as err:
        load_corpus(path, {"moderation": "moderation"})
    lines = {p.line: p.message for p in err.value.problems}
    assert "case #2 is not a mapping" in lines[7] and "case #3 is not a mapping" in lines[8]
    assert "fuzz spec #2 is not a mapping" in lines[13]


def test_an_image_path_longer_than_the_system_allows_is_a_clear_error(tmp_path: Path) -> None:
    corpus = tmp_path / "long.yaml"
    corpus.write_text(
        f"cases:\n  - id: a\n    prompt: p\n    expect: pass\n    image: {'x' * 300}.png\n", encoding="utf-8"
    )
    with pytest.raises(CorpusError) as info:
        load_corpus(corpus, TARGETS, files_root=tmp_path)
    (problem,) = info.value.problems
    assert problem.line == 5
    assert "cannot be read" in problem.message and "File name too long" in problem.message
