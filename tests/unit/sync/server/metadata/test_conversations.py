"""The metadata contract for conversations: members, and the events each member's feed gets."""

from __future__ import annotations

import pytest

from sync.protocol import SyncEvent
from sync.server.metadata import Metadata
from sync.server.metadata.accounts import User
from sync.server.metadata.errors import Duplicate
from tests.unit.sync.server.metadata.builders import CREATED_AT, conversation, events, user


def _only_conversation_event(meta: Metadata, member: User) -> SyncEvent:
    (event,) = events(meta, member.id)
    assert event.type == "conversation"
    return event


def test_create_wakes_the_creator_and_the_members(meta: Metadata, alice: User, bob: User, carol: User) -> None:
    woken = meta.conversations.create("c1", "Lunch", alice.id, [bob.id, alice.id], created_at=CREATED_AT)
    assert woken == {alice.id, bob.id}
    chat = meta.conversations.get("c1")
    assert chat is not None
    assert (chat.id, chat.title, chat.members, chat.created_at) == ("c1", "Lunch", ["alice", "bob"], CREATED_AT)
    assert _only_conversation_event(meta, alice).conversation == chat
    as_bob = chat.model_copy(update={"state": "request", "invited_by": "alice"})  # they never talked
    assert _only_conversation_event(meta, bob).conversation == as_bob == meta.conversations.get("c1", bob.id)
    assert events(meta, carol.id) == []


def test_a_conversation_id_is_used_once(meta: Metadata, alice: User) -> None:
    conversation(meta, "c1", alice)
    with pytest.raises(Duplicate):
        meta.conversations.create("c1", "again", alice.id, [], created_at=CREATED_AT)
    assert len(events(meta, alice.id)) == 1


def test_an_unknown_conversation(meta: Metadata, alice: User) -> None:
    assert meta.conversations.get("nope") is None
    assert not meta.conversations.is_member(alice.id, "nope")


def test_of_user_lists_their_conversations_oldest_first(meta: Metadata, alice: User, bob: User, carol: User) -> None:
    conversation(meta, "newer", alice, bob, created_at="2024-05-02T00:00:00Z")
    conversation(meta, "older", bob, alice, created_at="2024-05-01T00:00:00Z")
    conversation(meta, "without-alice", bob, carol, created_at="2024-05-03T00:00:00Z")
    assert [c.id for c in meta.conversations.of_user(alice.id)] == ["older", "newer"]
    assert [c.id for c in meta.conversations.of_user(bob.id)] == ["older", "newer", "without-alice"]
    assert [c.id for c in meta.conversations.of_user(carol.id)] == ["without-alice"]
    assert meta.conversations.of_user("id-nobody") == []


def test_is_member(meta: Metadata, alice: User, bob: User, carol: User) -> None:
    conversation(meta, "c1", alice, bob)
    assert meta.conversations.is_member(alice.id, "c1")
    assert meta.conversations.is_member(bob.id, "c1")
    assert not meta.conversations.is_member(carol.id, "c1")


def test_add_member_tells_everyone_the_new_list(meta: Metadata, alice: User, bob: User, carol: User) -> None:
    conversation(meta, "c1", alice, bob)
    assert meta.conversations.add_member("c1", carol.id) == {alice.id, bob.id, carol.id}
    assert meta.conversations.is_member(carol.id, "c1")
    for member in (alice, bob):
        last = events(meta, member.id)[-1]
        assert last.type == "conversation"
        assert last.conversation is not None and last.conversation.members == ["alice", "bob", "carol"]
    joined = _only_conversation_event(meta, carol)
    assert joined.conversation is not None and joined.conversation.members == ["alice", "bob", "carol"]


def test_adding_a_member_twice_keeps_one_membership(meta: Metadata, alice: User, bob: User) -> None:
    conversation(meta, "c1", alice)
    meta.conversations.add_member("c1", bob.id)
    meta.conversations.add_member("c1", bob.id)
    chat = meta.conversations.get("c1")
    assert chat is not None and chat.members == ["alice", "bob"]
    assert [c.id for c in meta.conversations.of_user(bob.id)] == ["c1"]


def test_remove_member_tells_them_they_are_out(meta: Metadata, alice: User, bob: User, carol: User) -> None:
    conversation(meta, "c1", alice, bob, carol)
    assert meta.conversations.remove_member("c1", bob.id) == {alice.id, bob.id, carol.id}
    assert not meta.conversations.is_member(bob.id, "c1")
    assert meta.conversations.of_user(bob.id) == []
    bobs = events(meta, bob.id)
    assert [(e.type, e.conversation_id) for e in bobs] == [("conversation", "c1"), ("conversation_removed", "c1")]
    assert bobs[-1].conversation is None and bobs[-1].message is None
    for member in (alice, carol):
        last = events(meta, member.id)[-1]
        assert last.type == "conversation"
        assert last.conversation is not None and last.conversation.members == ["alice", "carol"]


def test_a_removed_member_gets_nothing_more(meta: Metadata, alice: User, bob: User) -> None:
    conversation(meta, "c1", alice, bob)
    meta.conversations.remove_member("c1", bob.id)
    before = events(meta, bob.id)
    meta.conversations.add_member("c1", user(meta, "dave").id)
    meta.messages.post("m1", "c1", alice, "c-1", "not for bob", [], created_at=CREATED_AT)
    assert events(meta, bob.id) == before
