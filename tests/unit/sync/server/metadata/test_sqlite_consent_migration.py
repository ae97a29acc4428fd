"""SQLite only: conversations from before consent (migration 4) count as accepted, and as talking."""

from __future__ import annotations

from pathlib import Path

from sync.server.metadata import Metadata
from sync.server.metadata.sealed import TITLE
from tests.unit.sync.server.metadata.backends import random_sealer
from tests.unit.sync.server.metadata.builders import CREATED_AT, conversation, user
from tests.unit.sync.server.metadata.old_stores import migrated_to, user_version


def test_members_from_before_consent_are_accepted_and_count_as_talking(tmp_path: Path) -> None:
    path, sealer = tmp_path / "m.sqlite3", random_sealer()
    conn = migrated_to(path, 3, sealer)
    assert "state" not in [r["name"] for r in conn.execute("PRAGMA table_info(members)")]
    conn.executemany("INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)",
                     [("id-alice", "alice", "ha", CREATED_AT), ("id-bob", "bob", "hb", CREATED_AT)])
    conn.execute("INSERT INTO conversations (id, title, created_by, created_at) VALUES (?, ?, ?, ?)",
                 ("old", sealer.seal("before", TITLE), "id-alice", CREATED_AT))
    conn.executemany("INSERT INTO members (conversation_id, user_id) VALUES (?, ?)",
                     [("old", "id-alice"), ("old", "id-bob")])
    conn.close()

    meta = Metadata(path, sealer=sealer)
    assert user_version(path) >= 4
    chat = meta.conversations.get("old", "id-bob")
    assert chat is not None and (chat.title, chat.state, chat.invited_by) == ("before", "accepted", None)
    assert meta.conversations.inviter("old", "id-bob") == "id-alice"  # the creator, for a block
    alice, bob, carol = meta.accounts.by_id("id-alice"), meta.accounts.by_id("id-bob"), user(meta, "carol")
    assert alice is not None and bob is not None
    conversation(meta, "new", alice, bob, carol, created_at="2024-06-01T00:00:00Z")
    assert [(c.id, c.state) for c in meta.conversations.of_user("id-bob")] == [("old", "accepted"),
                                                                                ("new", "accepted")]
    assert [(c.id, c.state) for c in meta.conversations.of_user(carol.id)] == [("new", "request")]
    meta.close()
