"""Damage the first tests found wanting: a damaged upload at promotion, damage seen from an object's
size, and one blob's object copied under another blob's name."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from sync.blobstore import CorruptBlob
from sync.server.crypto.segments import NONCE_BYTES, Damaged
from sync.server.storage import StagedMissing
from sync.server.storage.encrypted import EncryptedStorage
from tests.unit.sync.server.storage.encrypted_kit import (
    FULL,
    LOGGER,
    TAMPERED_SIZE,
    UPLOAD,
    blob_path,
    flip,
    new_storage,
    new_upload,
    put,
    random_bytes,
    read_until_damaged,
    segment_at,
    sha,
    stage_write,
    staged_path,
)


@pytest.fixture
def storage(tmp_path: Path) -> EncryptedStorage:
    return new_storage(tmp_path / "objects")


def test_promoting_over_a_damaged_stored_segment_is_refused_as_corrupt(storage: EncryptedStorage) -> None:
    upload_id = new_upload(storage)
    stage_write(storage, upload_id, 0, UPLOAD[:1500])
    stage_write(storage, upload_id, 1500, UPLOAD[1500:2100])  # segment 1 stored; the tail holds segment 2's bytes
    flip(staged_path(storage, upload_id), segment_at(1) + NONCE_BYTES + 10)
    data = UPLOAD[:2100]
    with pytest.raises((CorruptBlob, StagedMissing)):
        storage.stage_promote(upload_id, sha(data), length=len(data), digest=None)
    assert not storage.exists(sha(data))


def test_damage_found_from_the_size_of_the_object_is_logged(storage: EncryptedStorage,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    digest = put(storage, random_bytes(TAMPERED_SIZE))
    path = blob_path(storage, digest)
    path.write_bytes(path.read_bytes()[:segment_at(FULL)])  # the final segment dropped
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        read_until_damaged(storage, digest)
        with pytest.raises(Damaged):
            storage.size(digest)
    assert any(digest in r.getMessage() for r in caplog.records if r.name == LOGGER)


def test_a_blob_object_moved_under_another_blobs_name_is_never_served(storage: EncryptedStorage) -> None:
    data, other = random_bytes(TAMPERED_SIZE, "a"), random_bytes(TAMPERED_SIZE, "b")
    digest, other_digest = put(storage, data), put(storage, other)
    blob_path(storage, digest).write_bytes(blob_path(storage, other_digest).read_bytes())
    got = bytearray()
    with pytest.raises(Damaged, match="belongs to another file"):
        for chunk in storage.read_range(digest):
            got += chunk
    assert got == b""


def test_an_upload_promoted_keeps_its_key_bound_to_the_blob(storage: EncryptedStorage) -> None:
    upload_id = new_upload(storage)
    stage_write(storage, upload_id, 0, UPLOAD)
    storage.stage_promote(upload_id, sha(UPLOAD), length=len(UPLOAD), digest=None)
    assert b"".join(storage.read_range(sha(UPLOAD))) == UPLOAD
