"""SQLite only: a store made by an older release upgrades through the numbered migrations and carries on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync.protocol import Conversation, Message, SyncEvent
from sync.server.metadata import Metadata
from sync.server.metadata.accounts import User
from sync.server.metadata.migrations import MIGRATIONS
from tests.unit.sync.server.metadata.backends import random_sealer
from tests.unit.sync.server.metadata.builders import CREATED_AT, positioned, post, sha
from tests.unit.sync.server.metadata.old_stores import migrated_to, user_version

T0 = 1_700_000_000.0
OLD_POSITIONS = [1, 2, 3, 9]  # with a gap, as deleted rows would leave


@pytest.mark.parametrize("version", range(len(MIGRATIONS) + 1))
def test_every_older_store_upgrades_to_the_latest(tmp_path: Path, version: int) -> None:
    path = tmp_path / "m.sqlite3"
    sealer = random_sealer()
    migrated_to(path, version, sealer).close()
    meta = Metadata(path, sealer=sealer)
    alice = meta.accounts.create("id-alice", "alice", "h", created_at=CREATED_AT)
    meta.conversations.create("c1", "", alice.id, [], created_at=CREATED_AT)
    assert post(meta, "c1", alice).seq == 1
    meta.close()
    assert user_version(path) == len(MIGRATIONS)


def _store_at_migration_1(path: Path) -> list[SyncEvent]:
    """Alice and Bob in c1 with two messages and an upload, their events at OLD_POSITIONS; the events."""
    conn = migrated_to(path, 1)
    conn.executemany("INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)",
                     [("id-alice", "alice", "ha", CREATED_AT), ("id-bob", "bob", "hb", CREATED_AT)])
    conn.execute("INSERT INTO conversations (id, title, created_by, created_at, last_seq) VALUES (?, ?, ?, ?, ?)",
                 ("c1", "old", "id-alice", CREATED_AT, 2))
    conn.executemany("INSERT INTO members (conversation_id, user_id) VALUES (?, ?)",
                     [("c1", "id-alice"), ("c1", "id-bob")])
    chat = Conversation(id="c1", title="old", members=["alice", "bob"], created_at=CREATED_AT)
    old = [SyncEvent(type="conversation", conversation_id="c1", conversation=chat)]
    for seq in (1, 2):
        message = Message(id=f"old-{seq}", client_id=f"k{seq}", conversation_id="c1", sender="alice",
                          body=f"old {seq}", attachments=[], seq=seq, created_at=CREATED_AT)
        conn.execute("INSERT INTO messages (id, client_id, conversation_id, sender_id, body, attachments, seq,"
                     " created_at) VALUES (?, ?, ?, ?, ?, '[]', ?, ?)",
                     (message.id, message.client_id, "c1", "id-alice", message.body, seq, CREATED_AT))
        old.append(SyncEvent(type="message", conversation_id="c1", message=message))
    old.append(SyncEvent(type="conversation", conversation_id="c1", conversation=chat))
    conn.executemany("INSERT INTO events (id, user_id, type, conversation_id, payload) VALUES (?, ?, ?, ?, ?)",
                     [(position, "id-bob", e.type, "c1", e.model_dump_json(exclude_none=True))
                      for position, e in zip(OLD_POSITIONS, old, strict=True)])
    conn.execute("INSERT INTO uploads (id, user_id, length, offset, metadata, sha256, expires_at)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?)",
                 ("up1", "id-alice", 10, 4, json.dumps({"filename": "a.bin"}), sha(b"a"), T0 + 3600))
    conn.close()
    return old


def test_a_store_at_migration_1_upgrades_and_positions_continue(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    old = _store_at_migration_1(path)
    sealer = random_sealer()
    meta = Metadata(path, sealer=sealer)
    assert user_version(path) == len(MIGRATIONS)

    kept = positioned(meta, "id-bob")
    assert kept == list(zip(OLD_POSITIONS, old, strict=True))
    bob = User("id-bob", "bob")
    new = post(meta, "c1", bob, "after the upgrade")
    assert new.seq == 3
    (after,) = positioned(meta, "id-bob", OLD_POSITIONS[-1])
    assert after[0] > max(OLD_POSITIONS)
    assert after[1].message == new
    alices = positioned(meta, "id-alice")
    assert len(alices) == 1 and alices[0][0] > max(OLD_POSITIONS)

    assert meta.uploads.lease("up1", "a", now=T0, until=T0 + 30)  # the lease columns came with migration 2
    assert not meta.uploads.lease("up1", "b", now=T0 + 1, until=T0 + 31)
    meta.close()

    again = Metadata(path, sealer=sealer)  # opening the upgraded store again changes nothing
    assert user_version(path) == len(MIGRATIONS)
    assert positioned(again, "id-bob") == [*kept, after]
    assert not again.uploads.lease("up1", "b", now=T0 + 1, until=T0 + 31)
    again.close()
