"""``--imgsafe-appeal DIR``: a ready appeal for each false positive (pytest glue around plain data).

One Markdown file per block the corpus expected to pass, with the checklist of the domain notes
(6.1): the full error answer with its request id, the prompt, the time, the target and model,
the account (a label from ``[tool.imgsafe] account``, never a key), the business context (the
case's ``reason``), and the reproduction command with the outcomes seen so far. The answer is
scrubbed like a cassette: no key, no image bytes.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..base.advice import command
from ..base.files import write_output
from ..base.scrub import escape_line
from ..base.wire import Answer
from ..collect.corpus import Case
from ..judging.drift import item_history
from ..providers.outcome import Outcome
from ..providers.target import Target

if TYPE_CHECKING:
    from ..calls.runner import Runner


NO_ACCOUNT = '(set [tool.imgsafe] account = "..." to name it here)'


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "case"


@dataclass(frozen=True)
class AppealCase:
    """One false positive, as the appeal file needs it (built by the item; plain data)."""

    case: Case
    target: Target
    expected: str
    where: str
    """``file:line`` of the case."""
    nodeid: str
    answer: Answer | None
    outcomes: tuple[str, ...]
    triggers: tuple[tuple[str, ...], ...] = ()


def write_appeal(
    folder: Path, appeal: AppealCase, outcome: Outcome, runner: Runner, history: Sequence[Mapping[str, Any]] = ()
) -> Path:
    """Write (or overwrite) the appeal file of one item; returns its path."""
    settings = runner.settings
    target = appeal.target
    answer = appeal.answer
    scrubber = runner.scrubber()
    body: Any = None
    if answer is not None:
        raw = runner.cassette_filter(target).body(answer.body)
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
        try:
            body = json.loads(text)
        except ValueError:
            body = text[:4000]
    when = (
        answer.meta.get("recorded_at") if answer is not None and answer.meta.get("recorded_at") else None
    ) or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    outcomes = list(appeal.outcomes) or [outcome.label]
    earlier = [f"{night}: {label}" for night, label in item_history(history, appeal.case.id, target.name)]
    lines = [
        f"# Appeal: false positive on {target.model} ({target.name})",
        "",
        f"- **Request id:** {escape_line(outcome.request_id) if outcome.request_id else '(none in the answer)'}",
        f"- **Time:** {when}",
        f"- **Account:** {settings.account or NO_ACCOUNT}",
        f"- **Target:** {target.name}: {target.kind}, model {target.model}"
        + (f", Azure deployment {target.azure_deployment}, api-version {target.api_version}" if target.is_azure else "")
        + (f", params {json.dumps(dict(target.params), sort_keys=True)}" if target.params else ""),
        f"- **Outcome:** {outcome.label}, code {outcome.code}"
        + (f", categories {', '.join(outcome.categories)}" if outcome.categories else ""),
        f"- **Expected:** {appeal.expected} (corpus case `{appeal.case.id}`, {appeal.where})",
        "",
        "## Prompt",
        "",
        "```",
        appeal.case.prompt,
        "```",
        "",
        "## Business context",
        "",
        appeal.case.reason or "(add a `reason:` to the case: why this prompt is needed)",
        "",
        "## Reproduction",
        "",
        "```sh",
        command(appeal.nodeid, live=True),
        "```",
        "",
        f"Outcomes in this run: {', '.join(outcomes)}" + (f"; earlier runs: {'; '.join(earlier)}" if earlier else ""),
        "",
        "## Full error answer",
        "",
        "```json",
        json.dumps(body, indent=2, sort_keys=True) if not isinstance(body, str) else body,
        "```",
    ]
    if appeal.triggers:
        lines += [
            "",
            "## Triggering words (--imgsafe-explain)",
            "",
            *[f"- {' + '.join(core)}" for core in appeal.triggers],
        ]
    path = folder / f"{_slug(appeal.case.id)}--{_slug(target.name)}.md"
    # shown, as the terminal and the reports show it: a provider's request id or a prompt cannot
    # put raw escape sequences into a file people `cat` and paste into a ticket
    write_output(path, scrubber.shown("\n".join(lines) + "\n"))
    return path
