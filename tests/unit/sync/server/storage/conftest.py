"""``backend`` and ``storage``: every storage test runs once per backend in ``backends.BACKENDS``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.server.storage import BlobStorage
from tests.engines.seaweedfs import s3_storage, seaweedfs
from tests.unit.sync.server.storage.backends import BACKENDS, Backend

__all__ = ["s3_storage", "seaweedfs"]  # fixtures for the S3 backend


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    yield from BACKENDS[request.param](request, tmp_path)


@pytest.fixture
def storage(backend: Backend) -> BlobStorage:
    return backend.storage
