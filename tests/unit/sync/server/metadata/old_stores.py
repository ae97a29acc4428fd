"""SQLite stores as older releases left them: the first migrations only, filled through raw SQL."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sync.server.crypto.sealing import Sealer
from sync.server.metadata.migrations import MIGRATIONS
from sync.server.metadata.sqlite import Tx


def migrated_to(path: Path, version: int, sealer: Sealer | None = None) -> sqlite3.Connection:
    """A store as a release that knew only the first ``version`` migrations left it (Python steps need
    ``sealer``)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    for step in MIGRATIONS[:version]:
        if isinstance(step, str):
            conn.executescript(step)
        else:
            assert sealer is not None
            conn.execute("BEGIN")
            step(Tx(conn), sealer)
            conn.execute("COMMIT")
    conn.execute(f"PRAGMA user_version={version}")
    return conn


def user_version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
