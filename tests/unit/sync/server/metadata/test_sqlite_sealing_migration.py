"""SQLite only: a store written by a release before sealing (migration 2, every name and text in the
clear) is sealed in place when it is opened: every value reads back the same, and no file keeps a copy."""

from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

from sync.protocol import Conversation, Message, SyncEvent
from sync.server.crypto.sealing import Sealer
from sync.server.metadata import Metadata
from sync.server.metadata.migrations import MIGRATIONS
from sync.server.metadata.sealed import SEALED_COLUMNS
from tests.unit.sync.server.metadata.backends import random_sealer
from tests.unit.sync.server.metadata.builders import CREATED_AT, picture, sha
from tests.unit.sync.server.metadata.old_stores import migrated_to, user_version
from tests.unit.sync.server.metadata.test_sqlite_sealed import database_bytes

MARK = f"plain-{uuid.uuid4().hex}"  # in every name and text of the old store
N = 1100  # more rows than one page of the migration, in the tables with a row per message
T0 = 1_700_000_000.0


def _old_store(path: Path) -> tuple[Conversation, list[Message]]:
    """Alice and Bob in c1 with N messages (each with a named photo) and Bob's feed of them, a blob
    Alice uploaded under a name, an upload in progress, a deleted one: as migration 2 left them."""
    conn = migrated_to(path, 2)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)",
                     [("id-alice", "alice", "ha", CREATED_AT), ("id-bob", "bob", "hb", CREATED_AT)])
    chat = Conversation(id="c1", title=f"{MARK} title", members=["alice", "bob"], created_at=CREATED_AT)
    conn.execute("INSERT INTO conversations (id, title, created_by, created_at, last_seq) VALUES (?, ?, ?, ?, ?)",
                 ("c1", chat.title, "id-alice", CREATED_AT, N))
    conn.executemany("INSERT INTO members (conversation_id, user_id) VALUES (?, ?)",
                     [("c1", "id-alice"), ("c1", "id-bob")])
    messages = [Message(id=f"m{seq:05}", client_id=f"k{seq}", conversation_id="c1", sender="alice",
                        body=f"{MARK} body {seq}", attachments=[picture(f"{MARK} photo {seq}.jpg")], seq=seq,
                        created_at=CREATED_AT) for seq in range(1, N + 1)]
    for m in messages:
        conn.execute("INSERT INTO messages (id, client_id, conversation_id, sender_id, body, attachments, seq,"
                     " created_at) VALUES (?, ?, 'c1', 'id-alice', ?, ?, ?, ?)",
                     (m.id, m.client_id, m.body, json.dumps([a.model_dump(exclude_none=True) for a in m.attachments]),
                      m.seq, CREATED_AT))
        conn.execute("INSERT INTO message_blobs (message_id, sha256, conversation_id, name) VALUES (?, ?, 'c1', ?)",
                     (m.id, m.attachments[0].blob, m.attachments[0].name))
        event = SyncEvent(type="message", conversation_id="c1", message=m)
        conn.execute("INSERT INTO events (id, user_id, type, conversation_id, payload)"
                     " VALUES (?, 'id-bob', 'message', 'c1', ?)", (m.seq, event.model_dump_json(exclude_none=True)))
    conn.execute("UPDATE feed_position SET last_position = ?", (N,))
    conn.execute("INSERT INTO blob_uploaders (sha256, user_id, filename) VALUES (?, 'id-alice', ?)",
                 (sha(b"uploaded"), f"{MARK} uploaded.pdf"))
    conn.execute("INSERT INTO uploads (id, user_id, length, offset, metadata, sha256, expires_at)"
                 " VALUES ('u1', 'id-alice', 10, 4, ?, ?, ?)",
                 (json.dumps({"filename": f"{MARK} partial.bin", "sha256": sha(b"p")}), sha(b"p"), T0))
    conn.execute("INSERT INTO uploads (id, user_id, length, offset, metadata, sha256, expires_at)"
                 " VALUES ('gone', 'id-alice', 10, 4, ?, ?, ?)",
                 (json.dumps({"filename": f"{MARK} deleted.bin", "sha256": sha(b"d")}), sha(b"d"), T0))
    conn.execute("COMMIT")
    conn.execute("PRAGMA secure_delete=OFF")  # as many builds of SQLite are: what is deleted stays
    conn.execute("DELETE FROM uploads WHERE id = 'gone'")  # in the file's free space
    conn.close()
    return chat, messages


def _sealed_columns(path: Path) -> dict[str, list[str]]:
    with closing(sqlite3.connect(path)) as conn:
        return {purpose: [str(r[0]) for r in conn.execute(f"SELECT {purpose.split('.')[1]} FROM {table}"
                                                          f" ORDER BY {', '.join(keys)}")]
                for table, keys, purpose in SEALED_COLUMNS}


def test_an_old_store_is_sealed_in_place_and_reads_back_the_same(tmp_path: Path) -> None:
    path, sealer = tmp_path / "m.sqlite3", random_sealer()
    chat, messages = _old_store(path)
    assert MARK.encode() in database_bytes(path)

    meta = Metadata(path, sealer=sealer)
    assert user_version(path) == len(MIGRATIONS)
    assert MARK.encode() not in database_bytes(path)  # not in the file, its WAL, or free space
    stored = _sealed_columns(path)
    assert {purpose: len(values) for purpose, values in stored.items()} == {
        "conversations.title": 1, "messages.body": N, "messages.attachments": N, "message_blobs.name": N,
        "blob_uploaders.filename": 1, "events.payload": N, "uploads.metadata": 1}
    assert all(Sealer.is_sealed(v) and MARK in sealer.open(v, purpose)
               for purpose, values in stored.items() for v in values)

    assert meta.conversations.get("c1") == chat
    assert meta.messages.history("c1", before=None, limit=N + 1) == messages[::-1]
    page = meta.feed.after("id-bob", 0, limit=N + 1)
    assert [e.message for e in page.events] == messages and not page.has_more
    assert [meta.blobs.name_for("id-bob", m.attachments[0].blob) for m in messages[:3]] == [
        m.attachments[0].name for m in messages[:3]]
    assert meta.blobs.name_for("id-alice", sha(b"uploaded")) == f"{MARK} uploaded.pdf"
    upload = meta.uploads.get("u1")
    assert upload is not None and upload.metadata == {"filename": f"{MARK} partial.bin", "sha256": sha(b"p")}
    meta.close()
    assert MARK.encode() not in database_bytes(path)

    Metadata(path, sealer=sealer).close()  # the migration ran once: opening again seals nothing again
    assert _sealed_columns(path) == stored
