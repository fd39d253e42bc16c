"""Public path of the local keyword screen (``pytest_imgsafe.screen``): the scenarios and terms a
prompt holds. It lives in :mod:`pytest_imgsafe.routing.screen`."""

from .base.terms import Match
from .routing.screen import Screen, ScreenResult, default_screen, normalize, screen

__all__ = ["Match", "Screen", "ScreenResult", "default_screen", "normalize", "screen"]
