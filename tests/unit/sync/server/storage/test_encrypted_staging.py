"""Uploads in progress in the encrypting storage survive a crash at any point, and damage under them is
refused, never guessed. Real files under tmp_path (LocalObjects), 1 KiB segments."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from sync.blobstore import CorruptBlob
from sync.server.crypto.segments import BATCH, NONCE_BYTES
from sync.server.storage import StagedMissing
from sync.server.storage.encrypted import EncryptedStorage
from tests.unit.sync.server.storage.encrypted_kit import (
    SEGMENT,
    STRIDE,
    UPLOAD,
    flip,
    new_storage,
    new_upload,
    objects_of,
    promote,
    segment_at,
    sha,
    stage_write,
    staged_path,
)


@pytest.fixture
def storage(tmp_path: Path) -> EncryptedStorage:
    return new_storage(tmp_path / "objects")


def test_an_uncommitted_write_inside_the_tail_leaves_the_committed_bytes(storage: EncryptedStorage) -> None:
    upload_id = new_upload(storage)
    stage_write(storage, upload_id, 0, UPLOAD[:1500])
    stage_write(storage, upload_id, 1500, b"x" * 10, commit=False)  # the server stops before committing
    stage_write(storage, upload_id, 1500, UPLOAD[1500:])
    assert promote(storage, upload_id, UPLOAD) == UPLOAD


def test_an_uncommitted_write_that_filled_a_segment_leaves_the_committed_bytes(storage: EncryptedStorage) -> None:
    upload_id = new_upload(storage)
    stage_write(storage, upload_id, 0, UPLOAD[:1500])
    # a batch of segments reached the disk (segment 1 among them), the tail after them did not
    stage_write(storage, upload_id, 1500, b"y" * (BATCH * SEGMENT + 700), commit=False)
    assert staged_path(storage, upload_id).stat().st_size >= segment_at(2)
    stage_write(storage, upload_id, 1500, UPLOAD[1500:])
    assert promote(storage, upload_id, UPLOAD) == UPLOAD


@pytest.mark.parametrize("torn", ["half written", "garbage", "zeros"])
def test_a_segment_torn_by_a_crash_before_its_commit_is_rebuilt_from_the_tail(storage: EncryptedStorage,
                                                                              torn: str) -> None:
    upload_id = new_upload(storage)
    stage_write(storage, upload_id, 0, UPLOAD[:1500])
    path = staged_path(storage, upload_id)
    with path.open("ab") as f:  # segment 1 being written when the power went
        if torn == "half written":
            f.write(secrets.token_bytes(STRIDE // 2))
        elif torn == "garbage":
            f.write(secrets.token_bytes(STRIDE))
        else:
            f.write(bytes(STRIDE))
    stage_write(storage, upload_id, 1500, UPLOAD[1500:])
    assert promote(storage, upload_id, UPLOAD) == UPLOAD


def test_a_writer_at_an_offset_inside_a_stored_segment_carries_on_from_it(storage: EncryptedStorage) -> None:
    upload_id = new_upload(storage)
    stage_write(storage, upload_id, 0, UPLOAD[:2100])  # segments 0 and 1 stored, 52 bytes of segment 2 in the tail
    stage_write(storage, upload_id, 1500, UPLOAD[1500:1600], commit=False)  # cuts segment 1 off, then a crash
    stage_write(storage, upload_id, 1500, UPLOAD[1500:])
    assert promote(storage, upload_id, UPLOAD) == UPLOAD


def test_a_cut_back_then_a_crash_leaves_the_bytes_before_the_writer(storage: EncryptedStorage) -> None:
    upload_id = new_upload(storage)
    stage_write(storage, upload_id, 0, UPLOAD[:2100])
    writer = storage.stage_writer(upload_id, 1500)
    writer.write(b"z" * 2000)
    writer.cut_back()
    writer.close()
    stage_write(storage, upload_id, 1500, UPLOAD[1500:])
    assert promote(storage, upload_id, UPLOAD) == UPLOAD


def test_a_writer_past_the_committed_bytes_is_refused(storage: EncryptedStorage) -> None:
    upload_id = new_upload(storage)
    stage_write(storage, upload_id, 0, UPLOAD[:1500])
    with pytest.raises(StagedMissing):
        storage.stage_writer(upload_id, 2100)  # segment 1 never stored, the tail holds only 476 bytes of it
    with pytest.raises(StagedMissing):
        storage.stage_writer(upload_id, 1501)


def test_a_damaged_segment_under_a_writer_offset_is_refused_not_guessed(storage: EncryptedStorage) -> None:
    upload_id = new_upload(storage)
    stage_write(storage, upload_id, 0, UPLOAD[:1500])
    stage_write(storage, upload_id, 1500, UPLOAD[1500:2100])  # segment 1 now stored; the tail is segment 2's
    path = staged_path(storage, upload_id)
    before = path.read_bytes()
    flip(path, segment_at(1) + NONCE_BYTES + 10)
    with pytest.raises(StagedMissing):  # segment 1's first 476 bytes are nowhere intact
        storage.stage_writer(upload_id, 1500)
    assert path.stat().st_size == len(before)  # refused before anything was cut off


def test_a_damaged_tail_under_a_writer_offset_is_refused(storage: EncryptedStorage) -> None:
    upload_id = new_upload(storage)
    stage_write(storage, upload_id, 0, UPLOAD[:1500])
    flip(objects_of(storage).path(f"staging/{upload_id}.tail"), 20)
    with pytest.raises(StagedMissing):
        storage.stage_writer(upload_id, 1500)
    storage.stage_writer(upload_id, SEGMENT).close()  # a whole-segment offset needs no tail


def test_promoting_over_a_damaged_tail_is_refused(storage: EncryptedStorage) -> None:
    upload_id = new_upload(storage)
    stage_write(storage, upload_id, 0, UPLOAD)
    flip(objects_of(storage).path(f"staging/{upload_id}.tail"), 20)
    with pytest.raises((CorruptBlob, StagedMissing)):
        storage.stage_promote(upload_id, sha(UPLOAD), length=len(UPLOAD), digest=None)
    assert not storage.exists(sha(UPLOAD))


def test_promoting_a_staged_upload_whose_tail_is_from_another_upload_is_refused(storage: EncryptedStorage) -> None:
    first, second = new_upload(storage), new_upload(storage)
    stage_write(storage, first, 0, UPLOAD)
    stage_write(storage, second, 0, UPLOAD)
    objects = objects_of(storage)
    objects.put(f"staging/{second}.tail", objects.get(f"staging/{first}.tail"))
    with pytest.raises((CorruptBlob, StagedMissing)):
        storage.stage_promote(second, sha(UPLOAD), length=len(UPLOAD), digest=None)
    assert promote(storage, first, UPLOAD) == UPLOAD


@pytest.mark.parametrize("length", [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 2 * SEGMENT, len(UPLOAD)])
def test_uploads_of_every_shape_promote_to_exact_bytes(storage: EncryptedStorage, length: int) -> None:
    data = UPLOAD[:length]
    upload_id = new_upload(storage)
    for a, b in [(0, length // 3), (length // 3, length // 3 + 1), (length // 3 + 1, length)]:
        if a < b:
            stage_write(storage, upload_id, a, data[a:b])
    assert promote(storage, upload_id, data) == data
    assert not objects_of(storage).exists(f"staging/{upload_id}")
    assert not objects_of(storage).exists(f"staging/{upload_id}.tail")
