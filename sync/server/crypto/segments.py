"""The format a blob is stored in: a header, then AES-256-GCM segments that each open on their own.

    header   = b"ENV\\x01" | segment size (4, big-endian) | blob id (16)
    segment  = nonce (12) | ciphertext | tag (16)

Every segment but the last holds exactly ``segment size`` bytes of plaintext; the last holds
fewer (possibly none), so the plaintext size follows from the object's size. Each segment's
associated data is ``blob id | index (8) | kind``, kind being MIDDLE, FINAL, or TAIL (an upload's
unfinished last segment, kept apart while it grows). So a segment moved to another index or
another blob, a dropped final segment (truncation) or a tail posing as the end never opens.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Callable, Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"ENV\x01"
HEADER = struct.Struct(">4sI16s")
HEADER_BYTES = HEADER.size
NONCE_BYTES = 12
TAG_BYTES = 16
OVERHEAD = NONCE_BYTES + TAG_BYTES
DEFAULT_SEGMENT = 64 * 1024
BATCH = 16
"""Segments sealed or opened as one piece (1 MiB of 64 KiB ones): fewer calls and hand-offs per byte."""
MIDDLE, FINAL, TAIL = 0, 1, 2


class Damaged(Exception):
    """Stored bytes that fail authentication or do not fit the format: never served."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(f"{what}: {detail}")
        self.what = what
        self.detail = detail


def header(segment_size: int, blob_id: bytes) -> bytes:
    return HEADER.pack(MAGIC, segment_size, blob_id)


def parse_header(data: bytes, what: str) -> tuple[int, bytes]:
    """(segment size, blob id); raises Damaged."""
    if len(data) < HEADER_BYTES:
        raise Damaged(what, "its header is cut short")
    magic, segment_size, blob_id = HEADER.unpack(data[:HEADER_BYTES])
    if magic != MAGIC or not 1024 <= segment_size <= 16 * 1024 * 1024:
        raise Damaged(what, "its header is not an Envelope header")
    return segment_size, blob_id


class Segments:
    """One blob's segments: its data key, id and segment size."""

    def __init__(self, key: bytes, blob_id: bytes, segment_size: int, what: str) -> None:
        self.key = key
        self._aead = AESGCM(key)
        self._nonce_key = hashlib.sha256(b"envelope final nonce\0" + key).digest()
        self.blob_id = blob_id
        self.size = segment_size
        self.stride = segment_size + OVERHEAD
        self.what = what

    def _ad(self, index: int, kind: int) -> bytes:
        return self.blob_id + struct.pack(">QB", index, kind)

    def seal(self, index: int, plaintext: bytes | memoryview, kind: int) -> bytes:
        """A segment with a random nonce; the FINAL one's nonce is derived from its plaintext instead
        (a synthetic IV), so two requests promoting the same upload at once write identical bytes."""
        ad = self._ad(index, kind)
        if kind == FINAL:
            nonce = hmac.digest(self._nonce_key, ad + bytes(plaintext), "sha256")[:NONCE_BYTES]
        else:
            nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, ad)

    def seal_middles(self, index: int, plain: memoryview, count: int, into: memoryview) -> None:
        """``count`` full MIDDLE segments from ``index`` on, sealed into ``into`` (``count * stride`` bytes)."""
        nonces = os.urandom(count * NONCE_BYTES)
        for k in range(count):
            at = k * self.stride
            nonce = nonces[k * NONCE_BYTES:(k + 1) * NONCE_BYTES]
            into[at:at + NONCE_BYTES] = nonce
            self._aead.encrypt_into(nonce, plain[k * self.size:(k + 1) * self.size],
                                    self._ad(index + k, MIDDLE), into[at + NONCE_BYTES:at + self.stride])

    def open(self, index: int, sealed: bytes, kind: int) -> bytes:
        """The plaintext of one segment; raises Damaged."""
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], self._ad(index, kind))
        except InvalidTag:
            raise Damaged(self.what, f"segment {index} fails authentication") from None

    # -- layout ------------------------------------------------------------------------------------
    def offset(self, index: int) -> int:
        """Where segment ``index`` starts in the object."""
        return HEADER_BYTES + index * self.stride

    def plaintext_size(self, object_size: int) -> int:
        """Raises Damaged when no plaintext size gives this object size."""
        body = object_size - HEADER_BYTES - OVERHEAD
        if body < 0 or body % self.stride >= self.size:
            raise Damaged(self.what, f"its size ({object_size} bytes) does not fit the format")
        return body // self.stride * self.size + body % self.stride

    def sealed_size(self, index: int, final: int, object_size: int) -> int:
        """How many bytes segment ``index`` takes in an object of ``object_size`` whose last is ``final``."""
        return self.stride if index < final else object_size - self.offset(final)

    def opened(self, chunks: Iterable[bytes | bytearray], first: int, last: int, final: int | None,
               object_size: int = 0) -> Iterator[bytearray]:
        """The plaintext of segments ``first``..``last`` read from ``chunks`` (the object from segment
        ``first`` on), a batch of whole segments per chunk. ``final`` is the blob's last segment (None:
        an upload's, all MIDDLE). Raises Damaged at the first segment that does not open or is cut
        short, after yielding the segments before it and none of it."""
        index = first
        buf: bytes | bytearray = b""
        at = 0
        chunks = iter(chunks)
        while index <= last:
            chunk = next(chunks, None)
            if chunk is None:
                raise Damaged(self.what, f"it ends inside segment {index}")
            buf = buf[at:] + chunk if at < len(buf) else chunk
            at = 0
            plan = []  # (index, where its sealed bytes start, how long they are) of each whole segment here
            while index <= last:
                need = self.stride if final is None else self.sealed_size(index, final, object_size)
                if len(buf) - at < need:
                    break
                plan.append((index, at, need))
                at += need
                index += 1
            if plan:
                yield from self._open_batch(memoryview(buf), plan, final)

    def _open_batch(self, view: memoryview, plan: list[tuple[int, int, int]],
                    final: int | None) -> Iterator[bytearray]:
        out = bytearray(sum(need - OVERHEAD for _, _, need in plan))
        into = memoryview(out)
        done = 0
        for index, at, need in plan:
            kind = FINAL if index == final else MIDDLE
            try:
                self._aead.decrypt_into(view[at:at + NONCE_BYTES], view[at + NONCE_BYTES:at + need],
                                        self._ad(index, kind), into[done:done + need - OVERHEAD])
            except InvalidTag:
                if done:
                    yield out[:done]
                raise Damaged(self.what, f"segment {index} fails authentication") from None
            done += need - OVERHEAD
        into.release()
        yield out

    def decrypt_range(self, chunks: Iterable[bytes | bytearray], *, final: int, object_size: int,
                      start: int, end: int) -> Iterator[memoryview]:
        """Plaintext ``start``..``end`` (end > start) of a stored blob; ``chunks`` are its bytes from
        the segment holding ``start`` on. Raises Damaged."""
        first, last = start // self.size, (end - 1) // self.size
        position = first * self.size
        for plain in self.opened(chunks, first, last, final, object_size):
            lo, hi = max(start - position, 0), min(end - position, len(plain))
            if lo < hi:  # a view, not a copy: each batch is a new buffer nobody else writes
                yield memoryview(plain) if (lo, hi) == (0, len(plain)) else memoryview(plain)[lo:hi]
            position += len(plain)


class SegmentWriter:
    """Seals a stream into segments, BATCH full ones at a time; what does not fill one stays ``pending``.

    ``out`` gets the sealed MIDDLE segments in order, several in one piece. ``flush`` seals every
    full segment pending (call it before making what was written durable); ``finish`` seals what
    is left as the FINAL segment (a blob); an upload keeps it as its tail instead (``index``,
    ``pending`` after a ``flush``).
    """

    def __init__(self, segments: Segments, out: Callable[[memoryview], None], *, index: int = 0,
                 pending: bytes = b"") -> None:
        self._segments, self._out = segments, out
        self.index = index
        self.pending = bytearray(pending)
        self._sealed = bytearray(BATCH * segments.stride)  # reused: ``out`` writes each piece before the next

    def write(self, data: bytes | memoryview) -> None:
        size = self._segments.size
        if not self.pending and len(data) >= BATCH * size:  # a large piece: sealed straight from it, no copy
            whole = len(data) // size * size
            with memoryview(data) as view:
                self._seal(view[:whole])
                self.pending += view[whole:]
            return
        self.pending += data
        if len(self.pending) >= BATCH * size:
            self.flush()

    def flush(self) -> None:
        whole = len(self.pending) // self._segments.size * self._segments.size
        with memoryview(self.pending) as plain:
            self._seal(plain[:whole])
        del self.pending[:whole]

    def _seal(self, plain: memoryview) -> None:
        """Seal ``plain`` (whole segments) as the next MIDDLE segments, BATCH at a time, on to ``out``."""
        size = self._segments.size
        whole = len(plain) // size
        done = 0
        with memoryview(self._sealed) as sealed:
            while done < whole:
                count = min(BATCH, whole - done)
                into = sealed[:count * self._segments.stride]
                self._segments.seal_middles(self.index, plain[done * size:(done + count) * size], count, into)
                self._out(into)
                self.index += count
                done += count

    def finish(self) -> bytes:
        """The FINAL segment, sealed, after the full ones before it went to ``out``."""
        self.flush()
        return self._segments.seal(self.index, bytes(self.pending), FINAL)
