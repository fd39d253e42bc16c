"""What reading an answer gives: an :class:`Outcome` (a safety verdict) or an :class:`ApiError`
(anything that is not one). Plain types, at the bottom of the providers, so that every reader
(the exact shapes, the general layer, a team's rules) and every kind can share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["pass", "block"]
Stage = Literal["input", "output"]
ErrorKind = Literal["rate_limited", "quota", "auth", "invalid_request", "server_error", "unreadable"]
ERROR_KINDS: tuple[ErrorKind, ...] = ("rate_limited", "quota", "auth", "invalid_request", "server_error", "unreadable")
Filter = Literal["openai", "azure", "gemini", "imagen", "relay"]
FILTERS: tuple[Filter, ...] = ("openai", "azure", "gemini", "imagen", "relay")
ReadBy = Literal["shape", "general", "rule"]
Reads = Literal["image", "moderation", "content-safety", "text"]
"""What a kind's answers carry when they pass: an image, a moderation result, a Content Safety
analysis, or text (a describer). A pass of another family is no verdict for that kind."""


_BLOCK_LABELS = {"input": "block:input", "output": "block:output"}
"""A block's label by its stage: the same string for every row that keeps one."""


MESSAGE_CHARS = 2000
"""How much of a provider's message a verdict or a non-verdict keeps: its words, never megabytes
of them (a relay can answer with a page; the report keeps the body itself, bounded, apart)."""


def bounded_message(text: str) -> str:
    """A message as kept: whole up to :data:`MESSAGE_CHARS`, else its start and its length."""
    return text if len(text) <= MESSAGE_CHARS else f"{text[:MESSAGE_CHARS]}… ({len(text):,} characters)"


@dataclass(frozen=True)
class Outcome:
    """A safety verdict read from one answer.

    ``categories`` are the flagged categories of a block; on a pass they are the annotations above
    the lowest level (``violence:low``, ``HARM_CATEGORY_HARASSMENT:MEDIUM``), so a near miss shows.
    ``filter`` names the classifier that answered (``openai``, ``azure``, ``gemini``, ``imagen``,
    ``relay``, or what a team's rule names): a relay that passes Azure's filter through says
    ``azure``, since that decides how strict the channel is, while ``provider`` says who sent the
    answer. On a pass it is the filter the answer went through and that let it be (an OpenAI
    images answer passed OpenAI's filter, an annotated Azure answer Azure's), named as for a
    block: by the answer, else by its target or kind. ``None`` says only that nothing named one,
    never that no filter judged.
    """

    verdict: Verdict
    stage: Stage | None = None
    code: str | None = None
    provider: str | None = None
    request_id: str | None = None
    categories: tuple[str, ...] = ()
    message: str | None = None
    link: str | None = None
    """For chain and gateway targets: the link that gave this outcome."""
    filter: str | None = None
    """The safety filter that answered, on a block the one that refused, on a pass the one it went
    through (see the class docstring); ``None`` when nothing names one."""
    read_by: ReadBy | None = None
    """Which reader found the verdict: ``shape`` (a reader of a known shape), ``general`` (the
    general layer, by status, envelope, fields and wording: a shape worth adding to the exact
    readers), ``rule`` (a team's ``[[tool.imgsafe.answers]]`` rule); ``None`` when not read
    from an answer (the local screen, a chain's summary)."""

    def __post_init__(self) -> None:
        if self.message is not None and len(self.message) > MESSAGE_CHARS:
            object.__setattr__(self, "message", bounded_message(self.message))

    @property
    def label(self) -> str:
        """``pass``, ``block``, ``block:input`` or ``block:output`` (``pass@LINK`` from a chain): the corpus's words."""
        if self.verdict == "block":
            return _BLOCK_LABELS.get(self.stage or "", "block")
        return f"pass@{self.link}" if self.link else "pass"


@dataclass
class ApiError(Exception):
    """An answer that is not a safety verdict; ``kind`` says what it is."""

    kind: ErrorKind
    message: str
    status_code: int | None = None
    code: str | None = None
    request_id: str | None = None
    provider: str | None = None
    suspended: bool = False
    retry_after: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.message = bounded_message(self.message)
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [f"{self.kind}"]
        if self.status_code is not None:
            parts.append(f"HTTP {self.status_code}")
        if self.code:
            parts.append(f"code {self.code}")
        text = ", ".join(parts) + f": {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text
