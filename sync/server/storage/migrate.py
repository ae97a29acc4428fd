"""Moving a data dir of a version before encryption at rest into the encrypted store, once, at start.

Blobs in ``store/blobs`` and uploads in progress in ``uploads/`` are read, sealed into the
encrypted storage and then removed, one at a time, so a crash part-way loses nothing: what was
moved is there sealed, what was not is still there in the clear, and the next start goes on.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from pathlib import Path

from sync.blobstore import CHUNK_SIZE, BlobStore, CorruptBlob
from sync.server.storage import BlobStorage

log = logging.getLogger(__name__)


def _chunks(path: Path):  # type: ignore[no-untyped-def]
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            yield chunk


def seal_legacy_blobs(store_dir: Path, storage: BlobStorage) -> int:
    """Move every plaintext blob under ``store_dir`` into ``storage``; how many."""
    if not (store_dir / "blobs").is_dir():
        return 0
    store = BlobStore(store_dir)
    moved = 0
    for sha in list(store):
        try:
            storage.put(_chunks(store.path_for(sha)), sha256=sha)
        except CorruptBlob:
            log.error("the stored blob %s does not match its name; it is left in %s", sha, store_dir)
            continue
        store.delete(sha)
        moved += 1
    if not any(p.is_file() for p in (store_dir / "blobs").rglob("*")):
        shutil.rmtree(store_dir, ignore_errors=True)
    return moved


def seal_legacy_uploads(upload_dir: Path, storage: BlobStorage) -> int:
    """Move every plaintext upload in progress under ``upload_dir`` into ``storage``'s staging; how many."""
    if not upload_dir.is_dir():
        return 0
    moved = 0
    for path in sorted(upload_dir.iterdir()):
        if not (path.is_file() and path.name.isalnum()):
            continue
        storage.stage_delete(path.name)  # a move cut short by a crash starts over
        storage.stage_create(path.name)
        writer = storage.stage_writer(path.name, 0)
        try:
            for chunk in _chunks(path):
                writer.write(chunk)
            writer.commit()
        finally:
            writer.close()
        path.unlink()
        moved += 1
    with contextlib.suppress(OSError):
        upload_dir.rmdir()
    return moved


def seal_legacy(store_dir: Path, upload_dir: Path, storage: BlobStorage) -> None:
    blobs = seal_legacy_blobs(store_dir, storage)
    uploads = seal_legacy_uploads(upload_dir, storage)
    if blobs or uploads:
        log.warning("encrypted %d blobs and %d uploads in progress that were stored in the clear", blobs, uploads)
