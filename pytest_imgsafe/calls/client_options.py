"""What one ``imgsafe_client`` test records and where: its marks, its config fixture and the
command line, resolved once (pure), with pytest-recording's conventions where they fit.

Precedence, highest first (pytest-recording's own order: the test, then the command line, then
the fixture): the test's ``@pytest.mark.imgsafe_record(mode=...)``, then its
``@pytest.mark.vcr(record_mode=...)``, then ``--imgsafe-record-mode``, then pytest-recording's
``--record-mode`` when that plugin is installed, then the ``imgsafe_vcr_config`` fixture's
``record_mode``, then the ``imgsafe_record_mode`` ini key, then ``none``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..base.options import RECORD_MODES

MARKER_KEYS = ("mode", "cassette")
CONFIG_KEYS = ("record_mode", "cassette_library_dir")


@dataclass(frozen=True)
class ClientOptions:
    """One test's record mode (None: the ini key's, else none), cassette name and cassette folder."""

    mode: str | None = None
    cassette: str | None = None
    cassette_dir: Path | None = None


class ClientOptionsError(ValueError):
    """A mark or the config fixture holds what the fixture does not take; the message says what does."""


def client_options(
    imgsafe_mark: Mapping[str, Any],
    vcr_mark: Mapping[str, Any],
    vcr_config: Mapping[str, Any],
    cli_mode: str | None,
    recording_cli_mode: str | None,
    rootpath: Path,
) -> ClientOptions:
    """The options of one test (see the module's precedence); raises :class:`ClientOptionsError`."""
    unknown = set(imgsafe_mark) - set(MARKER_KEYS)
    if unknown:
        raise ClientOptionsError(
            f"@pytest.mark.imgsafe_record takes mode= and cassette=, not {', '.join(sorted(unknown))}"
        )
    unknown = set(vcr_config) - set(CONFIG_KEYS)
    if unknown:
        raise ClientOptionsError(
            f"imgsafe_vcr_config returned {', '.join(sorted(unknown))}: it takes {', '.join(CONFIG_KEYS)} "
            "(matching and scrubbing are the plugin's own, the same as the corpora's)"
        )
    for where, mode in (
        ("@pytest.mark.imgsafe_record(mode={!r})", imgsafe_mark.get("mode")),
        ("@pytest.mark.vcr(record_mode={!r})", vcr_mark.get("record_mode")),
        ("imgsafe_vcr_config: record_mode {!r}", vcr_config.get("record_mode")),
        ("--record-mode {!r}", recording_cli_mode),
    ):
        if mode is not None and mode not in RECORD_MODES:
            raise ClientOptionsError(f"{where.format(mode)}: use one of {', '.join(RECORD_MODES)}")
    chosen = next(
        (
            m
            for m in (
                imgsafe_mark.get("mode"),
                vcr_mark.get("record_mode"),
                cli_mode,
                recording_cli_mode,
                vcr_config.get("record_mode"),
            )
            if m is not None
        ),
        None,
    )
    folder = vcr_config.get("cassette_library_dir")
    return ClientOptions(
        mode=chosen,
        cassette=imgsafe_mark.get("cassette"),
        cassette_dir=(rootpath / str(folder)) if folder is not None else None,
    )
