"""The asyncio WebSocket Client against a real Herald: receive, resume, inbox, auth, rooms."""

from __future__ import annotations

import asyncio
import threading

import pytest

from herald.v1 import notification_pb2
from herald_client import Client, ConnectionClosed, HeraldError, Sender

from .support import mint_token

WAIT = 10.0


def test_a_notification_sent_from_python_arrives_on_the_websocket(herald, sender: Sender, user: str) -> None:
    async def scenario() -> None:
        async with await Client.connect(herald.ws_url, mint_token(user)) as client:
            assert client.session.user_id == user and client.session.session_id
            results = sender.send(user, code=42, subject="Your order shipped", content={"order": 1234, "eta": "tomorrow"})
            note = await client.next_notification(timeout=WAIT)
            assert note.id == results[0].notification_id
            assert (note.seq, note.code, note.subject, note.persistent) == (1, 42, "Your order shipped", True)
            assert dict(note.content) == {"order": 1234, "eta": "tomorrow"}
            assert client.last_seq == 1
            sender.send(user, code=5, subject="typing...", persistent=False)
            ephemeral = await client.next_notification(timeout=WAIT)
            assert (ephemeral.seq, ephemeral.persistent, ephemeral.subject) == (0, False, "typing...")
            assert client.last_seq == 1

    asyncio.run(scenario())


def test_resume_after_a_disconnect_gets_every_seq_once_and_in_order(herald, sender: Sender, user: str) -> None:
    async def receive_until_closed(client: Client, seqs: list[int]) -> ConnectionClosed:
        async for frame in client:
            if frame.WhichOneof("body") == "notification":
                seqs.append(frame.notification.seq)
        assert client.closed is not None
        return client.closed

    async def scenario() -> None:
        seqs: list[int] = []
        first = await Client.connect(herald.ws_url, mint_token(user))
        for i in range(5):
            sender.send(user, code=1, subject=f"before {i}")
        # An operator disconnects the user: a stored DISCONNECTED notification (seq 6), then close 3003.
        sender.disconnect(user, "maintenance")
        closed = await asyncio.wait_for(receive_until_closed(first, seqs), WAIT)
        assert closed.close_code == 3003 and closed.should_reconnect
        assert seqs == [1, 2, 3, 4, 5, 6]
        for i in range(5):
            sender.send(user, code=1, subject=f"while away {i}")
        # More sends race the reconnect, from another thread.
        racing = threading.Thread(target=lambda: [sender.send(user, code=1, subject=f"racing {i}") for i in range(10)])
        racing.start()
        second = await Client.connect(herald.ws_url, mint_token(user), last_seq=first.last_seq)
        await asyncio.to_thread(racing.join)
        sender.send(user, code=1, subject="last")
        while second.last_seq < 22:
            note = await second.next_notification(timeout=WAIT)
            seqs.append(note.seq)
        assert seqs == list(range(1, 23))
        await second.close()

    asyncio.run(scenario())


def test_inbox_operations_over_the_websocket(herald, sender: Sender, user: str) -> None:
    ids = [r.notification_id for i in range(3) for r in sender.send(user, code=2, subject=f"n{i}")]

    async def scenario() -> None:
        async with await Client.connect(herald.ws_url, mint_token(user)) as client:
            assert (client.session.unread_count, client.session.last_seq, client.last_seq) == (3, 3, 3)
            page = await client.list(direction="backward", limit=2)
            assert [n.id for n in page.notifications] == [ids[2], ids[1]] and page.has_more
            assert (await client.mark_read([ids[0]])).unread_count == 2
            assert await client.unread_count() == 2
            assert await client.ack(ids) == 3
            deleted = await client.delete([ids[1]])
            assert (deleted.deleted_count, deleted.unread_count) == (1, 1)
            assert (await client.ping()).server_time.seconds > 0
            with pytest.raises(HeraldError) as caught:
                await client.list(limit=1000)
            assert (caught.value.code, caught.value.field) == ("invalid_argument", "list.limit")
        assert [n.id for n in sender.list(user).notifications] == [ids[0], ids[2]]

    asyncio.run(scenario())


def test_a_bad_token_is_refused_and_a_banned_user_too(herald, sender: Sender, user: str) -> None:
    async def scenario() -> None:
        with pytest.raises(HeraldError) as caught:
            await Client.connect(herald.ws_url, mint_token(user, secret="some-other-secret-0123456789abcdef"))
        assert caught.value.code == "unauthenticated"
        sender.ban(user, "spam")
        with pytest.raises(HeraldError) as banned:
            await Client.connect(herald.ws_url, mint_token(user))
        assert banned.value.code == "permission_denied"
        assert sender.unban(user)
        async with await Client.connect(herald.ws_url, mint_token(user), last_seq=0) as client:
            codes = [(await client.next_notification(timeout=WAIT)).code for _ in range(2)]
            assert codes == [notification_pb2.SYSTEM_CODE_BANNED, notification_pb2.SYSTEM_CODE_UNBANNED]

    asyncio.run(scenario())


def test_a_room_join_publish_and_receive(herald, sender: Sender, user: str) -> None:
    alice, bob = f"{user}-alice", f"{user}-bob"
    room = f"team:{user}"
    sender.rooms.create(room, members_can_publish=True)
    assert sender.rooms.add_members(room, [alice, bob]) == 2

    async def next_room_event(client: Client):
        while True:
            frame = await client.receive(timeout=WAIT)
            if frame.WhichOneof("body") == "room_event":
                return frame.room_event

    async def scenario() -> None:
        async with await Client.connect(herald.ws_url, mint_token(alice)) as a, await Client.connect(herald.ws_url, mint_token(bob)) as b:
            joined_a = await a.join(room)
            joined_b = await b.join(room)
            assert joined_a.subscription_id == joined_b.subscription_id and joined_a.room_id == room
            published = await a.publish(room, {"text": "hello from Python"}, tags={"lang": "en"})
            assert published.seq == 1
            for client in (a, b):
                push = await next_room_event(client)
                assert (push.event.seq, push.event.message.sender_id) == (1, alice)
                assert push.event.message.content["text"] == "hello from Python"
                assert dict(push.event.message.tags) == {"lang": "en"}
            by_backend = sender.rooms.publish(room, {"text": "from the backend"})
            assert by_backend.seq == 2
            assert (await next_room_event(b)).event.message.message_id == by_backend.message_id
            history = await b.history(room)
            assert [m.content["text"] for m in history.messages] == ["hello from Python", "from the backend"]
        # A late joiner resumes the room from seq 1: only what came after.
        async with await Client.connect(herald.ws_url, mint_token(bob)) as late:
            await late.join(room, since_seq=1)
            assert (await next_room_event(late)).event.seq == 2

    asyncio.run(scenario())


def test_refresh_gives_the_open_session_a_new_token(herald, sender: Sender, user: str) -> None:
    async def scenario() -> None:
        async with await Client.connect(herald.ws_url, mint_token(user, ttl=60)) as client:
            first_expiry = client.session.expire_time.seconds
            refreshed = await client.refresh(mint_token(user, ttl=3600))
            assert refreshed.user_id == user and refreshed.expire_time.seconds >= first_expiry + 3000
            with pytest.raises(HeraldError) as caught:
                await client.refresh(mint_token(f"{user}-someone-else"))
            assert caught.value.code == "permission_denied"
            # The session stayed open through both: it still receives.
            sender.send(user, code=1, subject="after refresh")
            assert (await client.next_notification(timeout=WAIT)).subject == "after refresh"

    asyncio.run(scenario())
