"""The metadata contract across restarts: opening an existing store again changes nothing and carries on."""

from __future__ import annotations

from sync.server.metadata.accounts import User
from tests.unit.sync.server.metadata.backends import Opener
from tests.unit.sync.server.metadata.builders import conversation, positioned, post, user

T0 = 1_700_000_000.0


def test_opening_an_existing_store_again_keeps_everything(open_store: Opener) -> None:
    first = open_store()
    alice, bob = user(first, "alice"), user(first, "bob")
    conversation(first, "c1", alice, bob)
    post(first, "c1", alice, "before the restart")
    first.accounts.add_token("t", alice.id, expires_at=T0 + 60)
    feed_before = positioned(first, bob.id)
    first.close()

    for _ in range(2):
        again = open_store()
        assert again.accounts.by_name("alice") == alice
        assert again.accounts.token_user("t", now=T0) == alice
        assert [c.id for c in again.conversations.of_user(bob.id)] == ["c1"]
        assert [m.body for m in again.messages.history("c1", before=None, limit=10)] == ["before the restart"]
        assert positioned(again, bob.id) == feed_before
        again.close()


def test_numbers_carry_on_after_reopening(open_store: Opener) -> None:
    first = open_store()
    alice = user(first, "alice")
    conversation(first, "c1", alice)
    post(first, "c1", alice)
    last_position = positioned(first, alice.id)[-1][0]
    first.close()

    again = open_store()
    assert post(again, "c1", User(alice.id, alice.username)).seq == 2
    positions = [p for p, _ in positioned(again, alice.id, last_position)]
    assert len(positions) == 1 and positions[0] > last_position
    again.close()


def test_two_handles_on_one_store_see_each_other(open_store: Opener) -> None:
    one, two = open_store(), open_store()
    alice = user(one, "alice")
    conversation(two, "c1", alice)
    post(one, "c1", alice, "from one")
    post(two, "c1", alice, "from two")
    for handle in (one, two):
        assert [m.seq for m in handle.messages.history("c1", before=None, limit=10)] == [2, 1]
        positions = [p for p, _ in positioned(handle, alice.id)]
        assert len(positions) == 3 and positions == sorted(set(positions))
    one.close()
    two.close()
