"""What only the S3 backend promises beyond the contract: a stage lives wholly in the bucket (another
replica resumes it), and a writer may reopen one commit back across a part boundary (the database's
offset lags a crash behind storage)."""

from __future__ import annotations

import hashlib
import random
import uuid

import pytest

from sync.blobstore import Blob
from sync.server.storage import StagedMissing
from sync.server.storage.s3 import S3Location, S3Storage, client

MiB = 1024 * 1024
DATA = random.Random(7).randbytes(13 * MiB + 11)


def write_at(storage: S3Storage, upload_id: str, offset: int, data: bytes) -> None:
    writer = storage.stage_writer(upload_id, offset)
    try:
        writer.write(data)
        writer.commit()
    finally:
        writer.close()


def promoted(storage: S3Storage, upload_id: str) -> bytes:
    sha = hashlib.sha256(DATA).hexdigest()
    assert storage.stage_promote(upload_id, sha, length=len(DATA), digest=None) == Blob(sha, len(DATA))
    return b"".join(storage.read_range(sha))


def test_another_replica_resumes_a_stage(s3_storage: S3Storage) -> None:
    upload_id = uuid.uuid4().hex
    s3_storage.stage_create(upload_id)
    write_at(s3_storage, upload_id, 0, DATA[:6 * MiB])  # one part and a tail
    other = S3Storage(client(s3_storage.s3.meta.endpoint_url), S3Location(s3_storage.bucket, s3_storage.prefix))
    write_at(other, upload_id, 6 * MiB, DATA[6 * MiB:])
    assert promoted(other, upload_id) == DATA


def test_a_writer_reopens_one_commit_back_across_a_part_boundary(s3_storage: S3Storage) -> None:
    upload_id = uuid.uuid4().hex
    s3_storage.stage_create(upload_id)
    write_at(s3_storage, upload_id, 0, DATA[:3 * MiB])  # a tail only
    write_at(s3_storage, upload_id, 3 * MiB, b"x" * (4 * MiB))  # then a crash before the database said 7 MiB
    write_at(s3_storage, upload_id, 3 * MiB, DATA[3 * MiB:])  # the client resends from 3 MiB
    assert promoted(s3_storage, upload_id) == DATA


def test_an_offset_two_commits_back_inside_a_part_is_missing(s3_storage: S3Storage) -> None:
    upload_id = uuid.uuid4().hex
    s3_storage.stage_create(upload_id)
    write_at(s3_storage, upload_id, 0, DATA[:3 * MiB])
    write_at(s3_storage, upload_id, 3 * MiB, DATA[3 * MiB:7 * MiB])
    write_at(s3_storage, upload_id, 7 * MiB, DATA[7 * MiB:8 * MiB])
    with pytest.raises(StagedMissing):
        s3_storage.stage_writer(upload_id, MiB)
    write_at(s3_storage, upload_id, 8 * MiB, DATA[8 * MiB:])  # the stage itself is untouched
    assert promoted(s3_storage, upload_id) == DATA
