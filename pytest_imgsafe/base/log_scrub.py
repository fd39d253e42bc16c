"""Log records scrubbed before a handler writes them: the one filter for pytest's log handlers.

The SDKs and their HTTP clients log for themselves: httpx the request line (a key in the base
URL's query string with it), httpcore the provider's headers, vcrpy whole requests and answers.
pytest writes these records to ``--log-file``, prints them live (``log_cli``) and keeps them for
the report's captured-log section and ``caplog``. A :class:`ScrubbingFilter` on each of those
handlers formats a record's message, scrubs it (and its traceback text) with the run's one
:class:`~pytest_imgsafe.base.scrub.Scrubber`, and stores the result in the record, so every
handler after it sees the clean text too. A record that holds nothing to scrub is left as it
came (a test reading ``caplog.records`` still finds its arguments).

Pure: no pytest here.
"""

from __future__ import annotations

import logging
import threading

from .scrub import Scrubber

_TRACEBACKS = logging.Formatter()
"""Formats a record's exception as every standard formatter would, so its text can be scrubbed."""


def scrub_record(record: logging.LogRecord, scrubber: Scrubber) -> None:
    """Rewrite ``record`` in place so that no formatter can show a secret from it: its message
    (formatted, then scrubbed, its arguments dropped), its exception text and its stack."""
    try:
        message = record.getMessage()
    except Exception:  # arguments that do not fit the format: the handler reports them raw
        message = f"{record.msg!s} (arguments: {record.args!r})"
        record.msg, record.args = message, ()
    clean = scrubber.shown(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = _TRACEBACKS.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = scrubber.shown(record.exc_text)
    if record.stack_info:
        record.stack_info = scrubber.shown(record.stack_info)


class ScrubbingFilter(logging.Filter):
    """A handler's filter that scrubs every record it passes (and drops none).

    One per run: it learns more secrets as tests bring them (an ``imgsafe_client`` test's
    environment), and never forgets one."""

    def __init__(self, scrubber: Scrubber) -> None:
        super().__init__()
        self.scrubber = scrubber
        self._lock = threading.Lock()

    def learn(self, scrubber: Scrubber) -> None:
        """Also scrub what ``scrubber`` knows."""
        with self._lock:
            self.scrubber = self.scrubber.with_secrets(scrubber.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record, self.scrubber)
        return True
