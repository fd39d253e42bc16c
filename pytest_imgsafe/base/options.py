"""The names of pytest-imgsafe's command-line options and ini keys, and the argparse types that
check their values while pytest parses the command line (a bad value is a usage error naming the
option, before anything runs).

Read when pytest parses its options on every run, with or without ``--imgsafe``: only the
standard library here.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from .sampling import parse_days as parse_days  # the options' types, with the others
from .sampling import parse_sample as parse_sample
from .shards import parse_shard as parse_shard

RECORD_MODES: tuple[str, ...] = ("none", "once", "new_episodes", "all")
"""vcrpy's record modes, as ``--imgsafe-record-mode``, the ini key and the marker take them."""
RECORD_MARKER_HELP = (
    "imgsafe_record(mode=None, cassette=None): per-test options of the imgsafe_client fixture: "
    "the record mode (none, once, new_episodes, all) and the cassette's name"
)
OPT_ENABLE = "--imgsafe"
OPT_RECORD_MODE = "--imgsafe-record-mode"
OPT_LIVE = "--imgsafe-live"
OPT_TARGET = "--imgsafe-target"
OPT_SEED = "--imgsafe-seed"
OPT_REPORT = "--imgsafe-report"
OPT_HISTORY = "--imgsafe-history"
OPT_BUDGET = "--imgsafe-budget-usd"
OPT_MAX_BLOCKS = "--imgsafe-max-blocks"
OPT_EXPLAIN = "--imgsafe-explain"
OPT_EXPLAIN_BUDGET = "--imgsafe-explain-budget"
OPT_APPEAL = "--imgsafe-appeal"
OPT_SAVE_FAILURES = "--imgsafe-save-failures"
OPT_MAX_ERROR_RATE = "--imgsafe-max-error-rate"
OPT_RERUN_ERRORS = "--imgsafe-rerun-errors"
OPT_BLOCK_NETWORK = "--imgsafe-block-network"
OPT_SHARD = "--imgsafe-shard"
OPT_SAMPLE = "--imgsafe-sample"
OPT_ROTATE = "--imgsafe-rotate"
OPT_SAMPLE_SEED = "--imgsafe-sample-seed"
OPTIONS: tuple[str, ...] = (
    OPT_ENABLE,
    OPT_RECORD_MODE,
    OPT_LIVE,
    OPT_TARGET,
    OPT_SEED,
    OPT_REPORT,
    OPT_HISTORY,
    OPT_BUDGET,
    OPT_MAX_BLOCKS,
    OPT_EXPLAIN,
    OPT_EXPLAIN_BUDGET,
    OPT_APPEAL,
    OPT_SAVE_FAILURES,
    OPT_MAX_ERROR_RATE,
    OPT_RERUN_ERRORS,
    OPT_BLOCK_NETWORK,
    OPT_SHARD,
    OPT_SAMPLE,
    OPT_ROTATE,
    OPT_SAMPLE_SEED,
)
"""Every option the plugin adds; ``config.resolve_settings`` reads them all, and nothing else does."""

INI_ENABLE = "imgsafe"
INI_RECORD_MODE = "imgsafe_record_mode"
INI_TARGETS = "imgsafe_targets"
INI_KEYS: tuple[str, ...] = (INI_ENABLE, INI_RECORD_MODE, INI_TARGETS)

EXPLAIN_BUDGET_DEFAULT = 24


def _read(text: str, convert: type[int] | type[float], otherwise: str) -> Any:
    """``text`` as a number, or the argparse error ``'text' is not <otherwise>``."""
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {otherwise}") from None


def parse_error_rate(text: str) -> float:
    """``--imgsafe-max-error-rate``: a share in [0, 1] (0.05 tolerates one item in twenty)."""
    value: float = _read(
        text, float, "a number: give the share of items allowed to get no verdict, between 0 and 1 (e.g. 0.05)"
    )
    if math.isnan(value) or not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is outside [0, 1]: it is a share of the items (0.05 is 5%), not a percentage"
        )
    return value


def parse_usd(text: str) -> float:
    """``--imgsafe-budget-usd``: a spend limit in USD, 0 or more."""
    value: float = _read(text, float, "a number: give the most the run may spend, in USD (e.g. 5 or 0.50)")
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a spend limit: give USD, 0 or more (0 makes no paid call)")
    return value


def parse_count(text: str) -> int:
    """``--imgsafe-max-blocks``, ``--imgsafe-explain-budget``: a whole number, 0 or more."""
    value: int = _read(text, int, "a whole number: give a count, 0 or more")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is below 0: give a count, 0 or more")
    return value


def parse_history_dir(text: str) -> str:
    """``--imgsafe-history``: a folder. A file there is a usage error (the folder of reports was
    meant, not one report); a folder that does not exist yet is said in the run's summary (a first
    nightly run has no history), never silently ignored."""
    import os

    if os.path.exists(text) and not os.path.isdir(text):
        shown = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
        raise argparse.ArgumentTypeError(
            f"'{shown}' is a file, not a folder: give the folder that holds the earlier JSON reports"
        )
    return text


def parse_seed(text: str) -> int:
    """``--imgsafe-seed``: a whole number (any sign, as hypothesis takes it)."""
    value: int = _read(text, int, "a whole number: give the seed printed in the header of the run to repeat")
    return value
