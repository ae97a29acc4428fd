"""The client's media cache: the shared BlobStore layout on disk, kept in step with ``LocalDB.blobs``."""

from __future__ import annotations

import os
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from desktop.core.db.local import LocalDB
from desktop.core.db.records import BlobRecord
from desktop.core.errors import BlobNotCached, CorruptDownload
from sync.blobstore import Blob, BlobStore, CorruptBlob, check_sha256
from sync.filenames import path_inside

MEDIA_DIRNAME = "media"
STREAMS_DIRNAME = "streams"
OPEN_DIRNAME = "open"
"""Named copies handed to other apps (``open/<sha prefix>/<name>``): private, emptied at start and quit."""
TOUCH_INTERVAL_MS = 60_000
"""Last access is rewritten at most this often per blob, so painting a timeline writes nothing."""


class MediaCache:
    """Blobs the client keeps: the user's sends, downloads, thumbnails; and the cache limit.

    Every file lives in ``store`` (the same layout as the server's); every state change is
    recorded in ``db.blobs``. Safe to use from several threads: the store's writes are atomic
    renames and the database serialises the bookkeeping.
    """

    def __init__(self, store: BlobStore, db: LocalDB, *, open_dir: Path | None = None) -> None:
        self.store = store
        self.db = db
        self.open_dir = Path(open_dir) if open_dir is not None else store.root.parent / OPEN_DIRNAME
        self._held: Counter[str] = Counter()
        self._held_lock = threading.Lock()  # taken around each eviction, so a hold never races one
        self.later: Callable[[Callable[[], object]], None] = _at_once
        """Runs the bookkeeping ``path`` does (a use, a vanished file) when it suits; the engine makes
        it its commands thread, so looking a blob up never writes on the caller's (GUI) thread."""

    @classmethod
    def in_dir(cls, data_dir: Path, db: LocalDB) -> MediaCache:
        return cls(BlobStore(Path(data_dir) / MEDIA_DIRNAME), db, open_dir=Path(data_dir) / OPEN_DIRNAME)

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
            return self.complete_download(sha256, partial)
        except CorruptDownload:
            partial.unlink(missing_ok=True)
            raise

    def complete_download(self, sha256: str, path: Path) -> Blob:
        """File the finished download at ``path`` (moved in) after checking it hashes to ``sha256``.

        Raises CorruptDownload on a mismatch (``path`` left where it is, the blob *missing*), OSError.
        """
        try:
            blob = self.store.import_file(path, expected_sha256=sha256, move=True)
        except CorruptBlob as e:
            self.db.blobs.set_state(sha256, "missing")
            raise CorruptDownload(sha256, e.actual) from e
        self.db.blobs.record(blob.sha256, blob.size, "complete")
        return blob

    def stream_path(self, sha256: str) -> Path:
        """Where a blob played while it downloads gathers its bytes (``media/streams/<sha256>``, beside
        its map of the ranges that arrived); the folder is owner-only. Raises InvalidBlobName."""
        folder = self.store.root / STREAMS_DIRNAME
        folder.mkdir(mode=0o700, exist_ok=True)
        return folder / check_sha256(sha256)

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
            self.later(lambda: self.db.blobs.set_state(sha256, "missing"))
            return None
        if not record.is_thumbnail and self.db.clock() - record.last_access >= TOUCH_INTERVAL_MS:
            self.later(lambda: self.db.blobs.touch(sha256))
        return file

    def usage(self) -> int:
        """Bytes of full media in the cache (thumbnails apart)."""
        return self.db.blobs.usage()

    def limit(self) -> int:
        """The cache limit in bytes (the ``cache_limit_bytes`` setting)."""
        return int(self.db.settings.get("cache_limit_bytes"))

    def would_keep(self, sha256: str) -> bool:
        """Whether a download of this blob would stay: it fits under the limit, or it is a thumbnail,
        held, pinned or in a conversation kept offline. A blob of unknown size is given the benefit."""
        record = self.db.blobs.get(sha256)
        if record is None or record.size is None or record.is_thumbnail or record.size <= self.limit():
            return True
        return self.is_held(sha256) or self.db.blobs.kept_offline(sha256)

    # -- holding: what the user is viewing, opening or saving is not evicted meanwhile ----------------
    def hold(self, sha256: str) -> None:
        """Keep the blob from eviction until as many ``release`` calls (holds nest)."""
        with self._held_lock:
            self._held[sha256] += 1

    def release(self, sha256: str) -> None:
        with self._held_lock:
            self._held[sha256] -= 1
            if self._held[sha256] <= 0:
                del self._held[sha256]

    def is_held(self, sha256: str) -> bool:
        with self._held_lock:
            return sha256 in self._held

    @contextmanager
    def held(self, sha256: str) -> Iterator[None]:
        self.hold(sha256)
        try:
            yield
        finally:
            self.release(sha256)

    # -- copies for other apps -----------------------------------------------------------------------
    def open_path(self, sha256: str, name: str) -> Path:
        """Where a named copy of the blob for another app goes: ``open/<sha prefix>/<cleaned name>``.

        Creates the folders owner-only (0700); a copy already there is made owner-only and not
        executable (0600), whoever made it. Raises OSError if the folders cannot be made, ValueError
        if the path would leave its folder.
        """
        folder = self.open_dir / sha256[:16]
        for directory in (self.open_dir, folder):
            directory.mkdir(mode=0o700, exist_ok=True)
            os.chmod(directory, 0o700)  # also when an older version made it with the umask
        target = path_inside(folder, name)
        if target.is_file() and not target.is_symlink():
            os.chmod(target, 0o600)
        return target

    def remove_open_copies(self) -> None:
        """Delete every copy made for other apps (at start and at quit)."""
        shutil.rmtree(self.open_dir, ignore_errors=True)

    # -- eviction ------------------------------------------------------------------------------------
    def evict(self, limit_bytes: int | None = None) -> list[Blob]:
        """Delete least-recently-used full media until usage is at most ``limit_bytes``.

        Default limit: the ``cache_limit_bytes`` setting. Never evicts thumbnails, blobs waiting
        to upload, pinned blobs, media of conversations pinned for offline, or held blobs (which
        do not count towards the limit meanwhile: one large video on screen does not flush the
        rest). Evicted blobs become *missing*: their messages and thumbnails stay. Returns what
        was evicted.
        """
        limit = self.limit() if limit_bytes is None else limit_bytes
        return self._evict(self.db.blobs.by_lru(), self.usage() - self._held_bytes(), limit)

    def clearable(self) -> list[BlobRecord]:
        """What ``clear`` would remove, least recently used first: downloaded full media.

        The user's own sent files stay (they are subject to the limit like the rest), and so does
        whatever ``evict`` never removes.
        """
        return [r for r in self.db.blobs.by_lru(keep_own=True) if not self.is_held(r.sha256)]

    def clear(self) -> list[Blob]:
        """Remove everything ``clearable`` lists, then keep to the limit as usual."""
        evicted = self._evict(self.clearable(), self.usage(), 0)
        return evicted + self.evict()

    def _held_bytes(self) -> int:
        with self._held_lock:
            held = list(self._held)
        records = (self.db.blobs.get(sha) for sha in held)
        return sum(r.size or 0 for r in records if r is not None and r.state == "complete" and not r.is_thumbnail)

    def remove(self, records: Iterable[BlobRecord]) -> list[Blob]:
        """Remove these blobs' full media from this computer now, each unless ``evict`` would keep it
        (re-checked as it goes). They become *missing*: messages and thumbnails stay. Returns what went."""
        return [blob for record in records if (blob := self._evict_one(record)) is not None]

    def _evict(self, candidates: Iterable[BlobRecord], usage: int, limit: int) -> list[Blob]:
        evicted: list[Blob] = []
        for record in candidates:
            if usage <= limit:
                break
            blob = self._evict_one(record)
            if blob is not None:
                usage -= blob.size
                evicted.append(blob)
        return evicted

    def _evict_one(self, record: BlobRecord) -> Blob | None:
        with self._held_lock:
            if record.sha256 in self._held or not self.db.blobs.mark_evicted(record.sha256):
                return None  # in use, or became needed meanwhile
            self.store.delete(record.sha256)
        return Blob(record.sha256, record.size or 0)


def _at_once(write: Callable[[], object]) -> None:
    write()
