"""Uploads in progress, sealed as they arrive: no byte of a half-sent file is ever stored in the clear.

An upload is the object ``staging/<id>``: the segment header, then its full segments (MIDDLE), each
sealed as soon as its last byte arrives. The bytes after the last full segment (fewer than one
segment) live in ``staging/<id>.tail``, sealed as a TAIL segment and replaced atomically at each
commit, so what a commit made durable survives a crash at any point. A writer reopened at an
offset inside a segment takes that segment's first bytes back (from the segment, or the tail) and
goes on from there. Promoting seals the tail as the FINAL segment, appends it, and renames the
object into place: no segment is sealed twice except that last one.
"""

from __future__ import annotations

import hashlib
import struct

from sync.blobstore import Blob, CorruptBlob, check_sha256
from sync.server.crypto.records import KeyRecords, Misbound
from sync.server.crypto.segments import (
    DEFAULT_SEGMENT,
    HEADER_BYTES,
    MIDDLE,
    TAIL,
    Damaged,
    Segments,
    SegmentWriter,
    header,
    parse_header,
)
from sync.server.storage import StagedMissing
from sync.server.storage.objects import Appender, ObjectMissing, ObjectStore

_INDEX = struct.Struct(">Q")


def blob_name(sha256: str) -> str:
    check_sha256(sha256)
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _staged(upload_id: str) -> str:
    if not upload_id.isalnum() or not upload_id.isascii():
        raise StagedMissing(upload_id)
    return f"staging/{upload_id}"


class _StageWriter:
    def __init__(self, staging: EncryptedStaging, upload_id: str, segments: Segments, appender: Appender,
                 index: int, prefix: bytes) -> None:
        self._staging, self._id, self._segments, self._appender = staging, upload_id, segments, appender
        self._start = (index, prefix)
        self._writer = SegmentWriter(segments, appender.write, index=index, pending=prefix)

    def write(self, data: bytes) -> None:
        self._writer.write(data)

    def commit(self) -> None:
        self._writer.flush()
        self._appender.commit()  # the full segments first, then the tail that follows them
        self._staging.put_tail(self._id, self._segments, self._writer.index, bytes(self._writer.pending))

    def cut_back(self) -> None:
        self._appender.cut_back()
        index, prefix = self._start
        self._writer = SegmentWriter(self._segments, self._appender.write, index=index, pending=prefix)
        self._staging.put_tail(self._id, self._segments, index, prefix)

    def close(self) -> None:
        self._appender.close()


class EncryptedStaging:
    def __init__(self, objects: ObjectStore, keys: KeyRecords, *, segment_size: int = DEFAULT_SEGMENT) -> None:
        self.objects, self.keys, self.segment_size = objects, keys, segment_size

    def segments_of(self, name: str, what: str, *bindings: str) -> Segments:
        """The segments of a stored object (header read, its data key unwrapped when it is bound to one
        of ``bindings``); raises ObjectMissing, Damaged."""
        size, blob_id = parse_header(self.objects.read_at(name, 0, HEADER_BYTES), what)
        try:
            key = self.keys.data_key(blob_id, *bindings)
        except ObjectMissing:
            raise Damaged(what, "its data key is missing") from None
        except Misbound:
            raise Damaged(what, "its data key belongs to another file: the object was moved or swapped") from None
        return Segments(key, blob_id, size, what)

    # -- the tail ----------------------------------------------------------------------------------
    def put_tail(self, upload_id: str, segments: Segments, index: int, pending: bytes) -> None:
        name = _staged(upload_id) + ".tail"
        if pending:
            self.objects.put(name, _INDEX.pack(index) + segments.seal(index, pending, TAIL))
        else:
            self.objects.delete(name)

    def _tail(self, upload_id: str, segments: Segments, index: int) -> bytes:
        """The plaintext of the tail when it belongs to segment ``index``; else b""."""
        try:
            raw = self.objects.get(_staged(upload_id) + ".tail")
        except ObjectMissing:
            return b""
        if len(raw) < _INDEX.size or _INDEX.unpack(raw[:_INDEX.size])[0] != index:
            return b""
        return segments.open(index, raw[_INDEX.size:], TAIL)

    def _prefix(self, upload_id: str, segments: Segments, full: int, index: int, length: int) -> bytes:
        """The first ``length`` bytes of segment ``index``: from the object if it holds that segment
        whole (``full`` segments), else from the tail. Raises StagedMissing when neither has them."""
        name = _staged(upload_id)
        plain = b""
        if full > index:
            try:
                plain = segments.open(index, self.objects.read_at(name, segments.offset(index), segments.stride),
                                      MIDDLE)
            except Damaged:
                plain = b""  # torn by a crash: the tail has what was committed
        if len(plain) < length:
            try:
                plain = self._tail(upload_id, segments, index)
            except Damaged:
                plain = b""
        if len(plain) < length:
            raise StagedMissing(upload_id)
        return plain[:length]

    def _open_staged(self, upload_id: str, *also: str) -> tuple[Segments, int]:
        """(segments, how many full segments the object holds); raises StagedMissing. ``also``: other
        bindings its key may have (the blob it is being promoted to)."""
        name = _staged(upload_id)
        try:
            segments = self.segments_of(name, f"upload {upload_id}", f"upload:{upload_id}", *also)
            return segments, (self.objects.size(name) - HEADER_BYTES) // segments.stride
        except (ObjectMissing, Damaged):
            raise StagedMissing(upload_id) from None

    # -- the staging interface -----------------------------------------------------------------------
    def stage_create(self, upload_id: str) -> None:
        name = _staged(upload_id)
        blob_id, _key = self.keys.new_data_key(f"upload:{upload_id}")
        self.objects.put(name, header(self.segment_size, blob_id))

    def stage_writer(self, upload_id: str, offset: int) -> _StageWriter:
        segments, full = self._open_staged(upload_id)
        index, inside = divmod(offset, segments.size)
        if full < index:
            raise StagedMissing(upload_id)  # the bytes before the offset are not all there
        prefix = self._prefix(upload_id, segments, full, index, inside) if inside else b""
        if full > index and prefix:
            self.put_tail(upload_id, segments, index, prefix)  # kept before the segment is cut off below
        try:
            appender = self.objects.appender(_staged(upload_id), segments.offset(index))
        except ObjectMissing:
            raise StagedMissing(upload_id) from None
        return _StageWriter(self, upload_id, segments, appender, index, prefix)

    def stage_promote(self, upload_id: str, sha256: str, *, length: int, digest: str | None) -> Blob:
        name = _staged(upload_id)
        segments, full = self._open_staged(upload_id, f"blob:{sha256}")
        index, inside = divmod(length, segments.size)
        try:
            if full < index:
                raise StagedMissing(upload_id)
            rest = self._prefix(upload_id, segments, full, index, inside) if inside else b""
        except StagedMissing:
            if not self.objects.exists(name):  # promoted by another request meanwhile
                raise
            # fewer bytes staged than the length: they cannot hash to the name
            raise CorruptBlob(sha256, f"(fewer than {length} bytes staged)") from None
        if digest is None:
            hasher = hashlib.sha256()
            if index:
                chunks = self.objects.read_range(name, HEADER_BYTES, segments.offset(index))
                try:
                    for plain in segments.opened(chunks, 0, index - 1, None):
                        hasher.update(plain)
                except ObjectMissing:  # promoted by another request meanwhile
                    raise StagedMissing(upload_id) from None
                except Damaged as exc:  # damaged bytes cannot hash to the name
                    raise CorruptBlob(sha256, f"(damaged: {exc.detail})") from None
            hasher.update(rest)
            digest = hasher.hexdigest()
        if digest != sha256:
            raise CorruptBlob(sha256, digest)
        target = blob_name(sha256)
        if self.objects.exists(target):  # the same bytes were stored meanwhile
            self.stage_delete(upload_id)
            return Blob(sha256, length)
        final = SegmentWriter(segments, lambda _: None, index=index, pending=rest).finish()
        self.keys.rebind(segments.blob_id, segments.key, f"blob:{sha256}")
        try:  # a request promoting it at the same moment writes the same bytes (see Segments.seal)
            appender = self.objects.appender(name, segments.offset(index))
            try:
                appender.write(final)
                appender.commit()
            finally:
                appender.close()
            self.objects.rename(name, target)
        except ObjectMissing:
            raise StagedMissing(upload_id) from None
        self.objects.delete(name + ".tail")
        return Blob(sha256, length)

    def stage_delete(self, upload_id: str) -> None:
        name = _staged(upload_id)
        try:
            blob_id = parse_header(self.objects.read_at(name, 0, HEADER_BYTES), upload_id)[1]
        except (ObjectMissing, Damaged):
            blob_id = None
        self.objects.delete(name)
        self.objects.delete(name + ".tail")
        if blob_id is not None:
            self.keys.delete(blob_id)

    def stage_size(self, upload_id: str) -> int:
        """How many bytes of an upload are staged (what its last commit made durable, or more);
        raises StagedMissing. For operators and tests: the offset itself lives in the metadata."""
        segments, full = self._open_staged(upload_id)
        try:
            tail = self._tail(upload_id, segments, full)
        except Damaged:
            tail = b""
        return full * segments.size + len(tail)

    def stage_orphans(self, known: set[str], *, older_than_s: float) -> list[str]:
        orphans = set()
        for name in self.objects.list("staging"):
            upload_id = name.rpartition("/")[2].removesuffix(".tail")
            if upload_id not in known and upload_id not in orphans:
                try:
                    if self.objects.age(name) > older_than_s:
                        orphans.add(upload_id)
                except ObjectMissing:
                    continue
        return sorted(orphans)


