"""Re-record the bundled cassettes from the sandbox.

    python scripts/record_bundled.py [extra pytest args]

Starts a sandbox on loopback, points every bundled target at it (OpenAI, gateway and Azure
endpoints, with a throwaway key), and
runs ``pytest --imgsafe --imgsafe-record-mode=all corpora``. The cassettes say in their
metadata that they come from the sandbox (profile and policy version).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from pytest_imgsafe.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent


def main(extra: list[str]) -> int:
    os.chdir(ROOT)
    with Sandbox() as sandbox:
        os.environ.update(
            {
                "OPENAI_BASE_URL": sandbox.openai_base_url,
                "OPENAI_API_KEY": "sandbox-key-not-secret",
                "IMGSAFE_GATEWAY_BASE_URL": sandbox.openai_base_url,
                "IMGSAFE_GATEWAY_API_KEY": "sandbox-key-not-secret",
                # the sandbox answers Azure's deployment paths at its root URL
                "AZURE_OPENAI_ENDPOINT": sandbox.base_url,
                "AZURE_OPENAI_API_KEY": "sandbox-key-not-secret",
            }
        )
        return int(
            pytest.main(["--imgsafe", "--imgsafe-record-mode=all", "-p", "no:cacheprovider", "-q", "corpora", *extra])
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
