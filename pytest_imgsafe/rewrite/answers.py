"""A describer's answer: a description to use, or not.

The two describer strategies send the prompt (or an image) to a chat model and use its answer as
the new prompt. An answer is used only when it is a description. It is not one when it is
- empty (nothing but spaces or punctuation);
- a refusal or an apology ("I can't help with that.", "Sorry, but...", "Lo siento, no puedo"):
  used as the start of a prompt, "I can't help with that" carries the refused idea along;
- a restatement of the prompt: the prompt sent back, whole or nearly (the describer did not
  describe anything, so whatever the prompt holds would be sent on as it is).
The wording of refusals is data (``data/rewrite/describer.yaml``): a team whose describer
refuses in its own words adds them there.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

from ..base.files import bundled_text
from ..base.table_files import read_yaml
from ..base.terms import tokenize

RESTATED = 0.8
"""How alike (difflib's ratio over the words) an answer and its prompt may be before the answer
is a restatement; a description of "Pikachu surfing a big wave" that keeps the scene and drops
the name is about 0.5."""


def not_a_description(answer: str, prompt: str) -> str | None:
    """Why ``answer`` is not a description to use in place of ``prompt`` (None when it is one)."""
    text = answer.strip()
    if not any(c.isalnum() for c in text):
        return "the describer's answer is empty"
    plain = _plain(text)
    for pattern in _refusals():
        if pattern.search(plain):
            return f"the describer's answer is a refusal or an apology ({_snippet(text)})"
    said = [tok for tok, _, _ in tokenize(text)]
    asked = [tok for tok, _, _ in tokenize(prompt)]
    if asked and (
        difflib.SequenceMatcher(None, asked, said, autojunk=False).ratio() >= RESTATED
        or (len(asked) >= 3 and " ".join(asked) in " ".join(said))
    ):
        return f"the describer's answer restates the prompt instead of describing it ({_snippet(text)})"
    return None


def _plain(text: str) -> str:
    """Lower case, accents dropped, typographic apostrophes straightened."""
    text = text.casefold().replace("\u2019", "'").replace("\u02bc", "'")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _snippet(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")


@lru_cache(maxsize=1)
def _refusals() -> tuple[re.Pattern[str], ...]:
    data = read_yaml(bundled_text("data", "rewrite", "describer.yaml"))
    return tuple(re.compile(str(p)) for p in data["refusals"])
