"""The general layer: reading an answer by principle when no exact reader knows its shape.

The exact readers (:mod:`.known_errors`, :mod:`.known_answers`) know the providers' shapes one
by one; a new field value, a relay's new envelope or a message with no envelope at all is no
verdict to them. Under them, this layer reads what every safety answer shares, in order:

1. **The envelope.** A provider's answer a relay nests as JSON inside a string (one-api /
   new-api's message, OpenRouter's ``metadata.raw``, a log line, an HTML error page) is read
   again, whole. A pass found inside an envelope is never a pass: the relay did not hand the
   image over, so only a block counts.
2. **The provider's own fields**, where no image came. A finish or block reason this version has
   not seen is read by its own tokens (``IMAGE_PROHIBITED_CONTENT_V2``) or by its
   ``finishMessage``. A flag of any name says block by its words (``filtered``, ``isBlocked``,
   ``nsfw``, ``is_safe: false``, a detection that names a threat: ``attackDetected``), never
   where its own object says the filter did not act (``filtered: false`` beside ``detected``),
   never as a setting (``safe_mode``, ``allow_nsfw``) and never under the request's parameters as
   an answer echoes them (``requestParameters: {safe: false}``). A task or job whose status says it failed,
   with a reason that names safety, is a block. A model's own refusal (a ``refusal`` field or
   part, ``stop_reason: refusal``, or its own words declining for a safety reason, in the
   providers' vocabulary of refusals) is a block at the input stage: the model declined the
   request, and nothing was generated. An error's own code that names a policy, in whatever
   casing (``IMAGE_SAFETY_VIOLATION``, ``OutputImageSensitiveContentDetected``), is a block, its
   stage from the code's own words before its message's. Google's ``blockReason`` set to any
   reason (``OTHER`` too, or one never seen) is a block of the prompt.
3. **The message text**, in an error envelope, a list of errors, FastAPI's ``detail``, Google's
   reasons, a plain-text or HTML body: it must name safety and a refusal in the providers' own
   vocabulary (``data/answer_vocabulary.yaml``), and nothing that makes it another answer; a
   stage it does not name is taken from the prose beside it. A relay's own block code named in
   any message (``sensitive_words_detected``, in a plain-text 500 too) is the relay's block.

The filter is named by the answer's field names first (they are the provider's own shape), then
by its words. Stage follows the wording of what carried the verdict (generated-image wording: output; prompt,
request, task wording: input; neither: unknown; a 4xx refusal by a filter whose provider answers a
filtered output with a success, Imagen's, is of the request). A verdict found here is marked
``read_by="general"``, so a report shows the shapes worth adding. What this layer cannot read
stays a non-verdict: it never guesses, and it never reads a pass.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from .body import (
    MAX_TEXT,
    Body,
    cut_json_at,
    embedded_json,
    html_text,
    looks_cut,
    looks_html,
    messages,
    opening_error,
    printed_json,
    printed_placeholder,
    validation_errors,
    without_json,
)
from .known_answers import block_reason
from .known_errors import (
    BLOCK_CODES,
    RELAY_BLOCK_CODES,
    TWO_STAGE_CODES,
    Ctx,
    error_object,
    request_id_in,
    support_code,
    violations,
)
from .verdict import ApiError, Outcome, Stage
from .vocabulary import (
    acted_false,
    another_answer,
    cause_says_blocked,
    filter_named,
    flag_says,
    key_words,
    made_elsewhere,
    model_declines,
    names_policy,
    names_safety,
    policy_enums,
    says_blocked,
    stage_in,
    stage_named,
    stage_of_enum,
    tokens,
    vocabulary,
)

NestedReader = Callable[[int, Any], Outcome]
"""Reads a nested answer with every reader (exact, then general); raises ApiError for none."""

_FINISH_KEYS = (
    "finishReason",
    "finish_reason",
    "native_finish_reason",
    "stop_reason",
    "stopReason",
    "finish_reasons",
    "finishReasons",
)
_BLOCK_KEYS = ("blockReason", "block_reason")
_CONTAINER_WORDS = frozenset(
    {
        "analysis",
        "analyses",
        "result",
        "results",
        "annotation",
        "annotations",
        "filter",
        "filters",
        "content",
        "details",
    }
)
_REASON_OF_FILTER = frozenset({"filter", "filtered", "block", "blocked", "moderation", "safety"})
_STAGE_FIELDS = ("source_type", "source", "stage", "moderation_stage")
_FLAG_VERBS = frozenset({"is", "has", "was", "were"})
_INPUT_PATH = frozenset({"prompt", "prompts", "input", "inputs", "request", "document", "documents", "jailbreak"})
"""Keys that lead to what was sent (documents: what a request gives the model to read, as Prompt
Shields' ``documentsAnalysis``; a jailbreak is an attack written into the input, as Content
Safety's ``jailbreakAnalysis``, Prompt Shields' older name, says)."""
_OUTPUT_PATH = frozenset(
    {"output", "outputs", "candidate", "candidates", "choice", "choices", "completion", "generation"}
)
_IMAGE_KEYS = ("b64_json", "bytesBase64Encoded", "result", "image", "images", "data", "url", "fileUri", "gcsUri")
_URL = re.compile(r"^(https?|gs)://|^data:image/")
_BASE64 = re.compile(r"^(?:<imgsafe:sha256=[0-9a-f]{64};bytes=[1-9]\d*>$|[A-Za-z0-9+/]{8,}={0,2}$)")


_OUTPUT_ANSWERED_AS_SUCCESS = frozenset({"imagen"})
"""Filters whose provider answers a filtered *output* with a success: Imagen returns a 200 whose
predictions carry ``raiFilteredReason`` (or none at all). Its refusal with an error status came
before any image, so a block it gives so is of the request (the input), as the exact reader reads
its Google envelope, when the wording names no stage; a plain-text copy of it reads the same."""
_DECISIVE = frozenset({"auth", "quota", "rate_limited"})
"""Non-verdicts an error names outright: read as one, an error is never read again as a success's
wording (a suspended resource's message may quote the moderation words of what it refused)."""


def read_generally(status: int, body: Body, ctx: Ctx, read: NestedReader) -> Outcome | None:
    """A block read by principle, or ``None`` (the answer stays the non-verdict it was)."""
    found = (
        _nested(status, body, ctx, read)
        or _fields(body.data, ctx)
        or _error_code(body.data, ctx)
        or _wording(status, body, ctx)
    )
    if found is None:
        return None
    if found.stage is None and status >= 400 and found.filter in _OUTPUT_ANSWERED_AS_SUCCESS:
        found = replace(found, stage="input")
    return replace(found, read_by="general")


# --- 1. the envelope ------------------------------------------------------------------------


def _nested(status: int, body: Body, ctx: Ctx, read: NestedReader) -> Outcome | None:
    """A block inside an envelope. The nested answer is read as it came (a success a relay wraps
    in an error is a pass it did not hand over: no verdict at all), then as the error its envelope
    says it is; an answer that is an error itself is read as one first. Envelopes are opened
    ``MAX_ENVELOPES`` deep at most: each is read two ways, so every level would double the work."""
    depth = getattr(_ENVELOPES, "open", 0)
    if depth >= MAX_ENVELOPES:
        return None
    _ENVELOPES.open = depth + 1
    try:
        return _nested_within(status, body, ctx, read)
    finally:
        _ENVELOPES.open = depth


MAX_ENVELOPES = 4
"""Relays wrap an answer once or twice (a gateway in front of a gateway: three times)."""
_ENVELOPES = threading.local()
"""How many envelopes the reading in this thread has opened (live runs classify in threads)."""


def _nested_within(status: int, body: Body, ctx: Ctx, read: NestedReader) -> Outcome | None:
    for inner in _inner_answers(body):
        if isinstance(inner, list) and validation_errors(inner):
            inner = {"detail": inner}  # FastAPI's validation errors, quoted without their envelope
        # an error's own fields (an error object, or one that carries its message) are read as an error first
        erring = isinstance(inner, Mapping) and bool(error_object(inner))
        for inner_status in (max(status, 400), 200) if erring else (200, max(status, 400)):
            try:
                outcome = read(inner_status, inner)
            except ApiError as err:
                if erring and err.kind in _DECISIVE:
                    return None  # the error says what it is (a suspended key, a quota): no verdict behind it
                continue
            if outcome.verdict != "block":
                return None
            return replace(outcome, provider="proxy", request_id=ctx.request_id or outcome.request_id)
    return None


def _inner_answers(body: Body) -> Iterator[Any]:
    """Answers nested inside this one: in a text or HTML body, or in its messages (a relay's
    message holding its upstream's answer is read as that answer's body would be)."""
    if body.data is None:
        yield from _answers_in_text(body.text)
        return
    for message in messages(body.data, quoted=True):
        if "{" in message or "[" in message:
            for inner in _answers_in_text(message):
                if inner != body.data:
                    yield inner


def _answers_in_text(text: str) -> Iterator[Any]:
    """The answer a text holds: the whole of it printed as JSON (with a comma after its last
    member, as a log quotes it), an error's members quoted without braces, the first answer
    inside its words or its HTML page; cut JSON or a cut stream, only a whole error in it."""
    whole = printed_json(text)
    if whole is not None:
        yield whole
        return
    members = _object_members(text)
    if members is not None:
        yield members
        return
    visible = html_text(text) if looks_html(text) else text[:MAX_TEXT]
    inner = embedded_json(visible)
    cut = 0 if looks_cut(text) else cut_json_at(visible)
    if cut is not None:
        # JSON or a stream that did not parse (cut, or damaged where a log or an issue quoted
        # it), alone or after a relay's words: a whole error inside it still says what it says;
        # any other part (a rating, a flag, a chunk) is no answer on its own
        if isinstance(inner, Mapping) and error_object(inner):
            yield inner
        elif (opening := opening_error(visible[cut:]) or opening_error(visible)) is not None and stage_named(
            opening["error"]["message"]
        ):
            # cut after its error's message: the message, whole, says what it says, where it
            # names what was judged itself (the prompt, the generated image); "Your request
            # was rejected" is sent at both stages, and what was cut may have said which
            yield opening
        return
    if inner is not None:
        yield inner


_ERROR_MEMBERS = frozenset({"error", "code", "message", "type"})
"""The members that make quoted members an error's."""


def _object_members(text: str) -> dict[str, Any] | None:
    """An error's members quoted without its braces (``"code": "moderation_blocked"``, as a log
    line or a question quotes part of an error answer): the error they are, or ``None``."""
    stripped = text.strip().rstrip(",")
    if not stripped.startswith('"') or len(stripped) > MAX_TEXT:
        return None
    try:
        value = json.loads("{" + stripped + "}")
    except ValueError:
        return None
    if not isinstance(value, dict) or not (set(value) & _ERROR_MEMBERS):
        return None  # members of something else ("flagged": true) say nothing whole
    return value if "error" in value else {"error": value}


# --- 2. the provider's own fields -----------------------------------------------------------


def model_refusal(data: Any, ctx: Ctx) -> Outcome | None:
    """A model's own refusal in a text answer (a ``refusal`` field, or its own words declining
    for a safety reason), and nothing else of the general layer: what a kind that passes on text
    reads before its pass. Marked as read by the general layer."""
    found = _fields(data, ctx, refusals_only=True)
    return replace(found, read_by="general") if found is not None else None


def _fields(data: Any, ctx: Ctx, *, refusals_only: bool = False) -> Outcome | None:
    """Finish and block reasons of any value, flags of any name, a task's failed status with a
    safety reason, a model's refusal, where no image came. Every hit is collected first, so the
    reading never depends on the order of keys: a block reason (the prompt) comes before a finish
    reason (the output) and a filter's reason message, flags before a task's status, and a refusal
    (the model's own) last."""
    if not isinstance(data, Mapping) or _carries_image(data, 0):
        return None
    reasons: list[tuple[int, str, Stage | None, Mapping[str, Any]]] = []
    flags: list[tuple[tuple[str, ...], str, Mapping[str, Any], bool]] = []
    tasks: list[tuple[str, str, Mapping[str, Any]]] = []
    refusals: list[str] = []
    words = vocabulary()
    for path, node, listed in _walk(data, ()):
        for key in _BLOCK_KEYS:
            # Google's prompt feedback: set at all (any reason but unspecified), the prompt was blocked
            given = block_reason(node.get(key))
            if given and not given.upper().endswith("UNSPECIFIED"):
                reasons.append((0, given, "input", node))
        for key in _FINISH_KEYS:
            # one reason, or one per image (Stability's ``finish_reasons`` on Bedrock)
            found = node.get(key)
            for value in found[:16] if isinstance(found, list) else [found]:
                if isinstance(value, str) and value and value.lower() not in words.refusal_reasons:
                    if _reason_blocks(value, node):
                        stage = stage_of_enum(value) or _message_stage(node) or "output"
                        reasons.append((1, value, stage, node))
                elif isinstance(value, str) and value:
                    refusals.append(_node_message(node) or value)
        path_words = {w for part in path for w in key_words(part)}
        annotation_only = acted_false(node)
        for key, value in node.items():
            key = str(key)
            if flag_says(key, value, path_words):
                acted = bool(set(key_words(key)) & words.acted_words) or value is False
                if acted or not annotation_only:
                    flags.append((path, key, node, listed))
            elif key in words.refusal_keys and isinstance(value, str) and value.strip():
                refusals.append(value)
            elif isinstance(value, str) and _filter_reason(key, value):
                reasons.append((2, key, stage_in(value), {**node, "message": value}))
            elif _reasons_listed(key, value):
                # a filter's reasons, listed under a key that says so ("Moderation Reasons":
                # ["Derivative Works Filter"]): the filter acted, for the reasons it gives
                said = "; ".join(value[:8])
                reasons.append((2, key, stage_in(said), {**node, "message": f"{key}: {said}"}))
            elif key in words.model_text_keys and isinstance(value, str) and _models_words(node, path, path_words):
                spoken = model_declines(value)
                if spoken:
                    refusals.append(spoken)
        if _models_words(node, path, path_words):
            spoken = model_declines(_joined_text(node))  # a text streamed in parts is one text
            if spoken:
                refusals.append(spoken)
        reason = _task_failed(node)
        if reason is not None:
            tasks.append((reason, str(node.get("status") or node.get("state")), node))
    if refusals_only:
        reasons, flags, tasks = [], [], []
    if reasons:
        _, value, reason_stage, node = min(reasons, key=lambda r: (r[0], r[1]))
        return _field_block(value, reason_stage, node, ctx)
    if flags:
        return _flag_block(flags, ctx)
    if tasks:
        reason, status, node = min(tasks, key=lambda t: t[0])
        return replace(
            _worded_block(reason, stage_in(reason), node, _marker_text(node), ctx), code=_code_of(node) or status
        )
    if refusals:
        # The model declined the request on its own: a block of the input by that provider (it
        # judged the prompt, and nothing was generated).
        named = _filter_of(data, _marker_text(data))
        return Outcome("block", "input", "refusal", ctx.hint, ctx.request_id, (), refusals[0][:500], filter=named)
    return None


def _error_code(data: Any, ctx: Ctx) -> Outcome | None:
    """An error whose own code names a policy, in whatever casing the provider spells it
    (``IMAGE_SAFETY_VIOLATION``, ``OutputImageSensitiveContentDetected``), and whose messages name
    nothing that makes it another answer: the provider refused on safety. The stage is the code's
    own (``Output...``, ``PROMPT_...``), else its message's wording."""
    if not isinstance(data, Mapping):
        return None
    error = error_object(data)
    code = error.get("code")
    if not _policy_code(code):
        # a code that is only a status ("code": 400) leaves the error's type to name it
        # ("type": "content_filter"); never a type beside a code of its own
        code = error.get("type") if code is None or str(code).isdigit() else None
    if not _policy_code(code):
        return None
    code = str(code)
    texts = [without_json(text) for text in messages(error)]
    if any(another_answer(text) for text in texts):
        return None
    param = error.get("param")  # the field the error names ("prompt"), or a relay's sentence in it
    stage = (
        stage_of_enum(code)
        or next((s for s in map(stage_in, texts) if s), None)
        or (stage_in(param) if isinstance(param, str) else None)
    )
    return _worded_block(texts[0] if texts else code, stage, data, _marker_text(data), ctx, code=code)


def _models_words(node: Mapping[str, Any], path: tuple[str, ...], path_words: set[str]) -> bool:
    """Is this node what the model said: under a choice, a candidate or an output, or a message
    whose role is the assistant's in the answer's own ``messages`` (a conversation answered as its
    messages; never one an answer echoes under another key, a request's earlier turns)?"""
    return bool(path_words & _OUTPUT_PATH) or (node.get("role") == "assistant" and tuple(path) == ("messages",))


def _policy_code(code: Any) -> bool:
    return isinstance(code, str) and bool(code.strip()) and not code.isdigit() and names_policy(code)


def _joined_text(node: Mapping[str, Any]) -> str:
    """The text of a message's parts joined (Gemini's ``parts``, a Responses message's ``content``),
    when there are two or more: a stream cuts a sentence anywhere."""
    for key in ("parts", "content"):
        parts = node.get(key)
        if isinstance(parts, list) and len(parts) > 1:
            texts = [p["text"] for p in parts[:64] if isinstance(p, Mapping) and isinstance(p.get("text"), str)]
            if len(texts) > 1:
                return "".join(texts)
    return ""


def _reasons_listed(key: str, value: Any) -> bool:
    """Reasons a filter gave, listed (a non-empty list of words) under a key that names a filter's
    reasons (``moderation_reasons``, ``Moderation Reasons``, ``blockReasons``), none of them saying
    there is none."""
    names = set(key_words(key))
    if not (names & _REASON_OF_FILTER and names & {"reason", "reasons"}) or not isinstance(value, list) or not value:
        return False
    said = [v.strip() for v in value[:32] if isinstance(v, str)]
    return len(said) == len(value[:32]) and all(said) and not any(v.lower() in _NO_REASON for v in said)


_NO_REASON = frozenset({"none", "null", "n/a", "na", "nil", "-", "no", "false", "unspecified"})


def _filter_reason(key: str, value: str) -> bool:
    """A filter's reason given as a message under a key of any name that says so
    (``raiFilteredReason``, ``rai_filtered_reason``, ``filter_reason``, ``blockedReasonMessage``),
    wherever it is, that says in the providers' words that safety refused."""
    names = set(key_words(key))
    return bool(names & _REASON_OF_FILTER and names & {"reason", "message"}) and says_blocked(value)


def _flag_block(flags: list[tuple[tuple[str, ...], str, Mapping[str, Any], bool]], ctx: Ctx) -> Outcome:
    """A block from flags: the stage the keys leading to them (or their own names) give; a
    moderation's ``flagged`` with nothing around it is about the text it was given, the input; a
    detection of what only generated content holds (protected material, a recitation) the output."""
    output_only = vocabulary().output_threat_words
    stages = {
        _path_stage((*path, key, *_named_stage(node)))
        or ("input" if "flagged" in key_words(key) else None)
        or ("output" if {w for part in (*path, key) for w in key_words(part)} & output_only else None)
        for path, key, node, _ in flags
    }
    stage: Stage | None = "input" if "input" in stages else "output" if "output" in stages else None
    named = (_flag_category(path, key, node, listed) for path, key, node, listed in flags)
    categories = tuple(dict.fromkeys(c for c in named if c))
    path, key, node, _ = min(flags, key=lambda f: (f[0], f[1]))
    return _field_block(key, stage, node, ctx, categories=categories)


def _named_stage(node: Mapping[str, Any]) -> tuple[str, ...]:
    """What a flagged object says it was about (Azure's ``source_type: prompt | completion``)."""
    return tuple(str(node[k]) for k in _STAGE_FIELDS if isinstance(node.get(k), str))


def _flag_category(path: tuple[str, ...], key: str, node: Mapping[str, Any], listed: bool) -> str:
    """What a flag says was found where: the category its object names (``category``), else the
    object's name without a container's word (``userPromptAnalysis`` -> userPrompt; one of a list,
    singular: ``documentsAnalysis[]`` -> document) and what the flag itself names (``attackDetected``
    -> attack): ``userPromptAttack``, ``documentAttack``; ``violence`` for Azure's
    ``content_filter_results.violence.filtered``."""
    if isinstance(node.get("category"), str) and node["category"]:
        return str(node["category"])
    words = vocabulary()
    where = [w for w in key_words(path[-1]) if w not in _CONTAINER_WORDS] if path else []
    if listed:
        where = [w[:-1] if w.endswith("s") and not w.endswith("ss") else w for w in where]
    verbs = words.acted_words | words.detected_words | _FLAG_VERBS
    what = [w for w in key_words(key) if w not in verbs]
    parts = where + what
    if not parts:
        return ""
    camel = any(c.isupper() for c in (path[-1] if path else "") + key)
    return parts[0] + "".join(w.capitalize() for w in parts[1:]) if camel else "_".join(parts)


def _task_failed(node: Mapping[str, Any]) -> str | None:
    """A task's or job's reason, when its status says it ended without a result and the reason
    names safety (and nothing that makes it another answer): ``None`` otherwise."""
    status = node.get("status", node.get("state"))
    if not isinstance(status, str):
        return None
    failed = vocabulary().failed_statuses
    if status.strip().lower() in failed:
        for text in messages(node):
            prose = without_json(text)
            if names_safety(prose):
                return prose
    # a status that names the safety step that stopped it ("Request Moderated", "blocked_by_policy"),
    # alone or with a reason that names safety too (a reason that says otherwise, "Out of memory",
    # leaves it no verdict)
    if set(key_words(status)) & failed and (names_policy(status) or names_safety(status)):
        reasons = [without_json(text) for text in messages(node)]
        if not reasons or any(names_safety(reason) for reason in reasons):
            return status
    return None


def _code_of(node: Mapping[str, Any]) -> str | None:
    code = error_object(node).get("code") if isinstance(node, Mapping) else None
    for key in ("code", "failCode", "fail_code", "failureCode", "failure_code", "errorCode", "error_code"):
        code = code if code is not None else node.get(key)
    return str(code) if isinstance(code, str) and code and not code.isdigit() else None


def _reason_blocks(value: str, node: Mapping[str, Any]) -> bool:
    """A reason names a policy by its tokens, or says a filter stopped what was generating
    (``CONTENT_FILTERED``, "Filter reason: prompt": a finish reason is why generation stopped, and a
    filter is then the content filter), or its message says safety blocked."""
    message = _node_message(node)
    return names_policy(value) or _names_a_filter(value) or bool(message and says_blocked(message))


def _names_a_filter(value: str) -> bool:
    found = tokens(value)
    return bool(found & {"FILTER", "FILTERED"}) and not found & vocabulary().not_a_verdict_tokens


def _node_message(node: Mapping[str, Any]) -> str:
    for key in ("finishMessage", "finish_message", "blockReasonMessage", "message"):
        if isinstance(node.get(key), str):
            return str(node[key])
    return ""


def _message_stage(node: Mapping[str, Any]) -> Stage | None:
    message = _node_message(node)
    return stage_in(message) if message else None


def _path_stage(path: tuple[str, ...]) -> Stage | None:
    """The stage the keys leading to a flag name (``prompt_filter_results``, ``promptFeedback``:
    input; ``choices``, ``candidates``, ``output``: output)."""
    words = {w for part in path for w in key_words(part)}
    if words & _INPUT_PATH:
        return "input"
    if words & _OUTPUT_PATH:
        return "output"
    return None


def _field_block(
    code: str, stage: Stage | None, node: Mapping[str, Any], ctx: Ctx, *, categories: tuple[str, ...] = ()
) -> Outcome:
    message = _node_message(node) or None
    return Outcome(
        "block", stage, code, ctx.hint, ctx.request_id, categories, message, filter=_filter_of(node, _marker_text(node))
    )


def _walk(
    value: Any, path: tuple[str, ...], depth: int = 0, listed: bool = False
) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any], bool]]:
    """Every object in a JSON value, with the keys that lead to it and whether it is one of a
    list (breadth is bounded). An object whose ``type`` says it is output (Gemini's Interactions
    step ``model_output``) leads to its children as a key saying so would."""
    if depth > 8:
        return
    if isinstance(value, Mapping):
        yield path, value, listed
        kind = value.get("type")
        if isinstance(kind, str) and set(key_words(kind)) & _OUTPUT_PATH:
            path = (*path, "output")
        for key, child in list(value.items())[:64]:
            if isinstance(child, (Mapping, list)):
                yield from _walk(child, (*path, str(key)), depth + 1)
    elif isinstance(value, list):
        for child in value[:64]:
            yield from _walk(child, path, depth + 1, True)


def _carries_image(value: Any, depth: int) -> bool:
    """Does an answer of unknown shape hold something that looks like an image (base64 or a URL
    under an image key, a data URL anywhere)? Then flags are ambiguous (a score on a delivered
    image), so none is read."""
    if depth > 8:
        return False
    if isinstance(value, Mapping):
        for key, child in list(value.items())[:64]:
            if key in _IMAGE_KEYS and isinstance(child, str) and (_URL.match(child) or _BASE64.match(child)):
                return True
            if key in _IMAGE_KEYS and printed_placeholder(child):
                return True
            if _carries_image(child, depth + 1):
                return True
    elif isinstance(value, list):
        return any(_carries_image(child, depth + 1) for child in value[:64])
    elif isinstance(value, str) and "data:image/" in value:
        return True
    return False


# --- 3. the message text --------------------------------------------------------------------


def _wording(status: int, body: Body, ctx: Ctx) -> Outcome | None:
    texts = messages(body.data, body.text)
    marker = _marker_text(body.data) if body.data is not None else " ".join(texts)
    for text in texts:
        prose = without_json(text)
        relay_code = _relay_code_in(text)
        if relay_code is not None:  # a relay's own filter, named by its code in any text or status
            return Outcome(
                "block",
                "input",
                relay_code,
                "relay",
                ctx.request_id or request_id_in(text),
                (),
                text[:500],
                filter="relay",
            )
        if says_blocked(prose):
            return _worded_block(text, stage_in(prose) or _stage_beside(body.data, texts), body.data, marker, ctx)
        cause = cause_says_blocked(prose)
        if cause:  # a wrapper's "internal error" whose cause, named last, is the filter
            return _worded_block(text, stage_in(cause), body.data, marker, ctx)
        if 400 <= status < 500 and _ENUM_WORD.fullmatch(text) and names_policy(text):  # an ErrorInfo reason
            return _worded_block(text, stage_of_enum(text), body.data, marker, ctx, code=text)
        raised = _policy_exception(prose) if status >= 400 else None
        if raised is not None:  # a client's exception class that names the policy it met, as a word
            return _worded_block(text, stage_of_enum(raised) or stage_in(prose), body.data, marker, ctx, code=raised)
    return None


_ENUM_WORD = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*|[a-z][a-z0-9]*(?:_[a-z0-9]+)+|(?:[A-Z][a-z0-9]+){2,}")
"""A reason spelled as a code (``IMAGE_SAFETY``, ``SAFETY``, ``content_filter``,
``OutputImageSensitiveContentDetected``), not a word of prose: a body of one lower-case word
("harmful", "safety") says nothing on its own."""
_EXCEPTION_NAME = re.compile(r"\b([A-Z][A-Za-z]+(?:Error|Exception))\b")
"""A class name, without its module (``litellm.`` is a word of its own): no run of dotted names to
backtrack over in a hostile body."""


def _policy_exception(text: str) -> str | None:
    """The first exception class a message names whose name names a policy
    (``litellm.ContentPolicyViolationError``, a client's way to say a provider refused on
    safety), where nothing in the message makes it another answer; ``None`` otherwise."""
    if another_answer(text):
        return None
    for m in _EXCEPTION_NAME.finditer(text[:MAX_TEXT]):
        if names_policy(m.group(1)):
            return m.group(1)
    return None


def _relay_code_in(text: str) -> str | None:
    """A relay's own block code (``sensitive_words_detected``) as a word of a message."""
    lower = text.lower()
    return next((code for code in sorted(RELAY_BLOCK_CODES) if re.search(rf"\b{code}\b", lower)), None)


def _stage_beside(data: Any, texts: list[str]) -> Stage | None:
    """The stage the answer's other prose names, where the words that say blocked name none (a
    relay's ``message: "Moderation Block"`` beside ``param: "The request was rejected ..."``)."""
    error = error_object(data) if isinstance(data, Mapping) else {}
    prose = [v for v in error.values() if isinstance(v, str) and len(v.split()) >= 3]
    for text in (*texts, *prose):
        stage = stage_in(without_json(text))
        if stage is not None:
            return stage
    return None


def _worded_block(
    text: str, stage: Stage | None, data: Any, marker: str, ctx: Ctx, *, code: str | None = None
) -> Outcome:
    error = error_object(data) if isinstance(data, Mapping) else None
    error_code = error.get("code") if isinstance(error, Mapping) else None
    lower = text.lower()
    code = (
        code
        or next((c for c in sorted(BLOCK_CODES) if re.search(rf"\b{c}\b", lower)), None)
        or next(iter(policy_enums(text)), None)
        or support_code(text)
        or (str(error_code) if isinstance(error_code, str) and error_code and not error_code.isdigit() else None)
    )
    if (code and code.lower() in TWO_STAGE_CODES) or violations(text):
        # "Your request was rejected" at both stages (and a message listing its
        # ``safety_violations=[...]`` is that moderation's, code or not): only the prompt or image named
        stage = stage_named(text)
    return Outcome(
        "block",
        stage,
        code,
        ctx.hint,
        ctx.request_id or request_id_in(text),
        violations(text),
        text[:500],
        filter=_filter_of(data, marker),
    )


def _filter_of(data: Any, marker: str) -> str | None:
    """The filter an answer names: by its own field names first (``finishReason`` is Gemini's,
    ``raiFilteredReason`` Imagen's, ``content_filter_results`` Azure's), then by its words. The
    fields are the provider's own shape; words travel (Vertex's Gemini speaks of "Responsible AI"
    as Imagen does, a relay quotes another provider's message)."""
    named = filter_named(" ".join(_field_names(data))) or filter_named(marker)
    if named is None and isinstance(data, Mapping) and made_elsewhere(data.get("model")):
        return "relay"  # another maker's model answered (Llama, DeepSeek, Claude): another party's
    return named


def _field_names(data: Any) -> list[str]:
    """The keys of a JSON value, outermost first (bounded as every walk of an answer is)."""
    names: list[str] = []
    for _, node, _ in _walk(data, ()):
        names.extend(str(key) for key in list(node.keys())[:64])
        if len(names) > 1024:
            break
    return names


def _marker_text(data: Any) -> str:
    """What the filter is told by: the answer's field names and words, bounded."""
    try:
        return json.dumps(data, ensure_ascii=False)[:MAX_TEXT]
    except (TypeError, ValueError):
        return str(data)[:MAX_TEXT]
