"""An age said in the languages the detector's patterns do not spell out: a number under 18
beside an age unit.

The patterns of ``refusal.yaml`` read ages in English, German, French, Spanish, Italian,
Portuguese, Dutch, Chinese, Japanese and Korean. For the other languages of the concepts file,
an age is a principle, not a phrase: a number under 18, in digits (of any script: :mod:`.folding`
reads "۹" as 9) or in words (``num2words`` spells them: "девять", "dokuz", "dziewięć"), beside a
unit that says an age ("-летняя", "yaşında", "tuổi", "ساله", "éves"; ``data/rewrite/concepts.yaml``,
``ages``), after the number or glued to its digits ("9-årig", "9letá"), or before it where the
language puts it there ("בת 9", "berusia 9").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from .concepts import ConceptIndex, Hit
from .folding import Normalized, normalize, normalized_entry

MINOR_AGE = 18
_DIGITS = re.compile(r"(\d{1,2})(\D*)")


class AgeReader:
    """Reads "a number under 18 beside an age unit" in a normalized prompt."""

    def __init__(
        self,
        units: Mapping[str, Iterable[str]],
        before: Mapping[str, Iterable[str]],
        number_languages: Iterable[str],
    ) -> None:
        after = [u for words in units.values() for u in words]
        self._units = ConceptIndex({"after": after, "before": [u for words in before.values() for u in words]})
        # a unit glued to the digits ("9letá", "9årig"): the one-word units, as stems
        self._glued = tuple(
            dict.fromkeys(
                normalized_entry(u.rstrip("*")).text for u in after if " " not in normalized_entry(u.rstrip("*")).text
            )
        )
        self._numbers = _number_words(tuple(number_languages))
        self._longest = max((len(k) for k in self._numbers), default=1)

    def find(self, norm: Normalized) -> list[str]:
        """The ages under 18 read in ``norm`` ("9 yaşında", "בת 9"), as written there."""
        tokens = norm.tokens
        numbers: list[Hit] = []
        found: list[str] = []
        for i, token in enumerate(tokens):
            digits = _DIGITS.fullmatch(token)
            if digits:
                if int(digits.group(1)) < MINOR_AGE:
                    if not digits.group(2):
                        numbers.append(Hit("number", token, i, i + 1))
                    elif digits.group(2).startswith(self._glued):
                        found.append(token)
                continue
            for size in range(min(self._longest, len(tokens) - i), 0, -1):
                value = self._numbers.get(tokens[i : i + size])
                if value is not None:
                    numbers.append(Hit("number", " ".join(tokens[i : i + size]), i, i + size))
                    break
        if not numbers:
            return found
        units = self._units.find(norm)
        for number in numbers:
            for unit in units.get("after", ()):
                if unit.start == number.end:
                    found.append(f"{number.term} {' '.join(tokens[unit.start : unit.end])}")
            for unit in units.get("before", ()):
                if unit.end == number.start:
                    found.append(f"{' '.join(tokens[unit.start : unit.end])} {number.term}")
        return found


@lru_cache(maxsize=4)
def _number_words(languages: tuple[str, ...]) -> dict[tuple[str, ...], int]:
    """The numbers 1 to 17 as ``num2words`` spells them in ``languages`` (cardinals, folded; words
    of one or two letters left out: Danish "to" and Swedish "en" are English and Swedish words)."""
    from num2words import num2words

    values: dict[tuple[str, ...], int] = {}
    for lang in languages:
        for n in range(1, MINOR_AGE):
            try:
                spelled = str(num2words(n, lang=lang))
            except (NotImplementedError, KeyError, ValueError):  # a language this version lacks
                continue
            key = normalize(spelled.replace("-", " ")).tokens
            if key and not (len(key) == 1 and len(key[0]) <= 2):
                values.setdefault(key, n)
    return values
