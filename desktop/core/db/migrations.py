"""Numbered schema migrations of the client's local database (sqlite-utils ``Migrations``).

Append new migrations at the end with the next number; never edit one that has shipped. Times are
epoch milliseconds (INTEGER) everywhere; flags are 0/1 INTEGERs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlite_utils import Database, Migrations

MIGRATION_SET = "envelope-client"
migrations = Migrations(MIGRATION_SET)
_NAMES: list[str] = []

_F = TypeVar("_F", bound=Callable[[Database], None])


def _migration(name: str) -> Callable[[_F], _F]:
    """Register a migration under its numbered name (``mNNN_what``)."""
    _NAMES.append(name)
    return migrations(name=name)


def _run(db: Database, statements: list[str]) -> None:
    for statement in statements:
        db.execute(statement)


@_migration("m001_core_tables")
def m001_core_tables(db: Database) -> None:
    _run(db, [
        """CREATE TABLE account (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            server_url TEXT NOT NULL,
            user_id TEXT NOT NULL,
            username TEXT NOT NULL,
            token TEXT
        )""",
        """CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            pinned_offline INTEGER NOT NULL DEFAULT 0,
            last_read_seq INTEGER NOT NULL DEFAULT 0,
            updated_at INTEGER NOT NULL
        )""",
        """CREATE TABLE members (
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            username TEXT NOT NULL,
            PRIMARY KEY (conversation_id, username)
        ) WITHOUT ROWID""",
        # sort_key orders a timeline: the server seq once sent; PENDING_BASE + id while pending or
        # failed, so unsent messages sort after every sent one, in the order they were written.
        """CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            client_id TEXT NOT NULL,
            server_id TEXT UNIQUE,
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            sender TEXT NOT NULL,
            body TEXT NOT NULL DEFAULT '',
            seq INTEGER,
            sort_key INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
            created_at INTEGER NOT NULL,
            error TEXT,
            UNIQUE (client_id, sender)
        )""",
        # sender makes the index cover the unread count (sort_key range, not from me)
        "CREATE INDEX messages_timeline ON messages(conversation_id, sort_key, sender)",
        # conversation_id and sort_key repeat the message's (a trigger follows sort_key) so the
        # gallery reads one index in order instead of sorting every attachment of a conversation.
        """CREATE TABLE attachments (
            message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            conversation_id TEXT NOT NULL,
            sort_key INTEGER NOT NULL,
            blob TEXT NOT NULL,
            size INTEGER NOT NULL,
            mime TEXT NOT NULL,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('image', 'video', 'audio', 'file')),
            width INTEGER,
            height INTEGER,
            duration_ms INTEGER,
            thumbnail TEXT,
            blurhash TEXT,
            send_as_file INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (message_id, position)
        )""",
        "CREATE INDEX attachments_by_blob ON attachments(blob)",
        "CREATE INDEX attachments_gallery ON attachments(conversation_id, sort_key DESC, position)",
        """CREATE TRIGGER attachments_follow_sort_key AFTER UPDATE OF sort_key ON messages BEGIN
            UPDATE attachments SET sort_key = new.sort_key WHERE message_id = new.id;
        END""",
        """CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY,
            size INTEGER,
            state TEXT NOT NULL CHECK (state IN ('complete', 'partial', 'missing')),
            bytes_have INTEGER NOT NULL DEFAULT 0,
            pinned INTEGER NOT NULL DEFAULT 0,
            last_access INTEGER NOT NULL,
            is_thumbnail INTEGER NOT NULL DEFAULT 0,
            pending_upload INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID""",
        "CREATE INDEX blobs_lru ON blobs(state, last_access)",
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('upload', 'post')),
            blob TEXT,
            upload_url TEXT,
            upload_offset INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_error TEXT,
            created_at INTEGER NOT NULL
        )""",
        "CREATE INDEX outbox_due ON outbox(next_attempt_at)",
        "CREATE INDEX outbox_by_message ON outbox(message_id)",
        "CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
        """CREATE TABLE watched_folders (
            path TEXT PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            created_at INTEGER NOT NULL
        )""",
        """CREATE TABLE watched_files (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            sha256 TEXT,
            sent INTEGER NOT NULL DEFAULT 0,
            updated_at INTEGER NOT NULL
        )""",
    ])


@_migration("m002_message_search")
def m002_message_search(db: Database) -> None:
    """FTS5 over message bodies and attachment names, kept in step by triggers; backfilled."""
    _run(db, [
        """CREATE VIRTUAL TABLE message_search USING fts5(
            body, names, tokenize = 'unicode61 remove_diacritics 2'
        )""",
        """CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
            INSERT INTO message_search(rowid, body, names) VALUES (new.id, new.body, '');
        END""",
        """CREATE TRIGGER message_search_update AFTER UPDATE OF body ON messages BEGIN
            UPDATE message_search SET body = new.body WHERE rowid = new.id;
        END""",
        """CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
            DELETE FROM message_search WHERE rowid = old.id;
        END""",
        """CREATE TRIGGER attachment_search_insert AFTER INSERT ON attachments BEGIN
            UPDATE message_search SET names = ltrim(names || ' ' || new.name) WHERE rowid = new.message_id;
        END""",
        """CREATE TRIGGER attachment_search_delete AFTER DELETE ON attachments BEGIN
            UPDATE message_search
               SET names = coalesce(
                   (SELECT group_concat(name, ' ') FROM attachments WHERE message_id = old.message_id), '')
             WHERE rowid = old.message_id;
        END""",
        """INSERT INTO message_search(rowid, body, names)
           SELECT m.id, m.body,
                  coalesce((SELECT group_concat(a.name, ' ') FROM attachments a WHERE a.message_id = m.id), '')
             FROM messages m""",
    ])


@_migration("m003_quarantined_events")
def m003_quarantined_events(db: Database) -> None:
    """Feed events that could not be filed, raw, so that one never blocks the feed (see ``quarantine``)."""
    _run(db, [
        """CREATE TABLE quarantined_events (
            id INTEGER PRIMARY KEY,
            received_at INTEGER NOT NULL,
            after_cursor TEXT,
            page_cursor TEXT NOT NULL,
            position INTEGER NOT NULL,
            type TEXT,
            conversation_id TEXT,
            raw TEXT NOT NULL,
            error TEXT NOT NULL
        )""",
    ])


@_migration("m004_deleted_messages")
def m004_deleted_messages(db: Database) -> None:
    """Tombstones of messages deleted "for me": the feed never files them again (see ``Messages.delete_for_me``)."""
    _run(db, [
        """CREATE TABLE deleted_messages (
            client_id TEXT NOT NULL,
            sender TEXT NOT NULL,
            server_id TEXT,
            conversation_id TEXT NOT NULL,
            deleted_at INTEGER NOT NULL,
            PRIMARY KEY (client_id, sender)
        ) WITHOUT ROWID""",
    ])


@_migration("m005_conversation_viewed_at")
def m005_conversation_viewed_at(db: Database) -> None:
    """When each conversation was last shown, so the app reopens the last one viewed."""
    _run(db, ["ALTER TABLE conversations ADD COLUMN viewed_at INTEGER NOT NULL DEFAULT 0"])


@_migration("m006_pinned_certificates")
def m006_pinned_certificates(db: Database) -> None:
    """Server certificates the user trusted on first use, by origin (``db/certificates.py``)."""
    _run(db, [
        """CREATE TABLE pinned_certificates (
            origin TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            pinned_at INTEGER NOT NULL
        ) WITHOUT ROWID""",
    ])


@_migration("m007_conversation_consent")
def m007_conversation_consent(db: Database) -> None:
    """Whether a conversation is a request the user has not accepted (and who sent it); what was
    here before counts as accepted. Thumbnails indexed: downloads ask which conversations hold one."""
    _run(db, [
        "ALTER TABLE conversations ADD COLUMN state TEXT NOT NULL DEFAULT 'accepted'"
        " CHECK (state IN ('accepted', 'request'))",
        "ALTER TABLE conversations ADD COLUMN invited_by TEXT",
        "CREATE INDEX attachments_by_thumbnail ON attachments(thumbnail)",
    ])



@_migration("m008_transfer_queue")
def m008_transfer_queue(db: Database) -> None:
    """The transfers panel's state, so it survives a restart: paused uploads and their place in the
    queue (``rank``: moved to the front), and the download queue itself (``db/downloads.py``)."""
    _run(db, [
        "ALTER TABLE outbox ADD COLUMN paused INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE outbox ADD COLUMN rank INTEGER NOT NULL DEFAULT 0",
        """CREATE TABLE downloads (
            sha256 TEXT PRIMARY KEY,
            priority INTEGER NOT NULL,
            rank INTEGER NOT NULL DEFAULT 0,
            paused INTEGER NOT NULL DEFAULT 0,
            queued_at INTEGER NOT NULL
        ) WITHOUT ROWID""",
    ])

def applied_names(db: Database) -> list[str]:
    return [m.name for m in migrations.applied(db)]


def unknown_applied(db: Database) -> list[str]:
    """Migrations recorded in ``db`` that this version does not know (the file is from a newer app)."""
    return [name for name in applied_names(db) if name not in _NAMES]
