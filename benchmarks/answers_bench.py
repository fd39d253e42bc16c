"""How well classify() reads real answers it was never fitted to.

    python benchmarks/answers_bench.py --answers DIR [--verbose]

DIR holds answer tables in the format of tests/data/answers (YAML lists of entries with id,
source, kind, status, headers, body and label). Each answer is read for the target kind it was
answered to (``kind``; ``unknown`` or none: read without one) and, when an entry says so, for the
provider its target was configured for (``provider: azure``), and compared with its label:

- verdicts read right: the share of answers labelled pass or block read with the labelled
  verdict, stage and filter, where a pass's filter is compared only when its label names one
  (and the share with the right verdict and stage, the filter aside). A pass's ``filter`` is the
  filter it went through (see ``Outcome.filter``): a collector who labels a pass ``filter: null``
  names none, which is no claim that none answered;
- non-verdicts read as pass or block: answers labelled as an error that came out a verdict (the
  count that must be 0: a non-verdict is never counted);
- successes read as block: answers labelled pass that came out a block (must be 0);
- read by the general layer: verdicts no exact reader knew the shape of (shapes worth adding).

Two more lines, where the labels call for them:

- a pass labelled with no filter (``filter: null``; a collector may name a filter for blocks
  only): the verdicts read right with every label's filter compared as written, a pass's
  ``null`` too (how the first line counted before the pass's filter was defined);
- an entry the project reads otherwise on purpose keeps its collector's label and says how it is
  read in ``read_as`` (with the reason in its note): it counts as a miss above, and how many of
  them are read as decided is printed apart.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from pytest_imgsafe import ApiError, classify  # noqa: E402


def load(folder: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            entries.append({**entry, "family": path.stem})
    return entries


def read(entry: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """What classify reads: {verdict, stage, filter} or {error}, and which reader found a verdict."""
    kind = entry.get("kind")
    try:
        outcome = classify(
            entry["status"],
            entry["body"],
            entry.get("headers"),
            kind=None if kind in (None, "unknown") else kind,
            provider=entry.get("provider"),
        )
    except ApiError as err:
        return {"error": err.kind}, None
    return {"verdict": outcome.verdict, "stage": outcome.stage, "filter": outcome.filter}, outcome.read_by


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=Path, required=True, help="a folder of answer tables (*.yaml)")
    parser.add_argument("--verbose", action="store_true", help="print every answer read wrong")
    args = parser.parse_args(argv)
    entries = load(args.answers)
    no_status = [e["id"] for e in entries if not isinstance(e.get("status"), int)]
    if no_status:  # an answer always comes with one; a source that did not show it cannot be read
        print(f"left out, no HTTP status in the source: {', '.join(no_status)}")
        entries = [e for e in entries if isinstance(e.get("status"), int)]
    if not entries:
        print(f"no answers in {args.answers}", file=sys.stderr)
        return 2
    verdicts = right = right_verdict_stage = right_as_written = unnamed_passes = 0
    errors = errors_right = decided = decided_right = 0
    non_verdict_as_verdict = pass_as_block = general = by_rule = 0
    misses: list[str] = []
    for entry in entries:
        label = entry["label"]
        got, read_by = read(entry)
        if "read_as" in entry:
            decided += 1
            decided_right += got == {k: entry["read_as"].get(k) for k in got}
        general += read_by == "general"
        by_rule += read_by == "rule"
        if "error" in label:
            errors += 1
            errors_right += got.get("error") == label["error"]
            if "error" not in got:
                non_verdict_as_verdict += 1
                misses.append(f"NON-VERDICT READ AS {got['verdict'].upper()}: {entry['id']} ({entry['family']})")
            elif got["error"] != label["error"]:
                misses.append(f"error kind {got['error']} for {label['error']}: {entry['id']}")
            continue
        verdicts += 1
        wanted = {k: label.get(k) for k in ("verdict", "stage", "filter")}
        unnamed = wanted["verdict"] == "pass" and wanted["filter"] is None
        unnamed_passes += unnamed
        right_as_written += got == wanted
        if got == wanted or (unnamed and got == {**wanted, "filter": got.get("filter")}):
            right += 1
        else:
            misses.append(f"{wanted} read as {got}: {entry['id']} ({entry['family']}, kind {entry.get('kind')})")
        if "verdict" in got and (got["verdict"], got["stage"]) == (wanted["verdict"], wanted["stage"]):
            right_verdict_stage += 1
        if label["verdict"] == "pass" and got.get("verdict") == "block":
            pass_as_block += 1
    share = right / verdicts if verdicts else 1.0
    print(f"answers: {len(entries)} ({verdicts} verdicts, {errors} non-verdicts) from {args.answers}")
    print(f"verdicts read right (verdict, stage and filter; a pass's where labelled): {right}/{verdicts} = {share:.1%}")
    if verdicts:
        loose = right_verdict_stage / verdicts
        print(f"verdicts read right (verdict and stage): {right_verdict_stage}/{verdicts} = {loose:.1%}")
    if unnamed_passes:
        print(
            f"verdicts read right, every filter as labelled (the {unnamed_passes} passes labelled with none too): "
            f"{right_as_written}/{verdicts} = {right_as_written / verdicts:.1%}"
        )
    print(f"non-verdicts read as pass or block: {non_verdict_as_verdict}")
    print(f"successes read as block: {pass_as_block}")
    print(f"read by the general layer: {general} (by a team rule: {by_rule})")
    if errors:
        print(f"non-verdicts of the labelled kind: {errors_right}/{errors} = {errors_right / errors:.1%}")
    if decided:
        print(f"labels the project reads otherwise on purpose (read_as): {decided}, read as decided: {decided_right}")
    if args.verbose or non_verdict_as_verdict or pass_as_block:
        for line in misses:
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
