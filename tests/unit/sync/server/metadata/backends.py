"""The metadata backends the contract tests run against: how to open (and open again) one store.

Adding a backend is one more entry in ``BACKENDS``: a function that, given a test's temp dir,
returns a way to open that test's store; every call opens the same store anew, with the same
metadata key (random per test).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from sync.server.crypto.sealing import Sealer
from sync.server.metadata import Metadata

Opener = Callable[[], Metadata]


def random_sealer() -> Sealer:
    return Sealer(os.urandom(32))


def _sqlite(tmp_path: Path) -> Opener:
    sealer = random_sealer()
    return lambda: Metadata(tmp_path / "m.sqlite3", sealer=sealer)


BACKENDS: dict[str, Callable[[Path], Opener]] = {"sqlite": _sqlite}
