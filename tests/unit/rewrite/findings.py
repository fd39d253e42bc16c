"""What the refusal detector reads in a prompt, as the rewrite tests ask it."""

from __future__ import annotations

from pytest_imgsafe.rewrite import default_detector


def is_hard(prompt: str) -> bool:
    """Does the detector find a hard signal in ``prompt``?"""
    finding = default_detector().find(prompt)
    return finding is not None and finding.hard
