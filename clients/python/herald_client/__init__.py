"""Herald's Python client.

- :class:`Sender`: the backend side over gRPC (send, inbox, ban/disconnect, ``rooms``).
- :class:`Client`: a user's asyncio WebSocket connection (receive, resume, inbox, rooms).
- :class:`ReflectionClient`: gRPC server reflection, and calls built from it.

The generated message classes are in ``herald.v1`` and ``herald.gateway.v1``.
"""

from .client import Client
from .errors import ConnectionClosed, HeraldError
from .reflection import ReflectionClient
from .rooms import Rooms, room_options
from .sender import Sender

__all__ = ["Client", "ConnectionClosed", "HeraldError", "ReflectionClient", "Rooms", "Sender", "room_options"]
