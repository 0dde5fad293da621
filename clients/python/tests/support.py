"""A real Herald node for the tests: ``node dist/src/cli.js serve`` on free ports, PGlite in a temp dir."""

from __future__ import annotations

import base64
import ctypes
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
API_KEY = "python-client-tests-api-key-0123456789"
JWT_SECRET = "python-client-tests-jwt-secret-0123456789abcdef"


def _die_with_tests() -> None:
    """In the child, before exec (Linux): get SIGTERM when the test process dies, so no node is left running."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mint_token(user_id: str, ttl: int = 600, secret: str = JWT_SECRET) -> str:
    """An HS256 JWT for ``user_id``, as an application's auth service would sign it."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64(json.dumps({"sub": user_id, "exp": int(time.time()) + ttl}).encode())
    signature = hmac.new(secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{b64(signature)}"


class HeraldServer:
    """One Herald node as a child process; ``stop()`` ends it and removes its data."""

    def __init__(self) -> None:
        self.cli = Path(os.environ.get("HERALD_CLI", REPO_ROOT / "dist" / "src" / "cli.js"))
        if not self.cli.is_file():
            raise RuntimeError(f"{self.cli} is missing: build Herald first (npm ci, or npm run build)")
        self.grpc_port = free_port()
        self.http_port = free_port()
        self.data_dir = tempfile.mkdtemp(prefix="herald-py-")
        self.log_path = Path(self.data_dir) / "herald.log"
        self.grpc_target = f"127.0.0.1:{self.grpc_port}"
        self.ws_url = f"ws://127.0.0.1:{self.http_port}/ws"
        self.api_key = API_KEY
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_timeout: float = 60.0) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_") and k not in ("DATABASE_URL", "NATS_URL", "NODE_OPTIONS")}
        env.update(
            HERALD_HOST="127.0.0.1",
            HERALD_GRPC_PORT=str(self.grpc_port),
            HERALD_HTTP_PORT=str(self.http_port),
            HERALD_DATA_DIR=str(Path(self.data_dir) / "db"),
            HERALD_API_KEYS=API_KEY,
            HERALD_JWT_SECRET=JWT_SECRET,
            HERALD_LOG_LEVEL="info",
        )
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                ["node", str(self.cli), "serve"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_tests
            )
        self._wait_ready(ready_timeout)

    def _wait_ready(self, timeout: float) -> None:
        """Polls GET /readyz until it answers 200, the process exits, or the deadline passes."""
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.http_port}/readyz"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"herald exited ({self.process.returncode}) before it was ready:\n{self.log()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"herald was not ready within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)
