"""Room operations of the WebSocket :class:`herald_client.Client` (join, publish, history, ...)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from google.protobuf.message import Message

from herald.gateway.v1 import envelope_pb2 as env
from herald.v1 import room_pb2

from ._convert import list_direction, to_struct

__all__ = ["RoomOps"]


class RoomOps:
    """Room requests; room pushes (``room_event``, ``typing_event``, ``presence_event``,
    ``unsubscribed``, ``room_activity``) arrive through ``Client.receive``."""

    async def request(self, op: str, message: Message | None = None, *, timeout: float | None = None) -> Any:
        raise NotImplementedError

    async def join(
        self,
        room_id: str,
        *,
        since_seq: int | None = None,
        resume: bool = False,
        presence: bool = False,
        volatile: Mapping[str, Any] | None = None,
        filter: Mapping[str, Any] | None = None,
    ) -> env.JoinResponse:
        """Subscribes to a room: live events only, or every stored event after ``since_seq`` first."""
        request = env.JoinRequest(
            room_id=room_id,
            since_seq=since_seq or 0,
            resume=resume or since_seq is not None,
            presence=presence,
            volatile=to_struct(volatile),
            filter=to_struct(filter),
        )
        return await self.request("join", request)

    async def leave(self, subscription_id: str) -> None:
        """Ends a subscription (by the id the ``join`` reply gave)."""
        await self.request("leave", env.LeaveRequest(subscription_id=subscription_id))

    async def publish(
        self, room_id: str, content: Mapping[str, Any], *, tags: Mapping[str, str] | None = None, idempotency_key: str | None = None
    ) -> env.PublishResponse:
        """Publishes a message as this user (the room must let members publish).

        It gets a random idempotency key unless one is given: resend with the
        same key after a lost reply and the reply says ``duplicate``.
        """
        request = env.PublishRequest(
            room_id=room_id, content=to_struct(content), tags=dict(tags or {}), idempotency_key=idempotency_key or str(uuid.uuid4())
        )
        return await self.request("publish", request)

    async def update_message(
        self, room_id: str, message_id: str, content: Mapping[str, Any], *, tags: Mapping[str, str] | None = None
    ) -> int:
        """Edits one's own message; returns the update event's seq."""
        request = env.UpdateMessageRequest(room_id=room_id, message_id=message_id, content=to_struct(content), tags=dict(tags or {}))
        return (await self.request("update_message", request)).seq

    async def delete_message(self, room_id: str, message_id: str) -> int:
        """Deletes one's own message; returns the delete event's seq."""
        return (await self.request("delete_message", env.DeleteMessageRequest(room_id=room_id, message_id=message_id))).seq

    async def typing(self, room_id: str, typing: bool = True) -> None:
        """Says the user started (again within 5 s while typing) or stopped typing."""
        await self.request("typing", env.TypingRequest(room_id=room_id, typing=typing))

    async def history(
        self, room_id: str, *, limit: int = 0, cursor: str = "", direction: str | int = "forward", after_seq: int = 0
    ) -> room_pb2.RoomMessagePage:
        """One page of the room's stored messages."""
        query = room_pb2.RoomMessageQuery(limit=limit, cursor=cursor, direction=list_direction(direction), after_seq=after_seq)
        return await self.request("history", env.HistoryRequest(room_id=room_id, query=query))

    async def presence(self, room_id: str) -> room_pb2.RoomPresence:
        """Who is subscribed to the room (the room must have presence on)."""
        return await self.request("presence", env.PresenceRequest(room_id=room_id))
