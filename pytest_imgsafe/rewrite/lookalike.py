"""Names under the misspellings people write and classifiers still read.

A provider's classifier recognizes "TaylorSwift", "Barack Obamma" and "Taylor Sift" as the
names they spell; the term index matches whole words as listed, so the rewrite would send them
on unchanged and blocked. This finds, among the names a replacement table knows, one written
with its words run together, a letter doubled, or (for names of eight letters or more) a letter
left out, but not the last (a plural is not a misspelling). Digits for letters are read by
:func:`.core._unleet` before the index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..base.terms import Match, tokenize
from .tables import RewriteTable

_MAX_WORDS = 6


class NearNames:
    """The table names, by their joined, one-letter-doubled and one-letter-short forms."""

    def __init__(self, tables: Mapping[str, RewriteTable]) -> None:
        self._forms: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._dropped: dict[str, tuple[str, tuple[str, ...]]] = {}
        for table in tables.values():
            for key in table.entries:
                joined = "".join(key)
                name = (table.scenario, key)
                if len(joined) >= 6:
                    self._forms.setdefault(joined, name)
                if len(joined) >= 4:
                    # one letter doubled ("Obamma", "KAAWS"), exactly: "goggle" is not "Google"
                    for i in range(len(joined)):
                        self._forms.setdefault(joined[: i + 1] + joined[i:], name)
                if len(joined) >= 8:
                    # never the last letter: "star war" is not "Star Wars"
                    for i in range(len(joined) - 1):
                        self._dropped.setdefault(joined[:i] + joined[i + 1 :], name)

    def find(self, text: str, taken: Sequence[Match]) -> list[Match]:
        """Names in ``text`` written as a look-alike, outside the spans already ``taken``."""
        tokens = tokenize(text)
        found: list[Match] = []
        i = 0
        while i < len(tokens):
            for n in range(min(_MAX_WORDS, len(tokens) - i), 0, -1):
                start, end = tokens[i][1], tokens[i + n - 1][2]
                # a longer look-alike may cover names already found inside it ("Teenage Muutant
                # Ninja Turtles" over "Ninja Turtles"), never cut across one
                if any(m.start < end and start < m.end and not (start <= m.start and m.end <= end) for m in taken):
                    continue
                if any(m.start == start and m.end == end for m in taken):
                    break  # the name as written, already found by the index: not a look-alike
                joined = "".join(tok for tok, _, _ in tokens[i : i + n])
                name = self._forms.get(joined) or self._dropped.get(joined)
                if name is not None:
                    found.append(Match(name[0], 1, " ".join(name[1]), start, end, text[start:end]))
                    i += n - 1
                    break
            i += 1
        return found
