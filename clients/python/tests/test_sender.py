"""Sender over gRPC against a real Herald: send, idempotent resend, inbox calls, bad key."""

from __future__ import annotations

import grpc
import pytest

from herald_client import HeraldError, Sender


def test_send_stores_with_consecutive_seqs_and_lists_them(sender: Sender, user: str) -> None:
    first = sender.send(user, code=7, subject="one", content={"n": 1})
    second = sender.send([user], code=7, subject="two", content={"n": 2, "tags": ["a", "b"]})
    assert [r.seq for r in first + second] == [1, 2]
    assert not first[0].duplicate

    page = sender.list(user)
    assert [n.subject for n in page.notifications] == ["one", "two"]
    assert page.notifications[1].content["tags"][1] == "b"
    assert page.notifications[0].id == first[0].notification_id
    newest_first = sender.list(user, direction="backward", limit=1)
    assert [n.seq for n in newest_first.notifications] == [2] and newest_first.has_more


def test_resend_with_the_same_idempotency_key_stores_nothing_twice(sender: Sender, user: str) -> None:
    first = sender.send(user, code=3, subject="invoice ready", idempotency_key="invoice-42")
    again = sender.send(user, code=3, subject="invoice ready", idempotency_key="invoice-42")
    assert again[0].duplicate and not first[0].duplicate
    assert (again[0].notification_id, again[0].seq) == (first[0].notification_id, first[0].seq)
    assert sender.unread_count(user) == 1
    assert len(sender.list(user).notifications) == 1


def test_sends_without_a_key_are_distinct_notifications(sender: Sender, user: str) -> None:
    # Each call draws its own key: two calls are two notifications (only a retry reuses a key).
    a = sender.send(user, code=3, subject="same text")
    b = sender.send(user, code=3, subject="same text")
    assert a[0].notification_id != b[0].notification_id and not b[0].duplicate


def test_mark_read_delete_and_unread_count(sender: Sender, user: str) -> None:
    ids = [sender.send(user, code=1, subject=f"n{i}")[0].notification_id for i in range(4)]
    assert sender.unread_count(user) == 4
    marked = sender.mark_read(user, ids[:1])
    assert (marked.updated_count, list(marked.updated_ids), marked.unread_count) == (1, ids[:1], 3)
    assert sender.mark_read(user, up_to_seq=3).unread_count == 1
    deleted = sender.delete(user, [ids[3], "00000000-0000-7000-8000-000000000000"])
    assert (deleted.deleted_count, deleted.unread_count) == (1, 0)
    assert [n.id for n in sender.list(user, unread_only=True).notifications] == []
    assert [n.id for n in sender.list(user).notifications] == ids[:3]


def test_invalid_argument_names_the_field(sender: Sender, user: str) -> None:
    with pytest.raises(HeraldError) as caught:
        sender.send(user, code=0, subject="system codes are the server's")
    assert caught.value.code == "invalid_argument"
    assert caught.value.status_code == grpc.StatusCode.INVALID_ARGUMENT
    assert "code" in caught.value.message


def test_a_bad_api_key_is_unauthenticated(herald, user: str) -> None:
    with Sender(herald.grpc_target, "not-the-key-0123456789") as bad:
        with pytest.raises(HeraldError) as caught:
            bad.send(user, code=1, subject="never stored")
    assert caught.value.code == "unauthenticated"
    assert caught.value.status_code == grpc.StatusCode.UNAUTHENTICATED
    with Sender(herald.grpc_target, herald.api_key) as good:
        assert good.unread_count(user) == 0


def test_an_unreachable_server_fails_with_unavailable_after_the_retries(user: str) -> None:
    from .support import free_port

    with Sender(f"127.0.0.1:{free_port()}", "any-key-0123456789", timeout=2, retries=1) as nowhere:
        with pytest.raises(HeraldError) as caught:
            nowhere.send(user, code=1)
    assert caught.value.code in ("unavailable", "deadline_exceeded")
