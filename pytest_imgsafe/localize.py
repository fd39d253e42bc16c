"""Public path of the trigger localizer (``pytest_imgsafe.localize``): which words of a prompt
trigger a block, by adaptive group testing. It lives in :mod:`pytest_imgsafe.diagnosis.localize`."""

from .diagnosis.localize import Expectation, Localization, Unit, localize, render, split_units

__all__ = ["Expectation", "Localization", "Unit", "localize", "render", "split_units"]
