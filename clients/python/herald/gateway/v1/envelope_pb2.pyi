from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from herald.v1 import notification_pb2 as _notification_pb2
from herald.v1 import room_pb2 as _room_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
PRESENCE_ACTION_JOIN: PresenceAction
PRESENCE_ACTION_LEAVE: PresenceAction
PRESENCE_ACTION_UNSPECIFIED: PresenceAction
SCOPE_ALL: Scope
SCOPE_IN: Scope
SCOPE_NONE: Scope
SCOPE_OUT: Scope
SCOPE_UNSPECIFIED: Scope
USERS_SCOPE_ALL: UsersScope
USERS_SCOPE_IN: UsersScope
USERS_SCOPE_NONE: UsersScope
USERS_SCOPE_OUT: UsersScope
USERS_SCOPE_UNSPECIFIED: UsersScope

class AckRequest(_message.Message):
    __slots__ = ["notification_ids"]
    NOTIFICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    notification_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, notification_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AckResponse(_message.Message):
    __slots__ = ["acknowledged_count"]
    ACKNOWLEDGED_COUNT_FIELD_NUMBER: _ClassVar[int]
    acknowledged_count: int
    def __init__(self, acknowledged_count: _Optional[int] = ...) -> None: ...

class AuthenticateRequest(_message.Message):
    __slots__ = ["inbox_filter", "last_seq", "resume", "token"]
    INBOX_FILTER_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQ_FIELD_NUMBER: _ClassVar[int]
    RESUME_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    inbox_filter: _struct_pb2.Struct
    last_seq: int
    resume: bool
    token: str
    def __init__(self, token: _Optional[str] = ..., last_seq: _Optional[int] = ..., resume: bool = ..., inbox_filter: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class AuthenticateResponse(_message.Message):
    __slots__ = ["expire_time", "last_seq", "session_id", "unread_count", "user_id"]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQ_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    expire_time: _timestamp_pb2.Timestamp
    last_seq: int
    session_id: str
    unread_count: int
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., session_id: _Optional[str] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., unread_count: _Optional[int] = ..., last_seq: _Optional[int] = ...) -> None: ...

class ClientFrame(_message.Message):
    __slots__ = ["ack", "authenticate", "delete", "delete_message", "history", "id", "join", "leave", "list", "mark_read", "ping", "presence", "publish", "refresh", "typing", "unread_count", "update_message"]
    ACK_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATE_FIELD_NUMBER: _ClassVar[int]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    DELETE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    JOIN_FIELD_NUMBER: _ClassVar[int]
    LEAVE_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    MARK_READ_FIELD_NUMBER: _ClassVar[int]
    PING_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_FIELD_NUMBER: _ClassVar[int]
    REFRESH_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ack: AckRequest
    authenticate: AuthenticateRequest
    delete: DeleteRequest
    delete_message: DeleteMessageRequest
    history: HistoryRequest
    id: int
    join: JoinRequest
    leave: LeaveRequest
    list: _notification_pb2.InboxQuery
    mark_read: MarkReadRequest
    ping: PingRequest
    presence: PresenceRequest
    publish: PublishRequest
    refresh: RefreshRequest
    typing: TypingRequest
    unread_count: UnreadCountRequest
    update_message: UpdateMessageRequest
    def __init__(self, id: _Optional[int] = ..., authenticate: _Optional[_Union[AuthenticateRequest, _Mapping]] = ..., list: _Optional[_Union[_notification_pb2.InboxQuery, _Mapping]] = ..., mark_read: _Optional[_Union[MarkReadRequest, _Mapping]] = ..., delete: _Optional[_Union[DeleteRequest, _Mapping]] = ..., ack: _Optional[_Union[AckRequest, _Mapping]] = ..., unread_count: _Optional[_Union[UnreadCountRequest, _Mapping]] = ..., ping: _Optional[_Union[PingRequest, _Mapping]] = ..., refresh: _Optional[_Union[RefreshRequest, _Mapping]] = ..., join: _Optional[_Union[JoinRequest, _Mapping]] = ..., leave: _Optional[_Union[LeaveRequest, _Mapping]] = ..., publish: _Optional[_Union[PublishRequest, _Mapping]] = ..., update_message: _Optional[_Union[UpdateMessageRequest, _Mapping]] = ..., delete_message: _Optional[_Union[DeleteMessageRequest, _Mapping]] = ..., typing: _Optional[_Union[TypingRequest, _Mapping]] = ..., history: _Optional[_Union[HistoryRequest, _Mapping]] = ..., presence: _Optional[_Union[PresenceRequest, _Mapping]] = ...) -> None: ...

class DeleteMessageRequest(_message.Message):
    __slots__ = ["message_id", "room_id"]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    room_id: str
    def __init__(self, room_id: _Optional[str] = ..., message_id: _Optional[str] = ...) -> None: ...

class DeleteMessageResponse(_message.Message):
    __slots__ = ["seq"]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    seq: int
    def __init__(self, seq: _Optional[int] = ...) -> None: ...

class DeleteRequest(_message.Message):
    __slots__ = ["ids"]
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteResponse(_message.Message):
    __slots__ = ["deleted_count", "deleted_ids", "unread_count"]
    DELETED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELETED_IDS_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    deleted_count: int
    deleted_ids: _containers.RepeatedScalarFieldContainer[str]
    unread_count: int
    def __init__(self, deleted_count: _Optional[int] = ..., deleted_ids: _Optional[_Iterable[str]] = ..., unread_count: _Optional[int] = ...) -> None: ...

class Error(_message.Message):
    __slots__ = ["code", "field", "message"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    field: str
    message: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., field: _Optional[str] = ...) -> None: ...

class HistoryRequest(_message.Message):
    __slots__ = ["query", "room_id"]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    query: _room_pb2.RoomMessageQuery
    room_id: str
    def __init__(self, room_id: _Optional[str] = ..., query: _Optional[_Union[_room_pb2.RoomMessageQuery, _Mapping]] = ...) -> None: ...

class JoinRequest(_message.Message):
    __slots__ = ["filter", "presence", "resume", "room_id", "scope", "since_seq", "users", "volatile"]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_FIELD_NUMBER: _ClassVar[int]
    RESUME_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SINCE_SEQ_FIELD_NUMBER: _ClassVar[int]
    USERS_FIELD_NUMBER: _ClassVar[int]
    VOLATILE_FIELD_NUMBER: _ClassVar[int]
    filter: _struct_pb2.Struct
    presence: bool
    resume: bool
    room_id: str
    scope: Scope
    since_seq: int
    users: UsersScope
    volatile: _struct_pb2.Struct
    def __init__(self, room_id: _Optional[str] = ..., since_seq: _Optional[int] = ..., resume: bool = ..., presence: bool = ..., volatile: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., filter: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., scope: _Optional[_Union[Scope, str]] = ..., users: _Optional[_Union[UsersScope, str]] = ...) -> None: ...

class JoinResponse(_message.Message):
    __slots__ = ["last_seq", "recovered", "room_id", "subscription_id"]
    LAST_SEQ_FIELD_NUMBER: _ClassVar[int]
    RECOVERED_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    last_seq: int
    recovered: bool
    room_id: str
    subscription_id: str
    def __init__(self, subscription_id: _Optional[str] = ..., room_id: _Optional[str] = ..., last_seq: _Optional[int] = ..., recovered: bool = ...) -> None: ...

class LeaveRequest(_message.Message):
    __slots__ = ["subscription_id"]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    def __init__(self, subscription_id: _Optional[str] = ...) -> None: ...

class LeaveResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ["ids", "up_to_seq"]
    IDS_FIELD_NUMBER: _ClassVar[int]
    UP_TO_SEQ_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    up_to_seq: int
    def __init__(self, ids: _Optional[_Iterable[str]] = ..., up_to_seq: _Optional[int] = ...) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = ["unread_count", "updated_count", "updated_ids"]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_IDS_FIELD_NUMBER: _ClassVar[int]
    unread_count: int
    updated_count: int
    updated_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, updated_count: _Optional[int] = ..., updated_ids: _Optional[_Iterable[str]] = ..., unread_count: _Optional[int] = ...) -> None: ...

class PingRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class PingResponse(_message.Message):
    __slots__ = ["server_time"]
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    server_time: _timestamp_pb2.Timestamp
    def __init__(self, server_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PresencePush(_message.Message):
    __slots__ = ["action", "room_id", "subscription_id", "user_count", "user_id", "volatile"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_COUNT_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    VOLATILE_FIELD_NUMBER: _ClassVar[int]
    action: PresenceAction
    room_id: str
    subscription_id: str
    user_count: int
    user_id: str
    volatile: _struct_pb2.Struct
    def __init__(self, subscription_id: _Optional[str] = ..., room_id: _Optional[str] = ..., user_id: _Optional[str] = ..., action: _Optional[_Union[PresenceAction, str]] = ..., user_count: _Optional[int] = ..., volatile: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class PresenceRequest(_message.Message):
    __slots__ = ["room_id"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    def __init__(self, room_id: _Optional[str] = ...) -> None: ...

class PublishRequest(_message.Message):
    __slots__ = ["content", "idempotency_key", "room_id", "tags"]
    class TagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    content: _struct_pb2.Struct
    idempotency_key: str
    room_id: str
    tags: _containers.ScalarMap[str, str]
    def __init__(self, room_id: _Optional[str] = ..., content: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., tags: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class PublishResponse(_message.Message):
    __slots__ = ["duplicate", "message_id", "seq"]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    duplicate: bool
    message_id: str
    seq: int
    def __init__(self, message_id: _Optional[str] = ..., seq: _Optional[int] = ..., duplicate: bool = ...) -> None: ...

class RefreshRequest(_message.Message):
    __slots__ = ["token"]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class RefreshResponse(_message.Message):
    __slots__ = ["expire_time", "user_id"]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    expire_time: _timestamp_pb2.Timestamp
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RoomActivityPush(_message.Message):
    __slots__ = ["message_id", "room_id", "sender_id", "seq"]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    room_id: str
    sender_id: str
    seq: int
    def __init__(self, room_id: _Optional[str] = ..., message_id: _Optional[str] = ..., seq: _Optional[int] = ..., sender_id: _Optional[str] = ...) -> None: ...

class RoomEventPush(_message.Message):
    __slots__ = ["event", "scope", "subscription_id"]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    event: _room_pb2.RoomEvent
    scope: Scope
    subscription_id: str
    def __init__(self, subscription_id: _Optional[str] = ..., event: _Optional[_Union[_room_pb2.RoomEvent, _Mapping]] = ..., scope: _Optional[_Union[Scope, str]] = ...) -> None: ...

class ServerFrame(_message.Message):
    __slots__ = ["ack", "authenticate", "delete", "delete_message", "error", "history", "id", "join", "leave", "list", "mark_read", "notification", "ping", "presence", "presence_event", "publish", "refresh", "room_activity", "room_event", "system_event", "typing", "typing_event", "unread_count", "unsubscribed", "update_message"]
    ACK_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATE_FIELD_NUMBER: _ClassVar[int]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    DELETE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    JOIN_FIELD_NUMBER: _ClassVar[int]
    LEAVE_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    MARK_READ_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    PING_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_EVENT_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_FIELD_NUMBER: _ClassVar[int]
    REFRESH_FIELD_NUMBER: _ClassVar[int]
    ROOM_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    ROOM_EVENT_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_EVENT_FIELD_NUMBER: _ClassVar[int]
    TYPING_EVENT_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNSUBSCRIBED_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ack: AckResponse
    authenticate: AuthenticateResponse
    delete: DeleteResponse
    delete_message: DeleteMessageResponse
    error: Error
    history: _room_pb2.RoomMessagePage
    id: int
    join: JoinResponse
    leave: LeaveResponse
    list: _notification_pb2.InboxPage
    mark_read: MarkReadResponse
    notification: _notification_pb2.Notification
    ping: PingResponse
    presence: _room_pb2.RoomPresence
    presence_event: PresencePush
    publish: PublishResponse
    refresh: RefreshResponse
    room_activity: RoomActivityPush
    room_event: RoomEventPush
    system_event: _notification_pb2.SystemEvent
    typing: TypingResponse
    typing_event: TypingPush
    unread_count: UnreadCountResponse
    unsubscribed: UnsubscribedPush
    update_message: UpdateMessageResponse
    def __init__(self, id: _Optional[int] = ..., authenticate: _Optional[_Union[AuthenticateResponse, _Mapping]] = ..., list: _Optional[_Union[_notification_pb2.InboxPage, _Mapping]] = ..., mark_read: _Optional[_Union[MarkReadResponse, _Mapping]] = ..., delete: _Optional[_Union[DeleteResponse, _Mapping]] = ..., ack: _Optional[_Union[AckResponse, _Mapping]] = ..., unread_count: _Optional[_Union[UnreadCountResponse, _Mapping]] = ..., ping: _Optional[_Union[PingResponse, _Mapping]] = ..., refresh: _Optional[_Union[RefreshResponse, _Mapping]] = ..., join: _Optional[_Union[JoinResponse, _Mapping]] = ..., leave: _Optional[_Union[LeaveResponse, _Mapping]] = ..., publish: _Optional[_Union[PublishResponse, _Mapping]] = ..., update_message: _Optional[_Union[UpdateMessageResponse, _Mapping]] = ..., delete_message: _Optional[_Union[DeleteMessageResponse, _Mapping]] = ..., typing: _Optional[_Union[TypingResponse, _Mapping]] = ..., history: _Optional[_Union[_room_pb2.RoomMessagePage, _Mapping]] = ..., presence: _Optional[_Union[_room_pb2.RoomPresence, _Mapping]] = ..., error: _Optional[_Union[Error, _Mapping]] = ..., notification: _Optional[_Union[_notification_pb2.Notification, _Mapping]] = ..., system_event: _Optional[_Union[_notification_pb2.SystemEvent, _Mapping]] = ..., room_event: _Optional[_Union[RoomEventPush, _Mapping]] = ..., typing_event: _Optional[_Union[TypingPush, _Mapping]] = ..., presence_event: _Optional[_Union[PresencePush, _Mapping]] = ..., unsubscribed: _Optional[_Union[UnsubscribedPush, _Mapping]] = ..., room_activity: _Optional[_Union[RoomActivityPush, _Mapping]] = ...) -> None: ...

class TypingPush(_message.Message):
    __slots__ = ["room_id", "subscription_id", "typing", "user_id"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    subscription_id: str
    typing: bool
    user_id: str
    def __init__(self, subscription_id: _Optional[str] = ..., room_id: _Optional[str] = ..., user_id: _Optional[str] = ..., typing: bool = ...) -> None: ...

class TypingRequest(_message.Message):
    __slots__ = ["room_id", "typing"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    typing: bool
    def __init__(self, room_id: _Optional[str] = ..., typing: bool = ...) -> None: ...

class TypingResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class UnreadCountRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class UnreadCountResponse(_message.Message):
    __slots__ = ["unread_count"]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    unread_count: int
    def __init__(self, unread_count: _Optional[int] = ...) -> None: ...

class UnsubscribedPush(_message.Message):
    __slots__ = ["reason", "room_id", "subscription_id"]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    reason: _room_pb2.UnsubscribeReason
    room_id: str
    subscription_id: str
    def __init__(self, subscription_id: _Optional[str] = ..., room_id: _Optional[str] = ..., reason: _Optional[_Union[_room_pb2.UnsubscribeReason, str]] = ...) -> None: ...

class UpdateMessageRequest(_message.Message):
    __slots__ = ["content", "message_id", "room_id", "tags"]
    class TagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    content: _struct_pb2.Struct
    message_id: str
    room_id: str
    tags: _containers.ScalarMap[str, str]
    def __init__(self, room_id: _Optional[str] = ..., message_id: _Optional[str] = ..., content: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., tags: _Optional[_Mapping[str, str]] = ...) -> None: ...

class UpdateMessageResponse(_message.Message):
    __slots__ = ["seq"]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    seq: int
    def __init__(self, seq: _Optional[int] = ...) -> None: ...

class Scope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class UsersScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class PresenceAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
