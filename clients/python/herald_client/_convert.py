"""Conversions from plain Python values to the generated protobuf messages."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2

from herald.v1 import notification_pb2


def to_struct(value: Mapping[str, Any] | struct_pb2.Struct | None) -> struct_pb2.Struct | None:
    """A ``google.protobuf.Struct`` from a JSON-like dict (None stays None)."""
    if value is None or isinstance(value, struct_pb2.Struct):
        return value
    struct = struct_pb2.Struct()
    struct.update(dict(value))
    return struct


def to_timestamp(value: datetime.datetime | timestamp_pb2.Timestamp | None) -> timestamp_pb2.Timestamp | None:
    """A ``google.protobuf.Timestamp`` from an aware datetime (naive ones are taken as UTC)."""
    if value is None or isinstance(value, timestamp_pb2.Timestamp):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value.astimezone(datetime.timezone.utc))
    return ts


def list_direction(value: str | int) -> int:
    """``"forward"``/``"backward"`` (or a ``ListDirection`` value) as the enum number."""
    if isinstance(value, int):
        return value
    return notification_pb2.ListDirection.Value("LIST_DIRECTION_" + value.upper())


def system_filter(value: str | int) -> int:
    """``"include"``/``"exclude"``/``"only"`` (or a ``SystemFilter`` value) as the enum number."""
    if isinstance(value, int):
        return value
    return notification_pb2.SystemFilter.Value("SYSTEM_FILTER_" + value.upper())


def inbox_query(
    *, limit: int = 0, cursor: str = "", direction: str | int = "forward", unread_only: bool = False, system: str | int = "include"
) -> notification_pb2.InboxQuery:
    """The listing parameters shared by gRPC ``ListNotifications`` and the WebSocket ``list``."""
    return notification_pb2.InboxQuery(
        limit=limit,
        cursor=cursor,
        direction=list_direction(direction),
        unread_only=unread_only,
        system_filter=system_filter(system),
    )
