"""Each user's event feed: events appended with the change that caused them, read after a position.

Why a reader never skips an event: positions come from the single ``feed_position`` row, which a
writer updates (``last_position + n ... RETURNING``) inside its own transaction, just before it
inserts its events. That row stays locked until the writer commits (SQLite has one writer at a
time; PostgreSQL holds the row lock to the end of the transaction), so a second writer cannot take
positions until the first has committed. Positions are therefore visible in the order they were
handed out: when a reader sees position N+1, every position up to N is already committed, and a
cursor that moved past N never has to come back for it. (An ``AUTOINCREMENT`` or a sequence would
not do on PostgreSQL: sequence values are taken at insert time but commits land in any order.)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection

from pydantic import ValidationError

from sync.protocol import SyncEvent, SyncPage
from sync.server.metadata.engine import Database, Tx
from sync.server.metadata.sealed import PAYLOAD, Seals

log = logging.getLogger(__name__)


def emit(tx: Tx, seals: Seals, user_ids: Collection[str], event: SyncEvent) -> set[str]:
    """Append ``event`` to each user's feed inside ``tx``; returns whom to wake after the commit."""
    users = sorted(set(user_ids))
    if not users:
        return set()
    row = tx.one("UPDATE feed_position SET last_position = last_position + ? WHERE id = 1 RETURNING last_position",
                 (len(users),))
    assert row is not None, "migration 2 seeds feed_position"
    first = int(row["last_position"]) - len(users) + 1
    payload = seals.seal(event.model_dump_json(exclude_none=True), PAYLOAD)
    tx.many(
        "INSERT INTO events (id, user_id, type, conversation_id, payload) VALUES (?, ?, ?, ?, ?)",
        [(first + i, uid, event.type, event.conversation_id, payload) for i, uid in enumerate(users)],
    )
    return set(users)


class Feed:
    """Reached as ``Metadata.feed``."""

    def __init__(self, db: Database, seals: Seals) -> None:
        self._db = db
        self._seals = seals

    def after(self, user_id: str, position: int, *, limit: int) -> SyncPage:
        """The user's events after ``position``, oldest first, at most ``limit``."""
        rows = self._db.all(
            "SELECT id, payload FROM events WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?",
            (user_id, position, limit + 1),
        )
        has_more = len(rows) > limit
        rows = rows[:limit]
        events = [event for r in rows
                  if (event := _stored_event(int(r["id"]), self._seals.open(r["payload"], PAYLOAD))) is not None]
        cursor = str(rows[-1]["id"]) if rows else str(position)
        return SyncPage(events=events, cursor=cursor, has_more=has_more)


def _stored_event(event_id: int, payload: str) -> SyncEvent | None:
    """A stored event, or None (logged) for one written before today's bounds: skipped, never a 500."""
    try:
        return SyncEvent.model_validate(json.loads(payload))
    except ValidationError:
        log.warning("feed event %d no longer passes validation; skipped", event_id)
        return None
