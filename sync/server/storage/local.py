"""Blob storage on the local disk: blobs in the content-addressed ``BlobStore``, uploads as files beside it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from sync.blobstore import Blob, BlobStore, CorruptBlob
from sync.server.storage import StagedMissing


class _FileStageWriter:
    def __init__(self, path: Path, offset: int) -> None:
        try:
            # unbuffered: after a failed write (a full disk) nothing is left pending to flush over a cut_back
            self._file = open(path, "r+b", buffering=0)  # noqa: SIM115 - closed by close()
        except FileNotFoundError:
            raise StagedMissing(path.name) from None
        self._offset = offset
        self._file.seek(offset)
        self._file.truncate()

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:  # a raw write may be short (the disk filling up); the next one then raises
            view = view[self._file.write(view):]

    def cut_back(self) -> None:
        self._file.truncate(self._offset)

    def commit(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


class LocalStorage:
    """``store/blobs/ab/cd/<sha256>`` and ``uploads/<id>`` under the server's data dir."""

    def __init__(self, blob_dir: Path, staging_dir: Path) -> None:
        self._blobs = BlobStore(blob_dir)
        self._staging = staging_dir
        staging_dir.mkdir(parents=True, exist_ok=True)

    # -- blobs -------------------------------------------------------------------------------------
    def put(self, chunks: Iterable[bytes], *, sha256: str) -> Blob:
        return self._blobs.put_stream(chunks, expected_sha256=sha256)

    def read_range(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        return self._blobs.read_range(sha256, start, end)

    def head(self, sha256: str, size: int) -> bytes:
        with self._blobs.open(sha256) as f:
            return f.read(size)

    def size(self, sha256: str) -> int:
        return self._blobs.size(sha256)

    def exists(self, sha256: str) -> bool:
        return self._blobs.has(sha256)

    def delete(self, sha256: str) -> bool:
        return self._blobs.delete(sha256)

    # -- staging -----------------------------------------------------------------------------------
    def _staged(self, upload_id: str) -> Path:
        if not upload_id.isalnum():
            raise StagedMissing(upload_id)
        return self._staging / upload_id

    def stage_create(self, upload_id: str) -> None:
        self._staged(upload_id).touch()

    def stage_writer(self, upload_id: str, offset: int) -> _FileStageWriter:
        return _FileStageWriter(self._staged(upload_id), offset)

    def stage_promote(self, upload_id: str, sha256: str, *, length: int, digest: str | None) -> Blob:
        path = self._staged(upload_id)
        try:
            if digest is None:
                return self._blobs.import_file(path, expected_sha256=sha256, move=True)
            if digest != sha256:
                raise CorruptBlob(sha256, digest)
            return self._blobs.adopt_file(path, Blob(sha256, length))
        except FileNotFoundError:
            raise StagedMissing(upload_id) from None

    def stage_delete(self, upload_id: str) -> None:
        self._staged(upload_id).unlink(missing_ok=True)

    def stage_orphans(self, known: set[str], *, older_than_s: float) -> list[str]:
        now = time.time()
        return [p.name for p in self._staging.iterdir()
                if p.name not in known and now - p.stat().st_mtime > older_than_s]
