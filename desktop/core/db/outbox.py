"""The outbox: the durable steps of sending each message (upload its blobs, then post it)."""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from desktop.core.db.blobs import release_upload
from desktop.core.db.connection import Connections
from desktop.core.db.records import OutboxItem, OutboxKind, outbox_from_row
from desktop.core.errors import UnknownMessage, UnknownOutboxItem

_SELECT = """SELECT o.*, m.client_id, m.conversation_id
               FROM outbox o JOIN messages m ON m.id = o.message_id"""

# A step is due when its time has come, its message is still pending (failed ones wait for a
# retry), and, for a post, when none of that message's uploads is left.
_RUNNABLE = """m.state = 'pending' AND NOT (o.kind = 'post' AND EXISTS (
    SELECT 1 FROM outbox u WHERE u.message_id = o.message_id AND u.kind = 'upload'))"""
_DUE = f"o.next_attempt_at <= :now AND {_RUNNABLE}"


class Outbox:
    """Reached as ``LocalDB.outbox``. ``Messages.add_local`` fills it; the sync engine drains it.

    Times are epoch ms. Backoff policy (exponential, jitter) is the engine's: it passes the time
    of the next attempt to ``reschedule``.
    """

    def __init__(self, conns: Connections, clock: Callable[[], int]) -> None:
        self._conns = conns
        self._clock = clock

    def enqueue(self, client_id: str, kind: OutboxKind, *, blob: str | None = None) -> OutboxItem:
        """Add a step for one of our messages, due now; raises UnknownMessage."""
        with self._conns.write() as db:
            rows = list(db.query(
                "SELECT id FROM messages WHERE client_id = ? AND sender = (SELECT username FROM account)",
                [client_id],
            ))
            if not rows:
                raise UnknownMessage(client_id)
            item_id = _insert(db, rows[0]["id"], kind, blob, self._clock())
            return _get(db, item_id)

    def next_due(self, *, lease_ms: int | None = None) -> OutboxItem | None:
        """The step to run now (oldest due first), or None.

        With ``lease_ms`` the step is claimed: it is not due again for that long, so several
        workers never run it twice, and a crashed worker's step comes back on its own.
        """
        now = self._clock()
        with self._conns.write() as db:
            rows = list(db.query(f"{_SELECT} WHERE {_DUE} ORDER BY o.next_attempt_at, o.id LIMIT 1",
                                 {"now": now}))
            if not rows:
                return None
            if lease_ms is not None:
                db.execute("UPDATE outbox SET next_attempt_at = ? WHERE id = ?", [now + lease_ms, rows[0]["id"]])
            return _get(db, rows[0]["id"])

    def release_all(self) -> None:
        """Make every step due now: at start-up, claims of a process that died are void."""
        with self._conns.write() as db:
            db.execute("UPDATE outbox SET next_attempt_at = min(next_attempt_at, ?)", [self._clock()])

    def next_wakeup(self) -> int | None:
        """When the earliest step that can run falls due (epoch ms; maybe already past), or None."""
        with self._conns.read() as db:
            row = next(db.query(
                "SELECT min(o.next_attempt_at) AS t FROM outbox o JOIN messages m ON m.id = o.message_id"
                f" WHERE {_RUNNABLE}"
            ))
            return None if row["t"] is None else int(row["t"])

    def items(self, client_id: str | None = None) -> list[OutboxItem]:
        """Every step (of one message, or of all), in the order they were queued."""
        where = "" if client_id is None else "WHERE m.client_id = :client_id"
        with self._conns.read() as db:
            return [outbox_from_row(r) for r in db.query(f"{_SELECT} {where} ORDER BY o.id",
                                                          {"client_id": client_id})]

    def requeue_uploads(self, item_id: int, blobs: list[str], *, error: str) -> None:
        """The server lacks some of a message's blobs after all: upload them again before its post.

        The post step ``item_id`` counts an attempt and waits for the new upload steps; the blobs
        are held against eviction until they are uploaded.
        """
        with self._conns.write() as db:
            post = _get(db, item_id)
            now = self._clock()
            for sha in blobs:
                db.execute("UPDATE blobs SET pending_upload = 1 WHERE sha256 = ?", [sha])
                _insert(db, post.message_id, "upload", sha, now)
            db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                       [error, now, item_id])

    def update_upload(self, item_id: int, *, offset: int, upload_url: str | None = None) -> None:
        """Remember an upload's progress (and its tus URL once created) so a restart resumes it."""
        with self._conns.write() as db:
            cursor = db.execute(
                "UPDATE outbox SET upload_offset = ?, upload_url = coalesce(?, upload_url) WHERE id = ?",
                [offset, upload_url, item_id],
            )
            if cursor.rowcount == 0:
                raise UnknownOutboxItem(str(item_id))

    def complete(self, item_id: int) -> None:
        """A step succeeded: drop it. A finished upload frees its blob for eviction."""
        with self._conns.write() as db:
            rows = list(db.query("SELECT kind, blob FROM outbox WHERE id = ?", [item_id]))
            if not rows:
                raise UnknownOutboxItem(str(item_id))
            db.execute("DELETE FROM outbox WHERE id = ?", [item_id])
            if rows[0]["kind"] == "upload" and rows[0]["blob"]:
                release_upload(db, rows[0]["blob"])

    def reschedule(self, item_id: int, *, error: str, next_attempt_at: int) -> OutboxItem:
        """A step failed for now: count the attempt, keep the error, try again at ``next_attempt_at``."""
        with self._conns.write() as db:
            cursor = db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                [error, next_attempt_at, item_id],
            )
            if cursor.rowcount == 0:
                raise UnknownOutboxItem(str(item_id))
            return _get(db, item_id)


def enqueue_send(db: Database, message_id: int, blobs: list[str], now: int) -> None:
    """Queue the steps of a new message: uploads of blobs still marked ``pending_upload``, then the post."""
    for sha in blobs:
        if list(db.query("SELECT 1 FROM blobs WHERE sha256 = ? AND pending_upload = 1", [sha])):
            _insert(db, message_id, "upload", sha, now)
    _insert(db, message_id, "post", None, now)


def _insert(db: Database, message_id: int, kind: OutboxKind, blob: str | None, now: int) -> int:
    cursor = db.execute(
        "INSERT INTO outbox (message_id, kind, blob, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)",
        [message_id, kind, blob, now, now],
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _get(db: Database, item_id: int) -> OutboxItem:
    return outbox_from_row(next(db.query(f"{_SELECT} WHERE o.id = ?", [item_id])))
