"""The storage backends the contract tests run against: one ``Backend`` per ``BlobStorage`` implementation.

Adding a backend is one more entry in ``BACKENDS``: a function that builds it in a test's temp dir (or
on the session's SeaweedFS) and says how to make a staged upload look old (the one thing the contract
cannot do through the interface without waiting).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sync.server.crypto.master import MasterKeys, new_key
from sync.server.crypto.records import KeyRecords
from sync.server.crypto.segments import DEFAULT_SEGMENT
from sync.server.storage import BlobStorage
from sync.server.storage.encrypted import EncryptedStorage
from sync.server.storage.local_objects import LocalObjects
from sync.server.storage.s3 import S3Storage


@dataclass(frozen=True)
class Backend:
    storage: BlobStorage
    backdate: Callable[[str, float], None]
    """Make the staged upload ``upload_id`` look untouched for ``seconds``."""


def _encrypted(tmp_path: Path, segment_size: int) -> Iterator[Backend]:
    objects = LocalObjects(tmp_path / "objects")

    def backdate(upload_id: str, seconds: float) -> None:
        then = time.time() - seconds
        for name in (f"staging/{upload_id}", f"staging/{upload_id}.tail"):
            if objects.exists(name):
                os.utime(objects.path(name), (then, then))

    keys = KeyRecords(objects, MasterKeys([new_key()]))
    yield Backend(EncryptedStorage(objects, keys, segment_size=segment_size), backdate)


def _s3(request: pytest.FixtureRequest) -> Iterator[Backend]:
    storage: S3Storage = request.getfixturevalue("s3_storage")  # SeaweedFS starts once, for the first test

    def backdate(upload_id: str, seconds: float) -> None:
        state = storage.state(upload_id)
        storage.s3.put_object(Bucket=storage.bucket, Key=storage.stage_key(upload_id, "state"),
                              Body=json.dumps({**state, "touched": time.time() - seconds}).encode())

    yield Backend(storage, backdate)


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Iterator[Backend]]] = {
    # small segments, so that the contract's few-KiB uploads cross many segment boundaries
    "encrypted-local-1k": lambda _request, tmp_path: _encrypted(tmp_path, 1024),
    "encrypted-local": lambda _request, tmp_path: _encrypted(tmp_path, DEFAULT_SEGMENT),
    "s3-seaweedfs": lambda request, _tmp_path: _s3(request),
}
