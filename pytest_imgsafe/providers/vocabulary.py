"""The providers' safety vocabulary (``data/answer_vocabulary.yaml``) as questions about a text.

Read by the general layer (:mod:`.general`) and by the exact readers for what only wording tells
(the stage of an Azure or relay block). Pure; the table is loaded once, on first use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from ..base.files import bundled_text
from .verdict import Stage

_ENUM = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
_TOKEN_SPLIT = re.compile(r"[^A-Za-z0-9]+")
_ESCAPED_SPACE = re.compile(r"\\[nrt]")
_KEY_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


@dataclass(frozen=True)
class Vocabulary:
    """The compiled table."""

    safety: re.Pattern[str]
    refusal: re.Pattern[str]
    not_a_verdict: re.Pattern[str]
    whole_account: re.Pattern[str]
    step_failed: re.Pattern[str]
    judged_against: re.Pattern[str]
    output_stage: re.Pattern[str]
    input_stage: re.Pattern[str]
    input_named: re.Pattern[str]
    safety_tokens: frozenset[str]
    input_tokens: frozenset[str]
    output_tokens: frozenset[str]
    not_a_verdict_tokens: frozenset[str]
    filters: tuple[tuple[str, re.Pattern[str]], ...]
    acted_words: frozenset[str]
    detected_words: frozenset[str]
    harm_words: frozenset[str]
    safe_words: frozenset[str]
    safe_key_words: frozenset[str]
    threat_words: frozenset[str]
    output_threat_words: frozenset[str]
    negation_words: frozenset[str]
    setting_words: frozenset[str]
    echo_words: frozenset[str]
    failed_statuses: frozenset[str]
    refusal_keys: frozenset[str]
    refusal_reasons: frozenset[str]
    model_text_keys: frozenset[str]
    model_declining: re.Pattern[str]
    model_reasons: re.Pattern[str]
    other_model_makers: re.Pattern[str]


def _either(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The table, compiled (once). Its loader is imported with this module, never on the first
    call: that call may come deep inside a hostile answer's reading, and running out of stack
    while a module is being imported leaves it half-made for the rest of the process (a failed
    load here is only retried on the next call)."""
    text = bundled_text("data", "answer_vocabulary.yaml")
    data: dict[str, Any] = yaml.safe_load(text)
    return Vocabulary(
        safety=_either(data["safety"]),
        refusal=_either(data["refusal"]),
        not_a_verdict=_either(data["not_a_verdict"]),
        whole_account=_either(data["whole_account"]),
        step_failed=_either(data["step_failed"]),
        judged_against=_either(data["judged_against"]),
        output_stage=_either(data["output_stage"]),
        input_stage=_either(data["input_stage"]),
        input_named=_either(data["input_named"]),
        safety_tokens=frozenset(data["safety_tokens"]),
        input_tokens=frozenset(data["input_tokens"]),
        output_tokens=frozenset(data["output_tokens"]),
        not_a_verdict_tokens=frozenset(data["not_a_verdict_tokens"]),
        filters=tuple((name, _either(patterns)) for name, patterns in data["filters"].items()),
        model_declining=_either(data["model_declining"]),
        model_reasons=_either(data["model_reasons"]),
        other_model_makers=_either(data["other_model_makers"]),
        **{key: frozenset(data[key]) for key in _WORD_SETS},
    )


_WORD_SETS = (
    "acted_words",
    "detected_words",
    "harm_words",
    "safe_words",
    "safe_key_words",
    "threat_words",
    "output_threat_words",
    "negation_words",
    "setting_words",
    "echo_words",
    "failed_statuses",
    "refusal_keys",
    "refusal_reasons",
    "model_text_keys",
)


def normal(text: str) -> str:
    """A message with its whitespace collapsed (case is left: the patterns ignore it)."""
    return " ".join(text.split())


def says_blocked(text: str) -> bool:
    """Does this message say, in the providers' words, that safety refused the request?

    Three conditions, all needed: it names safety, it names a refusal, and it names nothing that
    makes it another answer (a rate limit, a bad parameter, a key, a timeout, a filter that
    failed to run)."""
    words = vocabulary()
    text = normal(text)
    return bool(words.safety.search(text) and words.refusal.search(text) and not another_answer(text))


def cause_says_blocked(text: str) -> str:
    """The cause at the end of a chained error (``"...: internal error occurred: failed to
    generate image: generated image was filtered: Unable to show ..."``) when it alone says, in
    the providers' words, that safety refused, and the links before it say only that a step
    failed (an internal error, a failure to generate): a wrapper reporting the step its callee's
    filter stopped. ``""`` otherwise; a link that names anything else (a rate limit, a key, a
    bad parameter) keeps the whole text another answer."""
    words = vocabulary()
    text = normal(text)
    start = 0
    for _ in range(MAX_LINKS):
        at = text.find(": ", start)
        if at == -1:
            return ""
        link, cause = text[start:at], text[at + 2 :]
        if another_answer(words.step_failed.sub(" ", link)):
            return ""
        if says_blocked(cause):
            return cause
        start = at + 2
    return ""


MAX_LINKS = 8
"""Links of a chained error looked at before its cause: a wrapper's chain is a few links deep,
and each look reads the rest of the text, so a text of many colons costs at most this many reads."""


def another_answer(text: str) -> bool:
    """Does this message name something that makes it another answer than a verdict (a rate
    limit, a bad parameter, a key, a filter that failed to run)? What the content was judged
    against ("violated the safety settings") is left out first: there the settings are the
    measure of a verdict, not what the request got wrong."""
    words = vocabulary()
    return bool(words.not_a_verdict.search(words.judged_against.sub(" ", normal(text)))) or blocks_whole_account(text)


def blocks_whole_account(text: str) -> bool:
    """Does this message block a whole account, organization, team, key or subscription ("Your
    account was blocked for repeated policy violations")? No verdict on any one request."""
    return bool(vocabulary().whole_account.search(normal(text)))


def model_declines(text: str) -> str:
    """The words in which a model declines a request for a safety reason, or ``""``: a first-person
    refusal ("I can't help with that", "I must decline") beside a reason in the providers' or
    the models' safety vocabulary ("goes against my guidelines", "harmful", "explicit"), and
    nothing that makes it another answer. A text that is JSON (an answer given in a schema) is read
    for its strings. A refusal with no safety reason ("I cannot draw") is not read as one."""
    words = vocabulary()
    for said in _strings_of(text):
        said = normal(said.replace("\u2019", "'"))  # a typographic apostrophe: I’m, can’t
        if (
            words.model_declining.search(said)
            and (words.model_reasons.search(said) or words.safety.search(said))
            and not another_answer(said)
        ):
            return said
    return ""


def _strings_of(text: str) -> list[str]:
    """A text, or the strings of the JSON it is (a structured answer: ``{"answer": "I cannot ..."}``)."""
    stripped = text.strip()
    if stripped[:1] not in ("{", "["):
        return [text]
    try:
        value = json.loads(stripped)
    except ValueError:
        return [text]
    found: list[str] = []
    stack = [value]
    while stack and len(found) < 64:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def names_safety(text: str) -> bool:
    """Does this reason name safety, and nothing that makes it another answer? (A task's failed
    status is the refusal; its reason needs only to say why.)"""
    words = vocabulary()
    text = normal(text)
    return bool(words.safety.search(text) and not another_answer(text))


def stage_in(text: str) -> Stage | None:
    """The stage the wording gives: generated-image wording is output, prompt/request/task wording input."""
    words = vocabulary()
    return _stage(text, words.input_stage)


def stage_named(text: str) -> Stage | None:
    """The stage wording gives when it names what was judged itself: the generated image (output),
    the prompt or an input image (input); ``None`` for wording that names only the call ("Your
    request was rejected"), which both stages use."""
    words = vocabulary()
    return _stage(text, words.input_named)


def _stage(text: str, input_wording: re.Pattern[str]) -> Stage | None:
    """Output wording first (a generated image is named after the request), then ``input_wording``."""
    text = normal(text)
    if vocabulary().output_stage.search(text):
        return "output"
    if input_wording.search(text):
        return "input"
    return None


def tokens(value: str) -> set[str]:
    """An enum value or code as upper-case tokens, in any casing: ``image_content_policy`` and
    ``OutputImageSensitiveContentDetected`` alike (IMAGE, CONTENT, POLICY; OUTPUT, IMAGE, SENSITIVE,
    ...). A provider spells its codes as it likes; the words are what they mean."""
    found = {w.upper() for t in _TOKEN_SPLIT.split(value) if t for w in _KEY_WORD.findall(t)}
    if "CONTENT" in found and "FILTER" in found:
        found.add("CONTENTFILTER")
    return found


def key_words(key: str) -> list[str]:
    """A field name as lower-case words, camelCase and snake_case alike (``attackDetected`` ->
    attack, detected; ``has_nsfw_concepts`` -> has, nsfw, concepts)."""
    return [w.lower() for w in _KEY_WORD.findall(key)]


def flag_says(key: str, value: Any, path_words: set[str]) -> bool:
    """Does this field say, by its name and value, that a filter acted on the content (see
    ``acted_words`` and the others in the table)? ``path_words``: the words of the keys that lead
    to it (a detection must name a threat, here or there)."""
    words = vocabulary()
    found = key_words(key)
    names = set(found)
    if not names or names & (words.negation_words | words.setting_words) or path_words & words.echo_words:
        return False  # a setting, a negation, or the request's parameters as the answer echoes them
    if value is False:
        return bool(names & words.safe_words) and names <= words.safe_key_words
    listed = isinstance(value, list) and all(isinstance(v, bool) for v in value) and True in value
    if value is not True and not listed:
        return False
    if names & (words.acted_words | words.harm_words):
        return True
    return bool(names & words.detected_words and (names | path_words) & words.threat_words)


def acted_false(node: Mapping[str, Any]) -> bool:
    """Does this object say its filter did *not* act (``filtered: false``)? Then a detection
    beside it is an annotation, not a verdict."""
    acted = vocabulary().acted_words
    return any(value is False and set(key_words(str(key))) & acted for key, value in node.items())


def names_policy(value: str) -> bool:
    """Does an enum value or code name a policy (``IMAGE_PROHIBITED_CONTENT``, ``UNSAFE_GENERATION``),
    and nothing that makes it another answer (``SAFETY_SETTINGS_INVALID``)?"""
    found = tokens(value)
    words = vocabulary()
    return bool(found & words.safety_tokens) and not found & words.not_a_verdict_tokens


def stage_of_enum(value: str) -> Stage | None:
    """The stage an enum value's own tokens give (``PROMPT_BLOCKED`` -> input), if any."""
    found = tokens(value)
    words = vocabulary()
    if found & words.output_tokens:
        return "output"
    if found & words.input_tokens:
        return "input"
    return None


def policy_enums(text: str) -> list[str]:
    """Enum-like words in a message that name a policy (``[IMAGE_SAFETY]`` in a relay's message)."""
    return [m.group(0) for m in _ENUM.finditer(text) if names_policy(m.group(0))]


def made_elsewhere(model: Any) -> bool:
    """Does a ``model`` field name a model of a maker that is none of the filters (``meta-llama/
    Llama-3.3-70B``, ``deepseek-chat``, ``cogview-4``)? Its answer came from another party."""
    return isinstance(model, str) and bool(vocabulary().other_model_makers.search(model.strip()[:200]))


def filter_named(text: str) -> str | None:
    """The filter an answer's words and field names point to (``imagen``, ``gemini``, ``azure``,
    ``openai``, ``relay``), or ``None``. Whitespace, escaped in JSON or not, counts as one space."""
    text = normal(_ESCAPED_SPACE.sub(" ", text))
    for name, pattern in vocabulary().filters:
        if pattern.search(text):
            return name
    return None
