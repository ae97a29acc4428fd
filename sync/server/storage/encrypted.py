"""Blob storage that keeps only ciphertext: every blob and upload sealed under its own data key.

Around any ``ObjectStore``: a blob ``sha256`` is the object ``blobs/ab/cd/<sha256>`` in the segment
format of ``crypto.segments``, its data key wrapped in ``keys/<blob id>``. Content addressing stays
on the plaintext's sha256, so dedup and the API do not change. A Range read opens only the
segments it touches; a segment that fails authentication stops the read with ``Damaged`` (logged
with the blob's name) before any of its bytes leave. Uploads in progress: ``encrypted_staging``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator

from sync.blobstore import Blob, BlobNotFound, CorruptBlob
from sync.server.crypto.segments import HEADER_BYTES, Damaged, Segments, SegmentWriter, header, parse_header
from sync.server.storage.again import stored_again
from sync.server.storage.encrypted_staging import EncryptedStaging, blob_name
from sync.server.storage.objects import ObjectMissing

log = logging.getLogger(__name__)
READ_BATCH = 64
"""Segments read, opened and handed on as one piece (4 MiB): each piece costs a thread hand-off in the
response, and AES-GCM here holds the GIL, so fewer, larger pieces keep a download near the speed of
plaintext storage (BENCHMARKS.md). Two such buffers per download at most."""


class EncryptedStorage(EncryptedStaging):
    """``BlobStorage`` over an ``ObjectStore``: uploads in progress from the base class, blobs here."""

    # -- blobs -------------------------------------------------------------------------------------
    def put(self, chunks: Iterable[bytes], *, sha256: str) -> Blob:
        name = blob_name(sha256)
        if self.objects.exists(name):  # the same bytes again: check them, keep the first copy
            return stored_again(chunks, sha256)
        hasher, size = hashlib.sha256(), 0
        blob_id, key = self.keys.new_data_key(f"blob:{sha256}")
        segments = Segments(key, blob_id, self.segment_size, sha256)
        new = self.objects.create(name)
        try:
            new.write(header(self.segment_size, blob_id))
            writer = SegmentWriter(segments, new.write)
            for chunk in chunks:
                hasher.update(chunk)
                size += len(chunk)
                writer.write(chunk)
            if hasher.hexdigest() != sha256:
                raise CorruptBlob(sha256, hasher.hexdigest())
            new.write(writer.finish())
        except BaseException:
            new.abort()
            self.keys.delete(blob_id)
            raise
        new.commit()
        return Blob(sha256, size)

    def size(self, sha256: str) -> int:
        name = blob_name(sha256)
        try:
            return self.segments_of(name, sha256, f"blob:{sha256}").plaintext_size(self.objects.size(name))
        except ObjectMissing:
            raise BlobNotFound(sha256) from None
        except Damaged as exc:
            log.error("blob %s is damaged: %s", sha256, exc.detail)
            raise

    def read_range(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes | memoryview]:
        """Raises BlobNotFound and Damaged when called, ValueError for a range out of order; Damaged
        again while iterating, at the first segment that does not open."""
        name = blob_name(sha256)
        try:
            segments = self.segments_of(name, sha256, f"blob:{sha256}")
            object_size = self.objects.size(name)
            total = segments.plaintext_size(object_size)
        except ObjectMissing:
            raise BlobNotFound(sha256) from None
        except Damaged as exc:
            log.error("blob %s is damaged: %s", sha256, exc.detail)
            raise
        end = total if end is None else min(end, total)
        if start < 0 or end < start:
            raise ValueError(f"bad range {start}-{end}")
        return self._decrypt(name, segments, object_size, total, start, end)

    def _decrypt(self, name: str, segments: Segments, object_size: int, total: int,
                 start: int, end: int) -> Iterator[bytes | memoryview]:
        if start == end:
            return
        final = total // segments.size
        first = start // segments.size
        last = (end - 1) // segments.size
        stop = segments.offset(last) + segments.sealed_size(last, final, object_size)
        chunks = self.objects.read_range(name, segments.offset(first), stop, chunk=READ_BATCH * segments.stride)
        try:
            yield from segments.decrypt_range(chunks, final=final, object_size=object_size, start=start, end=end)
        except Damaged as exc:
            log.error("blob %s is damaged: %s; the read stops before it", segments.what, exc.detail)
            raise

    def head(self, sha256: str, size: int) -> bytes:
        return b"".join(self.read_range(sha256, 0, size))

    def exists(self, sha256: str) -> bool:
        return self.objects.exists(blob_name(sha256))

    def delete(self, sha256: str) -> bool:
        name = blob_name(sha256)
        try:
            blob_id = parse_header(self.objects.read_at(name, 0, HEADER_BYTES), sha256)[1]
        except (ObjectMissing, Damaged):
            return self.objects.delete(name)
        gone = self.objects.delete(name)
        self.keys.delete(blob_id)
        return gone

    def blobs(self) -> Iterator[str]:
        """Every stored blob's sha256."""
        for name in self.objects.list("blobs"):
            yield name.rpartition("/")[2]
