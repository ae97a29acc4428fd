"""Conversations and their members in the metadata store; every change tells the members' feeds."""

from __future__ import annotations

from collections.abc import Collection

from sync.protocol import Conversation, SyncEvent
from sync.server.metadata.feed import emit
from sync.server.metadata.sealed import TITLE, Seals
from sync.server.metadata.sqlite import Database, Tx


def conversation_in(reader: Database | Tx, seals: Seals, conversation_id: str) -> Conversation | None:
    row = reader.one("SELECT id, title, created_at FROM conversations WHERE id = ?", (conversation_id,))
    if row is None:
        return None
    members = [r["username"] for r in reader.all(
        "SELECT u.username FROM members m JOIN users u ON u.id = m.user_id "
        "WHERE m.conversation_id = ? ORDER BY u.username",
        (conversation_id,),
    )]
    return Conversation(id=row["id"], title=seals.open(row["title"], TITLE), members=members,
                        created_at=row["created_at"])


def member_ids(reader: Database | Tx, conversation_id: str) -> list[str]:
    return [r["user_id"] for r in reader.all("SELECT user_id FROM members WHERE conversation_id = ?",
                                             (conversation_id,))]


def _announce(tx: Tx, seals: Seals, conversation_id: str) -> set[str]:
    """Tell every member the conversation's state after the change; whom to wake."""
    conversation = conversation_in(tx, seals, conversation_id)
    assert conversation is not None
    event = SyncEvent(type="conversation", conversation_id=conversation_id, conversation=conversation)
    return emit(tx, seals, member_ids(tx, conversation_id), event)


class Conversations:
    """Reached as ``Metadata.conversations``. Changes return the users whose feeds got an event."""

    def __init__(self, db: Database, seals: Seals) -> None:
        self._db = db
        self._seals = seals

    def create(self, conversation_id: str, title: str, creator_id: str, members: Collection[str], *,
               created_at: str) -> set[str]:
        with self._db.write() as tx:
            tx.execute("INSERT INTO conversations (id, title, created_by, created_at) VALUES (?, ?, ?, ?)",
                       (conversation_id, self._seals.seal(title, TITLE), creator_id, created_at))
            tx.many("INSERT INTO members (conversation_id, user_id) VALUES (?, ?)",
                    [(conversation_id, uid) for uid in sorted({creator_id, *members})])
            return _announce(tx, self._seals, conversation_id)

    def get(self, conversation_id: str) -> Conversation | None:
        return conversation_in(self._db, self._seals, conversation_id)

    def of_user(self, user_id: str) -> list[Conversation]:
        """The user's conversations, oldest first."""
        rows = self._db.all(
            "SELECT c.id FROM conversations c JOIN members m ON m.conversation_id = c.id "
            "WHERE m.user_id = ? ORDER BY c.created_at",
            (user_id,),
        )
        return [c for r in rows if (c := conversation_in(self._db, self._seals, r["id"])) is not None]

    def is_member(self, user_id: str, conversation_id: str) -> bool:
        return self._db.one("SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?",
                            (conversation_id, user_id)) is not None

    def add_member(self, conversation_id: str, user_id: str) -> set[str]:
        with self._db.write() as tx:
            tx.execute("INSERT INTO members (conversation_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                       (conversation_id, user_id))
            return _announce(tx, self._seals, conversation_id)

    def remove_member(self, conversation_id: str, user_id: str) -> set[str]:
        """The removed member is told they are out; the others see the new member list."""
        with self._db.write() as tx:
            tx.execute("DELETE FROM members WHERE conversation_id = ? AND user_id = ?", (conversation_id, user_id))
            removed = emit(tx, self._seals, [user_id],
                           SyncEvent(type="conversation_removed", conversation_id=conversation_id))
            return removed | _announce(tx, self._seals, conversation_id)
