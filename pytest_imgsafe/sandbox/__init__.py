"""The sandbox: a local OpenAI- and Azure-compatible image and moderation server.

``with Sandbox(profile="strict") as sb: ...`` runs one on loopback; ``python -m
pytest_imgsafe.sandbox`` runs one from the command line. See ``server.Sandbox``.
"""

from __future__ import annotations

from .faults import FaultSpec
from .server import Sandbox

__all__ = ["FaultSpec", "Sandbox"]
