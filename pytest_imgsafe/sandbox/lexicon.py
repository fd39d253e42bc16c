"""The sandbox's concepts in many languages: ``data/lexicon.yaml``, compiled for ``rules.yaml``.

A provider's classifier was trained on many languages: "naked", "nackt", "desnuda", "nue",
"голая", "裸体" and "나체" are one concept to it. The sandbox writes each concept once, as words
per language, and the rules name it: ``{{nudity}}`` in a rule's pattern stands for every word of
the concept ``nudity``. Entries are written as people write them (accents, any script) and folded
like the prompt (``fold.py``), so they meet the prompt in the same form.

How an entry matches:

* a word or phrase matches whole words ("nue" is not the start of "nuevo"); the words of a
  phrase may be parted by spaces or hyphens;
* ``*`` at the end matches the start of a word ("nackt*": "nackte", "Nacktfoto"), ``*`` at the
  start its end ("*nackt": "splitternackt");
* an entry in a script written without spaces (Chinese, Japanese, Thai) matches anywhere, a
  Korean one at the start of a word (its particles are joined to it);
* ``re:`` starts a regular expression over the folded text, for what a list cannot say
  ("nackt" but not "Nacktschnecke", a slug).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from .fold import fold

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# scripts written without spaces between words: an entry in them matches anywhere
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")
# Korean writes spaces, but joins its particles to the word before: "알몸의" is "알몸" + "의"
_HANGUL = re.compile(r"[\uac00-\ud7af]")


@lru_cache(maxsize=1)
def concepts() -> dict[str, dict[str, list[str]]]:
    """Every concept of ``lexicon.yaml``: concept -> language -> entries."""
    text = (resources.files("pytest_imgsafe.sandbox") / "data" / "lexicon.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    result: dict[str, dict[str, list[str]]] = {}
    for name, languages in data.items():
        if not isinstance(languages, dict):
            raise ValueError(f"lexicon.yaml: {name}: a concept maps languages to lists of words")
        for lang, entries in languages.items():
            if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
                raise ValueError(f"lexicon.yaml: {name}.{lang}: a list of words, each quoted if it is not text")
        result[str(name)] = {str(lang): list(entries) for lang, entries in languages.items()}
    return result


_WORD_START = r"(?<![^\W_])"
_WORD_END = r"(?![^\W_])"


def _shape(entry: str) -> tuple[str, str, str]:
    """(what goes before, the folded words, what goes after) of a plain entry."""
    head, tail = entry.startswith("*"), entry.endswith("*") and len(entry) > 1
    core = " ".join(fold(entry.strip("*")).text.split())
    if _UNSPACED.search(core):
        return "", core, ""
    before = r"\w*" if head else _WORD_START
    after = r"\w*" if tail or _HANGUL.search(core) else _WORD_END
    return before, core, after


def _char(c: str) -> str:
    """One character of an entry as a pattern: words may be parted by spaces or hyphens."""
    if c == " ":
        return r"[\s\-]+"
    if c == "-":
        return r"[\s\-]?"
    if c == "'":
        return r"['\s]?"
    return re.escape(c)


def trie_pattern(words: list[str]) -> str:
    """One pattern for ``words``, shared beginnings written once: the regular expression engine
    tries an alternation one branch after the other, so a trie is much faster than a list."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for c in word:
            node = node.setdefault(c, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [_char(c) + emit(child) for c, child in sorted(node.items()) if c]
        optional = "" in node
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not optional else "(?:" + "|".join(branches) + ")"
        if optional:
            body = (body if body.startswith("(?:") and len(branches) > 1 else "(?:" + body + ")") + "?"
        return body

    return emit(tree)


@cache
def concept_pattern(name: str) -> str:
    """One regular expression (text) for every entry of a concept: plain entries as a trie per
    kind of boundary, ``re:`` entries as written."""
    table = concepts()
    if name not in table:
        raise ValueError(f"unknown concept {{{{{name}}}}}; known: {', '.join(sorted(table))}")
    raw: set[str] = set()
    shaped: dict[tuple[str, str], set[str]] = {}
    for entries in table[name].values():
        for entry in entries:
            if entry.startswith("re:"):
                raw.add(entry[3:].strip())
            else:
                before, core, after = _shape(entry)
                shaped.setdefault((before, after), set()).add(core)
    parts = sorted(raw)
    for (before, after), words in sorted(shaped.items()):
        parts.append(before + "(?:" + trie_pattern(sorted(words)) + ")" + after)
    return "(?:" + "|".join(parts) + ")"


def expand(pattern: str) -> str:
    """``pattern`` with each ``{{concept}}`` replaced by the concept's expression."""
    return _PLACEHOLDER.sub(lambda m: concept_pattern(m.group(1)), pattern)


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """``expand`` and compile."""
    return re.compile(expand(pattern))
