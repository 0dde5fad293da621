from google.protobuf import struct_pb2 as _struct_pb2
from herald.v1 import room_pb2 as _room_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AddRoomMembersRequest(_message.Message):
    __slots__ = ["room_id", "user_ids"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, room_id: _Optional[str] = ..., user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AddRoomMembersResponse(_message.Message):
    __slots__ = ["added_count"]
    ADDED_COUNT_FIELD_NUMBER: _ClassVar[int]
    added_count: int
    def __init__(self, added_count: _Optional[int] = ...) -> None: ...

class CreateRoomRequest(_message.Message):
    __slots__ = ["options", "room_id"]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    options: _room_pb2.RoomOptions
    room_id: str
    def __init__(self, room_id: _Optional[str] = ..., options: _Optional[_Union[_room_pb2.RoomOptions, _Mapping]] = ...) -> None: ...

class CreateRoomResponse(_message.Message):
    __slots__ = ["room"]
    ROOM_FIELD_NUMBER: _ClassVar[int]
    room: _room_pb2.Room
    def __init__(self, room: _Optional[_Union[_room_pb2.Room, _Mapping]] = ...) -> None: ...

class DeleteRoomMessageRequest(_message.Message):
    __slots__ = ["message_id", "room_id"]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    room_id: str
    def __init__(self, room_id: _Optional[str] = ..., message_id: _Optional[str] = ...) -> None: ...

class DeleteRoomMessageResponse(_message.Message):
    __slots__ = ["seq"]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    seq: int
    def __init__(self, seq: _Optional[int] = ...) -> None: ...

class DeleteRoomRequest(_message.Message):
    __slots__ = ["room_id"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    def __init__(self, room_id: _Optional[str] = ...) -> None: ...

class DeleteRoomResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetRoomPresenceRequest(_message.Message):
    __slots__ = ["room_id"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    def __init__(self, room_id: _Optional[str] = ...) -> None: ...

class GetRoomPresenceResponse(_message.Message):
    __slots__ = ["presence"]
    PRESENCE_FIELD_NUMBER: _ClassVar[int]
    presence: _room_pb2.RoomPresence
    def __init__(self, presence: _Optional[_Union[_room_pb2.RoomPresence, _Mapping]] = ...) -> None: ...

class GetRoomRequest(_message.Message):
    __slots__ = ["room_id"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    def __init__(self, room_id: _Optional[str] = ...) -> None: ...

class GetRoomResponse(_message.Message):
    __slots__ = ["room"]
    ROOM_FIELD_NUMBER: _ClassVar[int]
    room: _room_pb2.Room
    def __init__(self, room: _Optional[_Union[_room_pb2.Room, _Mapping]] = ...) -> None: ...

class ListRoomMembersRequest(_message.Message):
    __slots__ = ["cursor", "limit", "room_id"]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    limit: int
    room_id: str
    def __init__(self, room_id: _Optional[str] = ..., limit: _Optional[int] = ..., cursor: _Optional[str] = ...) -> None: ...

class ListRoomMembersResponse(_message.Message):
    __slots__ = ["next_cursor", "user_ids"]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    next_cursor: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class ListRoomMessagesRequest(_message.Message):
    __slots__ = ["query", "room_id"]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    query: _room_pb2.RoomMessageQuery
    room_id: str
    def __init__(self, room_id: _Optional[str] = ..., query: _Optional[_Union[_room_pb2.RoomMessageQuery, _Mapping]] = ...) -> None: ...

class ListRoomMessagesResponse(_message.Message):
    __slots__ = ["page"]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _room_pb2.RoomMessagePage
    def __init__(self, page: _Optional[_Union[_room_pb2.RoomMessagePage, _Mapping]] = ...) -> None: ...

class OutgoingRoomMessage(_message.Message):
    __slots__ = ["content", "idempotency_key", "persistent", "room_id", "sender_id", "tags"]
    class TagsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PERSISTENT_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    content: _struct_pb2.Struct
    idempotency_key: str
    persistent: bool
    room_id: str
    sender_id: str
    tags: _containers.ScalarMap[str, str]
    def __init__(self, room_id: _Optional[str] = ..., content: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., tags: _Optional[_Mapping[str, str]] = ..., sender_id: _Optional[str] = ..., persistent: bool = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class PublishRoomMessageResult(_message.Message):
    __slots__ = ["duplicate", "index", "message_id", "seq"]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    duplicate: bool
    index: int
    message_id: str
    seq: int
    def __init__(self, index: _Optional[int] = ..., message_id: _Optional[str] = ..., seq: _Optional[int] = ..., duplicate: bool = ...) -> None: ...

class PublishRoomMessagesRequest(_message.Message):
    __slots__ = ["messages"]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[OutgoingRoomMessage]
    def __init__(self, messages: _Optional[_Iterable[_Union[OutgoingRoomMessage, _Mapping]]] = ...) -> None: ...

class PublishRoomMessagesResponse(_message.Message):
    __slots__ = ["results"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[PublishRoomMessageResult]
    def __init__(self, results: _Optional[_Iterable[_Union[PublishRoomMessageResult, _Mapping]]] = ...) -> None: ...

class RemoveRoomMembersRequest(_message.Message):
    __slots__ = ["room_id", "user_ids"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, room_id: _Optional[str] = ..., user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RemoveRoomMembersResponse(_message.Message):
    __slots__ = ["removed_count"]
    REMOVED_COUNT_FIELD_NUMBER: _ClassVar[int]
    removed_count: int
    def __init__(self, removed_count: _Optional[int] = ...) -> None: ...

class UnsubscribeUserRequest(_message.Message):
    __slots__ = ["room_id", "user_id"]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    room_id: str
    user_id: str
    def __init__(self, room_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class UnsubscribeUserResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class UpdateRoomMessageRequest(_message.Message):
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

class UpdateRoomMessageResponse(_message.Message):
    __slots__ = ["seq"]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    seq: int
    def __init__(self, seq: _Optional[int] = ...) -> None: ...

class UpdateRoomRequest(_message.Message):
    __slots__ = ["options", "room_id"]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    ROOM_ID_FIELD_NUMBER: _ClassVar[int]
    options: _room_pb2.RoomOptions
    room_id: str
    def __init__(self, room_id: _Optional[str] = ..., options: _Optional[_Union[_room_pb2.RoomOptions, _Mapping]] = ...) -> None: ...

class UpdateRoomResponse(_message.Message):
    __slots__ = ["room"]
    ROOM_FIELD_NUMBER: _ClassVar[int]
    room: _room_pb2.Room
    def __init__(self, room: _Optional[_Union[_room_pb2.Room, _Mapping]] = ...) -> None: ...
