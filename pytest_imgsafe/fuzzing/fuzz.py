"""Running a ``fuzz:`` spec on one target with hypothesis; no pytest here.

Each drawn example is a prompt filled from the spec's template (and, with ``variations: true``,
put through trivial surface changes). Its phases are checked against the spec's expectation:
``original`` (the prompt as drawn) and ``rewritten`` (after the spec's strategy, or every
strategy must refuse it when the expectation is ``refused``). A broken expectation is a
:class:`FuzzMismatch` that hypothesis shrinks; an answer that is no verdict stops the run as a
:class:`NoVerdict` error and is never shrunk (shrinking would only spend more calls).

Replay is exact: the seed comes from the spec id (or ``--imgsafe-seed``), the database is off,
and every call is memoized per item, so replaying draws the same examples, asks the same
requests and, when something fails, shrinks along the same path as the recording did.

A recording keeps the examples its run drew, under the fingerprint of everything that decides
them (:func:`draws_fingerprint`). A replay whose fingerprint is the same checks those examples in
order without hypothesis (its engine and its import are most of what a replayed spec costs), and
runs hypothesis as before only when an example breaks the expectation (to shrink it), or when
the recording has no draws of this fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..base.files import bundled_text
from ..base.rewritten import Rewrite, RewriteRefused
from ..base.strategies import STRATEGIES
from ..base.terms import TermTable
from ..collect.corpus import REFUSED, Expectation, FuzzSpec
from ..providers.outcome import ApiError, Outcome

if TYPE_CHECKING:
    from hypothesis import strategies as st

    from ..rewrite import Rewriter

Ask = Callable[[str, "str | None"], Outcome]
"""``ask(prompt, kind)``: the target's verdict on a prompt (``kind``: send as another target kind)."""


class PromptRewriter(Protocol):
    """What a spec's check asks of the rewriter: :meth:`Rewriter.rewrite`."""

    def rewrite(
        self,
        prompt: str,
        strategy: str | None = None,
        *,
        describe: Callable[[str, str, Path | None], str] | None = None,
        image: Path | None = None,
    ) -> Rewrite: ...


class LazyRewriter:
    """The run's rewriter, built on its first use: a replay that finds every rewrite noted in its
    recordings (see ``known_rewrites``) never builds it, which is most of a replayed spec's cost."""

    def __init__(self, build: Callable[[], Rewriter]) -> None:
        self._build = build
        self._rewriter: Rewriter | None = None

    @property
    def built(self) -> bool:
        return self._rewriter is not None

    def rewrite(
        self,
        prompt: str,
        strategy: str | None = None,
        *,
        describe: Callable[[str, str, Path | None], str] | None = None,
        image: Path | None = None,
    ) -> Rewrite:
        if self._rewriter is None:
            self._rewriter = self._build()
        return self._rewriter.rewrite(prompt, strategy, describe=describe, image=image)


class NoVerdict(Exception):
    """A call got no verdict (unrecorded, rate limited, auth, ...): the item is an error.
    With ``not_sent`` the call was not made (budget, a stopped run): the item is skipped."""

    def __init__(self, message: str, *, not_sent: bool = False, cause: ApiError | None = None) -> None:
        super().__init__(message)
        self.not_sent = not_sent
        self.cause = cause
        """The provider's answer that was no verdict, when there was one: its kind, status and code
        go into the item's row as data."""


@dataclass(frozen=True)
class PhaseCheck:
    """One checked phase of an example."""

    name: str
    prompt: str
    expected: Expectation
    outcome: Outcome | None = None
    note: str = ""
    ok: bool = True

    @property
    def actual(self) -> str:
        if self.outcome is not None:
            return self.outcome.label
        return self.note


@dataclass(frozen=True)
class Example:
    """A drawn example and what each phase gave."""

    original: str
    phases: tuple[PhaseCheck, ...]
    rewrite: Rewrite | None = None

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.phases)


class FuzzMismatch(AssertionError):
    """An example broke the spec's expectation (hypothesis shrinks these)."""

    def __init__(self, example: Example) -> None:
        self.example = example
        super().__init__(example.original)


@dataclass
class FuzzRun:
    """What one spec on one target gave."""

    seed: int
    examples: int = 0
    failure: Example | None = None
    error: NoVerdict | None = None
    drawn: list[str] = field(default_factory=list)


@dataclass
class SharedWork:
    """What a spec's examples imply whatever the target, computed once per run and shared by the
    spec's targets (one object per run).

    Hypothesis draws a spec's examples from its seed alone: a target whose answers meet the
    expectation on every example sees the same prompts, in the same order, as any other such
    target. So the first target of a spec runs hypothesis and leaves its draws here; the next
    targets check the same prompts in the same order without hypothesis, and run it (to shrink
    exactly as before) only when one of their examples breaks the expectation. A prompt's
    rewrite and its refusals depend on the prompt, the strategy and the image only, never on the
    target: they are computed once. A spec whose strategy asks a describer gets one of these per
    item, never shared (each item asks its own describer, as its recordings expect).
    """

    draws: dict[tuple[str, str, int], tuple[str, ...]] = field(default_factory=dict)
    rewrites: dict[tuple[str | None, str, Path | None], Rewrite | RewriteRefused] = field(default_factory=dict)
    refusals: dict[tuple[str | None, str, Path | None], PhaseCheck] = field(default_factory=dict)


@contextmanager
def stable_draws() -> Iterator[None]:
    """Draws that depend on the seed alone, not on which modules happen to be imported.

    Hypothesis mixes constants found in the project's own loaded modules into its draws (a
    good idea for finding bugs in code under test). Which modules are loaded differs between a
    recording run and a replay (the SDK path, vcrpy, the sandbox, lazily imported parts of
    this plugin), so the same seed would draw different examples and replay would miss its
    recordings. This switches that pool off while a spec runs. It reaches into hypothesis
    internals; if they move, the draws are merely less stable, and the replay test says so.
    """
    try:
        from hypothesis.internal.conjecture import providers

        original = providers._get_local_constants
        empty = type(providers._local_constants)()
        cache = providers.CONSTANTS_CACHE
    except (ImportError, AttributeError):  # pragma: no cover - a hypothesis without the pool
        yield
        return
    cache.cache.clear()
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.cache.clear()


def spec_seed(spec_id: str, run_seed: int | None = None) -> int:
    """The seed of a spec: from its id, mixed with the run's seed when one is given."""
    text = f"imgsafe-fuzz:{spec_id}" if run_seed is None else f"imgsafe-fuzz:{spec_id}:{run_seed}"
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def draws_fingerprint(spec: FuzzSpec, tables: dict[str, TermTable], seed: int) -> str:
    """What decides the examples a spec draws, hashed: its template, the values of its slots (a
    table's terms as the draw sees them), its variations and size, the seed and the plugin's code
    that draws. Draws recorded under the same fingerprint are the examples the spec means, as
    its recording drew them."""
    slots = {
        name: sorted(t.text for t in tables[values.removeprefix("table:")].terms)
        if isinstance(values, str)
        else list(values)
        for name, values in spec.slots.items()
    }
    payload = {
        "template": spec.template,
        "slots": slots,
        "variations": spec.variations,
        "max_examples": spec.max_examples,
        "seed": seed,
        "code": _drawing_code(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]


@lru_cache(maxsize=1)
def _drawing_code() -> str:
    """The plugin's code that turns a seed into examples: the strategies, and this module (its
    settings), read once. Not hypothesis's version: the examples a recording drew are what its
    replay must ask again, whichever release of hypothesis is installed (a release that draws
    others changes only what a new recording asks)."""
    text = bundled_text("fuzzing", "strategies.py") + bundled_text("fuzzing", "fuzz.py")
    return hashlib.sha256(text.encode()).hexdigest()


def example_prompts(spec: FuzzSpec, tables: dict[str, TermTable]) -> st.SearchStrategy[str]:
    """The prompts a spec draws: its template, slots from inline lists or term tables."""
    from hypothesis import strategies as st

    from .strategies import fill, terms, variations

    slots: dict[str, st.SearchStrategy[str]] = {
        # table:SCENARIO (checked by the corpus loader) or an inline list
        name: terms(values.removeprefix("table:"), tables) if isinstance(values, str) else st.sampled_from(values)
        for name, values in spec.slots.items()
    }
    prompts = fill(spec.template, slots)
    return prompts.flatmap(lambda p: st.one_of(st.just(p), variations(p))) if spec.variations else prompts


def check_example(
    prompt: str,
    spec: FuzzSpec,
    expect: dict[str, Expectation],
    ask: Ask,
    rewriter: PromptRewriter,
    describe: Callable[[str, str, Path | None], str] | None,
    shared: SharedWork | None = None,
) -> Example:
    """Check one example's phases; raises NoVerdict when an answer is not a verdict."""
    phases: list[PhaseCheck] = []
    result: Rewrite | None = None
    image = spec.images[0] if spec.images else None
    if "original" in expect:
        outcome = ask(prompt, None)
        phases.append(
            PhaseCheck(
                "original",
                prompt,
                expect["original"],
                outcome,
                ok=expect["original"].matches(outcome.verdict, outcome.stage),
            )
        )
    wanted = expect.get("rewritten")
    key = (spec.strategy, prompt, image)
    if wanted is not None and wanted.refused:
        refusals = shared.refusals.get(key) if shared is not None else None
        if refusals is None:
            refusals = _refusals(prompt, spec.strategy, rewriter, image)
            if shared is not None:
                shared.refusals[key] = refusals
        phases.append(refusals)
    elif wanted is not None:
        try:
            result = _rewrite(prompt, spec.strategy, rewriter, describe, image, shared)
        except RewriteRefused as refused:
            phases.append(PhaseCheck("rewritten", prompt, wanted, note=f"refused ({refused.reason})", ok=False))
        else:
            kind = "images.generate" if result.endpoint == "generate" else None
            outcome = ask(result.text, kind)
            phases.append(
                PhaseCheck("rewritten", result.text, wanted, outcome, ok=wanted.matches(outcome.verdict, outcome.stage))
            )
    return Example(prompt, tuple(phases), result)


def _rewrite(
    prompt: str,
    strategy: str | None,
    rewriter: PromptRewriter,
    describe: Callable[[str, str, Path | None], str] | None,
    image: Path | None,
    shared: SharedWork | None,
) -> Rewrite:
    """The prompt's rewrite (or the :class:`RewriteRefused` it raises), kept in ``shared``."""
    if shared is None:
        return rewriter.rewrite(prompt, strategy, describe=describe, image=image)
    key = (strategy, prompt, image)
    known = shared.rewrites.get(key)
    if known is None:
        try:
            known = rewriter.rewrite(prompt, strategy, describe=describe, image=image)
        except RewriteRefused as refused:
            known = refused
        shared.rewrites[key] = known
    if isinstance(known, RewriteRefused):
        raise known
    return known


def _refusals(prompt: str, strategy: str | None, rewriter: PromptRewriter, image: Path | None) -> PhaseCheck:
    """Every strategy (or the spec's) must refuse, before asking any describer."""

    def describer_must_not_be_called(instruction: str, text: str, image: Path | None) -> str:
        raise AssertionError("a describer was asked about a prompt that must be refused")

    rewritten = []
    for name in (strategy,) if strategy else tuple(STRATEGIES):
        try:
            out = rewriter.rewrite(prompt, name, describe=describer_must_not_be_called, image=image)
        except RewriteRefused:
            continue
        except AssertionError as err:
            rewritten.append(f"{name}: {err}")
            continue
        rewritten.append(f"{name} rewrote it to {out.text!r}")
    if rewritten:
        return PhaseCheck("rewritten", prompt, REFUSED, note="; ".join(rewritten), ok=False)
    return PhaseCheck(
        "rewritten", prompt, REFUSED, note="refused by every strategy" if not strategy else f"refused by {strategy}"
    )


def run_spec(
    spec: FuzzSpec,
    expect: dict[str, Expectation],
    ask: Ask,
    *,
    rewriter: PromptRewriter,
    tables: dict[str, TermTable],
    describe: Callable[[str, str, Path | None], str] | None = None,
    run_seed: int | None = None,
    shared: SharedWork | None = None,
    recorded: tuple[str, ...] | None = None,
) -> FuzzRun:
    """Draw up to ``spec.max_examples`` examples, shrink a failure, and say what happened.

    With ``shared``, the work another target of the spec already did in this run is reused
    (see :class:`SharedWork`); with ``recorded``, the examples a recording drew under this
    spec's :func:`draws_fingerprint` are checked first. The result is the same as without them."""
    run = FuzzRun(seed=spec_seed(spec.id, run_seed))
    # Hypothesis runs a failing example again (shrinking, the final report) and calls a failure
    # that does not come back flaky. A live target's answer can differ from call to call (the
    # output stage judges a new image each time): within one run a prompt is asked once, and an
    # example that failed fails again, even after a later call got no verdict.
    answers: dict[tuple[str, str | None], Outcome] = {}

    def ask_once(prompt: str, kind: str | None) -> Outcome:
        key = (prompt, kind)
        if key not in answers:
            answers[key] = ask(prompt, kind)
        return answers[key]

    draws_key = (str(spec.path), spec.id, run.seed)
    known = shared.draws.get(draws_key) if shared is not None else None
    if known is None:
        known = recorded
    if known is not None:
        checked = _over_known_draws(run, known, spec, expect, ask_once, rewriter, describe, shared)
        if checked is not None:
            if shared is not None and checked.error is None:
                shared.draws[draws_key] = known
            return checked
        run = FuzzRun(seed=run.seed)  # an example broke the expectation: hypothesis shrinks it
    _with_hypothesis(run, spec, tables, ask_once, expect, rewriter, describe, shared)
    if shared is not None and run.failure is None and run.error is None:
        shared.draws[draws_key] = tuple(run.drawn)
    return run


def _with_hypothesis(
    run: FuzzRun,
    spec: FuzzSpec,
    tables: dict[str, TermTable],
    ask_once: Ask,
    expect: dict[str, Expectation],
    rewriter: PromptRewriter,
    describe: Callable[[str, str, Path | None], str] | None,
    shared: SharedWork | None,
) -> None:
    """Hypothesis's run of the spec: its draws, and the shrinking of a failure, into ``run``."""
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis.errors import Flaky

    errors: list[NoVerdict] = []
    failed: dict[str, Example] = {}

    @seed(run.seed)
    @settings(
        max_examples=spec.max_examples,
        deadline=None,  # network targets: latency is not a bug
        database=None,  # replay must draw what the recording drew, nothing saved from elsewhere
        derandomize=False,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),  # slow calls and small slot tables are normal here
        report_multiple_bugs=False,
        print_blob=False,
    )
    @given(example_prompts(spec, tables))
    def body(prompt: str) -> None:
        if prompt in failed:
            raise FuzzMismatch(failed[prompt])
        if errors:
            return  # an earlier call had no verdict: spend nothing more
        run.examples += 1
        run.drawn.append(prompt)
        try:
            example = check_example(prompt, spec, expect, ask_once, rewriter, describe, shared)
        except NoVerdict as err:
            errors.append(err)
            return
        if not example.ok:
            failed[prompt] = example
            raise FuzzMismatch(example)

    try:
        with stable_draws():
            body()
    except FuzzMismatch as mismatch:
        run.failure = mismatch.example
    except Flaky as flaky:  # a last line: the example that failed, never hypothesis's traceback
        found = [e for e in getattr(flaky, "exceptions", ()) if isinstance(e, FuzzMismatch)]
        if not found:
            raise
        run.failure = found[0].example
    if errors and run.failure is None:
        run.error = errors[0]


def _over_known_draws(
    run: FuzzRun,
    drawn: tuple[str, ...],
    spec: FuzzSpec,
    expect: dict[str, Expectation],
    ask: Ask,
    rewriter: PromptRewriter,
    describe: Callable[[str, str, Path | None], str] | None,
    shared: SharedWork | None,
) -> FuzzRun | None:
    """The run hypothesis would make over draws it made before: the same prompts in the same
    order, stopping at the first without a verdict; None when an example breaks the expectation
    (hypothesis would shrink from there)."""
    for prompt in drawn:
        run.examples += 1
        run.drawn.append(prompt)
        try:
            example = check_example(prompt, spec, expect, ask, rewriter, describe, shared)
        except NoVerdict as err:
            run.error = err
            return run
        if not example.ok:
            return None
    return run


def failure_cases(spec: FuzzSpec, target: str, example: Example, reason: str) -> list[dict[str, Any]]:
    """A failing example as ready corpus cases: the original, and its rewrite (``rewrite_of``)."""
    digest = hashlib.sha256(f"{spec.id}\0{target}\0{example.original}".encode()).hexdigest()[:8]
    base_id = f"{spec.id}-{target}-{digest}"
    cases: list[dict[str, Any]] = []
    for phase in example.phases:
        if phase.expected.refused:
            continue
        case: dict[str, Any] = {
            "id": base_id if phase.name == "original" else f"{base_id}-rewritten",
            "prompt": phase.prompt,
            "targets": [target],
            "expect": str(phase.expected),
        }
        if spec.scenario:
            case["scenario"] = spec.scenario
        if phase.name == "rewritten" and any(c["id"] == base_id for c in cases):
            case["rewrite_of"] = base_id
        case["reason"] = reason
        cases.append(case)
    return cases
