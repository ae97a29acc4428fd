"""The outbox: the durable steps of sending each message (upload its blobs, then post it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from sqlite_utils import Database

from desktop.core.db.blobs import release_upload
from desktop.core.db.connection import Connections
from desktop.core.db.records import PENDING_BASE, OutboxItem, OutboxKind, outbox_from_row
from desktop.core.errors import UnknownMessage, UnknownOutboxItem

_SELECT = """SELECT o.*, m.client_id, m.conversation_id, b.size AS blob_size
               FROM outbox o JOIN messages m ON m.id = o.message_id LEFT JOIN blobs b ON b.sha256 = o.blob"""

# A step is due when its time has come, it is not paused, its message is still pending (failed
# ones wait for a retry), and, for a post, when none of that message's uploads is left.
_RUNNABLE = """o.paused = 0 AND m.state = 'pending' AND NOT (o.kind = 'post' AND EXISTS (
    SELECT 1 FROM outbox u WHERE u.message_id = o.message_id AND u.kind = 'upload'))"""
_DUE = f"o.next_attempt_at <= :now AND {_RUNNABLE}"

# The lanes of the outbox worker: posts never wait behind uploads, small uploads never behind large.
Lane = Literal["posts", "small", "large"]
_LANES: dict[Lane, str] = {
    "posts": "o.kind = 'post'",
    "small": "o.kind = 'upload' AND coalesce(b.size, 0) <= :large",
    "large": "o.kind = 'upload' AND coalesce(b.size, 0) > :large",
}
CANDIDATES = 64


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

    def next_due(self, *, lease_ms: int | None = None, lane: Lane | None = None, large_bytes: int = 0,
                 choose: Callable[[Sequence[OutboxItem]], OutboxItem] | None = None) -> OutboxItem | None:
        """The step to run now, or None: moved to the front first, then oldest due first.

        ``lane`` keeps to posts, or to uploads of at most / more than ``large_bytes``. ``choose``
        picks among the first due candidates (the worker's fairness between conversations).
        With ``lease_ms`` the step is claimed: it is not due again for that long, so several
        workers never run it twice, and a crashed worker's step comes back on its own.
        """
        now = self._clock()
        where = _DUE if lane is None else f"{_DUE} AND {_LANES[lane]}"
        with self._conns.write() as db:
            rows = list(db.query(
                f"{_SELECT} WHERE {where} ORDER BY o.rank DESC, o.next_attempt_at, o.id LIMIT {CANDIDATES}",
                {"now": now, "large": large_bytes}))
            if not rows:
                return None
            candidates = [outbox_from_row(r) for r in rows]
            item = choose(candidates) if choose is not None else candidates[0]
            if lease_ms is not None:
                db.execute("UPDATE outbox SET next_attempt_at = ? WHERE id = ?", [now + lease_ms, item.id])
            return _get(db, item.id)

    def waits_for_earlier(self, item: OutboxItem, *, large_bytes: int) -> bool:
        """Whether a post must wait for an earlier pending message of its conversation, so the
        conversation keeps its order; one still uploading something larger than ``large_bytes``,
        or paused, does not hold later messages back (they go first, as in every chat app)."""
        with self._conns.read() as db:
            return bool(list(db.query(
                """SELECT 1 FROM messages m WHERE m.conversation_id = :cid AND m.state = 'pending'
                     AND m.sort_key > :base AND m.sort_key < :base + :mid
                     AND NOT EXISTS (SELECT 1 FROM outbox u LEFT JOIN blobs b ON b.sha256 = u.blob
                                      WHERE u.message_id = m.id AND u.kind = 'upload'
                                        AND (u.paused = 1 OR coalesce(b.size, 0) > :large))
                   LIMIT 1""",
                {"cid": item.conversation_id, "base": PENDING_BASE, "mid": item.message_id, "large": large_bytes},
            )))

    def set_paused(self, sha256: str, paused: bool) -> list[OutboxItem]:
        """Pause or resume the upload steps of a blob (due at once when resumed); returns them."""
        with self._conns.write() as db:
            db.execute("UPDATE outbox SET paused = ?, next_attempt_at = min(next_attempt_at, ?)"
                       " WHERE kind = 'upload' AND blob = ?", [int(paused), self._clock(), sha256])
            return _uploads_of(db, sha256)

    def to_front(self, sha256: str) -> list[OutboxItem]:
        """Move a blob's upload steps ahead of every other (unpaused, due now); returns them."""
        with self._conns.write() as db:
            db.execute("UPDATE outbox SET rank = (SELECT coalesce(max(rank), 0) + 1 FROM outbox), paused = 0,"
                       " next_attempt_at = min(next_attempt_at, ?) WHERE kind = 'upload' AND blob = ?",
                       [self._clock(), sha256])
            return _uploads_of(db, sha256)

    def uploads(self) -> list[OutboxItem]:
        """Every upload step, in the order the queue would take them (front first)."""
        with self._conns.read() as db:
            return [outbox_from_row(r) for r in db.query(
                f"{_SELECT} WHERE o.kind = 'upload' ORDER BY o.rank DESC, o.id")]

    def get(self, item_id: int) -> OutboxItem:
        """One step; raises UnknownOutboxItem."""
        with self._conns.read() as db:
            rows = list(db.query(f"{_SELECT} WHERE o.id = ?", [item_id]))
        if not rows:
            raise UnknownOutboxItem(str(item_id))
        return outbox_from_row(rows[0])

    def release_all(self) -> None:
        """Make every step due, in the order it was queued: at start-up, claims of a process that died
        are void (an upload that was running when the app quit goes on before those queued behind it)."""
        with self._conns.write() as db:
            db.execute("UPDATE outbox SET next_attempt_at = min(next_attempt_at, created_at)")

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


def _uploads_of(db: Database, sha256: str) -> list[OutboxItem]:
    return [outbox_from_row(r) for r in db.query(f"{_SELECT} WHERE o.kind = 'upload' AND o.blob = ?", [sha256])]


def _get(db: Database, item_id: int) -> OutboxItem:
    return outbox_from_row(next(db.query(f"{_SELECT} WHERE o.id = ?", [item_id])))
