"""The README's one-liner, ``OPENAI_BASE_URL=$(python -m pytest_imgsafe.sandbox | head -n1)``:
it returns the URL at once, and the server it names goes on serving until stopped."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import openai

from tests.readme import section

ONE_LINER = "OPENAI_BASE_URL=$(python -m pytest_imgsafe.sandbox | head -n1)"


def test_the_readme_gives_the_one_liner() -> None:
    assert f"`{ONE_LINER}`" in section("The sandbox")


def test_the_one_liner_returns_and_leaves_the_server_running() -> None:
    script = ONE_LINER.replace("python", f'"{sys.executable}"', 1) + '; echo "$OPENAI_BASE_URL"'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    pid = int(re.search(r"in the background as process (\d+); kill \1 stops it", done.stderr).group(1))
    try:
        url = done.stdout.strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", url)
        client = openai.OpenAI(base_url=url, api_key="any", max_retries=0)
        assert not client.moderations.create(model="omni-moderation-latest", input="A fox").results[0].flagged
    finally:
        os.kill(pid, signal.SIGTERM)
