"""The README's first-minute example, run as written against a real Herald."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from herald_client import Sender

from .support import mint_token

README = Path(__file__).resolve().parents[1] / "README.md"


def first_minute_block() -> str:
    section = README.read_text().split("## First minute", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README.md has no python block under '## First minute'"
    return match.group(1)


def test_the_readme_first_minute_example_runs(herald, sender: Sender, user: str, tmp_path: Path) -> None:
    script = tmp_path / "first_minute.py"
    script.write_text(first_minute_block())
    env = dict(
        os.environ,
        PYTHONPATH=str(README.parent),
        HERALD_GRPC_TARGET=herald.grpc_target,
        HERALD_WS_URL=herald.ws_url,
        HERALD_API_KEY=herald.api_key,
        HERALD_TOKEN=mint_token(user),
    )
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{user} got #1: Welcome! {{'url': '/start'}}"
    # It marked the notification read, as it says.
    assert sender.unread_count(user) == 0
