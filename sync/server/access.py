"""Who may read a blob: its uploader, and members of a conversation with a message attaching it."""

from __future__ import annotations

from sync.server.db import MetadataDB

_READABLE = """
    SELECT 1 FROM blobs b WHERE b.sha256 = :sha AND (
        EXISTS (SELECT 1 FROM blob_uploaders u WHERE u.sha256 = :sha AND u.user_id = :user)
        OR EXISTS (
            SELECT 1 FROM message_blobs mb JOIN members m ON m.conversation_id = mb.conversation_id
            WHERE mb.sha256 = :sha AND m.user_id = :user
        )
    )
"""


def can_read(db: MetadataDB, user_id: str, sha256: str) -> bool:
    return db.conn.execute(_READABLE, {"sha": sha256, "user": user_id}).fetchone() is not None


def readable(db: MetadataDB, user_id: str, shas: list[str]) -> list[str]:
    """The subset of ``shas`` the user may read, in the order given, without repeats."""
    seen: set[str] = set()
    out = []
    for sha in shas:
        if sha not in seen and can_read(db, user_id, sha):
            out.append(sha)
        seen.add(sha)
    return out


def is_member(db: MetadataDB, user_id: str, conversation_id: str) -> bool:
    row = db.one(
        "SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?", (conversation_id, user_id)
    )
    return row is not None
