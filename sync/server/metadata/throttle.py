"""Counters for the server's limits, in the metadata store so that every replica shares them.

A counter is one row per bucket (a limit's name and whom it counts, already hashed by the caller):
how many hits its window holds and when the window ends. The window opens at the first hit after
the previous one ended and lasts ``window_s``; a hit after it ends starts a new window at one.
Each hit is a single statement, so concurrent requests, on any replica, never lose a count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sync.server.metadata.engine import Database, Tx
from sync.server.metadata.errors import MetadataError

# One statement: a new bucket, a bucket whose window ended (start again at one), or one more hit.
# The SET expressions all read the row as it was (standard SQL), so window_end and hits agree.
_HIT = """
    INSERT INTO throttle_counters (bucket, hits, window_end) VALUES (:bucket, 1, :end)
    ON CONFLICT (bucket) DO UPDATE SET
        hits = CASE WHEN throttle_counters.window_end <= :now THEN 1 ELSE throttle_counters.hits + 1 END,
        window_end = CASE WHEN throttle_counters.window_end <= :now THEN :end
                          ELSE throttle_counters.window_end END
    RETURNING hits, window_end
"""


@dataclass(frozen=True)
class Count:
    hits: int
    window_end: float
    """Epoch seconds when the window ends and the count starts again."""


@dataclass(frozen=True)
class Bar:
    """A hit to count in the same transaction as the write it is for: the write is refused past ``limit``."""

    bucket: str
    limit: int
    window_s: float
    now: float


class OverLimit(MetadataError):
    """The write's hit took its bar past the limit: nothing was written (the hit neither)."""

    def __init__(self, count: Count) -> None:
        super().__init__(f"{count.hits} hits")
        self.count = count


def hit_in(tx: Tx, bucket: str, *, window_s: float, now: float) -> Count:
    row = tx.one(_HIT, {"bucket": bucket, "end": now + window_s, "now": now})
    assert row is not None
    return Count(int(row["hits"]), float(row["window_end"]))


def count_in(tx: Tx, bar: Bar) -> None:
    """Count ``bar``'s hit inside ``tx``; raises OverLimit (the caller's transaction then rolls back)."""
    count = hit_in(tx, bar.bucket, window_s=bar.window_s, now=bar.now)
    if count.hits > bar.limit:
        raise OverLimit(count)


class Throttle:
    """Reached as ``Metadata.throttle``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def hit(self, bucket: str, *, window_s: float, now: float) -> Count:
        """Count one hit in ``bucket``'s current window; the count with this hit and the window's end."""
        with self._db.write() as tx:
            return hit_in(tx, bucket, window_s=window_s, now=now)

    def take_back(self, bucket: str, *, now: float) -> None:
        """Undo one hit of the current window (an attempt that turned out not to count)."""
        with self._db.write() as tx:
            tx.execute("UPDATE throttle_counters SET hits = hits - 1 WHERE bucket = ? AND window_end > ? AND hits > 0",
                       (bucket, now))

    def clear(self, bucket: str) -> None:
        with self._db.write() as tx:
            tx.execute("DELETE FROM throttle_counters WHERE bucket = ?", (bucket,))

    def prune(self, *, now: float) -> int:
        """Drop the counters whose window ended; how many."""
        with self._db.write() as tx:
            return tx.execute("DELETE FROM throttle_counters WHERE window_end <= ?", (now,))
