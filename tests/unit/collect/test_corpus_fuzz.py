"""Hypothesis writes corpus files (random structure, anchors and aliases, repeated and merge keys,
odd scalars): every one is cases and fuzz specs, or a CorpusError whose every problem names a line
and stays short. Never another exception, never a message that quotes a value in full."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_imgsafe.collect.corpus import Corpus, CorpusError, load_corpus

TARGETS = {"gpt-image-2": "images.generate", "moderation": "moderation", "editor": "images.edit"}
KEYS = [
    "cases", "fuzz", "defaults", "id", "prompt", "expect", "targets", "scenario", "params", "image",
    "mask", "reason", "xfail", "skip", "repeat", "block_rate", "rewrite_of", "template", "slots",
    "strategy", "max_examples", "variations", "original", "rewritten", "gpt-image-2", "moderation",
    "editor", "size", "<<", "? complex", "0", "1.5", "true", "null",
]  # fmt: skip
SCALARS = [
    "pass", "block", "block:input", "block:output@gpt-image-2", "refused", "yes", "no", "on", "null",
    "~", "0x10", "1e3", ".inf", "-.nan", "2024-01-01", "'quoted'", '"esc\\n\\t\\x1b[2J"', '"a\\u0000b"',
    "<=0.2", ">=1.5", "table:celebrity", "table:nope", "celebrity", "benign", "../../../etc/hostname",
    "/etc/hostname", "img.png", "A {shot} of {x}", "{broken", "x" * 300, "a b", "!!binary aGk=",
    "!!python/object:os.system x", "!custom x", "|-\n  literal", "'it''s'", "-", "@", "`", "%", "*undefined",
    "émoji 🙂", "\u202e\u200b", "1000", "0", "-1", "25", "true",
]  # fmt: skip


@st.composite
def yaml_text(draw: st.DrawFn) -> str:
    """Flow-style YAML with anchors on collections and aliases to earlier ones."""
    anchors: list[str] = []

    def node(depth: int) -> str:
        choice = draw(st.integers(0, 9 if depth < 5 else 3))
        if choice <= 2:
            return draw(st.sampled_from(SCALARS)).replace("\n", " ")
        if choice == 3 and anchors:
            if draw(st.booleans()):  # a fan of aliases: each level multiplies what it expands to
                return "[" + ", ".join(["*" + anchors[-1]] * 10) + "]"
            return "*" + draw(st.sampled_from(anchors))
        anchor = ""
        if draw(st.booleans()):
            name = f"a{len(anchors)}"
            anchor = f"&{name} "
        if choice <= 6:
            items = [node(depth + 1) for _ in range(draw(st.integers(0, 4)))]
            text = f"{anchor}[{', '.join(items)}]"
        else:
            pairs = [f"{draw(st.sampled_from(KEYS))}: {node(depth + 1)}" for _ in range(draw(st.integers(0, 5)))]
            text = f"{anchor}{{{', '.join(pairs)}}}"
        if anchor:
            anchors.append(anchor[1:-1])
        return text

    top = [
        f"{draw(st.sampled_from(['cases', 'fuzz', 'defaults'] + KEYS))}: {node(1)}"
        for _ in range(draw(st.integers(0, 3)))
    ]
    text = "\n".join(top) + "\n"
    if draw(st.integers(0, 9)) == 0:  # now and then, a byte-level mutation: syntax errors too
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(["\t", ":", "{", "]", "&", "*", "\x00", "\ufeff", "'"])) + text[at:]
    return text


@st.composite
def near_valid_corpus(draw: st.DrawFn) -> str:
    """Mostly valid cases, so a problem deep inside (a repeated key in expect or params, an alias
    fan in a value) is not hidden behind the file's other problems."""
    anchors: list[str] = []

    def value(good: list[str]) -> str:
        pick = draw(st.integers(0, 9))
        if pick == 0 and anchors:
            return "*" + draw(st.sampled_from(anchors))
        if pick == 1:
            return draw(yaml_text()).strip().replace("\n", ", ").split(": ", 1)[-1] or "x"
        return draw(st.sampled_from(good))

    def mapping(keys: list[str], values: list[str]) -> str:
        pairs = [f"{draw(st.sampled_from(keys))}: {value(values)}" for _ in range(draw(st.integers(1, 3)))]
        text = "{" + ", ".join(pairs) + "}"
        if draw(st.booleans()):
            anchors.append(f"m{len(anchors)}")
            text = f"&{anchors[-1]} {text}"
        return text

    cases = []
    for n in range(draw(st.integers(1, 4))):
        prompt = value(["a calm lake", "A photo of Elon Musk", "'quoted'"])
        fields = [f"id: c{n}", f"prompt: {prompt}"]
        extra = draw(st.sampled_from(["", ", gpt-image-2: block", ", moderation: pass"]))
        expect = draw(st.sampled_from(["pass", f"{{gpt-image-2: pass, moderation: block{extra}}}"]))
        if expect.startswith("{") and draw(st.booleans()):
            anchors.append(f"m{len(anchors)}")
            expect = f"&{anchors[-1]} {expect}"
        fields.append(f"expect: {expect}")
        if draw(st.booleans()):
            fields.append("params: " + mapping(["size", "quality", "n"], ["1024x1024", "low", "1", "2"]))
        fields.append("targets: [gpt-image-2, moderation]")
        cases.append("  - {" + ", ".join(fields) + "}")
    return "cases:\n" + "\n".join(cases) + "\n"


def _repeated_or_merge_key(text: str) -> bool:
    """The test's own oracle: does any mapping repeat a key, or use '<<'? (None if not YAML.)"""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return False
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys = [(k.tag, k.value) for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
            if len(keys) != len(set(keys)) or any(tag == "tag:yaml.org,2002:merge" for tag, _ in keys):
                return True
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return False


def _check(outcome: Corpus | CorpusError, text: str) -> None:
    if _repeated_or_merge_key(text):
        assert isinstance(outcome, CorpusError), "a repeated or merge key was accepted"
    if isinstance(outcome, CorpusError):
        assert outcome.problems
        for problem in outcome.problems:
            assert problem.line >= 1 and problem.message
            assert len(problem.message) < 1500, problem.message[:200]
    else:
        assert all(case.id and case.prompt for case in outcome.cases)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(yaml_text(), near_valid_corpus()))
def test_any_corpus_file_is_cases_or_a_clear_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "corpora").mkdir()
        (root / "corpora" / "img.png").write_bytes(b"\x89PNG")
        path = root / "corpora" / "fuzzed.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            outcome: Corpus | CorpusError = load_corpus(path, TARGETS, files_root=root)
        except CorpusError as err:
            outcome = err
        _check(outcome, text)
