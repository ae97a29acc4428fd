"""pytest fixtures for a private PostgreSQL (``sync.cluster.postgres``): one cluster per test session,
a new empty database per test. Import them into a conftest to use them there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sync.cluster.postgres import PostgresServer


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A new empty database of the session's PostgreSQL, for this test alone."""
    return postgres_server.create_database()
