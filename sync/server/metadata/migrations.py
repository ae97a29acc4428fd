"""Numbered schema migrations of the server's metadata; portable SQL run by SQLite and PostgreSQL alike.

Each entry is one version; a database records how many it has applied. Never edit an applied
entry: add one. An entry is SQL, or a Python step for what SQL cannot do (sealing existing values):
it gets the migration's transaction and the sealer, and the version bump commits with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sync.server.crypto.sealing import Sealer
from sync.server.metadata.sealed import seal_existing

if TYPE_CHECKING:
    from sync.server.metadata.engine import Tx

Step = Callable[["Tx", Sealer], None]


def apply(tx: Tx, step: str | Step, sealer: Sealer) -> None:
    """Run one migration inside ``tx``: its statements one by one, or its Python step."""
    if isinstance(step, str):
        for statement in step.split(";"):
            if statement.strip():
                tx.execute(statement)
    else:
        step(tx, sealer)

MIGRATIONS: list[str | Step] = [
    # 1: accounts, tokens, conversations, messages, blobs, the event feed, uploads ("offset" is quoted: a
    # keyword in PostgreSQL)
    """
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE tokens (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        expires_at REAL NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        created_by TEXT NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE members (
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        PRIMARY KEY (conversation_id, user_id)
    );
    CREATE INDEX members_by_user ON members(user_id);
    CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        sender_id TEXT NOT NULL REFERENCES users(id),
        body TEXT NOT NULL,
        attachments TEXT NOT NULL,
        seq INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (sender_id, client_id),
        UNIQUE (conversation_id, seq)
    );
    CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mime TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE blob_uploaders (
        sha256 TEXT NOT NULL,
        user_id TEXT NOT NULL,
        filename TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (sha256, user_id)
    );
    CREATE TABLE message_blobs (
        message_id TEXT NOT NULL REFERENCES messages(id),
        sha256 TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (sha256, message_id)
    );
    CREATE INDEX message_blobs_by_conversation ON message_blobs(conversation_id, sha256);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id TEXT NOT NULL,
        type TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        payload TEXT NOT NULL
    );
    CREATE INDEX events_by_user ON events(user_id, id);
    CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        length INTEGER NOT NULL,
        "offset" INTEGER NOT NULL DEFAULT 0,
        metadata TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        expires_at REAL NOT NULL
    );
    """,
    # 2: feed positions handed out in commit order; per-upload leases shared by every replica
    """
    CREATE TABLE feed_position (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_position INTEGER NOT NULL
    );
    INSERT INTO feed_position (id, last_position) SELECT 1, coalesce(max(id), 0) FROM events;
    ALTER TABLE uploads ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
    ALTER TABLE uploads ADD COLUMN lease_until REAL NOT NULL DEFAULT 0;
    """,
    # 3: names and message text sealed under the metadata key (sealed.py); the key check row
    seal_existing,
    # 4: consent (consent.py): each member's state (a request until they accept) and who added
    # them; existing members count as accepted. Who blocked whom.
    """
    ALTER TABLE members ADD COLUMN state TEXT NOT NULL DEFAULT 'accepted';
    ALTER TABLE members ADD COLUMN invited_by TEXT NOT NULL DEFAULT '';
    CREATE TABLE blocks (
        user_id TEXT NOT NULL REFERENCES users(id),
        blocked_id TEXT NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL,
        PRIMARY KEY (user_id, blocked_id)
    );
    CREATE INDEX blocks_by_blocked ON blocks(blocked_id);
    """,
    # 5: counters for the abuse limits (throttle.py), shared by every replica; what a user's quota sums
    """
    CREATE TABLE throttle_counters (
        bucket TEXT PRIMARY KEY,
        hits INTEGER NOT NULL,
        window_end REAL NOT NULL
    );
    CREATE INDEX throttle_counters_by_end ON throttle_counters(window_end);
    CREATE INDEX uploads_by_user ON uploads(user_id);
    CREATE INDEX blob_uploaders_by_user ON blob_uploaders(user_id);
    """,
]
