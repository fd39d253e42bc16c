"""A log record that quotes a key (the SDK's request line, httpcore's header tuples, an echoed
body, a traceback) leaves the scrubbing filter without it, whichever formatter writes it next."""

from __future__ import annotations

import logging
import sys

from pytest_imgsafe.base.log_scrub import ScrubbingFilter, scrub_record
from pytest_imgsafe.base.scrub import REDACTED, Scrubber

KEY = "sk-proj-PROBEa1b2c3d4e5f6g7h8i9j0k1l2"
OTHER = "sk-proj-OTHERz9y8x7w6v5u4t3s2r1q0"


def _record(msg: str, *args: object, exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord("httpcore.http11", logging.DEBUG, __file__, 1, msg, args, exc_info)  # type: ignore[arg-type]


def test_echoed_headers_and_bodies_are_scrubbed_in_the_record() -> None:
    scrubber = Scrubber.from_config([KEY])
    headers = _record(
        "receive_response_headers.complete return_value=%r",
        (b"HTTP/1.1", 401, b"Unauthorized", [(b"x-echo", KEY.encode()), (b"set-cookie", b"s=" + KEY.encode())]),
    )
    body = _record('{"data": [{"revised_prompt": "a fox holding %s"}], "id": "%s"}', KEY, KEY)
    url = _record("HTTP Request: POST %s", f"http://relay.example/v1/images/generations?api-key={KEY}")
    for record in (headers, body, url):
        scrub_record(record, scrubber)
        shown = logging.Formatter("%(levelname)s %(message)s").format(record)
        assert KEY not in shown and REDACTED in shown
        assert record.args == ()


def test_a_traceback_and_a_stack_are_scrubbed() -> None:
    scrubber = Scrubber.from_config([KEY])
    try:
        raise ValueError(f"bad key {KEY}")
    except ValueError:
        record = _record("call failed", exc_info=sys.exc_info())
    record.stack_info = f"Stack (most recent call last):\n  key = {KEY!r}"
    scrub_record(record, scrubber)
    shown = logging.Formatter().format(record)
    assert "ValueError: bad key <redacted>" in shown and KEY not in shown


def test_a_clean_record_keeps_its_arguments() -> None:
    record = _record("sent %d images to %s", 2, "gpt-image-2")
    scrub_record(record, Scrubber.from_config([KEY]))
    assert record.args == (2, "gpt-image-2") and record.getMessage() == "sent 2 images to gpt-image-2"


def test_arguments_that_do_not_fit_the_format_are_scrubbed_too() -> None:
    record = _record("only one %s", KEY, "and another")
    scrub_record(record, Scrubber.from_config([KEY]))
    assert KEY not in record.getMessage()


def test_the_filter_learns_secrets_and_drops_no_record() -> None:
    log_filter = ScrubbingFilter(Scrubber.from_config([KEY]))
    log_filter.learn(Scrubber.from_config([OTHER]))
    record = _record("%s and %s", KEY, OTHER)
    assert log_filter.filter(record) is True
    assert record.getMessage() == f"{REDACTED} and {REDACTED}"
