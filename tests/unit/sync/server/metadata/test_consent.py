"""The metadata contract for consent: who starts as a request, accepting, the block list."""

from __future__ import annotations

from sync.server.metadata import Metadata
from sync.server.metadata.accounts import User
from tests.unit.sync.server.metadata.builders import CREATED_AT, conversation, events


def _state(meta: Metadata, conversation_id: str, member: User) -> tuple[str, str | None]:
    chat = meta.conversations.get(conversation_id, member.id)
    assert chat is not None
    return chat.state, chat.invited_by


def test_a_stranger_is_put_in_as_a_request_and_the_creator_is_not(meta: Metadata, alice: User, bob: User) -> None:
    conversation(meta, "c1", alice, bob)
    assert _state(meta, "c1", alice) == ("accepted", None)
    assert _state(meta, "c1", bob) == ("request", "alice")
    assert meta.conversations.inviter("c1", bob.id) == alice.id
    assert meta.conversations.inviter("c1", "id-nobody") is None


def test_accepting_tells_only_the_one_who_accepted(meta: Metadata, alice: User, bob: User) -> None:
    conversation(meta, "c1", alice, bob)
    alices_before = len(events(meta, alice.id))
    assert meta.conversations.accept("c1", bob.id) == {bob.id}
    assert _state(meta, "c1", bob) == ("accepted", None)
    last = events(meta, bob.id)[-1]
    assert last.conversation is not None and last.conversation.state == "accepted"
    assert len(events(meta, alice.id)) == alices_before
    assert meta.conversations.accept("c1", bob.id) == set()  # once is enough


def test_someone_you_talk_to_is_not_a_stranger(meta: Metadata, alice: User, bob: User, carol: User) -> None:
    conversation(meta, "first", alice, bob)
    conversation(meta, "second", alice, bob)
    assert _state(meta, "second", bob) == ("request", "alice")  # a pending request is not talking
    meta.conversations.accept("first", bob.id)
    conversation(meta, "third", alice, bob, carol)
    assert _state(meta, "third", bob) == ("accepted", None)
    assert _state(meta, "third", carol) == ("request", "alice")
    conversation(meta, "back", bob, alice)  # alice created "first", so she talks to bob
    assert _state(meta, "back", alice) == ("accepted", None)


def test_an_added_member_is_a_request_from_whoever_added_them(meta: Metadata, alice: User, bob: User,
                                                                carol: User) -> None:
    conversation(meta, "c1", alice, bob)
    meta.conversations.accept("c1", bob.id)
    meta.conversations.add_member("c1", carol.id, bob.id)
    assert _state(meta, "c1", carol) == ("request", "bob")
    joined = events(meta, carol.id)[-1].conversation
    assert joined is not None and (joined.state, joined.invited_by) == ("request", "bob")
    for member in (alice, bob):
        seen = events(meta, member.id)[-1].conversation
        assert seen is not None and seen.state == "accepted" and "carol" in seen.members
    meta.conversations.add_member("c1", carol.id, alice.id)  # already in: stays a request from bob
    assert _state(meta, "c1", carol) == ("request", "bob")


def test_blocks_are_listed_and_lifted(meta: Metadata, alice: User, bob: User, carol: User) -> None:
    meta.blocks.block(bob.id, alice.id, created_at=CREATED_AT)
    meta.blocks.block(bob.id, alice.id, created_at="2030-01-01T00:00:00Z")
    meta.blocks.block(carol.id, alice.id, created_at=CREATED_AT)
    assert [(b.username, b.blocked_at) for b in meta.blocks.of_user(bob.id)] == [("alice", CREATED_AT)]
    assert meta.blocks.blocking(alice.id, [bob.id, carol.id, alice.id]) == {bob.id, carol.id}
    assert meta.blocks.blocking(bob.id, [alice.id]) == set()
    assert meta.blocks.unblock(bob.id, alice.id)
    assert not meta.blocks.unblock(bob.id, alice.id)
    assert meta.blocks.of_user(bob.id) == []
    assert meta.blocks.blocking(alice.id, [bob.id, carol.id]) == {carol.id}
