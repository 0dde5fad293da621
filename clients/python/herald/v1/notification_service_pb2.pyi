from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from herald.v1 import notification_pb2 as _notification_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BanUserRequest(_message.Message):
    __slots__ = ["reason", "user_id"]
    REASON_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    reason: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class BanUserResponse(_message.Message):
    __slots__ = ["notification_id"]
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    def __init__(self, notification_id: _Optional[str] = ...) -> None: ...

class DeleteNotificationsRequest(_message.Message):
    __slots__ = ["ids", "user_id"]
    IDS_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., ids: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteNotificationsResponse(_message.Message):
    __slots__ = ["deleted_count", "deleted_ids", "unread_count"]
    DELETED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELETED_IDS_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    deleted_count: int
    deleted_ids: _containers.RepeatedScalarFieldContainer[str]
    unread_count: int
    def __init__(self, deleted_count: _Optional[int] = ..., deleted_ids: _Optional[_Iterable[str]] = ..., unread_count: _Optional[int] = ...) -> None: ...

class DisconnectUserRequest(_message.Message):
    __slots__ = ["reason", "user_id"]
    REASON_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    reason: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DisconnectUserResponse(_message.Message):
    __slots__ = ["notification_id"]
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    def __init__(self, notification_id: _Optional[str] = ...) -> None: ...

class GetUnreadCountRequest(_message.Message):
    __slots__ = ["user_id"]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class GetUnreadCountResponse(_message.Message):
    __slots__ = ["unread_count"]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    unread_count: int
    def __init__(self, unread_count: _Optional[int] = ...) -> None: ...

class ListNotificationsRequest(_message.Message):
    __slots__ = ["query", "user_id"]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    query: _notification_pb2.InboxQuery
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., query: _Optional[_Union[_notification_pb2.InboxQuery, _Mapping]] = ...) -> None: ...

class ListNotificationsResponse(_message.Message):
    __slots__ = ["page"]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _notification_pb2.InboxPage
    def __init__(self, page: _Optional[_Union[_notification_pb2.InboxPage, _Mapping]] = ...) -> None: ...

class MarkNotificationsReadRequest(_message.Message):
    __slots__ = ["ids", "up_to_seq", "user_id"]
    IDS_FIELD_NUMBER: _ClassVar[int]
    UP_TO_SEQ_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    up_to_seq: int
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., ids: _Optional[_Iterable[str]] = ..., up_to_seq: _Optional[int] = ...) -> None: ...

class MarkNotificationsReadResponse(_message.Message):
    __slots__ = ["unread_count", "updated_count", "updated_ids"]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_IDS_FIELD_NUMBER: _ClassVar[int]
    unread_count: int
    updated_count: int
    updated_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, updated_count: _Optional[int] = ..., updated_ids: _Optional[_Iterable[str]] = ..., unread_count: _Optional[int] = ...) -> None: ...

class OutgoingNotification(_message.Message):
    __slots__ = ["code", "content", "expire_time", "idempotency_key", "persistent", "sender_id", "subject", "user_ids"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PERSISTENT_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    code: int
    content: _struct_pb2.Struct
    expire_time: _timestamp_pb2.Timestamp
    idempotency_key: str
    persistent: bool
    sender_id: str
    subject: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ..., code: _Optional[int] = ..., subject: _Optional[str] = ..., content: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., sender_id: _Optional[str] = ..., persistent: bool = ..., idempotency_key: _Optional[str] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SendNotificationsRequest(_message.Message):
    __slots__ = ["notifications"]
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[OutgoingNotification]
    def __init__(self, notifications: _Optional[_Iterable[_Union[OutgoingNotification, _Mapping]]] = ...) -> None: ...

class SendNotificationsResponse(_message.Message):
    __slots__ = ["results"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SendResult]
    def __init__(self, results: _Optional[_Iterable[_Union[SendResult, _Mapping]]] = ...) -> None: ...

class SendResult(_message.Message):
    __slots__ = ["duplicate", "index", "notification_id", "seq", "user_id"]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    duplicate: bool
    index: int
    notification_id: str
    seq: int
    user_id: str
    def __init__(self, index: _Optional[int] = ..., user_id: _Optional[str] = ..., notification_id: _Optional[str] = ..., seq: _Optional[int] = ..., duplicate: bool = ...) -> None: ...

class UnbanUserRequest(_message.Message):
    __slots__ = ["user_id"]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class UnbanUserResponse(_message.Message):
    __slots__ = ["notification_id"]
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    def __init__(self, notification_id: _Optional[str] = ...) -> None: ...
