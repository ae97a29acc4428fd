"""The metadata backends the contract tests run against: how to open (and open again) one store.

Adding a backend is one more entry in ``BACKENDS``: a function that, given the test's request (for
fixtures such as a PostgreSQL database) and temp dir, returns a way to open that test's store; every
call opens the same store anew, with the same metadata key (random per test).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sync.server.crypto.sealing import Sealer
from sync.server.metadata import Metadata

Opener = Callable[[], Metadata]


def random_sealer() -> Sealer:
    return Sealer(os.urandom(32))


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    sealer = random_sealer()
    return lambda: Metadata(tmp_path / "m.sqlite3", sealer=sealer)


def _postgresql(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    url: str = request.getfixturevalue("postgres_url")
    sealer = random_sealer()
    return lambda: Metadata(url, sealer=sealer)


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Opener]] = {"sqlite": _sqlite, "postgresql": _postgresql}
