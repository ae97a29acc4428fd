"""Filing finished tus uploads as blobs: once, idempotently, and again after a crash.

An upload whose last byte is recorded (``offset == length``) but that is not yet a blob (the
server died between the two) is filed by whoever needs it first: a HEAD or PATCH of that upload,
a message that attaches its sha256, or the sweep at start-up. Filing is safe to run twice or
concurrently: the staged bytes are promoted into storage at most once, and the rows are written
with ``ON CONFLICT DO NOTHING``.

While an upload's PATCHes arrive in one process the sha256 of what was written so far is kept
(``Receiving``), so the last byte does not cost a re-read of the whole file; after a restart, or
when another replica wrote some of it, the staged bytes are hashed while promoting instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from sync.blobstore import CorruptBlob
from sync.media.sniff import SNIFF_BYTES
from sync.server.config import ServerContext
from sync.server.errors import ChecksumMismatch, NotFound
from sync.server.metadata.errors import MetadataFull
from sync.server.mime import sniff_mime
from sync.server.storage import StagedMissing
from sync.server.timefmt import now_iso

log = logging.getLogger(__name__)
TUS_RESUMABLE = {"Tus-Resumable": "1.0.0"}


class Receiving:
    """What this process holds of the uploads it receives: a lock each, and the running sha256.

    The lock only lets a HEAD wait for this process's own PATCH to settle its offset; the lease in
    the metadata store is what keeps two replicas from writing one upload at once.
    """

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._hashes: dict[str, tuple[int, Any]] = {}  # upload id -> (offset, sha256 of the bytes before it)

    def lock(self, upload_id: str) -> asyncio.Lock:
        return self._locks.setdefault(upload_id, asyncio.Lock())

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
        self._locks.pop(upload_id, None)
        self._hashes.pop(upload_id, None)


def discard(ctx: ServerContext, upload_id: str) -> None:
    """Drop an upload: its row and its staged bytes.

    On a full disk the database may have no room even to record a delete; then the staged bytes
    go first to make some. Raises MetadataFull when that is still not enough.
    """
    try:
        ctx.meta.uploads.delete(upload_id)
    except MetadataFull:
        ctx.storage.stage_delete(upload_id)
        ctx.meta.uploads.delete(upload_id)
    ctx.storage.stage_delete(upload_id)
    ctx.receiving.forget(upload_id)


def file_upload(ctx: ServerContext, upload_id: str) -> bool:
    """File a complete upload as a blob; False if it is unknown or not complete yet.

    Raises ChecksumMismatch (the bytes are not what the client declared: the upload is dropped)
    and NotFound (its bytes are gone: the client must start again).
    """
    upload = ctx.meta.uploads.get(upload_id)
    if upload is None or not upload.complete:
        return False
    digest = ctx.receiving.finished_digest(upload_id, upload.length)
    try:
        ctx.storage.stage_promote(upload_id, upload.sha256, length=upload.length, digest=digest)
    except CorruptBlob:
        discard(ctx, upload_id)
        raise ChecksumMismatch(
            "The uploaded bytes do not match the sha256 declared for them; nothing was stored.",
            headers=TUS_RESUMABLE,
        ) from None
    except StagedMissing:
        pass  # promoted by another request a moment ago, or lost: storage tells which
    if not ctx.storage.exists(upload.sha256):
        discard(ctx, upload_id)
        raise NotFound("This upload's bytes are gone; start it again.", headers=TUS_RESUMABLE)
    mime = sniff_mime(ctx.storage.head(upload.sha256, SNIFF_BYTES))
    ctx.meta.blobs.file_upload(upload, size=ctx.storage.size(upload.sha256), mime=mime, created_at=now_iso())
    ctx.receiving.forget(upload_id)
    return True


def file_complete_uploads(ctx: ServerContext, user_id: str, shas: Iterable[str]) -> None:
    """File this user's complete-but-unfiled uploads of these blobs (before a message needs them)."""
    for upload_id in ctx.meta.uploads.complete_ids(user_id=user_id, shas=shas):
        _file_quietly(ctx, upload_id)


def file_all_complete(ctx: ServerContext) -> int:
    """At start-up: file every upload whose bytes all arrived before the server stopped; how many."""
    return sum(_file_quietly(ctx, upload_id) for upload_id in ctx.meta.uploads.complete_ids())


def _file_quietly(ctx: ServerContext, upload_id: str) -> bool:
    try:
        return file_upload(ctx, upload_id)
    except (ChecksumMismatch, NotFound) as exc:
        log.warning("upload %s could not be filed: %s", upload_id, exc.message)
        return False
