"""What the reading tests share: an answer that must be no verdict, and the error it is."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_imgsafe import ApiError, classify


def no_verdict(status: int, body: Any, kind: str | None = None, headers: Any = None) -> ApiError:
    """The :class:`ApiError` ``classify`` raises for this answer (the test fails if it reads a verdict)."""
    with pytest.raises(ApiError) as info:
        classify(status, body, headers, kind=kind)
    return info.value
