"""Consent in the metadata store: whether a new member's place is a request, and who blocked whom.

A member added by someone they never talked to is a ``request`` until they accept. "Talked to"
means: both are members of a conversation in which the added user is ``accepted`` (they created it,
accepted it, or were added by someone they talk to). A user who blocked the inviter cannot be added
by them at all (the route refuses before anything is written).
"""

from __future__ import annotations

from collections.abc import Collection

from sync.protocol import BlockedUser, MemberState
from sync.server.metadata.engine import Database, Tx


def state_for(tx: Tx, user_id: str, inviter_id: str | None) -> MemberState:
    """The state a user added by ``inviter_id`` starts in (None: nobody invited them, so accepted)."""
    if inviter_id is None or inviter_id == user_id:
        return "accepted"
    row = tx.one(
        "SELECT 1 FROM members mine JOIN members theirs ON theirs.conversation_id = mine.conversation_id "
        "WHERE mine.user_id = ? AND mine.state = 'accepted' AND theirs.user_id = ? LIMIT 1",
        (user_id, inviter_id),
    )
    return "accepted" if row is not None else "request"


class Blocks:
    """Reached as ``Metadata.blocks``: the users each user blocked."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def block(self, user_id: str, blocked_id: str, *, created_at: str) -> None:
        """Block once; blocking again keeps the first time."""
        with self._db.write() as tx:
            tx.execute("INSERT INTO blocks (user_id, blocked_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       (user_id, blocked_id, created_at))

    def unblock(self, user_id: str, blocked_id: str) -> bool:
        """False when that user was not blocked."""
        with self._db.write() as tx:
            return tx.execute("DELETE FROM blocks WHERE user_id = ? AND blocked_id = ?", (user_id, blocked_id)) > 0

    def of_user(self, user_id: str) -> list[BlockedUser]:
        """Whom the user blocked, oldest block first."""
        rows = self._db.all(
            "SELECT u.username, b.created_at FROM blocks b JOIN users u ON u.id = b.blocked_id "
            "WHERE b.user_id = ? ORDER BY b.created_at, u.username", (user_id,))
        return [BlockedUser(username=r["username"], blocked_at=r["created_at"]) for r in rows]

    def blocking(self, blocked_id: str, user_ids: Collection[str]) -> set[str]:
        """Which of ``user_ids`` blocked ``blocked_id``."""
        wanted = set(user_ids)
        if not wanted:
            return set()
        rows = self._db.all("SELECT user_id FROM blocks WHERE blocked_id = ?", (blocked_id,))
        return {r["user_id"] for r in rows} & wanted
