"""The client's media cache: the shared BlobStore layout on disk, kept in step with ``LocalDB.blobs``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import platformdirs

from desktop.core.db.local import LocalDB
from desktop.core.errors import BlobNotCached, CorruptDownload
from sync.blobstore import Blob, BlobStore, CorruptBlob

APP_NAME = "Envelope"
MEDIA_DIRNAME = "media"
TOUCH_INTERVAL_MS = 60_000
"""Last access is rewritten at most this often per blob, so painting a timeline writes nothing."""


def default_data_dir() -> Path:
    """The per-user data directory (``~/.local/share/Envelope`` on Linux); callers may pass another."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class MediaCache:
    """Blobs the client keeps: the user's sends, downloads, thumbnails; and the cache limit.

    Every file lives in ``store`` (the same layout as the server's); every state change is
    recorded in ``db.blobs``. Safe to use from several threads: the store's writes are atomic
    renames and the database serialises the bookkeeping.
    """

    def __init__(self, store: BlobStore, db: LocalDB) -> None:
        self.store = store
        self.db = db

    @classmethod
    def in_dir(cls, data_dir: Path, db: LocalDB) -> MediaCache:
        return cls(BlobStore(Path(data_dir) / MEDIA_DIRNAME), db)

    # -- adding --------------------------------------------------------------------------------------
    def add_file(self, path: Path, *, move: bool = False) -> Blob:
        """Take a file the user is sending into the cache, hashing while copying (one read).

        With ``move`` (a temp file of the media pipeline) it is renamed in instead. The blob is
        held for upload until the outbox has sent it. Raises OSError if the file cannot be read.
        """
        blob = self.store.import_file(Path(path), move=move)
        self.db.blobs.record(blob.sha256, blob.size, "complete", pending_upload=True)
        return blob

    def add_thumbnail(self, source: Path | bytes, *, move: bool = False) -> Blob:
        """Store a thumbnail the media pipeline made for a send; thumbnails are never evicted."""
        if isinstance(source, bytes):
            blob = self.store.put_bytes(source)
        else:
            blob = self.store.import_file(Path(source), move=move)
        self.db.blobs.record(blob.sha256, blob.size, "complete", is_thumbnail=True, pending_upload=True)
        return blob

    def add_download(self, sha256: str, chunks: Iterable[bytes]) -> Blob:
        """Store a blob downloaded in one go (a thumbnail); raises CorruptDownload on a hash mismatch."""
        try:
            blob = self.store.put_stream(chunks, expected_sha256=sha256)
        except CorruptBlob as e:
            self.db.blobs.set_state(sha256, "missing")
            raise CorruptDownload(sha256, e.actual) from e
        self.db.blobs.record(blob.sha256, blob.size, "complete")
        return blob

    # -- resumable downloads -----------------------------------------------------------------------
    def partial_path(self, sha256: str) -> Path:
        return self.store.partial_path(sha256)

    def partial_size(self, sha256: str) -> int:
        """Bytes already downloaded: the ``Range`` start for resuming (0 if none)."""
        try:
            return self.store.partial_path(sha256).stat().st_size
        except FileNotFoundError:
            return 0

    def open_partial(self, sha256: str) -> BinaryIO:
        """Open the partial download for appending (records the blob as *partial*)."""
        self.db.blobs.record(sha256, None, "partial", bytes_have=self.partial_size(sha256))
        return open(self.store.partial_path(sha256), "ab")

    def complete_partial(self, sha256: str) -> Blob:
        """File a finished download after checking it hashes to ``sha256``.

        Raises CorruptDownload (the partial file discarded, the blob *missing* again) on a
        mismatch, BlobNotCached if there is no partial download.
        """
        partial = self.store.partial_path(sha256)
        if not partial.is_file():
            raise BlobNotCached(sha256)
        try:
            blob = self.store.import_file(partial, expected_sha256=sha256, move=True)
        except CorruptBlob as e:
            partial.unlink(missing_ok=True)
            self.db.blobs.set_state(sha256, "missing")
            raise CorruptDownload(sha256, e.actual) from e
        self.db.blobs.record(blob.sha256, blob.size, "complete")
        return blob

    def discard_partial(self, sha256: str) -> None:
        self.store.partial_path(sha256).unlink(missing_ok=True)
        self.db.blobs.set_state(sha256, "missing")

    # -- reading -------------------------------------------------------------------------------------
    def path(self, sha256: str) -> Path | None:
        """Where a cached blob's bytes are, or None if they are not here (fetch them again).

        Counts as a use for LRU eviction. A file that vanished behind our back is recorded missing.
        Raises InvalidBlobName for a name that is not a sha256.
        """
        file = self.store.path_for(sha256)
        record = self.db.blobs.get(sha256)
        if record is None or record.state != "complete":
            return None
        if not file.is_file():
            self.db.blobs.set_state(sha256, "missing")
            return None
        if not record.is_thumbnail and self.db.clock() - record.last_access >= TOUCH_INTERVAL_MS:
            self.db.blobs.touch(sha256)
        return file

    def usage(self) -> int:
        """Bytes of full media in the cache (thumbnails apart)."""
        return self.db.blobs.usage()

    # -- eviction ------------------------------------------------------------------------------------
    def evict(self, limit_bytes: int | None = None) -> list[Blob]:
        """Delete least-recently-used full media until usage is at most ``limit_bytes``.

        Default limit: the ``cache_limit_bytes`` setting. Never evicts thumbnails, blobs waiting
        to upload, pinned blobs, or media of conversations pinned for offline. Evicted blobs
        become *missing*: their messages and thumbnails stay. Returns what was evicted.
        """
        limit = int(self.db.settings.get("cache_limit_bytes")) if limit_bytes is None else limit_bytes
        usage = self.usage()
        evicted: list[Blob] = []
        if usage <= limit:
            return evicted
        for record in self.db.blobs.by_lru():
            if usage <= limit:
                break
            if not self.db.blobs.mark_evicted(record.sha256):  # became needed meanwhile
                continue
            self.store.delete(record.sha256)
            usage -= record.size or 0
            evicted.append(Blob(record.sha256, record.size or 0))
        return evicted

    def clear(self) -> list[Blob]:
        """Evict everything evictable."""
        return self.evict(0)
