"""pytest-imgsafe: regression tests for image-generation prompt safety.

Public API: :func:`classify`, :class:`Outcome`, :class:`ApiError` (this module stays light: the
pytest plugin imports it on every run, ``--imgsafe`` or not).
"""

from __future__ import annotations

from .providers.registry import classify
from .providers.verdict import ApiError, Outcome

__all__ = ["ApiError", "Outcome", "classify"]
__version__ = "0.1.0"
