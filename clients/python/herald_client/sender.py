"""``Sender``: the backend side of Herald over gRPC (``herald.v1.NotificationService``)."""

from __future__ import annotations

import datetime
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import grpc

from herald.v1 import notification_pb2, notification_service_pb2 as ns, notification_service_pb2_grpc as ns_grpc

from ._convert import inbox_query, to_struct, to_timestamp
from .errors import RETRYABLE_CODES, HeraldError
from .rooms import Rooms

__all__ = ["Sender"]

T = TypeVar("T")


class Sender:
    """Sends notifications and manages inboxes and connections, as a trusted backend.

    Every call carries ``authorization: Bearer <api_key>`` and a deadline
    (``timeout`` seconds, per call or the default given here). Failures raise
    :class:`HeraldError` with the canonical code (``"unauthenticated"`` for a bad
    key, ``"deadline_exceeded"``, ...). ``rooms`` manages rooms
    (``herald.v1.RoomService``) over the same channel.

    Use it as a context manager, or call :meth:`close`::

        with Sender("127.0.0.1:50051", api_key) as sender:
            sender.send("alice", code=1, subject="Hello")
    """

    def __init__(
        self,
        target: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        credentials: grpc.ChannelCredentials | None = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        self._channel = (
            grpc.secure_channel(target, credentials, options=list(options))
            if credentials is not None
            else grpc.insecure_channel(target, options=list(options))
        )
        self._metadata = (("authorization", f"Bearer {api_key}"),)
        self._timeout = timeout
        self._retries = retries
        self._stub = ns_grpc.NotificationServiceStub(self._channel)
        self.rooms = Rooms(self._channel, self._call)

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the channel; calls in flight are cancelled."""
        self._channel.close()

    @property
    def channel(self) -> grpc.Channel:
        """The underlying channel, to build other stubs on (e.g. reflection)."""
        return self._channel

    def _call(self, method: Callable[..., T], request: Any, timeout: float | None, retries: int = 0) -> T:
        """Runs one unary call with the key and a deadline; retries (same request) on retryable codes."""
        attempt = 0
        while True:
            try:
                return method(request, timeout=timeout or self._timeout, metadata=self._metadata)
            except grpc.RpcError as err:
                error = HeraldError.from_rpc_error(err)
                if error.code not in RETRYABLE_CODES or attempt >= retries:
                    raise error from err
            attempt += 1
            time.sleep(min(0.1 * 2**attempt, 2.0))

    def send(
        self,
        user_ids: str | Sequence[str],
        *,
        code: int,
        subject: str = "",
        content: Mapping[str, Any] | None = None,
        sender_id: str = "",
        persistent: bool = True,
        idempotency_key: str | None = None,
        expire_time: datetime.datetime | None = None,
        timeout: float | None = None,
    ) -> list[ns.SendResult]:
        """Sends one notification to one or more users; one result per recipient.

        A persistent notification gets a random idempotency key unless one is
        given, so that the retries this method makes after ``unavailable`` or
        ``deadline_exceeded`` never store it twice. Pass your own key (kept
        across your own retries) to make a later resend a duplicate too.
        """
        note = ns.OutgoingNotification(
            user_ids=[user_ids] if isinstance(user_ids, str) else list(user_ids),
            code=code,
            subject=subject,
            content=to_struct(content or {}),
            sender_id=sender_id,
            persistent=persistent,
            idempotency_key=idempotency_key or "",
            expire_time=to_timestamp(expire_time),
        )
        return self.send_batch([note], timeout=timeout)

    def send_batch(self, notifications: Iterable[ns.OutgoingNotification], *, timeout: float | None = None) -> list[ns.SendResult]:
        """Sends up to 1,000 notifications in one call (results in request order).

        Persistent notifications without an idempotency key get a random one
        (the given messages are not modified).
        """
        request = ns.SendNotificationsRequest()
        for note in notifications:
            copy = request.notifications.add()
            copy.CopyFrom(note)
            if copy.persistent and not copy.idempotency_key:
                copy.idempotency_key = str(uuid.uuid4())
        return list(self._call(self._stub.SendNotifications, request, timeout, self._retries).results)

    def list(
        self,
        user_id: str,
        *,
        limit: int = 0,
        cursor: str = "",
        direction: str | int = "forward",
        unread_only: bool = False,
        system: str | int = "include",
        timeout: float | None = None,
    ) -> notification_pb2.InboxPage:
        """One page of a user's inbox (``direction`` ``"forward"`` or ``"backward"``)."""
        query = inbox_query(limit=limit, cursor=cursor, direction=direction, unread_only=unread_only, system=system)
        request = ns.ListNotificationsRequest(user_id=user_id, query=query)
        return self._call(self._stub.ListNotifications, request, timeout, self._retries).page

    def mark_read(
        self, user_id: str, ids: Sequence[str] = (), *, up_to_seq: int = 0, timeout: float | None = None
    ) -> ns.MarkNotificationsReadResponse:
        """Marks notifications read, by ``ids`` or every one with seq <= ``up_to_seq``."""
        request = ns.MarkNotificationsReadRequest(user_id=user_id, ids=list(ids), up_to_seq=up_to_seq)
        return self._call(self._stub.MarkNotificationsRead, request, timeout, self._retries)

    def delete(self, user_id: str, ids: Sequence[str], *, timeout: float | None = None) -> ns.DeleteNotificationsResponse:
        """Deletes a user's notifications by id (others' and unknown ids are skipped)."""
        request = ns.DeleteNotificationsRequest(user_id=user_id, ids=list(ids))
        return self._call(self._stub.DeleteNotifications, request, timeout, self._retries)

    def unread_count(self, user_id: str, *, timeout: float | None = None) -> int:
        """The user's unread, unexpired stored notifications."""
        request = ns.GetUnreadCountRequest(user_id=user_id)
        return self._call(self._stub.GetUnreadCount, request, timeout, self._retries).unread_count

    def disconnect(self, user_id: str, reason: str = "", *, timeout: float | None = None) -> str:
        """Closes every connection of the user; returns the stored DISCONNECTED notification's id."""
        request = ns.DisconnectUserRequest(user_id=user_id, reason=reason)
        return self._call(self._stub.DisconnectUser, request, timeout).notification_id

    def ban(self, user_id: str, reason: str = "", *, timeout: float | None = None) -> str:
        """Bans the user (connections close, new ones are refused); returns the BANNED notification's id."""
        request = ns.BanUserRequest(user_id=user_id, reason=reason)
        return self._call(self._stub.BanUser, request, timeout).notification_id

    def unban(self, user_id: str, *, timeout: float | None = None) -> str:
        """Lifts a ban; returns the UNBANNED notification's id ("" if the user was not banned)."""
        request = ns.UnbanUserRequest(user_id=user_id)
        return self._call(self._stub.UnbanUser, request, timeout).notification_id
