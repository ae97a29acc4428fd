"""The blob store under concurrent writers (threads and processes) and with blobs too large for memory."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from sync import blobstore
from sync.blobstore import Blob, BlobStore
from tests.unit.sync.test_blobstore import DATA, MiB, assert_clean, sha

if TYPE_CHECKING:
    from multiprocessing.synchronize import Barrier


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "store")


# -- concurrent writers of the same blob --------------------------------------------------------


def _chunks_of(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def test_interleaved_writers_of_the_same_blob(store: BlobStore) -> None:
    a, b = store.writer(), store.writer()
    for chunk in _chunks_of(DATA, 100):
        a.write(chunk)
        b.write(chunk)
    assert a.commit() == b.commit() == Blob(sha(DATA), len(DATA))
    assert list(store) == [sha(DATA)]
    assert store.path_for(sha(DATA)).read_bytes() == DATA
    assert_clean(store)


def test_writers_racing_past_the_exists_check(store: BlobStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both writers see no blob yet and both rename: the result is still one correct blob."""
    a, b = store.writer(), store.writer()
    a.write(DATA)
    b.write(DATA)
    monkeypatch.setattr(blobstore.Path, "exists", lambda self: False)
    assert a.commit() == b.commit()
    monkeypatch.undo()
    assert list(store) == [sha(DATA)]
    assert store.path_for(sha(DATA)).read_bytes() == DATA
    assert_clean(store)


def test_same_blob_written_by_eight_threads(store: BlobStore) -> None:
    data = os.urandom(MiB + 123)
    barrier = threading.Barrier(8)
    results: list[Blob] = []
    errors: list[BaseException] = []

    def write() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(store.put_stream(_chunks_of(data, 16 * 1024)))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert results == [Blob(sha(data), len(data))] * 8
    assert list(store) == [sha(data)]
    assert store.path_for(sha(data)).read_bytes() == data
    assert store.verify(sha(data))
    assert_clean(store)


def _process_data() -> bytes:
    return b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(64 * 1024))  # 2 MiB


def _write_in_process(root: str, barrier: Barrier) -> None:
    data = _process_data()
    store = BlobStore(Path(root))
    barrier.wait(timeout=30)
    blob = store.put_stream(_chunks_of(data, 32 * 1024), expected_sha256=sha(data))
    if blob != Blob(sha(data), len(data)):
        raise SystemExit(3)


def test_same_blob_written_by_two_processes(store: BlobStore) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_write_in_process, args=(str(store.root), barrier)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0]
    data = _process_data()
    assert list(store) == [sha(data)]
    assert store.path_for(sha(data)).read_bytes() == data
    assert_clean(store)


# -- streaming: never the whole blob in memory -----------------------------------------------------


def test_64_mib_blob_streams_in_and_out_in_bounded_memory(store: BlobStore) -> None:
    chunk_count = 64
    expected = hashlib.sha256()
    for i in range(chunk_count):
        expected.update(bytes([i]) * MiB)

    def chunks() -> Iterator[bytes]:
        for i in range(chunk_count):
            yield bytes([i]) * MiB

    tracemalloc.start()
    try:
        blob = store.put_stream(chunks(), expected_sha256=expected.hexdigest())
        _, write_peak = tracemalloc.get_traced_memory()

        tracemalloc.reset_peak()
        digest = hashlib.sha256()
        size = 0
        for chunk in store.read_range(blob.sha256):
            digest.update(chunk)
            size += len(chunk)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert blob == Blob(expected.hexdigest(), chunk_count * MiB)
    assert store.size(blob.sha256) == chunk_count * MiB
    assert (digest.hexdigest(), size) == (blob.sha256, chunk_count * MiB)
    assert write_peak < 16 * MiB, f"put_stream peaked at {write_peak / MiB:.1f} MiB"
    assert read_peak < 16 * MiB, f"read_range peaked at {read_peak / MiB:.1f} MiB"
    assert_clean(store)
