"""What the encrypted storage's tests share: small segments, a storage on real files, blobs put and
read, stored bytes flipped, and uploads staged part by part."""

from __future__ import annotations

import hashlib
import random
import uuid
from pathlib import Path

import pytest

from sync.server.crypto.master import MasterKeys, new_key
from sync.server.crypto.records import KeyRecords
from sync.server.crypto.segments import HEADER_BYTES, OVERHEAD, Damaged
from sync.server.storage.encrypted import EncryptedStorage
from sync.server.storage.encrypted_staging import blob_name
from sync.server.storage.local_objects import LocalObjects

SEGMENT = 1024
STRIDE = SEGMENT + OVERHEAD
LOGGER = "sync.server.storage.encrypted"
FULL = 6  # segments 0..5 hold SEGMENT bytes each, segment 6 (the final one) the rest
TAMPERED_SIZE = FULL * SEGMENT + 300


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def random_bytes(size: int, seed: int | str = 0) -> bytes:
    return random.Random(f"{seed}-{size}").randbytes(size)


def new_storage(root: Path) -> EncryptedStorage:
    objects = LocalObjects(root)
    return EncryptedStorage(objects, KeyRecords(objects, MasterKeys([new_key()])), segment_size=SEGMENT)


def objects_of(storage: EncryptedStorage) -> LocalObjects:
    assert isinstance(storage.objects, LocalObjects)
    return storage.objects


def put(storage: EncryptedStorage, data: bytes) -> str:
    digest = sha(data)
    storage.put([data], sha256=digest)
    return digest


def blob_path(storage: EncryptedStorage, digest: str) -> Path:
    return objects_of(storage).path(blob_name(digest))


def segment_at(index: int) -> int:
    """Where segment ``index`` starts in a stored object."""
    return HEADER_BYTES + index * STRIDE


def read_all(storage: EncryptedStorage, digest: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join(storage.read_range(digest, start, end))


def read_until_damaged(storage: EncryptedStorage, digest: str, start: int = 0, end: int | None = None) -> bytes:
    """What a read yields before it stops with Damaged (which it must)."""
    got = bytearray()
    with pytest.raises(Damaged):
        for chunk in storage.read_range(digest, start, end):
            got += chunk
    return bytes(got)


def flip(path: Path, at: int, mask: int = 0x01) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= mask
    path.write_bytes(bytes(data))



UPLOAD = random_bytes(3 * SEGMENT + 300, "upload")


def new_upload(storage: EncryptedStorage) -> str:
    upload_id = uuid.uuid4().hex
    storage.stage_create(upload_id)
    return upload_id


def stage_write(storage: EncryptedStorage, upload_id: str, offset: int, data: bytes, *, commit: bool = True) -> None:
    writer = storage.stage_writer(upload_id, offset)
    try:
        writer.write(data)
        if commit:
            writer.commit()
    finally:
        writer.close()


def promote(storage: EncryptedStorage, upload_id: str, data: bytes) -> bytes:
    blob = storage.stage_promote(upload_id, sha(data), length=len(data), digest=None)
    assert blob.size == len(data)
    return read_all(storage, blob.sha256)


def staged_path(storage: EncryptedStorage, upload_id: str) -> Path:
    return objects_of(storage).path(f"staging/{upload_id}")
