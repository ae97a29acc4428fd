"""The encrypting storage beyond the contract: Range reads across segments, tampering never served, no
plaintext on disk, private file modes. Uploads in progress: test_encrypted_staging.py.

Real files under tmp_path (LocalObjects), small segments so that a few KiB cross many boundaries.
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.server.crypto.segments import HEADER_BYTES, NONCE_BYTES, OVERHEAD, TAG_BYTES
from sync.server.storage.encrypted import EncryptedStorage
from tests.unit.sync.server.storage.encrypted_kit import (
    FULL,
    LOGGER,
    SEGMENT,
    STRIDE,
    TAMPERED_SIZE,
    blob_path,
    flip,
    new_storage,
    put,
    random_bytes,
    read_all,
    read_until_damaged,
    segment_at,
    sha,
)


@pytest.fixture
def storage(tmp_path: Path) -> EncryptedStorage:
    return new_storage(tmp_path / "objects")


@pytest.fixture(scope="module")
def shared_storage(tmp_path_factory: pytest.TempPathFactory) -> EncryptedStorage:
    return new_storage(tmp_path_factory.mktemp("encrypted") / "objects")



# -- Range reads ---------------------------------------------------------------------------------------

EDGE_SIZES = [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 2 * SEGMENT, 3 * SEGMENT - 1, 5 * SEGMENT, 5 * SEGMENT + 1]


@st.composite
def blob_and_range(draw: st.DrawFn) -> tuple[int, int, int | None]:
    size = draw(st.one_of(st.sampled_from(EDGE_SIZES), st.integers(0, 5 * SEGMENT + 100)))
    near_boundary = st.integers(0, size // SEGMENT).flatmap(
        lambda i: st.integers(max(0, i * SEGMENT - 2), min(size, i * SEGMENT + 2)))
    last_segment = st.integers(max(0, size - size % SEGMENT - 1), size)
    start = draw(st.one_of(st.integers(0, size), near_boundary, last_segment))
    end = draw(st.one_of(st.none(), st.integers(start, size), st.integers(start, size + 2 * SEGMENT),
                         near_boundary.filter(lambda e: e >= start), last_segment.filter(lambda e: e >= start)))
    return size, start, end


@settings(max_examples=200, deadline=None, database=None)
@given(blob_and_range())
def test_a_range_read_returns_exactly_those_bytes(shared_storage: EncryptedStorage,
                                                  case: tuple[int, int, int | None]) -> None:
    size, start, end = case
    data = random_bytes(size)
    digest = put(shared_storage, data)
    assert shared_storage.size(digest) == size
    assert read_all(shared_storage, digest, start, end) == data[start:end]


@settings(max_examples=60, deadline=None, database=None)
@given(size=st.one_of(st.sampled_from(EDGE_SIZES), st.integers(0, 5 * SEGMENT + 100)),
       head=st.integers(0, 6 * SEGMENT))
def test_head_and_whole_reads(shared_storage: EncryptedStorage, size: int, head: int) -> None:
    data = random_bytes(size, "head")
    digest = put(shared_storage, data)
    assert read_all(shared_storage, digest) == data
    assert read_all(shared_storage, digest, 0, None) == data
    assert shared_storage.head(digest, head) == data[:head]


@pytest.mark.parametrize("size", EDGE_SIZES)
def test_the_stored_object_has_the_size_of_the_format(storage: EncryptedStorage, size: int) -> None:
    digest = put(storage, random_bytes(size))
    full, rest = divmod(size, SEGMENT)
    assert blob_path(storage, digest).stat().st_size == HEADER_BYTES + full * STRIDE + OVERHEAD + rest


def test_a_blob_put_in_uneven_chunks_reads_back(storage: EncryptedStorage) -> None:
    data = random_bytes(4 * SEGMENT + 77)
    cuts = [0, 1, 5, SEGMENT - 3, SEGMENT + 9, 3 * SEGMENT, 3 * SEGMENT, 4 * SEGMENT + 70, len(data)]
    digest = sha(data)
    storage.put((data[a:b] for a, b in itertools.pairwise(cuts)), sha256=digest)
    assert read_all(storage, digest) == data
    assert read_all(storage, digest, SEGMENT - 1, 3 * SEGMENT + 1) == data[SEGMENT - 1:3 * SEGMENT + 1]


# -- tampering: never served ---------------------------------------------------------------------------

MIDDLE_INDEX = 3


def _damage_ciphertext(index: int) -> int:
    return segment_at(index) + NONCE_BYTES + 100


def _damage_nonce(index: int) -> int:
    return segment_at(index) + 5


def _damage_tag(index: int) -> int:
    size = SEGMENT if index < FULL else TAMPERED_SIZE - FULL * SEGMENT
    return segment_at(index) + NONCE_BYTES + size + TAG_BYTES - 3


BYTE_DAMAGE: dict[str, tuple[Callable[[int], int], int]] = {
    "middle ciphertext": (_damage_ciphertext, MIDDLE_INDEX),
    "middle nonce": (_damage_nonce, MIDDLE_INDEX),
    "middle tag": (_damage_tag, MIDDLE_INDEX),
    "first segment": (_damage_ciphertext, 0),
    "final ciphertext": (_damage_ciphertext, FULL),
    "final nonce": (_damage_nonce, FULL),
    "final tag": (_damage_tag, FULL),
}


@pytest.mark.parametrize("damage", sorted(BYTE_DAMAGE))
def test_a_flipped_byte_stops_the_read_before_its_segment(storage: EncryptedStorage, damage: str) -> None:
    at, index = BYTE_DAMAGE[damage]
    data = random_bytes(TAMPERED_SIZE)
    digest = put(storage, data)
    flip(blob_path(storage, digest), at(index))
    damaged_from = index * SEGMENT

    for start, end in [(0, None), (max(0, damaged_from - 10), damaged_from + 10), (damaged_from, damaged_from + 1),
                       (damaged_from + 5, None), (0, TAMPERED_SIZE)]:
        got = read_until_damaged(storage, digest, start, end)
        assert got == data[start:start + len(got)]
        assert len(got) <= max(0, damaged_from - start)

    # what does not touch the damaged segment still reads
    assert read_all(storage, digest, 0, damaged_from) == data[:damaged_from]
    if index < FULL:
        after = (index + 1) * SEGMENT
        assert read_all(storage, digest, after, None) == data[after:]
    assert storage.size(digest) == TAMPERED_SIZE
    if index > 0:
        assert storage.head(digest, 100) == data[:100]


@pytest.mark.parametrize("at", [0, 3, 4, 7, 8, 12, HEADER_BYTES - 1])  # magic, segment size, blob id
def test_a_damaged_header_stops_every_read(storage: EncryptedStorage, at: int) -> None:
    data = random_bytes(TAMPERED_SIZE)
    digest = put(storage, data)
    flip(blob_path(storage, digest), at)
    for start, end in [(0, None), (0, 1), (5 * SEGMENT, None)]:
        assert read_until_damaged(storage, digest, start, end) == b""


def test_a_segment_size_changed_in_the_header_stops_the_read(storage: EncryptedStorage) -> None:
    data = random_bytes(TAMPERED_SIZE)
    digest = put(storage, data)
    flip(blob_path(storage, digest), 6, 0x04)  # 1024 -> 2048: still a size the format allows
    assert read_until_damaged(storage, digest) == b""


def _segment(path: Path, index: int) -> bytes:
    return path.read_bytes()[segment_at(index):segment_at(index + 1)]


def _replace_segment(path: Path, index: int, sealed: bytes) -> None:
    data = bytearray(path.read_bytes())
    data[segment_at(index):segment_at(index) + len(sealed)] = sealed
    path.write_bytes(bytes(data))


def test_two_swapped_segments_are_damaged(storage: EncryptedStorage) -> None:
    data = random_bytes(TAMPERED_SIZE)
    digest = put(storage, data)
    path = blob_path(storage, digest)
    second, third = _segment(path, 2), _segment(path, 3)
    _replace_segment(path, 2, third)
    _replace_segment(path, 3, second)
    assert read_until_damaged(storage, digest) == data[:2 * SEGMENT]
    assert read_until_damaged(storage, digest, 3 * SEGMENT) == b""
    assert read_all(storage, digest, 4 * SEGMENT) == data[4 * SEGMENT:]


def test_a_segment_repeated_in_place_of_the_next_is_damaged(storage: EncryptedStorage) -> None:
    data = random_bytes(TAMPERED_SIZE)
    digest = put(storage, data)
    path = blob_path(storage, digest)
    _replace_segment(path, 3, _segment(path, 2))
    assert read_until_damaged(storage, digest) == data[:3 * SEGMENT]


def test_a_segment_copied_from_another_blob_at_the_same_index_is_damaged(storage: EncryptedStorage) -> None:
    data, other = random_bytes(TAMPERED_SIZE, "a"), random_bytes(TAMPERED_SIZE, "b")
    digest, other_digest = put(storage, data), put(storage, other)
    _replace_segment(blob_path(storage, digest), MIDDLE_INDEX, _segment(blob_path(storage, other_digest), MIDDLE_INDEX))
    assert read_until_damaged(storage, digest) == data[:MIDDLE_INDEX * SEGMENT]
    assert read_all(storage, other_digest) == other


def test_a_final_segment_copied_from_another_blob_is_damaged(storage: EncryptedStorage) -> None:
    data, other = random_bytes(TAMPERED_SIZE, "a"), random_bytes(TAMPERED_SIZE, "b")
    digest, other_digest = put(storage, data), put(storage, other)
    path, other_path = blob_path(storage, digest), blob_path(storage, other_digest)
    path.write_bytes(path.read_bytes()[:segment_at(FULL)] + other_path.read_bytes()[segment_at(FULL):])
    assert read_until_damaged(storage, digest) == data[:FULL * SEGMENT]


def test_dropping_the_final_segment_is_damaged(storage: EncryptedStorage) -> None:
    data = random_bytes(TAMPERED_SIZE)
    digest = put(storage, data)
    path = blob_path(storage, digest)
    path.write_bytes(path.read_bytes()[:segment_at(FULL)])
    assert read_until_damaged(storage, digest) == b""  # the object's size does not fit the format
    assert read_until_damaged(storage, digest, TAMPERED_SIZE - 1) == b""


@pytest.mark.parametrize("blob_size", [FULL * SEGMENT, TAMPERED_SIZE])
@pytest.mark.parametrize("segments_dropped", [1, 2])
def test_dropping_whole_segments_from_the_end_is_damaged(storage: EncryptedStorage, blob_size: int,
                                                         segments_dropped: int) -> None:
    data = random_bytes(blob_size)
    digest = put(storage, data)
    path = blob_path(storage, digest)
    path.write_bytes(path.read_bytes()[:segment_at(blob_size // SEGMENT + 1 - segments_dropped)])
    got = read_until_damaged(storage, digest)
    assert got == data[:len(got)]
    assert len(got) < blob_size


@pytest.mark.parametrize("cut", [
    segment_at(FULL) + 1, segment_at(FULL) + NONCE_BYTES + 299, segment_at(FULL) - 1,
    segment_at(MIDDLE_INDEX) + 500, segment_at(MIDDLE_INDEX) + NONCE_BYTES + 100 + TAG_BYTES, segment_at(1), 5,
])
def test_an_object_cut_short_is_damaged(storage: EncryptedStorage, cut: int) -> None:
    data = random_bytes(TAMPERED_SIZE)
    digest = put(storage, data)
    path = blob_path(storage, digest)
    path.write_bytes(path.read_bytes()[:cut])
    got = read_until_damaged(storage, digest)
    assert got == data[:len(got)]
    assert len(got) < TAMPERED_SIZE


@pytest.mark.parametrize("garbage", [1, TAG_BYTES, OVERHEAD, 300, SEGMENT - 300, STRIDE, STRIDE + OVERHEAD])
def test_garbage_appended_is_damaged(storage: EncryptedStorage, garbage: int) -> None:
    data = random_bytes(TAMPERED_SIZE)
    digest = put(storage, data)
    path = blob_path(storage, digest)
    with path.open("ab") as f:
        f.write(secrets.token_bytes(garbage))
    got = read_until_damaged(storage, digest)
    assert got == data[:len(got)]
    assert len(got) < TAMPERED_SIZE


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[EncryptedStorage, str, bytes, bytes]:
    storage = new_storage(tmp_path_factory.mktemp("pristine") / "objects")
    data = random_bytes(3 * SEGMENT + 200, "pristine")
    digest = put(storage, data)
    return storage, digest, data, blob_path(storage, digest).read_bytes()


@settings(max_examples=150, deadline=None, database=None)
@given(position=st.data(), mask=st.integers(1, 255))
def test_any_flipped_byte_anywhere_is_never_served(pristine: tuple[EncryptedStorage, str, bytes, bytes],
                                                    position: st.DataObject, mask: int) -> None:
    storage, digest, data, stored = pristine
    at = position.draw(st.integers(0, len(stored) - 1))
    path = blob_path(storage, digest)
    damaged = bytearray(stored)
    damaged[at] ^= mask
    path.write_bytes(bytes(damaged))
    try:
        got = read_until_damaged(storage, digest)
        assert got == data[:len(got)]
        if at >= HEADER_BYTES:
            assert len(got) <= (at - HEADER_BYTES) // STRIDE * SEGMENT
    finally:
        path.write_bytes(stored)


def _tamper_middle(storage: EncryptedStorage, digest: str) -> tuple[int, int | None]:
    flip(blob_path(storage, digest), _damage_ciphertext(MIDDLE_INDEX))
    return 0, None


def _tamper_final(storage: EncryptedStorage, digest: str) -> tuple[int, int | None]:
    flip(blob_path(storage, digest), _damage_tag(FULL))
    return TAMPERED_SIZE - 5, None


def _tamper_header(storage: EncryptedStorage, digest: str) -> tuple[int, int | None]:
    flip(blob_path(storage, digest), 10)
    return 0, 10


def _tamper_swap(storage: EncryptedStorage, digest: str) -> tuple[int, int | None]:
    path = blob_path(storage, digest)
    second, third = _segment(path, 2), _segment(path, 3)
    _replace_segment(path, 2, third)
    _replace_segment(path, 3, second)
    return 2 * SEGMENT, 4 * SEGMENT


def _tamper_cut_inside(storage: EncryptedStorage, digest: str) -> tuple[int, int | None]:
    path = blob_path(storage, digest)
    path.write_bytes(path.read_bytes()[:segment_at(FULL) + 100])
    return 0, None


def _tamper_missing_key(storage: EncryptedStorage, digest: str) -> tuple[int, int | None]:
    blob_id = blob_path(storage, digest).read_bytes()[8:HEADER_BYTES]
    storage.keys.delete(blob_id)
    return 0, None


TAMPERING: dict[str, Callable[[EncryptedStorage, str], tuple[int, int | None]]] = {
    "middle segment": _tamper_middle, "final segment": _tamper_final, "header": _tamper_header,
    "swapped segments": _tamper_swap, "cut inside the final segment": _tamper_cut_inside,
    "data key missing": _tamper_missing_key,
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_damage_is_logged_naming_the_blob(storage: EncryptedStorage, caplog: pytest.LogCaptureFixture,
                                          how: str) -> None:
    data = random_bytes(TAMPERED_SIZE)
    digest = put(storage, data)
    start, end = TAMPERING[how](storage, digest)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        read_until_damaged(storage, digest, start, end)
    logged = [r for r in caplog.records if r.name == LOGGER and r.levelno >= logging.ERROR]
    assert logged, f"nothing logged for {how}"
    assert any(digest in r.getMessage() for r in logged)


def test_an_intact_read_logs_nothing(storage: EncryptedStorage, caplog: pytest.LogCaptureFixture) -> None:
    data = random_bytes(TAMPERED_SIZE)
    digest = put(storage, data)
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert read_all(storage, digest, 100, 5000) == data[100:5000]
    assert not [r for r in caplog.records if r.name == LOGGER]


# -- nothing in the clear on disk, private modes -------------------------------------------------------

def _files(root: Path) -> Iterator[Path]:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            yield Path(dirpath) / name


def test_no_file_holds_plaintext_of_a_blob_or_an_upload(tmp_path: Path) -> None:
    root = tmp_path / "objects"
    storage = new_storage(root)
    blob_marker = b"ENVELOPE-MARKER-" + secrets.token_hex(16).encode()
    upload_marker = b"ENVELOPE-MARKER-" + secrets.token_hex(16).encode()
    blob = blob_marker * 200  # several segments and a final one
    digest = put(storage, blob)

    upload_id = uuid.uuid4().hex
    upload = (upload_marker * 100)[:3 * SEGMENT + 500]  # full segments and a tail, never promoted
    storage.stage_create(upload_id)
    writer = storage.stage_writer(upload_id, 0)
    writer.write(upload[:SEGMENT + 100])
    writer.commit()
    writer.close()
    writer = storage.stage_writer(upload_id, SEGMENT + 100)
    writer.write(upload[SEGMENT + 100:])
    writer.commit()
    writer.close()
    crashed = storage.stage_writer(upload_id, len(upload))  # written, never committed (a crash)
    crashed.write(upload_marker * 30)  # fills segment 3 and more
    crashed.close()

    blob_id = blob_path(storage, digest).read_bytes()[8:HEADER_BYTES]
    data_key = storage.keys.data_key(blob_id)
    metadata_key = storage.keys.metadata_key()
    files = list(_files(root))
    assert len(files) >= 5  # the blob, the upload and its tail, their keys, the metadata key
    needles = [blob_marker, upload_marker, b"ENVELOPE-MARKER-", blob_marker[-16:], upload_marker[-16:],
               data_key, metadata_key]
    for path in files:
        content = path.read_bytes()
        for needle in needles:
            assert needle not in content, f"{path.relative_to(root)} holds {needle[:16]!r}"
    assert read_all(storage, digest) == blob


def test_every_file_is_0600_and_every_folder_0700(tmp_path: Path) -> None:
    root = tmp_path / "objects"
    storage = new_storage(root)
    for size in (0, 10, 3 * SEGMENT):
        put(storage, random_bytes(size, "modes"))
    storage.keys.metadata_key()
    upload_id = uuid.uuid4().hex
    storage.stage_create(upload_id)
    writer = storage.stage_writer(upload_id, 0)
    writer.write(random_bytes(SEGMENT + 10))
    writer.commit()
    writer.close()
    promoted_id = uuid.uuid4().hex
    storage.stage_create(promoted_id)
    writer = storage.stage_writer(promoted_id, 0)
    promoted = random_bytes(2 * SEGMENT + 5, "promoted")
    writer.write(promoted)
    writer.commit()
    writer.close()
    storage.stage_promote(promoted_id, sha(promoted), length=len(promoted), digest=None)

    files = list(_files(root))
    assert len(files) >= 8
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    folders = [Path(d) for d, _dirs, _files in os.walk(root)]
    assert {root, root / "blobs", root / "keys", root / "staging"} <= set(folders)
    for folder in folders:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
