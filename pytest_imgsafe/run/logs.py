"""pytest's log handlers get the run's scrubber: what ``--log-file``, ``log_cli``, ``caplog`` and
the captured-log sections show is scrubbed at the one place every record passes.

The handlers belong to pytest's logging plugin (``logging-plugin``), made at its configure: an
``--imgsafe`` run attaches its filter at session start, before any call is made; a test that
uses ``imgsafe_client`` attaches it (or teaches it that test's secrets) when the fixture is set
up. Without the logging plugin (``-p no:logging``) there is nothing to attach to.
"""

from __future__ import annotations

import logging

import pytest

from ..base.log_scrub import ScrubbingFilter
from ..base.scrub import Scrubber

LOG_FILTER = pytest.StashKey[ScrubbingFilter]()
"""The run's one log filter, once it is attached to the logging plugin's handlers."""
HANDLERS = ("log_file_handler", "log_cli_handler", "caplog_handler", "report_handler")
"""The logging plugin's handlers: the log file, live logs, ``caplog``, the report's sections."""


def scrub_logs(config: pytest.Config, scrubber: Scrubber) -> None:
    """Every record pytest's log handlers write or print passes ``scrubber`` from now on (and
    every scrubber given before)."""
    attached = config.stash.get(LOG_FILTER, None)
    if attached is not None:
        attached.learn(scrubber)
        return
    plugin = config.pluginmanager.get_plugin("logging-plugin")
    if plugin is None:
        return
    log_filter = ScrubbingFilter(scrubber)
    for name in HANDLERS:
        handler = getattr(plugin, name, None)
        if isinstance(handler, logging.Handler):
            handler.addFilter(log_filter)
    config.stash[LOG_FILTER] = log_filter
