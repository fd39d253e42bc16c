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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._files import write_atomic
from .outcome import Outcome

if TYPE_CHECKING:
    from .items import CaseItem


NO_ACCOUNT = '(set [tool.imgsafe] account = "..." to name it here)'


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "case"


def write_appeal(folder: Path, item: CaseItem, outcome: Outcome) -> Path:
    """Write (or overwrite) the appeal file of one item; returns its path."""
    from .state import run_state

    state = run_state(item.config)
    runner = state.runner
    settings = state.settings
    target = settings.targets[item.target]
    answer = item.result.answer if item.result else None
    scrubber = runner.scrubber()
    body: Any = None
    if answer is not None:
        raw = runner.cassette_filter().body(answer.body)
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
        try:
            body = json.loads(text)
        except ValueError:
            body = text[:4000]
    when = (answer.meta.get("recorded_at") if answer is not None and answer.meta.get("recorded_at") else None) or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    outcomes = [o.label for o in (item.result.outcomes if item.result else [])] or [outcome.label]
    history = []
    for report in state.history:
        for row in report.get("results", []):
            if row.get("case") == item.case.id and row.get("target") == item.target and row.get("actual"):
                history.append(f"{report['run']['finished']}: {row['actual']}")
    lines = [
        f"# Appeal: false positive on {target.model} ({item.target})",
        "",
        f"- **Request id:** {outcome.request_id or '(none in the answer)'}",
        f"- **Time:** {when}",
        f"- **Account:** {settings.account or NO_ACCOUNT}",
        f"- **Target:** {item.target}: {target.kind}, model {target.model}"
        + (f", Azure deployment {target.azure_deployment}, api-version {target.api_version}" if target.is_azure else "")
        + (f", params {json.dumps(dict(target.params), sort_keys=True)}" if target.params else ""),
        f"- **Outcome:** {outcome.label}, code {outcome.code}" + (f", categories {', '.join(outcome.categories)}" if outcome.categories else ""),
        f"- **Expected:** {item.expected_text} (corpus case `{item.case.id}`, {item.shown_path}:{item.case.line})",
        "",
        "## Prompt",
        "",
        "```",
        item.case.prompt,
        "```",
        "",
        "## Business context",
        "",
        item.case.reason or "(add a `reason:` to the case: why this prompt is needed)",
        "",
        "## Reproduction",
        "",
        "```sh",
        runner.command(item.nodeid, live=True),
        "```",
        "",
        f"Outcomes in this run: {', '.join(outcomes)}" + (f"; earlier runs: {'; '.join(history)}" if history else ""),
        "",
        "## Full error answer",
        "",
        "```json",
        json.dumps(body, indent=2, sort_keys=True) if not isinstance(body, str) else body,
        "```",
    ]
    if item.explanation is not None and not item.explanation.problem:
        lines += ["", "## Triggering words (--imgsafe-explain)", "", *[f"- {' + '.join(core)}" for core in item.explanation.triggers]]
    path = folder / f"{_slug(item.case.id)}--{_slug(item.target)}.md"
    write_atomic(path, scrubber.text("\n".join(lines) + "\n"))
    return path
