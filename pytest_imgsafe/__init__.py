"""pytest-imgsafe: regression tests for image-generation prompt safety.

Public API: :func:`classify`, :class:`Outcome`, :class:`ApiError`. They are imported when first
used, not with the package: pytest imports the plugin (and so this package) on every run,
``--imgsafe`` or not, before its session has started; a Ctrl-C in that window is a Python
traceback from pytest, so the plugin keeps its share of it to a few milliseconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .providers.registry import classify
    from .providers.verdict import ApiError, Outcome

__all__ = ["ApiError", "Outcome", "classify"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "classify":
        from .providers.registry import classify

        return classify
    if name in ("ApiError", "Outcome"):
        from .providers import verdict

        return getattr(verdict, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
