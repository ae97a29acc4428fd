"""The ``BlobStorage`` contract for uploads in progress: staged bytes written at offsets, cut back, promoted."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from sync.blobstore import Blob, CorruptBlob
from sync.server.storage import BlobStorage, StagedMissing
from tests.unit.sync.server.storage.backends import Backend

PROMOTERS = 8
ROUNDS = 12


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_upload(storage: BlobStorage) -> str:
    upload_id = uuid.uuid4().hex
    storage.stage_create(upload_id)
    return upload_id


def write_at(storage: BlobStorage, upload_id: str, offset: int, *parts: bytes) -> None:
    writer = storage.stage_writer(upload_id, offset)
    try:
        for part in parts:
            writer.write(part)
        writer.commit()
    finally:
        writer.close()


def promoted(storage: BlobStorage, upload_id: str, expected: bytes) -> bytes:
    """Promote the staged bytes as the blob of ``expected`` (they hash to it or CorruptBlob) and read it back."""
    blob = storage.stage_promote(upload_id, sha(expected), length=len(expected), digest=None)
    assert blob == Blob(sha(expected), len(expected))
    return b"".join(storage.read_range(blob.sha256))


def test_writers_append_at_their_offsets(storage: BlobStorage) -> None:
    upload_id = new_upload(storage)
    write_at(storage, upload_id, 0, b"abc", b"def")
    write_at(storage, upload_id, 6, b"ghi")
    write_at(storage, upload_id, 9, b"j")
    assert promoted(storage, upload_id, b"abcdefghij") == b"abcdefghij"


def test_a_writer_at_an_earlier_offset_replaces_what_came_after(storage: BlobStorage) -> None:
    upload_id = new_upload(storage)
    write_at(storage, upload_id, 0, b"hello world")
    write_at(storage, upload_id, 5, b" there")
    assert promoted(storage, upload_id, b"hello there") == b"hello there"


def _cut_back_after_writing(storage: BlobStorage, upload_id: str) -> None:
    write_at(storage, upload_id, 0, b"abc")
    writer = storage.stage_writer(upload_id, 3)
    writer.write(b"defg")
    writer.write(b"hij")
    writer.cut_back()
    writer.close()


def test_cut_back_restores_the_bytes_before_the_writer(storage: BlobStorage) -> None:
    upload_id = new_upload(storage)
    _cut_back_after_writing(storage, upload_id)
    assert promoted(storage, upload_id, b"abc") == b"abc"


def test_the_next_writer_carries_on_after_a_cut_back(storage: BlobStorage) -> None:
    upload_id = new_upload(storage)
    _cut_back_after_writing(storage, upload_id)
    write_at(storage, upload_id, 3, b"XY")
    assert promoted(storage, upload_id, b"abcXY") == b"abcXY"


def test_cut_back_of_the_first_writer_leaves_an_empty_stage(storage: BlobStorage) -> None:
    upload_id = new_upload(storage)
    writer = storage.stage_writer(upload_id, 0)
    writer.write(b"never mind")
    writer.cut_back()
    writer.close()
    assert promoted(storage, upload_id, b"") == b""


def test_uploads_are_staged_apart(storage: BlobStorage) -> None:
    first, second = new_upload(storage), new_upload(storage)
    write_at(storage, first, 0, b"first ")
    write_at(storage, second, 0, b"second ")
    write_at(storage, first, 6, b"upload")
    write_at(storage, second, 7, b"upload")
    assert promoted(storage, first, b"first upload") == b"first upload"
    assert promoted(storage, second, b"second upload") == b"second upload"


def test_promote_hashes_the_bytes_when_no_digest_is_given(storage: BlobStorage) -> None:
    data = b"hashed at promotion" * 1000
    upload_id = new_upload(storage)
    write_at(storage, upload_id, 0, data[:7000], data[7000:])
    assert storage.stage_promote(upload_id, sha(data), length=len(data), digest=None) == Blob(sha(data), len(data))
    assert storage.exists(sha(data))
    assert storage.size(sha(data)) == len(data)
    assert b"".join(storage.read_range(sha(data))) == data


def test_promote_with_the_right_digest(storage: BlobStorage) -> None:
    data = b"hashed while received" * 1000
    upload_id = new_upload(storage)
    write_at(storage, upload_id, 0, data)
    assert storage.stage_promote(upload_id, sha(data), length=len(data), digest=sha(data)) == Blob(sha(data), len(data))
    assert storage.size(sha(data)) == len(data)
    assert b"".join(storage.read_range(sha(data))) == data


def test_promote_with_a_wrong_digest_is_corrupt_and_keeps_the_staged_bytes(storage: BlobStorage) -> None:
    data = b"the bytes that arrived"
    upload_id = new_upload(storage)
    write_at(storage, upload_id, 0, data)
    with pytest.raises(CorruptBlob):
        storage.stage_promote(upload_id, sha(data), length=len(data), digest=sha(b"what the receiver hashed"))
    assert not storage.exists(sha(data))
    assert not storage.exists(sha(b"what the receiver hashed"))
    assert promoted(storage, upload_id, data) == data  # the staged bytes are still all there


def test_promote_of_bytes_that_do_not_hash_to_the_name_is_corrupt(storage: BlobStorage) -> None:
    data, declared = b"what arrived", b"what the client declared"
    upload_id = new_upload(storage)
    write_at(storage, upload_id, 0, data)
    with pytest.raises(CorruptBlob):
        storage.stage_promote(upload_id, sha(declared), length=len(declared), digest=None)
    assert not storage.exists(sha(declared))
    assert not storage.exists(sha(data))
    assert promoted(storage, upload_id, data) == data


def test_a_missing_stage(storage: BlobStorage) -> None:
    never = uuid.uuid4().hex
    with pytest.raises(StagedMissing):
        storage.stage_promote(never, sha(b""), length=0, digest=None)
    with pytest.raises(StagedMissing):
        storage.stage_promote(never, sha(b""), length=0, digest=sha(b""))
    with pytest.raises(StagedMissing):
        storage.stage_writer(never, 0)


def test_a_deleted_stage_is_missing(storage: BlobStorage) -> None:
    upload_id = new_upload(storage)
    write_at(storage, upload_id, 0, b"dropped")
    storage.stage_delete(upload_id)
    storage.stage_delete(upload_id)  # deleting again is not an error
    with pytest.raises(StagedMissing):
        storage.stage_writer(upload_id, 0)
    with pytest.raises(StagedMissing):
        storage.stage_promote(upload_id, sha(b"dropped"), length=7, digest=None)
    assert not storage.exists(sha(b"dropped"))


@pytest.mark.parametrize("with_digest", [False, True], ids=["hashed", "digest"])
def test_promote_twice(storage: BlobStorage, with_digest: bool) -> None:
    data = b"promoted once"
    upload_id = new_upload(storage)
    write_at(storage, upload_id, 0, data)
    digest = sha(data) if with_digest else None
    assert storage.stage_promote(upload_id, sha(data), length=len(data), digest=digest) == Blob(sha(data), len(data))
    with pytest.raises(StagedMissing):
        storage.stage_promote(upload_id, sha(data), length=len(data), digest=digest)
    with pytest.raises(StagedMissing):
        storage.stage_writer(upload_id, len(data))
    assert b"".join(storage.read_range(sha(data))) == data


@pytest.mark.parametrize("with_digest", [False, True], ids=["hashed", "digest"])
def test_promote_onto_a_blob_already_stored(storage: BlobStorage, with_digest: bool) -> None:
    data = b"uploaded by two people" * 100
    storage.put([data], sha256=sha(data))
    upload_id = new_upload(storage)
    write_at(storage, upload_id, 0, data)
    digest = sha(data) if with_digest else None
    assert storage.stage_promote(upload_id, sha(data), length=len(data), digest=digest) == Blob(sha(data), len(data))
    assert b"".join(storage.read_range(sha(data))) == data
    with pytest.raises(StagedMissing):
        storage.stage_writer(upload_id, 0)


@pytest.mark.parametrize("with_digest", [False, True], ids=["hashed", "digest"])
def test_concurrent_promotes_file_one_blob(storage: BlobStorage, with_digest: bool) -> None:
    """Requests racing to file the same upload: one blob, and the losers only ever see StagedMissing."""
    with ThreadPoolExecutor(PROMOTERS) as pool:
        for round_ in range(ROUNDS):
            data = f"round {round_} ".encode() * 20_000
            upload_id = new_upload(storage)
            write_at(storage, upload_id, 0, data)
            start = threading.Barrier(PROMOTERS)

            def promote(data: bytes = data, upload_id: str = upload_id, start: threading.Barrier = start) -> Blob:
                start.wait()
                digest = sha(data) if with_digest else None
                return storage.stage_promote(upload_id, sha(data), length=len(data), digest=digest)

            futures = [pool.submit(promote) for _ in range(PROMOTERS)]
            blobs = []
            for future in futures:
                with contextlib.suppress(StagedMissing):  # the losers; any other error fails the test
                    blobs.append(future.result())
            assert blobs, "no request filed the upload"
            assert set(blobs) == {Blob(sha(data), len(data))}
            assert storage.size(sha(data)) == len(data)
            assert hashlib.sha256(b"".join(storage.read_range(sha(data)))).hexdigest() == sha(data)
            with pytest.raises(StagedMissing):
                storage.stage_writer(upload_id, 0)


def test_stage_orphans_by_age(backend: Backend) -> None:
    storage = backend.storage
    known_old, orphan, fresh = new_upload(storage), new_upload(storage), new_upload(storage)
    for upload_id in (known_old, orphan):
        backend.backdate(upload_id, 7200)
    assert storage.stage_orphans({known_old}, older_than_s=3600) == [orphan]
    assert storage.stage_orphans({known_old}, older_than_s=10_000) == []
    assert sorted(storage.stage_orphans(set(), older_than_s=-1)) == sorted([known_old, orphan, fresh])


def test_writing_to_a_stage_makes_it_fresh(backend: Backend) -> None:
    storage = backend.storage
    upload_id = new_upload(storage)
    backend.backdate(upload_id, 7200)
    write_at(storage, upload_id, 0, b"still coming")
    assert storage.stage_orphans(set(), older_than_s=3600) == []


def test_promoted_and_deleted_stages_are_not_orphans(storage: BlobStorage) -> None:
    promoted_id, deleted_id, left = new_upload(storage), new_upload(storage), new_upload(storage)
    write_at(storage, promoted_id, 0, b"filed")
    storage.stage_promote(promoted_id, sha(b"filed"), length=5, digest=None)
    storage.stage_delete(deleted_id)
    assert storage.stage_orphans(set(), older_than_s=-1) == [left]
