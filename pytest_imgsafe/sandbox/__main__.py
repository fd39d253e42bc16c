"""``python -m pytest_imgsafe.sandbox``: run the sandbox until Ctrl-C or SIGTERM.

The first line on stdout is the base URL an OpenAI client takes (it ends in ``/v1``), printed
once the server accepts connections, so a script can read it:
``OPENAI_BASE_URL=$(python -m pytest_imgsafe.sandbox --port 0 | head -n1)`` (the server then goes
on in the background, and stderr says which process to stop). The root URL (the
Azure endpoint, google-genai's ``base_url``, the Content Safety endpoint) is that URL without
``/v1``; stderr says so for a person reading the terminal.
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import stat
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


def _whole(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None


def _positive(value: str) -> int:
    number = _whole(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be positive")
    return number


def _port(value: str) -> int:
    """A TCP port, 0 (a free one) to 65535: a usage error, not the socket's traceback."""
    number = _whole(value)
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port: give 0 to 65535 (0 picks a free one)")
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
    parser.add_argument("--port", type=_port, default=0, help="port; 0 picks a free one (default 0)")
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
        help=f"close a connection that has not sent a whole request within S seconds (default {IDLE_TIMEOUT_S:g})",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run until interrupted; returns the exit status."""
    args = build_parser().parse_args(argv)
    if hasattr(os, "fork") and stat.S_ISFIFO(os.fstat(sys.stdout.fileno()).st_mode):
        return _relay(args)
    return _serve(args)


def _relay(args: argparse.Namespace) -> int:
    """Serve from a child process and pass its output on, for a reader that may stop reading.

    ``$(python -m pytest_imgsafe.sandbox | head -n1)`` waits for every command of the pipeline to
    end, and a server never ends: so the server runs in a child of its own session, this process
    passes its stdout and stderr on, and once the reader of stdout has gone (head has its line)
    this process ends and leaves the server running with its output sent nowhere (a CI step that
    captures the output is not held open by it), saying on stderr how to stop it. While the
    reader stays, a signal to this process stops the server, and this process ends with it.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the server
        os.close(out_read)
        os.close(err_read)
        os.setsid()
        os.dup2(out_write, sys.stdout.fileno())
        os.dup2(err_write, sys.stderr.fileno())
        os.close(out_write)
        os.close(err_write)
        signal.signal(signal.SIGUSR1, lambda *_: _output_to_nowhere())
        code = 1
        try:
            code = _serve(args)
        finally:
            os._exit(code)
    os.close(out_write)
    os.close(err_write)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda number, _frame: os.kill(pid, number))
    out, err = sys.stdout.fileno(), sys.stderr.fileno()
    targets = {out_read: out, err_read: err}
    watch = select.poll()
    for fd in targets:
        watch.register(fd, select.POLLIN)
    watch.register(out, 0)  # POLLERR: nobody reads our stdout any more
    while targets:
        events = dict(watch.poll())
        gone = bool(events.get(out, 0) & (select.POLLERR | select.POLLHUP))
        for source in [fd for fd in targets if events.get(fd)]:
            data = os.read(source, 65536)
            if not data:  # the server has closed it (it has ended)
                watch.unregister(source)
                os.close(source)
                del targets[source]
                continue
            try:
                os.write(targets[source], data)
            except BrokenPipeError:
                gone = True
        if gone:
            os.kill(pid, signal.SIGUSR1)
            print(f"sandbox: serving in the background as process {pid}; kill {pid} stops it", file=sys.stderr)
            return 0
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def _output_to_nowhere() -> None:
    """The detached server's stdout and stderr, once nobody reads them: /dev/null."""
    nowhere = os.open(os.devnull, os.O_WRONLY)
    os.dup2(nowhere, sys.stdout.fileno())
    os.dup2(nowhere, sys.stderr.fileno())
    os.close(nowhere)


def _serve(args: argparse.Namespace) -> int:
    """Serve in this process until Ctrl-C or SIGTERM."""
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
