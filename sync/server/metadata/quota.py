"""What a user's storage counts against their quota, and the check an upload's creation must pass.

A user's use is the size of every blob they uploaded (one ``blob_uploaders`` row each: the same
bytes uploaded by two users count for both, once each) plus the ``Upload-Length`` of their uploads
in progress that have not expired. The check and the new upload's row are one transaction that holds
the user's row (``Tx.lock``), so two creations at once, on any replica, cannot both slip under the quota.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sync.server.metadata.errors import MetadataError

if TYPE_CHECKING:
    from sync.server.metadata.engine import Database, Params, Row, Tx


class _Reader(Protocol):
    def one(self, sql: str, params: Params = ()) -> Row | None: ...

_BLOBS = ("SELECT coalesce(sum(b.size), 0) AS n FROM blob_uploaders u JOIN blobs b ON b.sha256 = u.sha256"
          " WHERE u.user_id = ?")
_UPLOADS = "SELECT coalesce(sum(length), 0) AS n, count(*) AS open FROM uploads WHERE user_id = ? AND expires_at >= ?"


@dataclass(frozen=True)
class Usage:
    used_bytes: int
    """Blobs uploaded plus the full length of uploads in progress."""
    open_uploads: int


@dataclass(frozen=True)
class UploadLimits:
    quota_bytes: int
    max_open_uploads: int


class OverQuota(MetadataError):
    """The new upload would take the user past their quota."""

    def __init__(self, usage: Usage, length: int, quota_bytes: int) -> None:
        super().__init__(f"{usage.used_bytes} + {length} bytes is over the quota of {quota_bytes}")
        self.usage, self.length, self.quota_bytes = usage, length, quota_bytes


class TooManyOpen(MetadataError):
    """The user already has as many uploads in progress as allowed."""

    def __init__(self, usage: Usage, limit: int) -> None:
        super().__init__(f"{usage.open_uploads} uploads in progress (at most {limit})")
        self.usage, self.limit = usage, limit


def usage_in(reader: _Reader, user_id: str, *, now: float) -> Usage:
    blobs = reader.one(_BLOBS, (user_id,))
    uploads = reader.one(_UPLOADS, (user_id, now))
    assert blobs is not None and uploads is not None
    return Usage(int(blobs["n"]) + int(uploads["n"]), int(uploads["open"]))


def check(tx: Tx, user_id: str, sha256: str, length: int, limits: UploadLimits, *, now: float) -> None:
    """Raises TooManyOpen or OverQuota when a new upload of ``length`` bytes is not allowed (bytes the
    user already uploaded once need no more room)."""
    tx.lock("SELECT id FROM users WHERE id = ?", (user_id,))  # one check per user at a time, on any replica
    usage = usage_in(tx, user_id, now=now)
    if usage.open_uploads >= limits.max_open_uploads:
        raise TooManyOpen(usage, limits.max_open_uploads)
    held = tx.one("SELECT 1 FROM blob_uploaders WHERE sha256 = ? AND user_id = ?", (sha256, user_id))
    if held is None and usage.used_bytes + length > limits.quota_bytes:
        raise OverQuota(usage, length, limits.quota_bytes)


class Quota:
    """Reached as ``Metadata.quota``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def usage(self, user_id: str, *, now: float) -> Usage:
        return usage_in(self._db, user_id, now=now)
