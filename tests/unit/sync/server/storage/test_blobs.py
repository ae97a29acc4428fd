"""The ``BlobStorage`` contract for finished blobs: put streamed and verified, ranges, head, size, delete."""

from __future__ import annotations

import hashlib
import random
import tracemalloc
from collections.abc import Iterator

import pytest

from sync.blobstore import Blob, CorruptBlob
from sync.server.storage import BlobStorage

MiB = 1024 * 1024
MAX_CHUNK = 8 * MiB  # read_range hands out buffers, never the blob
BIG_CHUNKS = 64  # x 1 MiB


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read(storage: BlobStorage, sha256: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join(storage.read_range(sha256, start, end))


def seeded(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def test_put_stores_a_stream_under_its_hash(storage: BlobStorage) -> None:
    data = seeded(1, 5000)
    blob = storage.put([data[:1], b"", data[1:4000], data[4000:]], sha256=sha(data))
    assert blob == Blob(sha(data), len(data))
    assert storage.exists(sha(data))
    assert storage.size(sha(data)) == len(data)
    assert read(storage, sha(data)) == data


def test_put_of_the_same_bytes_twice_keeps_one_blob(storage: BlobStorage) -> None:
    data = seeded(2, 300)
    first = storage.put([data], sha256=sha(data))
    second = storage.put([data[:100], data[100:]], sha256=sha(data))
    assert first == second == Blob(sha(data), 300)
    assert read(storage, sha(data)) == data


def test_a_wrong_sha_is_corrupt_and_stores_nothing(storage: BlobStorage) -> None:
    data, claimed = seeded(3, 2000), sha(b"something else")
    with pytest.raises(CorruptBlob):
        storage.put([data[:1000], data[1000:]], sha256=claimed)
    assert not storage.exists(claimed)
    assert not storage.exists(sha(data))


def test_a_stream_that_fails_midway_stores_nothing(storage: BlobStorage) -> None:
    data = seeded(8, 3000)

    def broken() -> Iterator[bytes]:
        yield data[:1000]
        raise ConnectionResetError("the client went away")

    with pytest.raises(ConnectionResetError):
        storage.put(broken(), sha256=sha(data))
    assert not storage.exists(sha(data))
    assert storage.put([data], sha256=sha(data)) == Blob(sha(data), len(data))  # a retry is not in the way


def test_the_empty_blob(storage: BlobStorage) -> None:
    empty = sha(b"")
    assert storage.put([], sha256=empty) == Blob(empty, 0)
    assert storage.exists(empty)
    assert storage.size(empty) == 0
    assert read(storage, empty) == b""
    assert read(storage, empty, 0, 0) == b""
    assert storage.head(empty, 512) == b""


# A blob a little over three chunks of a typical backend, so that ranges cross chunk boundaries.
RANGED = seeded(4, 3 * MiB + 17)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param(0, None, id="whole"),
        pytest.param(0, len(RANGED), id="whole-explicit"),
        pytest.param(0, 1, id="first-byte"),
        pytest.param(len(RANGED) - 1, None, id="last-byte-open"),
        pytest.param(len(RANGED) - 1, len(RANGED), id="last-byte"),
        pytest.param(len(RANGED), None, id="at-the-end-open"),
        pytest.param(len(RANGED), len(RANGED), id="at-the-end"),
        pytest.param(5, 5, id="empty-inside"),
        pytest.param(MiB - 1, MiB + 1, id="across-a-chunk-boundary"),
        pytest.param(MiB, 2 * MiB, id="one-aligned-chunk"),
        pytest.param(2 * MiB + 3, None, id="tail"),
    ],
)
def test_read_range(storage: BlobStorage, start: int, end: int | None) -> None:
    digest = storage.put([RANGED], sha256=sha(RANGED)).sha256
    assert read(storage, digest, start, end) == RANGED[start:end]


def test_head_is_the_first_bytes_or_the_whole_blob(storage: BlobStorage) -> None:
    data = seeded(5, 100)
    storage.put([data], sha256=sha(data))
    assert storage.head(sha(data), 16) == data[:16]
    assert storage.head(sha(data), 100) == data
    assert storage.head(sha(data), 4096) == data


def test_exists_size_and_delete(storage: BlobStorage) -> None:
    kept, dropped = seeded(6, 10), seeded(7, 20)
    storage.put([kept], sha256=sha(kept))
    storage.put([dropped], sha256=sha(dropped))
    assert storage.delete(sha(dropped)) is True
    assert not storage.exists(sha(dropped))
    assert storage.delete(sha(dropped)) is False
    assert storage.exists(sha(kept))
    assert storage.size(sha(kept)) == 10
    assert read(storage, sha(kept)) == kept


def test_a_blob_never_stored(storage: BlobStorage) -> None:
    assert not storage.exists(sha(b"never"))
    assert storage.delete(sha(b"never")) is False


def _big_chunks() -> Iterator[bytes]:
    """64 MiB from a seeded generator, one MiB at a time (never the whole blob in memory)."""
    rng = random.Random(64)
    for _ in range(BIG_CHUNKS):
        yield rng.randbytes(MiB)


def test_a_64_mib_blob_streams_in_bounded_chunks(storage: BlobStorage) -> None:
    expected = hashlib.sha256()
    for chunk in _big_chunks():
        expected.update(chunk)
    size = BIG_CHUNKS * MiB

    tracemalloc.start()
    try:
        blob = storage.put(_big_chunks(), sha256=expected.hexdigest())
        _, put_peak = tracemalloc.get_traced_memory()

        tracemalloc.reset_peak()
        digest, total, largest = hashlib.sha256(), 0, 0
        for chunk in storage.read_range(blob.sha256):
            digest.update(chunk)
            total += len(chunk)
            largest = max(largest, len(chunk))
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert blob == Blob(expected.hexdigest(), size)
    assert storage.size(blob.sha256) == size
    assert (digest.hexdigest(), total) == (blob.sha256, size)
    assert 0 < largest <= MAX_CHUNK
    assert put_peak < 16 * MiB, f"put peaked at {put_peak / MiB:.1f} MiB"
    assert read_peak < 16 * MiB, f"read_range peaked at {read_peak / MiB:.1f} MiB"

    start, end = 20 * MiB + 5, 40 * MiB + 7  # a range deep inside, compared with the generator's bytes
    window, middle, largest = hashlib.sha256(), hashlib.sha256(), 0
    for chunk in _big_chunks_between(start, end):
        window.update(chunk)
    for chunk in storage.read_range(blob.sha256, start, end):
        middle.update(chunk)
        largest = max(largest, len(chunk))
    assert middle.hexdigest() == window.hexdigest()
    assert 0 < largest <= MAX_CHUNK


def _big_chunks_between(start: int, end: int) -> Iterator[bytes]:
    offset = 0
    for chunk in _big_chunks():
        lo, hi = max(start - offset, 0), min(end - offset, len(chunk))
        if lo < hi:
            yield chunk[lo:hi]
        offset += len(chunk)
