"""The download queue on disk: what is waiting to be fetched, at which priority, paused or not.

``desktop.core.downloads`` keeps its in-memory heaps in step with this table so the queue, its
order (a download moved to the front) and what the user paused survive a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from desktop.core.db.connection import Connections


@dataclass(frozen=True, slots=True)
class QueuedDownload:
    sha256: str
    priority: int  # lower runs first (thumbnails, wanted, background)
    rank: int  # higher runs first within a priority: "move to front"
    paused: bool
    queued_at: int


class DownloadQueue:
    """Reached as ``LocalDB.downloads``; times are epoch ms."""

    def __init__(self, conns: Connections, clock: Callable[[], int]) -> None:
        self._conns = conns
        self._clock = clock

    def put(self, sha256: str, priority: int) -> QueuedDownload:
        """Queue a blob, or raise its priority (a lower number) and unpause it if it was queued."""
        with self._conns.write() as db:
            db.execute(
                """INSERT INTO downloads (sha256, priority, queued_at) VALUES (?, ?, ?)
                   ON CONFLICT (sha256) DO UPDATE SET priority = min(priority, excluded.priority), paused = 0""",
                [sha256, priority, self._clock()],
            )
            row = _get(db, sha256)
            assert row is not None
            return row

    def remove(self, sha256: str) -> None:
        with self._conns.write() as db:
            db.execute("DELETE FROM downloads WHERE sha256 = ?", [sha256])

    def set_paused(self, sha256: str, paused: bool) -> bool:
        """Pause or resume a queued download; False when it is not queued."""
        with self._conns.write() as db:
            return db.execute("UPDATE downloads SET paused = ? WHERE sha256 = ?",
                              [int(paused), sha256]).rowcount > 0

    def to_front(self, sha256: str) -> QueuedDownload | None:
        """Put a queued download first among its priority (and unpause it); None when not queued."""
        with self._conns.write() as db:
            db.execute("UPDATE downloads SET rank = (SELECT coalesce(max(rank), 0) + 1 FROM downloads),"
                       " paused = 0 WHERE sha256 = ?", [sha256])
            return _get(db, sha256)

    def get(self, sha256: str) -> QueuedDownload | None:
        with self._conns.read() as db:
            return _get(db, sha256)

    def all(self) -> list[QueuedDownload]:
        """Every queued download, in the order they run: priority, then rank, then age."""
        with self._conns.read() as db:
            return [_row(r) for r in db.query(
                "SELECT * FROM downloads ORDER BY priority, rank DESC, queued_at, sha256")]


def _get(db: Database, sha256: str) -> QueuedDownload | None:
    rows = list(db.query("SELECT * FROM downloads WHERE sha256 = ?", [sha256]))
    return _row(rows[0]) if rows else None


def _row(r: Mapping[str, Any]) -> QueuedDownload:
    return QueuedDownload(r["sha256"], r["priority"], r["rank"], bool(r["paused"]), r["queued_at"])
