"""The metadata contract for messages: numbered per conversation, posted once per client_id, paged."""

from __future__ import annotations

import pytest

from sync.protocol import MAX_DIMENSION, Attachment
from sync.server.metadata import Metadata
from sync.server.metadata.accounts import User
from sync.server.metadata.errors import Duplicate
from tests.unit.sync.server.metadata.builders import CREATED_AT, conversation, events, picture, positioned, post, sha


def test_post_numbers_messages_per_conversation(meta: Metadata, alice: User, bob: User) -> None:
    conversation(meta, "c1", alice, bob)
    conversation(meta, "c2", alice, bob)
    seqs = [(cid, post(meta, cid, sender).seq)
            for cid, sender in [("c1", alice), ("c1", bob), ("c2", bob), ("c1", alice), ("c2", alice)]]
    assert seqs == [("c1", 1), ("c1", 2), ("c2", 1), ("c1", 3), ("c2", 2)]


def test_post_returns_the_message_and_wakes_the_members(meta: Metadata, alice: User, bob: User, carol: User) -> None:
    conversation(meta, "c1", alice, bob)
    message, woken = meta.messages.post("m1", "c1", bob, "c-1", "hi", [], created_at=CREATED_AT)
    assert (message.id, message.client_id, message.conversation_id, message.sender, message.body, message.seq,
            message.created_at) == ("m1", "c-1", "c1", "bob", "hi", 1, CREATED_AT)
    assert woken == {alice.id, bob.id}
    for member in (alice, bob):
        last = events(meta, member.id)[-1]
        assert (last.type, last.conversation_id, last.message) == ("message", "c1", message)
    assert events(meta, carol.id) == []


def test_a_repeated_client_id_is_a_duplicate_and_takes_no_number(meta: Metadata, alice: User, bob: User) -> None:
    conversation(meta, "c1", alice, bob)
    first = post(meta, "c1", alice, "once", client_id="same")
    feed_before = positioned(meta, bob.id)
    with pytest.raises(Duplicate):
        meta.messages.post("m-again", "c1", alice, "same", "twice", [], created_at=CREATED_AT)
    assert positioned(meta, bob.id) == feed_before
    assert meta.messages.by_client_id(alice.id, "same") == first
    assert post(meta, "c1", alice, "next").seq == 2
    assert post(meta, "c1", bob, "bob may use it", client_id="same").seq == 3  # client_ids are per sender


def test_by_client_id(meta: Metadata, alice: User, bob: User) -> None:
    conversation(meta, "c1", alice, bob)
    message = post(meta, "c1", alice, "hello", client_id="k1")
    assert meta.messages.by_client_id(alice.id, "k1") == message
    assert meta.messages.by_client_id(bob.id, "k1") is None
    assert meta.messages.by_client_id(alice.id, "k2") is None


def test_history_pages_newest_first(meta: Metadata, alice: User, bob: User) -> None:
    conversation(meta, "c1", alice, bob)
    conversation(meta, "other", alice, bob)
    for i in range(1, 11):
        post(meta, "c1", alice if i % 2 else bob, f"message {i}")
        post(meta, "other", alice, f"elsewhere {i}")

    def seqs(before: int | None, limit: int) -> list[int]:
        page = meta.messages.history("c1", before=before, limit=limit)
        assert {m.conversation_id for m in page} <= {"c1"}
        return [m.seq for m in page]

    assert seqs(None, 4) == [10, 9, 8, 7]
    assert seqs(7, 4) == [6, 5, 4, 3]
    assert seqs(3, 4) == [2, 1]
    assert seqs(1, 4) == []
    assert seqs(None, 100) == list(range(10, 0, -1))
    assert seqs(11, 1) == [10]
    assert [m.body for m in meta.messages.history("c1", before=3, limit=5)] == ["message 2", "message 1"]
    assert meta.messages.history("nope", before=None, limit=10) == []


def test_attachments_come_back_as_posted(meta: Metadata, alice: User, bob: User) -> None:
    conversation(meta, "c1", alice, bob)
    attachments = [picture("cat.jpg", thumbnail=sha(b"thumb")),
                   Attachment(blob=sha(b"doc"), size=0, mime="application/pdf", name="", kind="file")]
    message = post(meta, "c1", alice, "look", attachments=attachments)
    assert message.attachments == attachments
    (stored,) = meta.messages.history("c1", before=None, limit=10)
    assert stored == message
    assert events(meta, bob.id)[-1].message == message


def test_a_message_past_todays_bounds_is_left_out_not_an_error(meta: Metadata, alice: User, bob: User) -> None:
    """A message stored under older, looser bounds: history and the feed skip it and go on."""
    conversation(meta, "c1", alice, bob)
    post(meta, "c1", alice, "fine")
    cursor = positioned(meta, bob.id)[-1][0]
    too_wide = Attachment.model_construct(**{**picture("huge.jpg").model_dump(), "width": MAX_DIMENSION + 1})
    post(meta, "c1", alice, "past the bounds", attachments=[too_wide])
    post(meta, "c1", bob, "fine again")

    assert [m.body for m in meta.messages.history("c1", before=None, limit=10)] == ["fine again", "fine"]
    page = meta.feed.after(bob.id, cursor, limit=10)
    assert [e.message.body for e in page.events if e.message] == ["fine again"]
    assert int(page.cursor) > cursor and not page.has_more

    page = meta.feed.after(bob.id, cursor, limit=1)  # a page holding only the skipped event still moves on
    assert page.events == [] and page.has_more and int(page.cursor) > cursor
