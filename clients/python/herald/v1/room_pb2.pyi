from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from herald.v1 import notification_pb2 as _notification_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
JOIN_POLICY_MEMBERS: JoinPolicy
JOIN_POLICY_OPEN: JoinPolicy
JOIN_POLICY_UNSPECIFIED: JoinPolicy
ROOM_EVENT_KIND_MESSAGE: RoomEventKind
ROOM_EVENT_KIND_MESSAGE_DELETE: RoomEventKind
ROOM_EVENT_KIND_MESSAGE_UPDATE: RoomEventKind
ROOM_EVENT_KIND_UNSPECIFIED: RoomEventKind
UNSUBSCRIBE_REASON_HISTORY_PURGED: UnsubscribeReason
UNSUBSCRIBE_REASON_NOT_ALLOWED: UnsubscribeReason
UNSUBSCRIBE_REASON_REMOVED: UnsubscribeReason
UNSUBSCRIBE_REASON_ROOM_DELETED: UnsubscribeReason
UNSUBSCRIBE_REASON_TOKEN_EXPIRED: UnsubscribeReason
UNSUBSCRIBE_REASON_UNSPECIFIED: UnsubscribeReason
UNSUBSCRIBE_REASON_UNSUBSCRIBED: UnsubscribeReason

class Room(_message.Message):
    __slots__ = ["create_time", "last_seq", "options", "room_id", "update_time"]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQ_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    create_time: _timestamp_pb2.Timestamp
    last_seq: int
    options: RoomOptions
    room_id: str
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, room_id: _Optional[str] = ..., options: _Optional[_Union[RoomOptions, _Mapping]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_seq: _Optional[int] = ...) -> None: ...

class RoomEvent(_message.Message):
    __slots__ = ["kind", "message", "room_id", "seq", "time"]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    kind: RoomEventKind
    message: RoomMessage
    room_id: str
    seq: int
    time: _timestamp_pb2.Timestamp
    def __init__(self, room_id: _Optional[str] = ..., seq: _Optional[int] = ..., kind: _Optional[_Union[RoomEventKind, str]] = ..., message: _Optional[_Union[RoomMessage, _Mapping]] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RoomMessage(_message.Message):
    __slots__ = ["content", "create_time", "deleted", "message_id", "room_id", "sender_id", "seq", "tags", "update_time"]
    class TagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    content: _struct_pb2.Struct
    create_time: _timestamp_pb2.Timestamp
    deleted: bool
    message_id: str
    room_id: str
    sender_id: str
    seq: int
    tags: _containers.ScalarMap[str, str]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, message_id: _Optional[str] = ..., room_id: _Optional[str] = ..., sender_id: _Optional[str] = ..., content: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., tags: _Optional[_Mapping[str, str]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., seq: _Optional[int] = ..., deleted: bool = ...) -> None: ...

class RoomMessagePage(_message.Message):
    __slots__ = ["messages", "next_cursor"]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[RoomMessage]
    next_cursor: str
    def __init__(self, messages: _Optional[_Iterable[_Union[RoomMessage, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class RoomMessageQuery(_message.Message):
    __slots__ = ["after_seq", "cursor", "direction", "limit"]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    after_seq: int
    cursor: str
    direction: _notification_pb2.ListDirection
    limit: int
    def __init__(self, limit: _Optional[int] = ..., cursor: _Optional[str] = ..., direction: _Optional[_Union[_notification_pb2.ListDirection, str]] = ..., after_seq: _Optional[int] = ...) -> None: ...

class RoomOptions(_message.Message):
    __slots__ = ["history_max_age_seconds", "history_max_count", "join_policy", "members_can_edit", "members_can_publish", "metadata", "notify_offline", "presence"]
    HISTORY_MAX_AGE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_MAX_COUNT_FIELD_NUMBER: _ClassVar[int]
    JOIN_POLICY_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_CAN_EDIT_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_CAN_PUBLISH_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_OFFLINE_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_FIELD_NUMBER: _ClassVar[int]
    history_max_age_seconds: int
    history_max_count: int
    join_policy: JoinPolicy
    members_can_edit: bool
    members_can_publish: bool
    metadata: _struct_pb2.Struct
    notify_offline: bool
    presence: bool
    def __init__(self, join_policy: _Optional[_Union[JoinPolicy, str]] = ..., members_can_publish: bool = ..., members_can_edit: bool = ..., presence: bool = ..., history_max_count: _Optional[int] = ..., history_max_age_seconds: _Optional[int] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., notify_offline: bool = ...) -> None: ...

class RoomPresence(_message.Message):
    __slots__ = ["room_id", "user_count", "users"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    USERS_FIELD_NUMBER: _ClassVar[int]
    USER_COUNT_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    user_count: int
    users: _containers.RepeatedCompositeFieldContainer[RoomPresenceUser]
    def __init__(self, room_id: _Optional[str] = ..., users: _Optional[_Iterable[_Union[RoomPresenceUser, _Mapping]]] = ..., user_count: _Optional[int] = ...) -> None: ...

class RoomPresenceUser(_message.Message):
    __slots__ = ["connections", "user_id"]
    CONNECTIONS_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    connections: int
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., connections: _Optional[int] = ...) -> None: ...

class JoinPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class RoomEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class UnsubscribeReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
