"""``python -m pytest_imgsafe.sandbox``: run the sandbox until Ctrl-C or SIGTERM.

The first line on stdout is the base URL an OpenAI client takes (it ends in ``/v1``), printed
once the server accepts connections, so a script can read it:
``OPENAI_BASE_URL=$(python -m pytest_imgsafe.sandbox --port 0 | head -n1)``. The root URL (the
Azure endpoint, google-genai's ``base_url``, the Content Safety endpoint) is that URL without
``/v1``; stderr says so for a person reading the terminal.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from . import policy
from .faults import FaultSpec
from .server import FLAVOURS, IDLE_TIMEOUT_S, MAX_BODY_BYTES, Sandbox


def _latency(value: str) -> tuple[float, float]:
    mean, _, jitter = value.partition(":")
    try:
        result = float(mean), float(jitter or 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not MEAN[:JITTER] in milliseconds, e.g. 300:50") from None
    if result[0] < 0 or not 0 <= result[1] <= result[0]:
        raise argparse.ArgumentTypeError(f"{value!r}: need 0 <= JITTER <= MEAN")
    return result


def _faults(value: str) -> FaultSpec:
    try:
        return FaultSpec.parse(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be positive")
    return number


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not number > 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r} must be a positive number of seconds")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The command line of the sandbox."""
    parser = argparse.ArgumentParser(
        prog="python -m pytest_imgsafe.sandbox",
        description="Serve an OpenAI- and Azure-compatible image and moderation API, Google's native "
        "Gemini and Imagen endpoints and Azure AI Content Safety's text:analyze on loopback, with the "
        "safety policies of the domain notes, faults and drift. Prints the OpenAI base URL (ending in /v1).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default 0)")
    parser.add_argument(
        "--profile",
        choices=policy.profiles(),
        default=None,
        help="force one policy profile for every model (default: the model name picks it)",
    )
    parser.add_argument(
        "--policy-version",
        type=int,
        choices=policy.versions(),
        default=1,
        help="policy version; other versions change decisions for a documented subset (default 1)",
    )
    parser.add_argument("--flavour", choices=FLAVOURS, default=None, help="force one answer shape on the OpenAI paths")
    parser.add_argument("--rpm", type=_positive, default=None, help="enforce N requests per minute with 429s")
    parser.add_argument(
        "--faults",
        type=_faults,
        default=FaultSpec(),
        help='fault probabilities, e.g. "429:0.1,503:0.02,500:0.01,drop:0.01,slow:0.05,badjson:0.01,quota:0.01"',
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for faults and latency jitter (default 0)")
    parser.add_argument(
        "--latency-ms", type=_latency, default=(0.0, 0.0), metavar="MEAN[:JITTER]", help="delay every answer"
    )
    parser.add_argument("--slow-ms", type=float, default=1500.0, help="extra delay of a 'slow' fault (default 1500)")
    parser.add_argument(
        "--retry-after-ms", type=int, default=20, help="Retry-After sent with injected 429/5xx faults (default 20)"
    )
    parser.add_argument("--api-key", action="append", default=None, help="accept only this key (repeatable)")
    parser.add_argument("--log", default=None, metavar="PATH", help="append the request log as JSON lines")
    parser.add_argument(
        "--output-filter-rate",
        type=float,
        default=1.0,
        metavar="P",
        help="filter only this share of the generated images that the output "
        "stage would filter (seeded per prompt and repeat; default 1)",
    )
    parser.add_argument(
        "--suspend-after-blocks",
        type=int,
        default=None,
        metavar="N",
        help="after N blocked answers, answer every request with 403 'organization suspended'",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=_positive,
        default=MAX_BODY_BYTES,
        metavar="N",
        help=f"answer 413 to request bodies larger than N bytes (default {MAX_BODY_BYTES})",
    )
    parser.add_argument(
        "--idle-timeout",
        type=_seconds,
        default=IDLE_TIMEOUT_S,
        metavar="S",
        help=f"close a connection that sends nothing for S seconds (default {IDLE_TIMEOUT_S:g})",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run until interrupted; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        sandbox = Sandbox(
            args.host,
            args.port,
            profile=args.profile,
            policy_version=args.policy_version,
            flavour=args.flavour,
            faults=args.faults,
            seed=args.seed,
            rpm=args.rpm,
            latency_ms=args.latency_ms[0],
            latency_jitter_ms=args.latency_ms[1],
            slow_ms=args.slow_ms,
            fault_retry_after_ms=args.retry_after_ms,
            output_filter_rate=args.output_filter_rate,
            suspend_after_blocks=args.suspend_after_blocks,
            api_keys=args.api_key,
            log_path=args.log,
            max_body_bytes=args.max_body_bytes,
            idle_timeout_s=args.idle_timeout,
        )
        sandbox.start()
    except (ValueError, OSError) as err:
        print(f"sandbox: {err}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    # stdout: the one line a script reads; stderr: what a person needs to point the other SDKs.
    print(sandbox.openai_base_url, flush=True)
    print(
        f"sandbox: OpenAI base_url {sandbox.openai_base_url}; Azure endpoint, google-genai base_url and "
        f"Content Safety endpoint {sandbox.base_url}; Ctrl-C stops it",
        file=sys.stderr,
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
