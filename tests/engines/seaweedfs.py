"""pytest fixtures for a private SeaweedFS (``sync.cluster.seaweedfs``): one store per test session, a key
prefix of its bucket per test. Import them into a conftest to use them there."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.cluster.seaweedfs import SeaweedFS
from sync.server.storage.s3 import S3Location, S3Storage, client


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    store = SeaweedFS(Path(tmp_path_factory.mktemp("seaweedfs"))).start()
    yield store
    store.stop()


@pytest.fixture
def s3_storage(seaweedfs: SeaweedFS, monkeypatch: pytest.MonkeyPatch) -> S3Storage:
    """An ``S3Storage`` on the session's SeaweedFS, under a key prefix of its own."""
    for name, value in seaweedfs.environment().items():
        monkeypatch.setenv(name, value)
    return S3Storage(client(seaweedfs.endpoint), S3Location(seaweedfs.bucket, f"test-{uuid.uuid4().hex}/"))
