"""Filing finished tus uploads as blobs: once, idempotently, and again after a crash.

An upload whose last byte is recorded (``offset == length``) but that is not yet a blob (the
server died between the two) is filed by whoever needs it first: a HEAD or PATCH of that upload,
a message that attaches its sha256, or the sweep at start-up. Filing is safe to run twice or
concurrently: the partial file is renamed into the store at most once, and the rows are written
with ``ON CONFLICT DO NOTHING``.

While an upload's PATCHes arrive in one process the sha256 of what was written so far is kept
(``UploadArea``), so the last byte does not cost a re-read of the whole file; after a restart, or
when another process wrote some of it, the file is hashed from disk instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sync.blobstore import Blob, CorruptBlob
from sync.server.config import ServerContext
from sync.server.errors import ChecksumMismatch, NotFound
from sync.server.mime import sniff_mime
from sync.server.timefmt import now_iso

log = logging.getLogger(__name__)
TUS_RESUMABLE = {"Tus-Resumable": "1.0.0"}


class UploadArea:
    """Partial files of uploads in progress, a lock per upload, and the running sha256 of each."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._locks: dict[str, asyncio.Lock] = {}
        self._hashes: dict[str, tuple[int, Any]] = {}  # upload id -> (offset, sha256 of bytes before it)
        self.in_progress = 0

    def path(self, upload_id: str) -> Path:
        return self.directory / upload_id

    def lock(self, upload_id: str) -> asyncio.Lock:
        return self._locks.setdefault(upload_id, asyncio.Lock())

    def busy(self, upload_id: str) -> bool:
        """Whether a request holds the upload's lock (a PATCH receiving, say)."""
        lock = self._locks.get(upload_id)
        return lock is not None and lock.locked()

    def hasher_at(self, upload_id: str, offset: int) -> Any:
        """A sha256 of the upload's first ``offset`` bytes to continue, or None if this process lacks it."""
        if offset == 0:
            return hashlib.sha256()
        kept = self._hashes.get(upload_id)
        return kept[1].copy() if kept is not None and kept[0] == offset else None

    def keep_hash(self, upload_id: str, offset: int, hasher: Any) -> None:
        """Remember the sha256 of the first ``offset`` bytes (None forgets it)."""
        if hasher is None:
            self._hashes.pop(upload_id, None)
        else:
            self._hashes[upload_id] = (offset, hasher)

    def finished_digest(self, upload_id: str, length: int) -> str | None:
        kept = self._hashes.get(upload_id)
        return kept[1].hexdigest() if kept is not None and kept[0] == length else None

    def forget(self, upload_id: str) -> None:
        self.path(upload_id).unlink(missing_ok=True)
        self._locks.pop(upload_id, None)
        self._hashes.pop(upload_id, None)


def discard(ctx: ServerContext, upload_id: str) -> None:
    """Drop an upload: its row and its partial file."""
    with ctx.db.write() as conn:
        conn.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))
    ctx.uploads.forget(upload_id)


def file_upload(ctx: ServerContext, upload_id: str) -> bool:
    """File a complete upload as a blob; False if it is unknown or not complete yet.

    Raises ChecksumMismatch (the bytes are not what the client declared: the upload is dropped)
    and NotFound (its bytes are gone: the client must start again).
    """
    row = ctx.db.one("SELECT * FROM uploads WHERE id = ?", (upload_id,))
    if row is None or row["offset"] != row["length"]:
        return False
    sha, user_id = str(row["sha256"]), str(row["user_id"])
    path = ctx.uploads.path(upload_id)
    try:
        _move_into_store(ctx, upload_id, path, sha, int(row["length"]))
    except CorruptBlob:
        discard(ctx, upload_id)
        raise ChecksumMismatch(
            "The uploaded bytes do not match the sha256 declared for them; nothing was stored.",
            headers=TUS_RESUMABLE,
        ) from None
    except FileNotFoundError:
        pass  # filed by someone else a moment ago, or lost: the store tells which
    if not ctx.store.has(sha):
        discard(ctx, upload_id)
        raise NotFound("This upload's bytes are gone; start it again.", headers=TUS_RESUMABLE)
    metadata = json.loads(str(row["metadata"]))
    mime = sniff_mime(ctx.store.path_for(sha))
    with ctx.db.write() as conn:
        conn.execute(
            "INSERT INTO blobs (sha256, size, mime, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (sha, ctx.store.size(sha), mime, now_iso()),
        )
        conn.execute(
            "INSERT INTO blob_uploaders (sha256, user_id, filename) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (sha, user_id, str(metadata.get("filename", ""))[-4096:]),
        )
        conn.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))
    ctx.uploads.forget(upload_id)
    return True


def _move_into_store(ctx: ServerContext, upload_id: str, path: Path, sha: str, length: int) -> None:
    digest = ctx.uploads.finished_digest(upload_id, length)
    if digest is None:  # hashed from disk while filing
        ctx.store.import_file(path, expected_sha256=sha, move=True)
    elif digest != sha:
        raise CorruptBlob(sha, digest)
    else:
        ctx.store.adopt_file(path, Blob(sha, length))


def file_complete_uploads(ctx: ServerContext, user_id: str, shas: Iterable[str]) -> None:
    """File this user's complete-but-unfiled uploads of these blobs (before a message needs them)."""
    wanted = sorted(set(shas))
    if not wanted:
        return
    marks = ", ".join("?" for _ in wanted)
    rows = ctx.db.all(
        f"SELECT id FROM uploads WHERE user_id = ? AND offset = length AND sha256 IN ({marks})",
        (user_id, *wanted),
    )
    for row in rows:
        _file_quietly(ctx, str(row["id"]))


def file_all_complete(ctx: ServerContext) -> int:
    """At start-up: file every upload whose bytes all arrived before the server stopped; how many."""
    rows = ctx.db.all("SELECT id FROM uploads WHERE offset = length")
    return sum(_file_quietly(ctx, str(row["id"])) for row in rows)


def _file_quietly(ctx: ServerContext, upload_id: str) -> bool:
    try:
        return file_upload(ctx, upload_id)
    except (ChecksumMismatch, NotFound) as exc:
        log.warning("upload %s could not be filed: %s", upload_id, exc.message)
        return False
