"""gRPC server reflection from Python: list services, then a call built only from reflected descriptors."""

from __future__ import annotations

import pytest

from herald_client import HeraldError, ReflectionClient, Sender


def test_reflection_lists_herald_services(herald, sender: Sender) -> None:
    services = ReflectionClient(sender.channel, herald.api_key).list_services()
    assert {"herald.v1.NotificationService", "herald.v1.RoomService", "grpc.reflection.v1.ServerReflection"} <= set(services)


def test_a_dynamic_call_from_reflected_descriptors(herald, sender: Sender, user: str) -> None:
    reflection = ReflectionClient(sender.channel, herald.api_key)
    pool = reflection.pool_for("herald.v1.NotificationService")
    methods = [m.name for m in pool.FindServiceByName("herald.v1.NotificationService").methods]
    assert {"SendNotifications", "ListNotifications", "GetUnreadCount"} <= set(methods)
    # The request is built from the reflected descriptor (no generated class), JSON in, JSON out.
    request = {
        "notifications": [{"userIds": [user], "code": 9, "subject": "via reflection", "content": {"k": [1, "x"]}, "persistent": True}]
    }
    reply = reflection.call("herald.v1.NotificationService/SendNotifications", request)
    assert reply["results"][0]["userId"] == user and reply["results"][0]["seq"] == "1"
    # What the generated Sender sees is what the dynamic call stored.
    stored = sender.list(user).notifications
    assert [(n.id, n.subject, n.content["k"][1]) for n in stored] == [(reply["results"][0]["notificationId"], "via reflection", "x")]
    assert reflection.call("herald.v1.NotificationService/GetUnreadCount", {"userId": user}) == {"unreadCount": 1}


def test_reflection_needs_the_api_key(herald, sender: Sender) -> None:
    with pytest.raises(HeraldError) as caught:
        ReflectionClient(sender.channel, "wrong-key-0123456789").list_services()
    assert caught.value.code == "unauthenticated"
