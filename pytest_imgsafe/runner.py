"""Case + target -> answer -> outcome, from a cassette or an endpoint.

The run-wide state of a session (settings, one SDK client per target, the scrubber) lives in a
:class:`Runner`; ``plugin.py`` keeps one in ``config.stash``. No pytest here: errors are this
module's own exceptions, which the items turn into reports.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .config import Settings, Target
from .corpus import Case
from .outcome import ApiError, Outcome, classify
from .recording import Scrubber, cassette_path, load_cassette, record, spec_key
from .targets import Answer, build_request, call, make_client

if TYPE_CHECKING:
    from openai import OpenAI


class ImgsafeError(Exception):
    """An item could not get a verdict; the message is the whole story."""


class Unrecorded(ImgsafeError):
    """No recording for this request, and the run may not record."""


@dataclass
class Result:
    """One item's verdict (or why it has none), for the failure text and the summary."""

    answer: Answer | None = None
    outcome: Outcome | None = None
    error: ApiError | None = None

    @property
    def source(self) -> str:
        """Where the answer came from (a cassette, or the URL that was called)."""
        if self.answer is not None:
            return self.answer.source
        return "no answer"


@dataclass
class Runner:
    """Gets answers for items: replay, record or live, as the settings say."""

    settings: Settings
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    _clients: dict[str, OpenAI] = field(default_factory=dict)
    _scrubber: Scrubber | None = None

    @property
    def mode(self) -> str:
        """``live``, ``replay`` or ``record:<vcr mode>``."""
        if self.settings.live:
            return "live"
        return "replay" if self.settings.record_mode == "none" else f"record:{self.settings.record_mode}"

    def scrubber(self) -> Scrubber:
        """The scrubber, knowing every configured key's value so none is ever written."""
        if self._scrubber is None:
            secrets = {self.env.get(t.api_key_env, "") for t in self.settings.targets.values()}
            self._scrubber = Scrubber(frozenset(s for s in secrets if len(s) >= 4), self.settings.store_images)
        return self._scrubber

    def client(self, target: Target) -> OpenAI:
        """One SDK client per target per session, never per item."""
        client = self._clients.get(target.name)
        if client is None:
            client = self._clients[target.name] = make_client(target, self.env)
        return client

    def run(self, case: Case, target_name: str, nodeid: str) -> Result:
        """The outcome of one case on one target; raises :class:`ImgsafeError` if unrecorded."""
        target = self.settings.targets[target_name]
        spec = build_request(target, case.prompt, case.params, case.images, case.mask)
        path = cassette_path(self.settings.cassettes, target_name, case.id)
        if self.settings.live:
            try:
                answer = call(self.client(target), spec)
            except ApiError as err:
                return Result(None, None, err)
        elif self.settings.record_mode == "none":
            cassette = load_cassette(path, self._rel(path))
            found = cassette.answer(spec_key(spec)) if cassette is not None else None
            if found is None:
                raise Unrecorded(self._unrecorded_message(case, target_name, nodeid, path, exists=cassette is not None))
            answer = found
        else:
            recorded = self._record(path, target, spec, case, target_name, nodeid)
            if isinstance(recorded, Result):
                return recorded
            answer = recorded
        try:
            return Result(answer, classify(answer.status, answer.body, answer.headers))
        except ApiError as err:
            return Result(answer, None, err)

    def _record(self, path: Any, target: Target, spec: Any, case: Case, target_name: str, nodeid: str) -> Answer | Result:
        from vcr.errors import CannotOverwriteExistingCassetteException

        try:
            return record(path, self.settings.record_mode, self.scrubber(), lambda: call(self.client(target), spec))
        except ApiError as err:
            return Result(None, None, err)
        except CannotOverwriteExistingCassetteException:
            raise Unrecorded(
                f"case {case.id!r} on target {target_name!r} changed since it was recorded in {self._rel(path)}, "
                f"and record mode {self.settings.record_mode!r} does not overwrite an existing cassette.\n"
                f"Re-record it with:\n  {self.command(nodeid, 'all')}"
            ) from None

    def _unrecorded_message(self, case: Case, target_name: str, nodeid: str, path: Any, *, exists: bool) -> str:
        target = self.settings.targets[target_name]
        why = (
            f"{self._rel(path)} holds no answer for this request (the prompt, params or target changed since it was recorded)"
            if exists
            else f"there is no cassette {self._rel(path)}"
        )
        needs = [target.api_key_env] + [e for e in (target.base_url_env, target.azure_endpoint_env) if e]
        return (
            f"no recording of case {case.id!r} for target {target_name!r}: {why}.\n"
            f"Record it (needs {', '.join(needs)} set) with:\n"
            f"  {self.command(nodeid, 'all' if exists else 'once')}"
        )

    def command(self, nodeid: str, record_mode: str | None = None, live: bool = False) -> str:
        """The one command that re-records (or reproduces live) this item."""
        parts = ["pytest", "--imgsafe"]
        if live:
            parts.append("--imgsafe-live")
        elif record_mode:
            parts.append(f"--imgsafe-record-mode={record_mode}")
        parts.append(nodeid)
        return " ".join(shlex.quote(p) for p in parts)

    def _rel(self, path: Any) -> str:
        try:
            return str(path.relative_to(self.settings.rootpath))
        except ValueError:
            return str(path)
