from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
LIST_DIRECTION_BACKWARD: ListDirection
LIST_DIRECTION_FORWARD: ListDirection
LIST_DIRECTION_UNSPECIFIED: ListDirection
SYSTEM_CODE_BANNED: SystemCode
SYSTEM_CODE_DELETED_ELSEWHERE: SystemCode
SYSTEM_CODE_DISCONNECTED: SystemCode
SYSTEM_CODE_READ_ELSEWHERE: SystemCode
SYSTEM_CODE_ROOM_MESSAGE: SystemCode
SYSTEM_CODE_SESSION_REPLACED: SystemCode
SYSTEM_CODE_TOKEN_EXPIRED: SystemCode
SYSTEM_CODE_UNBANNED: SystemCode
SYSTEM_CODE_UNSPECIFIED: SystemCode
SYSTEM_FILTER_EXCLUDE: SystemFilter
SYSTEM_FILTER_INCLUDE: SystemFilter
SYSTEM_FILTER_ONLY: SystemFilter
SYSTEM_FILTER_UNSPECIFIED: SystemFilter

class InboxPage(_message.Message):
    __slots__ = ["has_more", "next_cursor", "notifications", "sync_cursor"]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    SYNC_CURSOR_FIELD_NUMBER: _ClassVar[int]
    has_more: bool
    next_cursor: str
    notifications: _containers.RepeatedCompositeFieldContainer[Notification]
    sync_cursor: str
    def __init__(self, notifications: _Optional[_Iterable[_Union[Notification, _Mapping]]] = ..., next_cursor: _Optional[str] = ..., sync_cursor: _Optional[str] = ..., has_more: bool = ...) -> None: ...

class InboxQuery(_message.Message):
    __slots__ = ["cursor", "direction", "limit", "system_filter", "unread_only"]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FILTER_FIELD_NUMBER: _ClassVar[int]
    UNREAD_ONLY_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    direction: ListDirection
    limit: int
    system_filter: SystemFilter
    unread_only: bool
    def __init__(self, limit: _Optional[int] = ..., cursor: _Optional[str] = ..., direction: _Optional[_Union[ListDirection, str]] = ..., unread_only: bool = ..., system_filter: _Optional[_Union[SystemFilter, str]] = ...) -> None: ...

class Notification(_message.Message):
    __slots__ = ["ack_time", "code", "content", "create_time", "expire_time", "id", "persistent", "read_time", "sender_id", "seq", "subject", "user_id"]
    ACK_TIME_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    PERSISTENT_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ack_time: _timestamp_pb2.Timestamp
    code: int
    content: _struct_pb2.Struct
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    id: str
    persistent: bool
    read_time: _timestamp_pb2.Timestamp
    sender_id: str
    seq: int
    subject: str
    user_id: str
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., seq: _Optional[int] = ..., code: _Optional[int] = ..., subject: _Optional[str] = ..., content: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., sender_id: _Optional[str] = ..., persistent: bool = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., read_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., ack_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SystemEvent(_message.Message):
    __slots__ = ["code", "notification_ids", "reason", "time", "unread_count", "up_to_seq"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    UP_TO_SEQ_FIELD_NUMBER: _ClassVar[int]
    code: SystemCode
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    time: _timestamp_pb2.Timestamp
    unread_count: int
    up_to_seq: int
    def __init__(self, code: _Optional[_Union[SystemCode, str]] = ..., reason: _Optional[str] = ..., notification_ids: _Optional[_Iterable[str]] = ..., up_to_seq: _Optional[int] = ..., unread_count: _Optional[int] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SystemCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ListDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class SystemFilter(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
