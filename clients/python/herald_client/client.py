"""``Client``: a user's WebSocket connection to Herald (asyncio), speaking the protobuf envelope.

Every frame is built as a generated ``herald.gateway.v1.ClientFrame`` and sent
as its proto3 JSON mapping; every frame received is parsed into a
``ServerFrame`` with ``google.protobuf.json_format`` (docs/protocol.md).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import websockets
from google.protobuf import json_format
from google.protobuf.message import Message

from herald.gateway.v1 import envelope_pb2 as env
from herald.v1 import notification_pb2

from ._convert import inbox_query, to_struct
from .client_rooms import RoomOps
from .errors import ConnectionClosed, HeraldError

__all__ = ["Client"]

_MAX_ID = 2**31 - 1
_CLOSED = object()


def encode(frame: env.ClientFrame) -> str:
    """A ClientFrame as the JSON text Herald reads (proto3 JSON mapping, lowerCamelCase)."""
    return json.dumps(json_format.MessageToDict(frame), separators=(",", ":"))


def decode(text: str | bytes) -> env.ServerFrame:
    """A ServerFrame from the JSON text Herald sends; unknown fields (newer servers) are ignored."""
    return json_format.Parse(text, env.ServerFrame(), ignore_unknown_fields=True)


class Client(RoomOps):
    """One authenticated WebSocket connection of one user.

    Open it with :meth:`connect` (``async with await Client.connect(...)``).
    Requests (``list``, ``mark_read``, ``join``, ...) are matched to their
    replies by id and may run concurrently; failures raise :class:`HeraldError`.
    Pushes (notifications, system events, room events) are read with
    :meth:`receive`, :meth:`next_notification` or ``async for``. ``last_seq``
    is the highest notification seq handed to the application: pass it to
    the next :meth:`connect` to resume after a disconnect, with no gap and
    no duplicate.
    """

    def __init__(self, ws: Any, request_timeout: float) -> None:
        self._ws = ws
        self._timeout = request_timeout
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[env.ServerFrame]] = {}
        self._pushes: asyncio.Queue[Any] = asyncio.Queue()
        self._closed: ConnectionClosed | None = None
        self._reader = asyncio.get_running_loop().create_task(self._read())
        self.session = env.AuthenticateResponse()
        self.last_seq = 0

    @classmethod
    async def connect(
        cls,
        url: str,
        token: str,
        *,
        last_seq: int | None = None,
        resume: bool = False,
        inbox_filter: Mapping[str, Any] | None = None,
        open_timeout: float = 10.0,
        request_timeout: float = 10.0,
    ) -> Client:
        """Opens ``url`` (``ws://host:port/ws``) and authenticates with ``token`` (a JWT).

        With ``last_seq`` (0 included; or ``resume=True``) every stored
        notification after it comes first, oldest first, then live ones;
        without, live ones only, and ``last_seq`` starts at the newest stored
        seq. ``inbox_filter`` (Koncorde DSL, docs/protocol.md) narrows the
        notifications pushed to this connection. Raises
        :class:`HeraldError` (``"unauthenticated"``, ``"permission_denied"`` for
        a banned user, ...) when Herald refuses the connection.
        """
        ws = await websockets.connect(url, open_timeout=open_timeout, max_size=None)
        client = cls(ws, request_timeout)
        resume = resume or last_seq is not None
        auth = env.AuthenticateRequest(token=token, last_seq=last_seq or 0, resume=resume, inbox_filter=to_struct(inbox_filter))
        try:
            client.session = await client.request("authenticate", auth, timeout=open_timeout)
        except BaseException:
            await client.close()
            raise
        client.last_seq = last_seq if last_seq is not None else client.session.last_seq
        return client

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def closed(self) -> ConnectionClosed | None:
        """Why the connection closed (``close_code``, ``should_reconnect``), or None while open."""
        return self._closed

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Closes the connection (idempotent) and waits for the reader to finish."""
        await self._ws.close(code, reason)
        await asyncio.gather(self._reader, return_exceptions=True)

    async def _read(self) -> None:
        try:
            async for text in self._ws:
                try:
                    frame = decode(text)
                except (json_format.ParseError, ValueError):
                    continue  # not a frame of this protocol version: skip it
                future = self._pending.pop(frame.id, None) if frame.id else None
                if future is not None:
                    if not future.done():
                        future.set_result(frame)
                else:
                    self._pushes.put_nowait(frame)
        except websockets.ConnectionClosed:
            pass
        finally:
            self._closed = ConnectionClosed(self._ws.close_code, self._ws.close_reason or "")
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(self._closed)
            self._pending.clear()
            self._pushes.put_nowait(_CLOSED)

    async def request(self, op: str, message: Message | None = None, *, timeout: float | None = None) -> Any:
        """Sends one operation (a ``ClientFrame`` oneof name, e.g. ``"mark_read"``) and returns the reply body.

        Raises :class:`HeraldError` for an error reply, ``"deadline_exceeded"``
        when no reply comes within ``timeout`` seconds, and
        :class:`ConnectionClosed` when the connection closes first.
        """
        if self._closed is not None:
            raise self._closed
        self._next_id = self._next_id % _MAX_ID + 1
        frame = env.ClientFrame(id=self._next_id)
        field = getattr(frame, op)
        if message is not None:
            field.CopyFrom(message)
        field.SetInParent()
        future: asyncio.Future[env.ServerFrame] = asyncio.get_running_loop().create_future()
        self._pending[frame.id] = future
        try:
            await self._ws.send(encode(frame))
            reply = await asyncio.wait_for(future, timeout if timeout is not None else self._timeout)
        except asyncio.TimeoutError:
            raise HeraldError("deadline_exceeded", f"no reply to {op} within the deadline") from None
        except websockets.ConnectionClosed:
            raise self._closed or ConnectionClosed(self._ws.close_code, self._ws.close_reason or "") from None
        finally:
            self._pending.pop(frame.id, None)
        body = reply.WhichOneof("body")
        if body == "error":
            raise HeraldError(reply.error.code, reply.error.message, reply.error.field)
        return getattr(reply, body) if body else None

    async def receive(self, *, timeout: float | None = None) -> env.ServerFrame:
        """The next push (a ``ServerFrame`` without id: ``frame.WhichOneof("body")`` says which).

        Raises :class:`ConnectionClosed` once the connection has closed and
        every push received before has been read, and ``asyncio.TimeoutError``
        after ``timeout`` seconds without one.
        """
        item = await asyncio.wait_for(self._pushes.get(), timeout)
        if item is _CLOSED:
            self._pushes.put_nowait(_CLOSED)
            raise self._closed or ConnectionClosed(None)
        if item.WhichOneof("body") == "notification" and item.notification.seq > self.last_seq:
            self.last_seq = item.notification.seq
        return item

    async def next_notification(self, *, timeout: float | None = None) -> notification_pb2.Notification:
        """The next pushed notification; other pushes before it are skipped (and lost)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            left = None if deadline is None else max(deadline - loop.time(), 0)
            frame = await self.receive(timeout=left)
            if frame.WhichOneof("body") == "notification":
                return frame.notification

    async def __aiter__(self) -> AsyncIterator[env.ServerFrame]:
        """Every push until the connection closes."""
        while True:
            try:
                yield await self.receive()
            except ConnectionClosed:
                return

    async def list(
        self,
        *,
        limit: int = 0,
        cursor: str = "",
        direction: str | int = "forward",
        unread_only: bool = False,
        system: str | int = "include",
    ) -> notification_pb2.InboxPage:
        """One page of the user's inbox."""
        query = inbox_query(limit=limit, cursor=cursor, direction=direction, unread_only=unread_only, system=system)
        return await self.request("list", query)

    async def mark_read(self, ids: Sequence[str] = (), *, up_to_seq: int = 0) -> env.MarkReadResponse:
        """Marks notifications read, by ids or up to a seq."""
        return await self.request("mark_read", env.MarkReadRequest(ids=list(ids), up_to_seq=up_to_seq))

    async def delete(self, ids: Sequence[str]) -> env.DeleteResponse:
        """Deletes notifications by id."""
        return await self.request("delete", env.DeleteRequest(ids=list(ids)))

    async def ack(self, notification_ids: Sequence[str]) -> int:
        """Acknowledges delivery; returns how many were acknowledged for the first time."""
        return (await self.request("ack", env.AckRequest(notification_ids=list(notification_ids)))).acknowledged_count

    async def unread_count(self) -> int:
        """The user's unread count."""
        return (await self.request("unread_count")).unread_count

    async def ping(self) -> env.PingResponse:
        """Round trip; the reply carries the server's clock."""
        return await self.request("ping")

    async def refresh(self, token: str) -> env.RefreshResponse:
        """Gives the open session a fresh token of the same user (it takes the new expiry)."""
        return await self.request("refresh", env.RefreshRequest(token=token))
