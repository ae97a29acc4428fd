"""Conversations and their members in the metadata store; every change tells the members' feeds.

Each member sees the conversation with their own ``state`` (``consent.py``): a member's
``conversation`` event and ``get(..., viewer_id)`` carry it, with ``invited_by`` on a request.
"""

from __future__ import annotations

from collections.abc import Collection

from sync.protocol import Conversation, SyncEvent
from sync.server.metadata.consent import state_for
from sync.server.metadata.engine import Database, Tx
from sync.server.metadata.errors import ConversationFull
from sync.server.metadata.feed import emit
from sync.server.metadata.sealed import TITLE, Seals

_MEMBER_VIEW = ("SELECT m.user_id, m.state, coalesce(u.username, '') AS inviter FROM members m "
                "LEFT JOIN users u ON u.id = m.invited_by WHERE m.conversation_id = ?")


def conversation_in(reader: Database | Tx, seals: Seals, conversation_id: str,
                    viewer_id: str | None = None) -> Conversation | None:
    """The conversation as ``viewer_id`` sees it (their state); with no viewer, as accepted."""
    row = reader.one("SELECT id, title, created_at FROM conversations WHERE id = ?", (conversation_id,))
    if row is None:
        return None
    members = [r["username"] for r in reader.all(
        "SELECT u.username FROM members m JOIN users u ON u.id = m.user_id "
        "WHERE m.conversation_id = ? ORDER BY u.username",
        (conversation_id,),
    )]
    conversation = Conversation(id=row["id"], title=seals.open(row["title"], TITLE), members=members,
                                created_at=row["created_at"])
    if viewer_id is not None:
        mine = reader.one(_MEMBER_VIEW + " AND m.user_id = ?", (conversation_id, viewer_id))
        if mine is not None and mine["state"] == "request":
            conversation.state, conversation.invited_by = "request", mine["inviter"] or None
    return conversation


def member_ids(reader: Database | Tx, conversation_id: str) -> list[str]:
    return [r["user_id"] for r in reader.all("SELECT user_id FROM members WHERE conversation_id = ?",
                                             (conversation_id,))]


def _announce(tx: Tx, seals: Seals, conversation_id: str, only: Collection[str] | None = None) -> set[str]:
    """Tell every member (or ``only`` these) the conversation's state after the change, each with
    their own state; whom to wake."""
    conversation = conversation_in(tx, seals, conversation_id)
    assert conversation is not None
    groups: dict[tuple[str, str], list[str]] = {}
    for r in tx.all(_MEMBER_VIEW, (conversation_id,)):
        if only is None or r["user_id"] in only:
            key = ("request", r["inviter"]) if r["state"] == "request" else ("accepted", "")
            groups.setdefault(key, []).append(r["user_id"])
    woken: set[str] = set()
    for (state, inviter), users in sorted(groups.items()):
        view = conversation.model_copy(update={"state": state, "invited_by": inviter or None})
        woken |= emit(tx, seals, users, SyncEvent(type="conversation", conversation_id=conversation_id,
                                                   conversation=view))
    return woken


class Conversations:
    """Reached as ``Metadata.conversations``. Changes return the users whose feeds got an event."""

    def __init__(self, db: Database, seals: Seals) -> None:
        self._db = db
        self._seals = seals

    def create(self, conversation_id: str, title: str, creator_id: str, members: Collection[str], *,
               created_at: str) -> set[str]:
        """The creator is accepted; each member is too if they talk to the creator, else it is their request."""
        with self._db.write() as tx:
            tx.execute("INSERT INTO conversations (id, title, created_by, created_at) VALUES (?, ?, ?, ?)",
                       (conversation_id, self._seals.seal(title, TITLE), creator_id, created_at))
            rows = [(conversation_id, uid, state_for(tx, uid, creator_id), creator_id)
                    for uid in sorted({creator_id, *members})]
            tx.many("INSERT INTO members (conversation_id, user_id, state, invited_by) VALUES (?, ?, ?, ?)", rows)
            return _announce(tx, self._seals, conversation_id)

    def get(self, conversation_id: str, viewer_id: str | None = None) -> Conversation | None:
        return conversation_in(self._db, self._seals, conversation_id, viewer_id)

    def of_user(self, user_id: str) -> list[Conversation]:
        """The user's conversations as they see them, oldest first."""
        rows = self._db.all(
            "SELECT c.id FROM conversations c JOIN members m ON m.conversation_id = c.id "
            "WHERE m.user_id = ? ORDER BY c.created_at",
            (user_id,),
        )
        return [c for r in rows if (c := conversation_in(self._db, self._seals, r["id"], user_id)) is not None]

    def is_member(self, user_id: str, conversation_id: str) -> bool:
        return self._db.one("SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?",
                            (conversation_id, user_id)) is not None

    def member_state(self, user_id: str, conversation_id: str) -> str | None:
        """The user's state in the conversation (``accepted`` or ``request``); None when not a member."""
        row = self._db.one("SELECT state FROM members WHERE conversation_id = ? AND user_id = ?",
                           (conversation_id, user_id))
        return None if row is None else str(row["state"])

    def inviter(self, conversation_id: str, user_id: str) -> str | None:
        """Who put the user in the conversation (else who created it); None when they are not a member."""
        row = self._db.one(
            "SELECT m.invited_by, c.created_by FROM members m JOIN conversations c ON c.id = m.conversation_id "
            "WHERE m.conversation_id = ? AND m.user_id = ?", (conversation_id, user_id))
        return None if row is None else str(row["invited_by"] or row["created_by"])

    def add_member(self, conversation_id: str, user_id: str, invited_by: str | None = None, *,
                   limit: int | None = None) -> set[str]:
        """Add a member (a request when ``invited_by`` is a stranger to them); a member already in
        stays as they are. Raises ConversationFull when ``limit`` members are in already."""
        with self._db.write() as tx:
            tx.lock("SELECT id FROM conversations WHERE id = ?", (conversation_id,))  # one add at a time
            if limit is not None and tx.one("SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?",
                                            (conversation_id, user_id)) is None:
                row = tx.one("SELECT count(*) AS n FROM members WHERE conversation_id = ?", (conversation_id,))
                if row is not None and int(row["n"]) >= limit:
                    raise ConversationFull(f"The conversation already has {limit} members.")
            tx.execute("INSERT INTO members (conversation_id, user_id, state, invited_by) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT DO NOTHING",
                       (conversation_id, user_id, state_for(tx, user_id, invited_by), invited_by or ""))
            return _announce(tx, self._seals, conversation_id)

    def rename(self, conversation_id: str, title: str) -> set[str]:
        """Give the conversation a new title; every member hears of it (nobody when it is the same title)."""
        with self._db.write() as tx:
            row = tx.one("SELECT title FROM conversations WHERE id = ?", (conversation_id,))
            if row is None or self._seals.open(row["title"], TITLE) == title:
                return set()
            tx.execute("UPDATE conversations SET title = ? WHERE id = ?",
                       (self._seals.seal(title, TITLE), conversation_id))
            return _announce(tx, self._seals, conversation_id)

    def accept(self, conversation_id: str, user_id: str) -> set[str]:
        """The member accepts a request; only their own feed hears of it (the others see no change)."""
        with self._db.write() as tx:
            if tx.execute("UPDATE members SET state = 'accepted' WHERE conversation_id = ? AND user_id = ? "
                          "AND state = 'request'", (conversation_id, user_id)) == 0:
                return set()
            return _announce(tx, self._seals, conversation_id, only={user_id})

    def remove_member(self, conversation_id: str, user_id: str) -> set[str]:
        """The removed member is told they are out; the others see the new member list."""
        with self._db.write() as tx:
            tx.execute("DELETE FROM members WHERE conversation_id = ? AND user_id = ?", (conversation_id, user_id))
            removed = emit(tx, self._seals, [user_id],
                           SyncEvent(type="conversation_removed", conversation_id=conversation_id))
            return removed | _announce(tx, self._seals, conversation_id)
