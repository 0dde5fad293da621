"""pytest fixtures: one real Herald node for the whole run, and a Sender on it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from herald_client import Sender

from .support import HeraldServer


@pytest.fixture(scope="session")
def herald() -> Iterator[HeraldServer]:
    server = HeraldServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sender(herald: HeraldServer) -> Iterator[Sender]:
    with Sender(herald.grpc_target, herald.api_key) as s:
        yield s


@pytest.fixture
def user() -> str:
    """A user id of this test only."""
    return f"py-{uuid.uuid4().hex[:12]}"
