"""``open_store`` and ``meta``: every metadata test runs once per backend in ``backends.BACKENDS``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.server.metadata import Metadata
from sync.server.metadata.accounts import User
from tests.engines.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures for the postgresql backend
from tests.unit.sync.server.metadata.backends import BACKENDS, Opener
from tests.unit.sync.server.metadata.builders import user


@pytest.fixture(params=sorted(BACKENDS))
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    return BACKENDS[request.param](request, tmp_path)


@pytest.fixture
def meta(open_store: Opener) -> Iterator[Metadata]:
    store = open_store()
    yield store
    store.close()


@pytest.fixture
def alice(meta: Metadata) -> User:
    return user(meta, "alice")


@pytest.fixture
def bob(meta: Metadata) -> User:
    return user(meta, "bob")


@pytest.fixture
def carol(meta: Metadata) -> User:
    return user(meta, "carol")
