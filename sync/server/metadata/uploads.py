"""tus uploads in progress in the metadata store: offsets, expiry, and a lease so one request writes at a time.

The lease lives here, not in a process, so that replicas sharing the store never append to the
same upload at once: a PATCH takes it (``lease``) for as long as it may run and gives it back
(``release``); a lease whose holder died simply runs out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sync.server.metadata import quota
from sync.server.metadata.engine import Database
from sync.server.metadata.quota import UploadLimits
from sync.server.metadata.sealed import UPLOAD_METADATA, Seals


@dataclass(frozen=True)
class Upload:
    id: str
    user_id: str
    length: int
    offset: int
    sha256: str
    expires_at: float
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.offset == self.length


def _upload(row: Mapping[str, Any], seals: Seals) -> Upload:
    return Upload(id=row["id"], user_id=row["user_id"], length=int(row["length"]), offset=int(row["offset"]),
                  sha256=row["sha256"], expires_at=float(row["expires_at"]),
                  metadata=json.loads(seals.open(row["metadata"], UPLOAD_METADATA)))


class Uploads:
    """Reached as ``Metadata.uploads``."""

    def __init__(self, db: Database, seals: Seals) -> None:
        self._db = db
        self._seals = seals

    def create(self, upload: Upload, *, limits: UploadLimits | None = None, now: float = 0.0) -> None:
        """Record a new upload; with ``limits``, raises TooManyOpen or OverQuota (checked at ``now``,
        in the same transaction) instead of going past them."""
        sealed = self._seals.seal(json.dumps(upload.metadata), UPLOAD_METADATA)
        with self._db.write() as tx:
            if limits is not None:
                quota.check(tx, upload.user_id, upload.sha256, upload.length, limits, now=now)
            tx.execute(
                'INSERT INTO uploads (id, user_id, length, "offset", metadata, sha256, expires_at)'
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (upload.id, upload.user_id, upload.length, upload.offset, sealed, upload.sha256, upload.expires_at),
            )

    def get(self, upload_id: str) -> Upload | None:
        row = self._db.one("SELECT * FROM uploads WHERE id = ?", (upload_id,))
        return _upload(row, self._seals) if row else None

    def advance(self, upload_id: str, *, offset: int, expires_at: float) -> None:
        """Record the bytes received so far (and a later expiry)."""
        with self._db.write() as tx:
            tx.execute('UPDATE uploads SET "offset" = ?, expires_at = ? WHERE id = ?', (offset, expires_at, upload_id))

    def delete(self, upload_id: str) -> bool:
        with self._db.write() as tx:
            return tx.execute("DELETE FROM uploads WHERE id = ?", (upload_id,)) > 0

    def delete_if_expired(self, upload_id: str, *, now: float) -> bool:
        """Drop an upload still expired (and not leased) at ``now``; False if a PATCH renewed it meanwhile."""
        with self._db.write() as tx:
            return tx.execute("DELETE FROM uploads WHERE id = ? AND expires_at < ? AND lease_until < ?",
                              (upload_id, now, now)) > 0

    def expired_ids(self, *, now: float) -> list[str]:
        return [r["id"] for r in self._db.all("SELECT id FROM uploads WHERE expires_at < ?", (now,))]

    def ids(self) -> set[str]:
        return {r["id"] for r in self._db.all("SELECT id FROM uploads")}

    def complete_ids(self, *, user_id: str | None = None, shas: Iterable[str] | None = None) -> list[str]:
        """Uploads whose every byte arrived but that are not filed yet (of a user, of some blobs)."""
        sql, params = 'SELECT id FROM uploads WHERE "offset" = length', []
        if user_id is not None:
            sql += " AND user_id = ?"
            params.append(user_id)
        if shas is not None:
            wanted = sorted(set(shas))
            if not wanted:
                return []
            sql += f" AND sha256 IN ({', '.join('?' for _ in wanted)})"
            params.extend(wanted)
        return [r["id"] for r in self._db.all(sql, params)]

    def lease(self, upload_id: str, owner: str, *, now: float, until: float) -> bool:
        """Take the upload's lease for ``owner`` until ``until``; False while someone else holds it."""
        with self._db.write() as tx:
            return tx.execute(
                "UPDATE uploads SET lease_owner = ?, lease_until = ?"
                " WHERE id = ? AND (lease_until < ? OR lease_owner = ?)",
                (owner, until, upload_id, now, owner),
            ) > 0

    def release(self, upload_id: str, owner: str) -> None:
        with self._db.write() as tx:
            tx.execute("UPDATE uploads SET lease_owner = '', lease_until = 0 WHERE id = ? AND lease_owner = ?",
                       (upload_id, owner))

    def receiving(self, *, now: float) -> int:
        """How many uploads a request is writing to now (held leases), across every replica."""
        row = self._db.one("SELECT count(*) AS n FROM uploads WHERE lease_until >= ?", (now,))
        return int(row["n"]) if row else 0
