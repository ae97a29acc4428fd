"""Tests for the content-addressed blob store (sync/blobstore.py)."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import blobstore
from sync.blobstore import (
    Blob,
    BlobNotFound,
    BlobStore,
    BlobStoreError,
    CorruptBlob,
    InvalidBlobName,
    check_sha256,
    hash_file,
    is_sha256,
)

if TYPE_CHECKING:
    pass

MiB = 1024 * 1024
DATA = bytes(range(256)) * 4  # 1024 bytes, every offset distinguishable mod 256


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "store")


def tmp_files(store: BlobStore) -> list[Path]:
    return list(store.tmp_dir.iterdir())


def assert_clean(store: BlobStore) -> None:
    """No write left anything behind in the temp directory."""
    assert tmp_files(store) == []


# -- names and layout -----------------------------------------------------------------------

BAD_NAMES = [
    pytest.param("", id="empty"),
    pytest.param("a" * 63, id="63-chars"),
    pytest.param("a" * 65, id="65-chars"),
    pytest.param(sha(b"x").upper(), id="uppercase"),
    pytest.param("A" + sha(b"x")[1:], id="one-uppercase"),
    pytest.param("g" * 64, id="non-hex"),
    pytest.param("../..", id="dotdot"),
    pytest.param("../" + "a" * 61, id="dotdot-64-chars"),
    pytest.param("ab/cd/" + "a" * 58, id="slashes-64-chars"),
    pytest.param("/" + "a" * 63, id="absolute"),
    pytest.param(sha(b"x") + "\n", id="trailing-newline"),
    pytest.param(" " + sha(b"x"), id="leading-space"),
    pytest.param(sha(b"x")[:32] + "\x00" + sha(b"x")[33:], id="nul-byte"),
]


def test_path_for_layout_is_sharded(store: BlobStore) -> None:
    name = sha(b"hello")
    assert store.path_for(name) == store.root / "blobs" / name[:2] / name[2:4] / name


def test_sha_for_is_inverse_of_path_for(store: BlobStore) -> None:
    for data in (b"", b"a", DATA):
        name = sha(data)
        assert store.sha_for(store.path_for(name)) == name


@pytest.mark.parametrize("name", BAD_NAMES)
def test_path_for_rejects_non_sha_names(store: BlobStore, name: str) -> None:
    assert not is_sha256(name)
    with pytest.raises(InvalidBlobName):
        check_sha256(name)
    with pytest.raises(InvalidBlobName):
        store.path_for(name)
    with pytest.raises(InvalidBlobName):
        store.partial_path(name)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_every_entry_point_rejects_non_sha_names(store: BlobStore, name: str) -> None:
    assert store.has(name) is False  # a query, not an error
    for call in (store.size, store.open, store.read_range, store.verify, store.delete):
        with pytest.raises(InvalidBlobName):
            call(name)
    with pytest.raises(InvalidBlobName):
        store.put_bytes(b"x", expected_sha256=name)
    assert_clean(store)
    assert list(store) == []


def test_invalid_blob_name_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        check_sha256("nope")
    assert issubclass(InvalidBlobName, BlobStoreError)


def test_sha_for_rejects_paths_outside_the_layout(store: BlobStore, tmp_path: Path) -> None:
    name = sha(b"hello")
    bad_paths = [
        store.blobs_dir / name,  # not sharded
        store.blobs_dir / name[2:4] / name[:2] / name,  # shards swapped
        store.blobs_dir / "00" / "00" / name,  # wrong shard
        store.tmp_dir / name,
        store.partial_path(name),
        tmp_path / "elsewhere" / name[:2] / name[2:4] / name,  # another root
        store.blobs_dir / name[:2] / name[2:4] / ".." / name[2:4] / name,  # not normalised
        store.path_for(name).parent / name.upper(),
        store.path_for(name).parent / "..",
        Path(str(store.path_for(name)) + "\n"),
    ]
    for path in bad_paths:
        with pytest.raises(InvalidBlobName):
            store.sha_for(path)


def test_partial_path_is_under_partial_dir(store: BlobStore) -> None:
    name = sha(b"hello")
    assert store.partial_path(name) == store.partial_dir / name


# -- writing and reading back -----------------------------------------------------------------


def test_put_bytes_round_trip(store: BlobStore) -> None:
    blob = store.put_bytes(DATA)
    assert blob == Blob(sha(DATA), len(DATA))
    assert store.has(blob.sha256)
    assert store.size(blob.sha256) == len(DATA)
    assert store.path_for(blob.sha256).read_bytes() == DATA
    with store.open(blob.sha256) as f:
        assert f.read() == DATA
    assert list(store) == [blob.sha256]
    assert_clean(store)


def test_put_empty_blob(store: BlobStore) -> None:
    blob = store.put_bytes(b"")
    assert blob == Blob(sha(b""), 0)
    assert store.size(blob.sha256) == 0
    assert b"".join(store.read_range(blob.sha256)) == b""


def test_put_stream_round_trip_with_mixed_chunks(store: BlobStore) -> None:
    chunks = [b"", DATA[:10], bytearray(DATA[10:100]), memoryview(DATA[100:]), b""]
    blob = store.put_stream(iter(chunks), expected_sha256=sha(DATA))
    assert blob == Blob(sha(DATA), len(DATA))
    assert b"".join(store.read_range(blob.sha256)) == DATA
    assert_clean(store)


def test_put_same_bytes_twice_stores_one_blob(store: BlobStore) -> None:
    first = store.put_bytes(DATA)
    second = store.put_stream([DATA[:500], DATA[500:]])
    assert first == second
    assert list(store) == [first.sha256]
    assert store.path_for(first.sha256).read_bytes() == DATA
    assert_clean(store)


def test_import_file_copy_leaves_source(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "photo.jpg"
    src.write_bytes(DATA)
    blob = store.import_file(src, expected_sha256=sha(DATA))
    assert blob == Blob(sha(DATA), len(DATA))
    assert src.read_bytes() == DATA
    assert store.path_for(blob.sha256).read_bytes() == DATA
    assert not store.path_for(blob.sha256).samefile(src)
    assert_clean(store)


def test_import_file_copy_of_a_large_file_streams_in_chunks(store: BlobStore, tmp_path: Path) -> None:
    data = os.urandom(3 * blobstore.CHUNK_SIZE + 17)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    blob = store.import_file(src)
    assert blob == Blob(sha(data), len(data))
    assert store.path_for(blob.sha256).read_bytes() == data


def test_import_file_move_removes_source(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "video.mp4"
    src.write_bytes(DATA)
    blob = store.import_file(src, move=True, expected_sha256=sha(DATA))
    assert blob == Blob(sha(DATA), len(DATA))
    assert not src.exists()
    assert store.path_for(blob.sha256).read_bytes() == DATA
    assert list(store) == [blob.sha256]
    assert_clean(store)


def test_import_file_move_when_blob_already_stored(store: BlobStore, tmp_path: Path) -> None:
    existing = store.put_bytes(DATA)
    src = tmp_path / "again.bin"
    src.write_bytes(DATA)
    assert store.import_file(src, move=True) == existing
    assert not src.exists()
    assert store.path_for(existing.sha256).read_bytes() == DATA
    assert list(store) == [existing.sha256]


def test_import_file_move_across_filesystems_copies_then_removes(
    store: BlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "on-usb-stick.bin"
    src.write_bytes(DATA)
    real_replace = os.replace

    def replace(a: os.PathLike[str], b: os.PathLike[str]) -> None:
        if Path(a) == src:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_replace(a, b)

    monkeypatch.setattr(blobstore.os, "replace", replace)
    blob = store.import_file(src, move=True)
    assert blob == Blob(sha(DATA), len(DATA))
    assert not src.exists()
    assert store.path_for(blob.sha256).read_bytes() == DATA
    assert_clean(store)


@pytest.mark.parametrize("move", [False, True])
def test_import_file_mismatch_leaves_source_and_stores_nothing(
    store: BlobStore, tmp_path: Path, move: bool
) -> None:
    src = tmp_path / "tampered.bin"
    src.write_bytes(DATA)
    with pytest.raises(CorruptBlob) as info:
        store.import_file(src, move=move, expected_sha256=sha(b"other"))
    assert info.value.expected == sha(b"other")
    assert info.value.actual == sha(DATA)
    assert src.read_bytes() == DATA
    assert list(store) == []
    assert not store.has(sha(DATA))
    assert_clean(store)


def test_import_missing_file_raises_and_leaves_nothing(store: BlobStore, tmp_path: Path) -> None:
    for move in (False, True):
        with pytest.raises(FileNotFoundError):
            store.import_file(tmp_path / "nope", move=move)
    assert list(store) == []
    assert_clean(store)


def test_hash_file(tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.write_bytes(DATA)
    assert hash_file(src) == Blob(sha(DATA), len(DATA))


# -- failed writes leave nothing behind -----------------------------------------------------------


def test_expected_sha_mismatch_raises_corrupt_blob_and_hides_bytes(store: BlobStore) -> None:
    wrong = sha(b"something else")
    with pytest.raises(CorruptBlob) as info:
        store.put_stream([DATA[:100], DATA[100:]], expected_sha256=wrong)
    assert info.value.expected == wrong
    assert info.value.actual == sha(DATA)
    assert wrong in str(info.value) and sha(DATA) in str(info.value)
    assert not store.has(wrong)
    assert not store.has(sha(DATA))
    assert not store.path_for(sha(DATA)).exists()
    assert list(store) == []
    assert_clean(store)


def test_empty_expected_sha_is_rejected_not_ignored(store: BlobStore) -> None:
    with pytest.raises(InvalidBlobName):
        store.put_bytes(DATA, expected_sha256="")
    assert list(store) == []
    assert_clean(store)


def test_iterator_failing_midway_leaves_no_temp_file_and_no_blob(store: BlobStore) -> None:
    seen_temp: list[Path] = []

    def chunks() -> Iterator[bytes]:
        yield DATA[:300]
        yield DATA[300:600]
        seen_temp.extend(tmp_files(store))  # the write really was in flight
        raise RuntimeError("network dropped")

    with pytest.raises(RuntimeError, match="network dropped"):
        store.put_stream(chunks())
    assert len(seen_temp) == 1
    assert not seen_temp[0].exists()
    assert list(store) == []
    assert not store.has(sha(DATA[:600]))
    assert_clean(store)


def test_writer_abort_and_context_exit_discard(store: BlobStore) -> None:
    w = store.writer()
    w.write(DATA)
    assert w.size == len(DATA)
    assert len(tmp_files(store)) == 1
    w.abort()
    assert_clean(store)

    with store.writer() as w2:
        w2.write(DATA)
    assert_clean(store)
    assert list(store) == []


def test_writer_commit(store: BlobStore) -> None:
    with store.writer(expected_sha256=sha(DATA)) as w:
        w.write(DATA[:1])
        w.write(DATA[1:])
        blob = w.commit()
    assert blob == Blob(sha(DATA), len(DATA))
    assert store.path_for(blob.sha256).read_bytes() == DATA
    assert_clean(store)


# -- reading ranges -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, None),
        (0, len(DATA)),
        (0, 1),
        (0, 0),
        (10, 10),
        (10, 20),
        (255, 257),
        (len(DATA) - 1, None),
        (len(DATA) - 1, len(DATA)),
        (1000, 5000),  # end past the end: truncated
        (0, 10**9),
        (len(DATA), None),  # start at the end: empty
        (len(DATA), len(DATA) + 10),
        (5000, None),  # start past the end: empty
        (5000, 6000),
    ],
)
def test_read_range(store: BlobStore, start: int, end: int | None) -> None:
    name = store.put_bytes(DATA).sha256
    assert b"".join(store.read_range(name, start, end)) == DATA[start:end]


@pytest.mark.parametrize("chunk_size", [1, 7, 100, 1024, 4096])
def test_read_range_chunking(store: BlobStore, chunk_size: int) -> None:
    name = store.put_bytes(DATA).sha256
    for start, end in [(0, None), (3, 1000), (3, None), (0, 2000)]:
        chunks = list(store.read_range(name, start, end, chunk_size=chunk_size))
        assert b"".join(chunks) == DATA[start:end]
        assert all(0 < len(c) <= chunk_size for c in chunks)
        assert all(len(c) == chunk_size for c in chunks[:-1])


def test_a_read_never_started_or_left_half_way_holds_no_open_file(store: BlobStore) -> None:
    # A client that goes away before the first chunk was sent (a download killed at once) leaves its
    # reader never started; the file must not stay open until the garbage collector finds it.
    name = store.put_bytes(DATA).sha256
    descriptors = len(os.listdir("/proc/self/fd"))
    unstarted = store.read_range(name)
    half_way = store.read_range(name, chunk_size=100)
    next(half_way)
    del unstarted, half_way  # as the server drops a response it stopped sending
    assert len(os.listdir("/proc/self/fd")) == descriptors


def test_read_range_rejects_bad_ranges(store: BlobStore) -> None:
    name = store.put_bytes(DATA).sha256
    with pytest.raises(ValueError):
        store.read_range(name, -1)
    with pytest.raises(ValueError):
        store.read_range(name, 20, 10)


def test_missing_blob_raises_blob_not_found(store: BlobStore) -> None:
    missing = sha(b"never stored")
    assert not store.has(missing)
    with pytest.raises(BlobNotFound):
        store.size(missing)
    with pytest.raises(BlobNotFound):
        store.open(missing)
    with pytest.raises(BlobNotFound):
        store.read_range(missing)  # eagerly, before any iteration
    with pytest.raises(BlobNotFound):
        store.verify(missing)
    with pytest.raises(KeyError):  # BlobNotFound is also a KeyError
        store.size(missing)
    assert store.delete(missing) is False


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), content=st.binary(max_size=3000), chunk_size=st.integers(1, 512))
def test_property_read_range_equals_slice(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, content: bytes, chunk_size: int
) -> None:
    store = BlobStore(tmp_path_factory.getbasetemp() / "hypothesis-store")
    blob = store.put_bytes(content)
    assert blob == Blob(sha(content), len(content))
    for _ in range(3):
        start = data.draw(st.integers(0, len(content) + 20), label="start")
        end = data.draw(st.none() | st.integers(start, len(content) + 20), label="end")
        chunks = list(store.read_range(blob.sha256, start, end, chunk_size=chunk_size))
        assert b"".join(chunks) == content[start:end]
        assert all(0 < len(c) <= chunk_size for c in chunks)
    assert_clean(store)


# -- verify, iterate, delete ----------------------------------------------------------------------


def test_verify_true_for_a_good_blob(store: BlobStore) -> None:
    name = store.put_bytes(DATA).sha256
    assert store.verify(name) is True
    assert store.has(name)


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(lambda b: bytes([b[0] ^ 1]) + b[1:], id="bit-flip"),
        pytest.param(lambda b: b[:-1], id="truncated"),
        pytest.param(lambda b: b + b"\0", id="extended"),
        pytest.param(lambda b: b"", id="emptied"),
    ],
)
def test_verify_false_and_removed_when_corrupted_on_disk(store: BlobStore, corrupt: object) -> None:
    name = store.put_bytes(DATA).sha256
    keep = store.put_bytes(b"untouched").sha256
    path = store.path_for(name)
    path.write_bytes(corrupt(DATA))  # type: ignore[operator]
    assert store.verify(name) is False
    assert not path.exists()
    assert not store.has(name)
    assert list(store) == [keep]
    assert store.verify(keep) is True


def test_iter_lists_stored_shas(store: BlobStore) -> None:
    assert list(store) == []
    names = {store.put_bytes(bytes([i]) * i).sha256 for i in range(10)}
    # things in the store's directories that are not blobs are not listed
    (store.blobs_dir / "ab" / "cd").mkdir(parents=True, exist_ok=True)
    (store.blobs_dir / "ab" / "cd" / "not-a-blob").write_bytes(b"")
    (store.tmp_dir / "w-leftover").write_bytes(b"")
    (store.partial_path(sha(b"partial"))).write_bytes(b"par")
    assert sorted(store) == sorted(names)


def test_delete(store: BlobStore) -> None:
    name = store.put_bytes(DATA).sha256
    other = store.put_bytes(b"other").sha256
    assert store.delete(name) is True
    assert not store.has(name)
    assert not store.path_for(name).exists()
    with pytest.raises(BlobNotFound):
        store.size(name)
    assert store.delete(name) is False
    assert list(store) == [other]
    # a deleted blob can be stored again
    assert store.put_bytes(DATA).sha256 == name
    assert store.path_for(name).read_bytes() == DATA


def test_reopening_a_store_sees_existing_blobs(store: BlobStore) -> None:
    name = store.put_bytes(DATA).sha256
    again = BlobStore(store.root)
    assert again.has(name)
    assert b"".join(again.read_range(name)) == DATA
