"""Two principles of the general layer, on wording of our own:

- a chained error ("step: internal error: failed to render: <cause>") names its cause last: where
  the links before the cause say only that a step failed, the cause is read alone, and a link
  that names another answer (a rate limit, a key, a bad parameter) keeps the whole a non-verdict;
- a JSON body cut after its error's message: the message, whole, is read where it names what was
  judged (the prompt, the generated image); where it names neither, the part cut away may have
  said the stage, so the answer stays a non-verdict; a cut body is never a pass;
- a relay that quotes an answer (in its message, after its own words, in an HTML page) quotes it
  as a body: a cut one is read as that cut body is (a whole error's message, never a fragment of
  it nor its half-values as words), one printed with a comma after its last member as the answer.
"""

from __future__ import annotations

import json

import pytest

from pytest_imgsafe import ApiError, classify
from tests.unit.providers.reading import no_verdict

CAUSE_OUTPUT = "the rendered picture was filtered out by the content policy"
CAUSE_INPUT = "the prompt was rejected by the safety system"


@pytest.mark.parametrize(
    ("links", "cause", "label"),
    [
        ("render job 7: internal server error: unable to create image", CAUSE_OUTPUT, "block:output"),
        ("POST /v2/draw: an error occurred: generation failed", CAUSE_INPUT, "block:input"),
        ("worker: internal error occurred", CAUSE_INPUT, "block:input"),
    ],
)
def test_a_wrappers_failure_whose_cause_is_the_filter_is_a_block(links: str, cause: str, label: str) -> None:
    for status in (500, 502):
        outcome = classify(status, f"{links}: {cause}", kind="images.generate")
        assert outcome.label == label and outcome.read_by == "general"
        assert links.split(":")[0] in outcome.message  # the whole text is kept for the reader


@pytest.mark.parametrize(
    "links",
    [
        "gateway: rate limit reached: internal error",  # the wrapper's own cause is another answer
        "upstream: invalid api key: internal server error",
        "render: invalid value for size: failed to generate image",
    ],
)
def test_a_link_that_names_another_answer_keeps_the_whole_a_non_verdict(links: str) -> None:
    error = no_verdict(500, f"{links}: {CAUSE_INPUT}", "images.generate")
    assert error.kind in ("server_error", "rate_limited", "auth", "invalid_request")


def test_a_filter_that_failed_to_run_is_no_cause() -> None:
    assert no_verdict(500, "job: internal error: the safety filter failed to run", "images.generate").kind == (
        "server_error"
    )


def test_without_a_chain_an_internal_error_beside_safety_words_stays_a_non_verdict() -> None:
    text = "Internal error while the safety system was checking the prompt, which was blocked, try again later"
    assert no_verdict(500, text, "images.generate").kind == "server_error"


def _cut_after_message(error: dict[str, object]) -> str:
    whole = json.dumps({"error": error}, indent=2)
    end = whole.index(json.dumps(error["message"])) + len(json.dumps(error["message"]))
    return whole[: end + 40]  # into the next field, not to its end


def test_a_cut_body_is_read_for_its_whole_message_where_it_names_what_was_judged() -> None:
    cut = _cut_after_message(
        {
            "message": "The prompt was refused under our content policy. Please change it and retry.",
            "code": "policy_refusal",
            "inner": {"detail": {"violence": {"filtered": True}}},
        }
    )
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut)
    outcome = classify(400, cut, kind="images.generate")
    assert outcome.label == "block:input" and outcome.read_by == "general"
    generated = _cut_after_message({"message": "The generated image was blocked by the content filter.", "x": [1]})
    assert classify(400, generated, kind="images.generate").label == "block:output"


def test_a_cut_body_whose_message_names_no_stage_stays_a_non_verdict() -> None:
    cut = _cut_after_message(
        {"message": "Your request was rejected by the safety system.", "details": {"stage": "output"}}
    )
    assert no_verdict(400, cut, "images.generate").kind == "invalid_request"


def test_a_cut_body_is_never_read_past_a_nested_part_before_the_message() -> None:
    cut = '{"error": {"details": {"stage": "input"}, "message": "The prompt was blocked by the content policy."'
    assert no_verdict(400, cut, "images.generate").kind == "invalid_request"


def test_a_cut_success_is_never_a_pass_nor_read_by_its_message() -> None:
    cut = '{"data": [{"revised_prompt": "The prompt was blocked by the content policy", "b64_json": "iVBO'
    assert no_verdict(200, cut, "images.generate").kind == "unreadable"


def test_a_chain_is_read_a_bounded_number_of_links_deep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each link looked at reads the rest of the text: a body of many colons is looked at
    MAX_LINKS times, never once per colon (which would be quadratic in its length)."""
    from pytest_imgsafe.providers import vocabulary

    reads: list[int] = []
    real = vocabulary.says_blocked
    monkeypatch.setattr(vocabulary, "says_blocked", lambda text: reads.append(len(text)) or real(text))
    assert vocabulary.cause_says_blocked("internal error: " * 5000 + CAUSE_INPUT) == ""  # the cause is too deep
    assert len(reads) == vocabulary.MAX_LINKS
    reads.clear()
    assert vocabulary.cause_says_blocked("job: internal error: " + CAUSE_INPUT) == CAUSE_INPUT
    assert len(reads) <= 2


@pytest.mark.parametrize("body", ["[" * 50_000, '{"a":' * 30_000, "data: " + "[" * 50_000 + "\n\n"])
@pytest.mark.parametrize("status", [200, 400, 500])
def test_an_answer_nested_deeper_than_any_is_no_verdict_never_a_traceback(body: str, status: int) -> None:
    error = no_verdict(status, body, "images.generate")
    assert error.kind == "unreadable" and "nested too deep" in error.message


def test_a_parsed_answer_nested_deeper_than_any_is_no_verdict() -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(5_000):
        node["inner"] = {}
        node = node["inner"]  # type: ignore[assignment]
    assert no_verdict(400, {"error": deep}, "images.generate").kind == "unreadable"


_CUT_FILTER = (
    '{"error": {"message": "The response was filtered due to the prompt triggering the content management '
    'policy.", "code": "content_filter", "innererror": {"code": "ResponsibleAIPolicyViolation", '
    '"content_filter_result": {"hate": {"filtered": true, "severity": "high"}, "sexual": {"filtered": false,'
)
"""An error cut inside its filter results: its message names the prompt; what follows it was cut."""


def _quoted(text: str) -> list[tuple[int, object]]:
    """The text as relays quote an upstream's answer: in a message, after their own words, in a page."""
    return [
        (400, {"error": {"message": text, "type": "new_api_error", "code": None}}),
        (400, {"error": {"message": f"gateway.BadRequestError: UpstreamException - {text}", "code": "400"}}),
        (502, {"error": {"message": "Provider returned error", "code": 502, "metadata": {"raw": text}}}),
        (502, f"<html><body><h1>Upstream error</h1><pre>{text}</pre></body></html>"),
    ]


def test_a_relay_quoting_a_cut_answer_reads_it_as_that_cut_body() -> None:
    assert classify(400, _CUT_FILTER, kind="chat").label == "block:input"
    for status, body in _quoted(_CUT_FILTER):
        outcome = classify(status, body, kind="chat")
        # its message, whole (the prompt named: input), never the first fragment that parses
        # (a category's {"filtered": true}, which names no stage)
        assert outcome.label == "block:input", body


def test_a_relay_quoting_a_cut_success_is_no_verdict_and_its_half_values_no_words() -> None:
    cut = '{"candidates": [{"content": {"parts": [{"text": "I cannot make sexually explicit content. Would you'
    assert no_verdict(200, cut, "chat").kind == "unreadable"
    for status, body in _quoted(cut):
        with pytest.raises(ApiError):
            classify(status, body, kind="chat")  # the model's half-said words, cut, are no refusal


def test_error_members_quoted_without_braces_and_cut_are_read_for_their_message() -> None:
    members = _CUT_FILTER.removeprefix("{")
    assert classify(400, members, kind="chat").label == "block:input"


def test_a_quoted_answer_with_a_comma_after_its_last_member_is_that_answer() -> None:
    answer = (
        '{"error": {"message": "The prompt was flagged.", "code": "content_filter", "innererror": '
        '{"code": "ResponsibleAIPolicyViolation", "content_filter_result": {"hate": {"filtered": true},},},}}'
    )
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer)
    direct = classify(400, answer, kind="chat")
    assert direct.label == "block:input"
    for status, body in _quoted(answer):
        assert classify(status, body, kind="chat").label == direct.label, body
