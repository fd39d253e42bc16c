"""A team's own code under test: the SDK client of a configured target, recorded per test.

``imgsafe_client("NAME")`` (the fixture in ``plugin.py``) hands out the official SDK client of
target NAME. Every call it makes during the test goes through one vcrpy cassette per test,
``<cassettes>/tests/<test file>/<test name>.json``, with the corpora's rules: the same record
modes (default ``none``: replay, and a request with no recording never reaches the network), the
same scrubbing and image placeholders, only verdicts recorded, and the file written atomically
when the test is done.

A request with no recording fails the test with a message naming it and the command that records
it, even when the team's code caught the SDK's error (a fallback function usually does).

No pytest here: :class:`RecordedClients` is a context manager the fixture wraps.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from ..base.advice import command
from ..collect.config import Settings, scrubber_for
from ..providers.registry import kind_of
from ..providers.target import Target
from .recording import CassetteFilter, PlayableSerializer, Recorder, http_key

REPLAY_KEY = "imgsafe-replay-no-key"
"""What the SDK is given as its key in replay when none is set: it never leaves the process."""
REPLAY_ENDPOINT = "https://replay.invalid"
"""A target's endpoint in replay when its variable is not set (cassettes match on the request, not the host)."""


class UnrecordedRequests(Exception):
    """A test's client asked what its cassette does not hold, in a mode that may not record."""


@dataclass
class RecordedClients:
    """The clients of one test and the cassette they share."""

    settings: Settings
    env: dict[str, str]
    nodeid: str
    path: Path
    shown: str
    mode: str
    _recorder: Recorder | None = None
    _context: Any = None
    _seen: list[tuple[str, str]] = field(default_factory=list)
    _recorded: set[str] = field(default_factory=set)
    _clients: list[Any] = field(default_factory=list)
    _dropped: dict[str, int] = field(default_factory=dict)

    def __enter__(self) -> RecordedClients:
        cassette_filter = CassetteFilter(
            scrubber_for(self.settings, self.env), self.settings.store_images, keep_playable=True
        )

        last_key = [""]

        def note(request: Any) -> Any:
            # every request the test sends passes here before it is matched: remember its key
            key = last_key[0] = http_key(request.uri, request.body)
            if all(key != seen for seen, _ in self._seen):
                self._seen.append(
                    (key, cassette_filter.text(f"{request.method} {request.uri}{_summary(request.body)}"))
                )
            return cassette_filter.before_record_request(request)

        def keep(response: dict[str, Any]) -> dict[str, Any] | None:
            # vcrpy hands over the answer right after its request: a dropped one is no verdict
            status = int(response["status"]["code"])
            kept = cassette_filter.before_record_response(response)
            if kept is None:
                self._dropped[last_key[0]] = status
            return kept

        self._recorder = Recorder(self.path, cassette_filter, fresh=self.mode == "all", serializer=PlayableSerializer)
        self._recorded = self._recorder.keys()
        self._context = self._recorder.cassette(
            self.mode, allow_playback_repeats=True, before_record_request=note, before_record_response=keep
        )
        self._context.__enter__()
        return self

    def client(self, name: str, *, async_client: bool = False) -> Any:
        """The SDK client of target ``name`` (``AsyncOpenAI``/``AsyncAzureOpenAI`` with ``async_client``)."""
        from ..providers.registry import make_client

        target = self._target(name)
        env = self.env
        if self.mode == "none":
            # Replay: an answer that is not there will not come by retrying, and no key is needed
            # (nothing reaches the network), but the SDK will not build a client without one.
            target = _without_retries(target)
            if not env.get(target.api_key_env):
                env = {**env, target.api_key_env: REPLAY_KEY}
            endpoint_env = target.azure_endpoint_env or target.base_url_env
            if endpoint_env and not target.resolve_base_url(env):
                env = {**env, endpoint_env: REPLAY_ENDPOINT}
        try:
            made = make_client(target, env, async_client=async_client)
        except TypeError as err:  # a kind without the asked client (content-safety has no async one)
            raise KeyError(f"imgsafe_client({name!r}, async_client={async_client}): {err}") from None
        self._clients.append(made)
        return made

    def _target(self, name: str) -> Target:
        targets = self.settings.targets
        if name not in targets:
            from ..base.text import did_you_mean

            raise KeyError(
                f"imgsafe_client({name!r}): no such target{did_you_mean(name, tuple(targets))}; "
                f"configured targets: {', '.join(targets)}"
            )
        target = targets[name]
        if not kind_of(target.kind).calls_endpoint:
            from ..providers.registry import KINDS

            callers = ", ".join(n for n, k in KINDS.items() if k.calls_endpoint and k.target)
            raise KeyError(
                f"imgsafe_client({name!r}): target kind {target.kind!r} has no SDK client; "
                f"use a target of kind {callers}"
            )
        return target

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        for made in self._clients:
            close = getattr(made, "close", None)
            if callable(close) and not _is_coroutine_function(close):
                close()
        assert self._recorder is not None
        if kind is not None and not issubclass(kind, Exception):
            self._context.__exit__(kind, value, tb)
            return  # interrupted: the old cassette stays as it was
        try:
            self._context.__exit__(None, None, None)  # what the test recorded is kept even if it failed
        finally:
            self._recorder.save()
        self._recorded |= self._recorder.keys()
        missing = self._missing(lambda key: True)
        if missing and self.mode in ("none", "once"):
            raise UnrecordedRequests(self.unrecorded_message(missing))

    def unrecorded_so_far(self) -> str | None:
        """While the test runs: what it asked that its cassette does not hold and this mode will not
        record (every request in replay, answers that were no verdict when recording), as the
        message :meth:`__exit__` would raise; None when there is nothing."""
        if self.mode not in ("none", "once"):
            return None
        missing = self._missing(lambda key: self.mode == "none" or key in self._dropped)
        return self.unrecorded_message(missing) if missing else None

    def _missing(self, counted: Callable[[str], bool]) -> list[str]:
        """The requests seen and not recorded (of those ``counted`` keeps), each as shown in the
        message, with why an answer was not recorded where it was no verdict."""
        return [
            shown
            + (
                f"\n    answered HTTP {self._dropped[key]}, which is not a safety verdict: never recorded"
                if key in self._dropped
                else ""
            )
            for key, shown in self._seen
            if key not in self._recorded and counted(key)
        ]

    def unrecorded_message(self, missing: list[str]) -> str:
        """What a test asked that its cassette does not hold, and the command that records it."""
        why = f"{self.shown} holds no answer for" if self.path.exists() else f"there is no cassette {self.shown} for"
        mode = "once" if not self.path.exists() else "new_episodes"
        return (
            f"test {self.nodeid}: {why} {len(missing)} request(s) its imgsafe_client made:\n"
            + "".join(f"  {line}\n" for line in missing[:10])
            + (f"  ... and {len(missing) - 10} more\n" if len(missing) > 10 else "")
            + "Record them (needs the targets' key variables set) with:\n"
            + f"  {command(self.nodeid, mode, corpus_run=False)}"
        )


def cassette_for(cassettes: Path, nodeid: str, name: str | None = None) -> Path:
    """The cassette of one test: ``tests/<test file without .py>/<test name>.json`` under ``cassettes``.

    The test file's path is kept, less a leading ``tests/`` (``tests/test_x.py`` records into
    ``cassettes/tests/test_x/``, not ``cassettes/tests/tests/test_x/``); a cassette recorded
    where earlier versions put it is still used. Test names can hold any character (parameters):
    they are reduced to a safe file name, with a short hash where anything was changed so two
    tests never share a file.
    """
    file_part, _, test_part = nodeid.partition("::")
    stem = Path(file_part).with_suffix("")
    parts = [_safe(p) for p in stem.parts if p not in ("", ".", "..")]
    base = name or test_part.replace("::", ".") or stem.name
    safe = _safe(base)
    if safe != base or len(safe) > 100:
        safe = f"{safe[:80]}-{hashlib.sha256(base.encode()).hexdigest()[:10]}"
    earlier = cassettes / "tests" / Path(*parts) / f"{safe}.json"
    if len(parts) < 2 or parts[0] != "tests":
        return earlier
    path = cassettes / "tests" / Path(*parts[1:]) / f"{safe}.json"
    return earlier if earlier.exists() and not path.exists() else path


def _summary(body: Any) -> str:
    """`` (model M, prompt '...')`` for a JSON request body; empty for anything else."""
    try:
        data = json.loads(body) if isinstance(body, (bytes, str)) and body else None
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    text = data.get("prompt") or data.get("input")
    parts = [f"model {data['model']}"] if isinstance(data.get("model"), str) else []
    if isinstance(text, str):
        parts.append(f"prompt {text[:60] + ('...' if len(text) > 60 else '')!r}")
    return f" ({', '.join(parts)})" if parts else ""


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "test"


def _without_retries(target: Target) -> Target:
    import dataclasses

    return dataclasses.replace(target, max_retries=0)


def _is_coroutine_function(func: Any) -> bool:
    import inspect

    return inspect.iscoroutinefunction(func)


__all__ = ["RecordedClients", "UnrecordedRequests", "cassette_for"]
