"""Wrapped data keys: the start-up check against the wrong master key, and rotation that re-wraps every
record (blobs, uploads in progress, the metadata key) without rewriting any data."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from sync.server.config import ConfigError
from sync.server.crypto.master import WRAPPED_BYTES, MasterKeys, WrongMasterKey, new_key
from sync.server.crypto.records import METADATA, KeyRecords, Misbound
from sync.server.storage.encrypted import EncryptedStorage
from sync.server.storage.local_objects import LocalObjects

SEGMENT = 1024


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def objects(tmp_path: Path) -> LocalObjects:
    return LocalObjects(tmp_path / "objects")


def test_the_metadata_key_is_made_once_and_read_back_by_any_instance(objects: LocalObjects) -> None:
    keys = MasterKeys([new_key()])
    first = KeyRecords(objects, keys).metadata_key()
    assert len(first) == 32
    assert KeyRecords(objects, keys).metadata_key() == first
    assert KeyRecords(objects, MasterKeys(list(keys.keys))).metadata_key() == first
    assert first not in objects.get(METADATA)


def test_the_wrong_master_key_is_a_config_error_naming_both_keys(objects: LocalObjects) -> None:
    right, wrong = MasterKeys([new_key()]), MasterKeys([new_key()])
    KeyRecords(objects, right).metadata_key()
    before = objects.get(METADATA)
    with pytest.raises(ConfigError) as caught:
        KeyRecords(objects, wrong).metadata_key()
    message = str(caught.value)
    assert right.current_id in message
    assert wrong.current_id in message
    assert "master key" in message
    assert objects.get(METADATA) == before  # the record is never replaced by a new key


def test_a_data_key_reads_back_and_its_record_moved_elsewhere_does_not_open(objects: LocalObjects) -> None:
    records = KeyRecords(objects, MasterKeys([new_key()]))
    first_id, first_key = records.new_data_key("blob:first")
    second_id, second_key = records.new_data_key("blob:second")
    assert first_id != second_id and first_key != second_key
    assert records.data_key(first_id, "blob:first") == first_key
    with pytest.raises(Misbound):
        records.data_key(first_id, "blob:second")
    assert records.blob_ids() == {first_id, second_id}
    objects.put(f"keys/{second_id.hex()}", objects.get(f"keys/{first_id.hex()}"))
    with pytest.raises(WrongMasterKey):
        records.data_key(second_id, "blob:first")
    records.delete(first_id)
    assert records.blob_ids() == {second_id}


def _populated(objects: LocalObjects, keys: MasterKeys) -> tuple[dict[str, bytes], str, bytes, bytes]:
    """Blobs (sha -> bytes), a staged upload (its id and bytes), and the metadata key."""
    storage = EncryptedStorage(objects, KeyRecords(objects, keys), segment_size=SEGMENT)
    metadata_key = storage.keys.metadata_key()
    blobs = {}
    for size in (0, 1, SEGMENT, 3 * SEGMENT + 17):
        data = uuid.uuid4().bytes * (size // 16 + 1)
        data = data[:size]
        storage.put([data], sha256=sha(data))
        blobs[sha(data)] = data
    upload_id, staged = uuid.uuid4().hex, b"staged upload " * 120  # a full segment and a tail
    storage.stage_create(upload_id)
    writer = storage.stage_writer(upload_id, 0)
    writer.write(staged)
    writer.commit()
    writer.close()
    return blobs, upload_id, staged, metadata_key


def _blob_files(objects: LocalObjects) -> dict[str, bytes]:
    return {name: objects.get(name) for name in objects.list("blobs")}


def _check_all_readable(objects: LocalObjects, keys: MasterKeys, blobs: dict[str, bytes], upload_id: str,
                        staged: bytes, metadata_key: bytes) -> None:
    storage = EncryptedStorage(objects, KeyRecords(objects, keys), segment_size=SEGMENT)
    assert storage.keys.metadata_key() == metadata_key
    for digest, data in blobs.items():
        assert b"".join(storage.read_range(digest)) == data
    blob = storage.stage_promote(upload_id, sha(staged), length=len(staged), digest=None)
    assert b"".join(storage.read_range(blob.sha256)) == staged


def test_rotation_rewraps_every_record_and_rewrites_no_data(objects: LocalObjects) -> None:
    old, new = MasterKeys([new_key()]), MasterKeys([new_key()])
    blobs, upload_id, staged, metadata_key = _populated(objects, old)
    files_before = _blob_files(objects)
    staged_before = objects.get(f"staging/{upload_id}")
    records = KeyRecords(objects, old)
    count = len(records.blob_ids()) + 1
    assert count == len(blobs) + 2  # every blob, the upload, the metadata key

    assert records.rotate(new) == count
    for name in objects.list("keys"):
        assert new.wrapped_by(objects.get(name)) == new.current_id
    assert _blob_files(objects) == files_before
    assert objects.get(f"staging/{upload_id}") == staged_before
    assert records.rotate(new) == 0  # nothing left to do

    with pytest.raises(ConfigError):  # the old key alone no longer opens the data
        KeyRecords(objects, old).metadata_key()
    _check_all_readable(objects, new, blobs, upload_id, staged, metadata_key)


class _CutShort(Exception):
    pass


class _FailingPuts(LocalObjects):
    """LocalObjects whose puts fail after ``allowed`` of them: a rotation stopped half way."""

    def __init__(self, root: Path, allowed: int) -> None:
        super().__init__(root)
        self.allowed = allowed

    def put(self, name: str, data: bytes) -> None:
        if self.allowed <= 0:
            raise _CutShort(name)
        self.allowed -= 1
        super().put(name, data)


@pytest.mark.parametrize("done", [0, 1, 3])
def test_a_rotation_cut_short_finishes_when_run_again(tmp_path: Path, done: int) -> None:
    old, new = MasterKeys([new_key()]), MasterKeys([new_key()])
    objects = LocalObjects(tmp_path / "objects")
    blobs, upload_id, staged, metadata_key = _populated(objects, old)
    files_before = _blob_files(objects)
    count = len(KeyRecords(objects, old).blob_ids()) + 1

    with pytest.raises(_CutShort):
        KeyRecords(_FailingPuts(tmp_path / "objects", done), old).rotate(new)
    wrapped_by = {objects.get(name)[:8].hex() for name in objects.list("keys")}
    assert wrapped_by == ({old.current_id, new.current_id} if done else {old.current_id})

    both = MasterKeys([*new.keys, *old.keys])  # the restarted rotation: the new key first, the old still given
    assert KeyRecords(objects, both).rotate(both) == count - done
    assert KeyRecords(objects, both).rotate(both) == 0
    assert _blob_files(objects) == files_before
    _check_all_readable(objects, new, blobs, upload_id, staged, metadata_key)


def test_a_rotation_run_again_with_only_the_old_key_given_also_finishes(objects: LocalObjects) -> None:
    old, new = MasterKeys([new_key()]), MasterKeys([new_key()])
    blobs, upload_id, staged, metadata_key = _populated(objects, old)
    records = KeyRecords(objects, old)
    first = sorted(records.blob_ids())[0]
    name = f"keys/{first.hex()}"
    binding = objects.get(name)[WRAPPED_BYTES:]  # a record is the wrapped key, then what it is bound to
    associated = b"envelope wrapped key\0" + name.encode() + b"\0" + binding
    objects.put(name, new.wrap(records.data_key(first), associated) + binding)
    assert KeyRecords(objects, old).rotate(new) == len(records.blob_ids())  # all but the one already done
    _check_all_readable(objects, new, blobs, upload_id, staged, metadata_key)


def test_an_instance_with_a_reload_hook_keeps_working_after_another_rotated(objects: LocalObjects) -> None:
    old, new = MasterKeys([new_key()]), MasterKeys([new_key()])
    reloads = []

    def reload() -> MasterKeys:
        reloads.append(1)
        return MasterKeys([*new.keys, *old.keys])

    running = KeyRecords(objects, old, reload=reload)
    metadata_key = running.metadata_key()
    blob_id, data_key = running.new_data_key("blob:test")
    stale = KeyRecords(objects, old)

    assert KeyRecords(objects, old).rotate(new) == 2
    assert running.data_key(blob_id) == data_key
    assert running.metadata_key() == metadata_key
    assert len(reloads) == 1
    assert running.master.current_id == new.current_id
    later_id, later_key = running.new_data_key("blob:test")  # new records go under the new key
    assert new.wrapped_by(objects.get(f"keys/{later_id.hex()}")) == new.current_id
    assert KeyRecords(objects, new).data_key(later_id) == later_key

    with pytest.raises(WrongMasterKey):  # without the hook: the rotated record does not open
        stale.data_key(blob_id)


def test_a_damaged_record_under_a_key_we_have_does_not_reload(objects: LocalObjects) -> None:
    keys = MasterKeys([new_key()])
    reloads = []
    records = KeyRecords(objects, keys, reload=lambda: reloads.append(1) or keys)
    blob_id, _key = records.new_data_key("blob:test")
    name = f"keys/{blob_id.hex()}"
    damaged = bytearray(objects.get(name))
    damaged[-1] ^= 0x01
    objects.put(name, bytes(damaged))
    with pytest.raises(WrongMasterKey):
        records.data_key(blob_id)
    assert reloads == []
