"""The metadata contract for accounts and bearer tokens."""

from __future__ import annotations

import pytest

from sync.server.metadata import Metadata
from sync.server.metadata.accounts import Login, User
from sync.server.metadata.errors import Duplicate

T0 = 1_700_000_000.0


def test_create_and_find(meta: Metadata) -> None:
    alice = meta.accounts.create("id-1", "alice", "argon2-hash", created_at="2024-05-01T12:00:00Z")
    assert alice == User("id-1", "alice")
    assert meta.accounts.by_name("alice") == alice
    assert meta.accounts.by_id("id-1") == alice
    assert meta.accounts.by_name("nobody") is None
    assert meta.accounts.by_id("id-2") is None


def test_a_taken_name_is_a_duplicate(meta: Metadata) -> None:
    meta.accounts.create("id-1", "alice", "first", created_at="2024-05-01T12:00:00Z")
    with pytest.raises(Duplicate):
        meta.accounts.create("id-2", "alice", "second", created_at="2024-05-01T12:00:01Z")
    assert meta.accounts.by_id("id-2") is None
    login = meta.accounts.login("alice")
    assert login is not None and login.password_hash == "first"


def test_login_gives_the_stored_password_hash(meta: Metadata) -> None:
    meta.accounts.create("id-1", "alice", "alice-hash", created_at="2024-05-01T12:00:00Z")
    meta.accounts.create("id-2", "bob", "bob-hash", created_at="2024-05-01T12:00:00Z")
    assert meta.accounts.login("alice") == Login(User("id-1", "alice"), "alice-hash")
    assert meta.accounts.login("bob") == Login(User("id-2", "bob"), "bob-hash")
    assert meta.accounts.login("carol") is None


def test_a_token_is_valid_until_it_expires(meta: Metadata, alice: User) -> None:
    meta.accounts.add_token("t-hash", alice.id, expires_at=T0 + 3600)
    assert meta.accounts.token_user("t-hash", now=T0) == alice
    assert meta.accounts.token_user("t-hash", now=T0 + 3599) == alice
    assert meta.accounts.token_user("t-hash", now=T0 + 3601) is None
    assert meta.accounts.token_user("unknown", now=T0) is None


def test_a_revoked_token_is_refused_and_others_are_not(meta: Metadata, alice: User, bob: User) -> None:
    meta.accounts.add_token("phone", alice.id, expires_at=T0 + 3600)
    meta.accounts.add_token("laptop", alice.id, expires_at=T0 + 3600)
    meta.accounts.add_token("bobs", bob.id, expires_at=T0 + 3600)
    meta.accounts.revoke_token("phone")
    meta.accounts.revoke_token("never-issued")
    assert meta.accounts.token_user("phone", now=T0) is None
    assert meta.accounts.token_user("laptop", now=T0) == alice
    assert meta.accounts.token_user("bobs", now=T0) == bob
