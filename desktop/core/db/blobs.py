"""What the local database knows of each blob: cached or not, pinned, last access, waiting to upload."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlite_utils import Database

from desktop.core.db.connection import Connections
from desktop.core.db.records import Attachment, BlobRecord, BlobState, blob_from_row

# A complete full-media blob nobody needs to keep: not a thumbnail, not waiting to upload, not
# pinned itself, not attached in a conversation pinned for offline.
_EVICTABLE = """b.state = 'complete' AND b.is_thumbnail = 0 AND b.pending_upload = 0 AND b.pinned = 0
    AND NOT EXISTS (SELECT 1 FROM attachments a JOIN conversations c ON c.id = a.conversation_id
                     WHERE a.blob = b.sha256 AND c.pinned_offline = 1)"""

# A blob attached to a message the account's user sent: "Clear cache" keeps these (see decisions.md).
_OWN = """EXISTS (SELECT 1 FROM attachments a JOIN messages m ON m.id = a.message_id
                 WHERE a.blob = b.sha256 AND m.sender = (SELECT username FROM account))"""

_KEPT_OFFLINE = """(b.pinned = 1 OR EXISTS (SELECT 1 FROM attachments a JOIN conversations c ON c.id = a.conversation_id
                                       WHERE a.blob = b.sha256 AND c.pinned_offline = 1))"""

_WANTED_OFFLINE = """b.state != 'complete' AND (b.pinned = 1 OR EXISTS (
    SELECT 1 FROM attachments a JOIN conversations c ON c.id = a.conversation_id
     WHERE (a.blob = b.sha256 OR a.thumbnail = b.sha256) AND c.pinned_offline = 1))"""


class Blobs:
    """The cache's bookkeeping; reached as ``LocalDB.blobs``. ``MediaCache`` keeps it true to disk."""

    def __init__(self, conns: Connections, clock: Callable[[], int]) -> None:
        self._conns = conns
        self._clock = clock

    # -- writes ----------------------------------------------------------------------------------
    def record(
        self, sha256: str, size: int | None, state: BlobState, *,
        is_thumbnail: bool = False, pending_upload: bool = False, bytes_have: int | None = None,
    ) -> BlobRecord:
        """Insert or update a blob; ``is_thumbnail`` and ``pending_upload`` only ever turn on here."""
        if bytes_have is None:
            bytes_have = (size or 0) if state == "complete" else 0
        with self._conns.write() as db:
            db.execute(
                """INSERT INTO blobs (sha256, size, state, bytes_have, last_access, is_thumbnail,
                       pending_upload) VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (sha256) DO UPDATE SET size = coalesce(excluded.size, size),
                       state = excluded.state, bytes_have = excluded.bytes_have,
                       last_access = excluded.last_access,
                       is_thumbnail = max(is_thumbnail, excluded.is_thumbnail),
                       pending_upload = max(pending_upload, excluded.pending_upload)""",
                [sha256, size, state, bytes_have, self._clock(), int(is_thumbnail), int(pending_upload)],
            )
            return _get(db, sha256)

    def set_state(self, sha256: str, state: BlobState, *, bytes_have: int = 0) -> None:
        """Change a known blob's state (a partial download's progress, an eviction); no-op if unknown."""
        with self._conns.write() as db:
            db.execute("UPDATE blobs SET state = ?, bytes_have = ? WHERE sha256 = ?", [state, bytes_have, sha256])

    def touch(self, sha256: str) -> None:
        """Note that the blob was just used (LRU eviction keeps recently used media)."""
        with self._conns.write() as db:
            db.execute("UPDATE blobs SET last_access = ? WHERE sha256 = ?", [self._clock(), sha256])

    def set_pinned(self, sha256: str, pinned: bool) -> None:
        with self._conns.write() as db:
            db.execute("UPDATE blobs SET pinned = ? WHERE sha256 = ?", [int(pinned), sha256])

    def release_upload(self, sha256: str) -> None:
        """Stop holding a blob for upload (the server has it, or the user dropped the attachment),
        unless a queued upload step still needs it."""
        with self._conns.write() as db:
            release_upload(db, sha256)

    def mark_evicted(self, sha256: str) -> bool:
        """Set an evictable blob *missing*, atomically re-checking it is still evictable.

        True means the caller should now delete the file; False means keep it.
        """
        with self._conns.write() as db:
            cursor = db.execute(
                f"UPDATE blobs AS b SET state = 'missing', bytes_have = 0 WHERE b.sha256 = ? AND {_EVICTABLE}",
                [sha256],
            )
            return cursor.rowcount > 0

    # -- reads -----------------------------------------------------------------------------------
    def get(self, sha256: str) -> BlobRecord | None:
        with self._conns.read() as db:
            rows = list(db.query("SELECT * FROM blobs WHERE sha256 = ?", [sha256]))
            return blob_from_row(rows[0]) if rows else None

    def usage(self) -> int:
        """Bytes of complete full media (thumbnails apart)."""
        with self._conns.read() as db:
            row = next(db.query(
                "SELECT coalesce(sum(size), 0) AS n FROM blobs WHERE state = 'complete' AND is_thumbnail = 0"
            ))
            return int(row["n"])

    def by_lru(self, *, keep_own: bool = False) -> list[BlobRecord]:
        """Evictable blobs, least recently used first; with ``keep_own``, not those the user sent."""
        own = f" AND NOT {_OWN}" if keep_own else ""
        return self._select(f"{_EVICTABLE}{own} ORDER BY b.last_access, b.sha256")

    def kept_offline(self, sha256: str) -> bool:
        """Whether the blob is pinned, or attached in a conversation kept offline."""
        return bool(self._select(f"b.sha256 = ? AND {_KEPT_OFFLINE}", [sha256]))

    def missing(self, *, thumbnails: bool | None = None, limit: int = 100) -> list[BlobRecord]:
        """Blobs known from messages but not cached (missing or partial); optionally only thumbnails
        (``True``) or only full media (``False``)."""
        flag = "" if thumbnails is None else f" AND b.is_thumbnail = {int(thumbnails)}"
        return self._select(f"b.state != 'complete'{flag} ORDER BY b.last_access DESC LIMIT {int(limit)}")

    def missing_for_offline(self, *, limit: int = 100) -> list[BlobRecord]:
        """Uncached blobs that should be fetched: pinned ones and those of conversations pinned offline."""
        return self._select(f"{_WANTED_OFFLINE} ORDER BY b.last_access DESC LIMIT {int(limit)}")

    def _select(self, where: str, params: Sequence[str] = ()) -> list[BlobRecord]:
        with self._conns.read() as db:
            return [blob_from_row(r) for r in db.query(f"SELECT b.* FROM blobs b WHERE {where}", params)]


def note_attachment_blobs(db: Database, attachments: Iterable[Attachment], now: int) -> None:
    """Make sure every blob and thumbnail an attachment names has a row (``missing`` if new)."""
    attachments = list(attachments)
    if not attachments:
        return
    db.conn.executemany(
        """INSERT INTO blobs (sha256, size, state, last_access) VALUES (?, ?, 'missing', ?)
           ON CONFLICT (sha256) DO UPDATE SET size = coalesce(size, excluded.size)""",
        [(a.blob, a.size, now) for a in attachments],
    )
    db.conn.executemany(
        """INSERT INTO blobs (sha256, size, state, last_access, is_thumbnail) VALUES (?, NULL, 'missing', ?, 1)
           ON CONFLICT (sha256) DO UPDATE SET is_thumbnail = 1""",
        [(a.thumbnail, now) for a in attachments if a.thumbnail],
    )


def release_upload(db: Database, sha256: str) -> None:
    db.execute(
        "UPDATE blobs SET pending_upload = 0 WHERE sha256 = :sha AND NOT EXISTS"
        " (SELECT 1 FROM outbox WHERE blob = :sha AND kind = 'upload')",
        {"sha": sha256},
    )


def _get(db: Database, sha256: str) -> BlobRecord:
    return blob_from_row(next(db.query("SELECT * FROM blobs WHERE sha256 = ?", [sha256])))
