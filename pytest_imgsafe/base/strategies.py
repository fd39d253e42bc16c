"""The six rewriting strategies by name: what each rewrites and whether it asks a describer.

Plain data, apart from the strategies themselves (``rewrite.core``): a corpus names a strategy and
a fuzz item asks whether it needs a describer, and neither should load the rewriter to know.
"""

from __future__ import annotations

from dataclasses import dataclass

STRATEGY_ORDER: tuple[str, ...] = (
    "name_to_descriptor",
    "living_artist_to_style",
    "ip_to_archetype",
    "describe_reference",
    "soften_violence",
    "edit_to_generate",
)


@dataclass(frozen=True)
class Strategy:
    """A registered strategy: its name, what it rewrites and how."""

    name: str
    scenarios: tuple[str, ...]
    summary: str
    needs_describer: bool = False


STRATEGIES: dict[str, Strategy] = {
    "name_to_descriptor": Strategy(
        "name_to_descriptor", ("celebrity",), "a public figure's name -> a description of a role, never their likeness"
    ),
    "living_artist_to_style": Strategy(
        "living_artist_to_style",
        ("living_artist",),
        "a living artist's name -> the style, movement or studio, or a deceased artist of the same movement",
    ),
    "ip_to_archetype": Strategy(
        "ip_to_archetype",
        ("copyrighted_ip",),
        "a character or brand -> a generic archetype with the same visual features",
    ),
    "describe_reference": Strategy(
        "describe_reference",
        ("celebrity", "living_artist", "copyrighted_ip", "violence"),
        "a chat model describes the idea in plain visual terms (two-step), then the tables clean its answer",
        needs_describer=True,
    ),
    "soften_violence": Strategy(
        "soften_violence", ("violence",), "graphic, clinical violent wording -> stylized, cinematic wording"
    ),
    "edit_to_generate": Strategy(
        "edit_to_generate",
        ("celebrity", "living_artist", "copyrighted_ip", "violence"),
        "an edit becomes a generation: a chat model describes the image, the requested change is appended",
        needs_describer=True,
    ),
}
"""The registry, in the order of the domain notes' chapter 4 (numbering aside)."""
