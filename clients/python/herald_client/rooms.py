"""``Rooms``: rooms managed by a backend (``herald.v1.RoomService``), reached as ``Sender.rooms``."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import grpc

from herald.v1 import room_pb2, room_service_pb2 as rs, room_service_pb2_grpc as rs_grpc

from ._convert import list_direction, to_struct

__all__ = ["Rooms", "room_options"]


def room_options(**options: Any) -> room_pb2.RoomOptions:
    """``RoomOptions`` from keyword arguments named as its fields.

    ``join_policy`` may be ``"members"`` or ``"open"``; ``metadata`` a dict.
    Example: ``room_options(join_policy="open", members_can_publish=True)``.
    """
    policy = options.pop("join_policy", 0)
    if isinstance(policy, str):
        policy = room_pb2.JoinPolicy.Value("JOIN_POLICY_" + policy.upper())
    metadata = to_struct(options.pop("metadata", None))
    return room_pb2.RoomOptions(join_policy=policy, metadata=metadata, **options)


class Rooms:
    """Creates rooms, manages their members and publishes to them, as a backend.

    Errors raise :class:`herald_client.HeraldError` (``"not_found"``,
    ``"already_exists"``, ``"invalid_argument"``, ...).
    """

    def __init__(self, channel: grpc.Channel, call: Callable[..., Any]) -> None:
        self._stub = rs_grpc.RoomServiceStub(channel)
        self._call = call

    def create(self, room_id: str, *, timeout: float | None = None, **options: Any) -> room_pb2.Room:
        """Creates a room; ``options`` as in :func:`room_options`."""
        request = rs.CreateRoomRequest(room_id=room_id, options=room_options(**options))
        return self._call(self._stub.CreateRoom, request, timeout).room

    def update(self, room_id: str, *, timeout: float | None = None, **options: Any) -> room_pb2.Room:
        """Replaces all of a room's options."""
        request = rs.UpdateRoomRequest(room_id=room_id, options=room_options(**options))
        return self._call(self._stub.UpdateRoom, request, timeout).room

    def delete(self, room_id: str, *, timeout: float | None = None) -> None:
        """Deletes a room (subscribers get ``unsubscribed``)."""
        self._call(self._stub.DeleteRoom, rs.DeleteRoomRequest(room_id=room_id), timeout)

    def get(self, room_id: str, *, timeout: float | None = None) -> room_pb2.Room:
        """Reads a room."""
        return self._call(self._stub.GetRoom, rs.GetRoomRequest(room_id=room_id), timeout, 1).room

    def add_members(self, room_id: str, user_ids: Sequence[str], *, timeout: float | None = None) -> int:
        """Adds members; returns how many were not members before."""
        request = rs.AddRoomMembersRequest(room_id=room_id, user_ids=list(user_ids))
        return self._call(self._stub.AddRoomMembers, request, timeout, 1).added_count

    def remove_members(self, room_id: str, user_ids: Sequence[str], *, timeout: float | None = None) -> int:
        """Removes members; returns how many were members."""
        request = rs.RemoveRoomMembersRequest(room_id=room_id, user_ids=list(user_ids))
        return self._call(self._stub.RemoveRoomMembers, request, timeout, 1).removed_count

    def list_members(self, room_id: str, *, limit: int = 0, cursor: str = "", timeout: float | None = None) -> tuple[list[str], str]:
        """One page of members: (user ids ascending, next cursor or "")."""
        request = rs.ListRoomMembersRequest(room_id=room_id, limit=limit, cursor=cursor)
        response = self._call(self._stub.ListRoomMembers, request, timeout, 1)
        return list(response.user_ids), response.next_cursor

    def publish(
        self,
        room_id: str,
        content: Mapping[str, Any],
        *,
        tags: Mapping[str, str] | None = None,
        sender_id: str = "",
        persistent: bool = True,
        idempotency_key: str | None = None,
        timeout: float | None = None,
    ) -> rs.PublishRoomMessageResult:
        """Publishes one message; a persistent one gets a random idempotency key unless given."""
        key = idempotency_key or (str(uuid.uuid4()) if persistent else "")
        message = rs.OutgoingRoomMessage(
            room_id=room_id,
            content=to_struct(content),
            tags=dict(tags or {}),
            sender_id=sender_id,
            persistent=persistent,
            idempotency_key=key,
        )
        request = rs.PublishRoomMessagesRequest(messages=[message])
        return self._call(self._stub.PublishRoomMessages, request, timeout, 2 if key else 0).results[0]

    def update_message(
        self,
        room_id: str,
        message_id: str,
        content: Mapping[str, Any],
        *,
        tags: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> int:
        """Replaces a message's content; returns the update event's seq."""
        request = rs.UpdateRoomMessageRequest(room_id=room_id, message_id=message_id, content=to_struct(content), tags=dict(tags or {}))
        return self._call(self._stub.UpdateRoomMessage, request, timeout).seq

    def delete_message(self, room_id: str, message_id: str, *, timeout: float | None = None) -> int:
        """Makes a message a tombstone; returns the delete event's seq."""
        request = rs.DeleteRoomMessageRequest(room_id=room_id, message_id=message_id)
        return self._call(self._stub.DeleteRoomMessage, request, timeout).seq

    def history(
        self,
        room_id: str,
        *,
        limit: int = 0,
        cursor: str = "",
        direction: str | int = "forward",
        after_seq: int = 0,
        timeout: float | None = None,
    ) -> room_pb2.RoomMessagePage:
        """One page of the room's stored messages."""
        query = room_pb2.RoomMessageQuery(limit=limit, cursor=cursor, direction=list_direction(direction), after_seq=after_seq)
        request = rs.ListRoomMessagesRequest(room_id=room_id, query=query)
        return self._call(self._stub.ListRoomMessages, request, timeout, 1).page

    def presence(self, room_id: str, *, timeout: float | None = None) -> room_pb2.RoomPresence:
        """Who is subscribed to the room, on every node."""
        return self._call(self._stub.GetRoomPresence, rs.GetRoomPresenceRequest(room_id=room_id), timeout, 1).presence

    def unsubscribe(self, room_id: str, user_id: str, *, timeout: float | None = None) -> None:
        """Ends a user's subscriptions to the room (membership unchanged)."""
        self._call(self._stub.UnsubscribeUser, rs.UnsubscribeUserRequest(room_id=room_id, user_id=user_id), timeout)
