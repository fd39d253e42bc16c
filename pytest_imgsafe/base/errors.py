"""The error of a bad setting, shared by every module that checks one."""

from __future__ import annotations


class ConfigError(Exception):
    """A bad setting; the message names the key (and the file or rule) and the fix.

    Raised by ``collect.config`` for ``[tool.imgsafe]`` and the options, by each provider kind
    for its own keys and params, and by ``providers.rules`` for ``[[tool.imgsafe.answers]]``."""
