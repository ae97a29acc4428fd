"""The metadata store on SQLite (WAL): a connection per thread, short write transactions, our own errors.

Nothing outside ``sync.server.metadata`` sees a connection, a cursor or a ``sqlite3`` exception:
reads go through ``Database.one``/``all``, writes through ``Database.write()`` and its ``Tx``, and
failures leave as ``Duplicate`` or ``MetadataFull``. The SQL the repositories pass is portable
(``engine.py``) so that ``postgres.py`` runs it with the same methods.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sync.server.crypto.sealing import Sealer
from sync.server.metadata import migrations
from sync.server.metadata.checkpoints import Checkpointer
from sync.server.metadata.engine import Params, Row
from sync.server.metadata.errors import Duplicate, MetadataError, MetadataFull
from sync.server.metadata.migrations import MIGRATIONS


@contextmanager
def _translated() -> Iterator[None]:
    """sqlite3's exceptions as ours: a broken uniqueness rule, a full disk."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        if "UNIQUE" in str(exc) or "PRIMARY KEY" in str(exc):
            raise Duplicate(str(exc)) from exc
        raise MetadataError(str(exc)) from exc  # a foreign key or NOT NULL: our bug, not the caller's
    except sqlite3.OperationalError as exc:
        if "full" in str(exc).lower():
            raise MetadataFull("The server's database has no room left.") from exc
        raise MetadataError(str(exc)) from exc


class Tx:
    """One write transaction; only the methods the repositories need."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; how many rows it changed."""
        with _translated():
            return self._conn.execute(sql, params).rowcount

    def many(self, sql: str, rows: Iterable[Params]) -> None:
        with _translated():
            self._conn.executemany(sql, rows)

    def one(self, sql: str, params: Params = ()) -> Row | None:
        with _translated():
            row: Row | None = self._conn.execute(sql, params).fetchone()
            return row

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        with _translated():
            return list(self._conn.execute(sql, params).fetchall())

    def lock(self, sql: str, params: Params = ()) -> Row | None:
        """SQLite has one writer at a time (BEGIN IMMEDIATE): reading the row is enough."""
        return self.one(sql, params)


class Database:
    """One SQLite file; a connection per thread, writes in short IMMEDIATE transactions."""

    def __init__(self, path: Path, *, sealer: Sealer) -> None:
        self.path = Path(path)
        self.where = str(self.path)
        self._local = threading.local()
        self._writer = threading.Lock()  # writers queue here, not in SQLite's sleeping busy handler
        self._checkpoints = Checkpointer(self.path)
        self._migrate(sealer)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints.py does it, off the request path
        return conn

    @property
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            with _translated():
                conn = self._connect()
            self._local.conn = conn
        return conn

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A write transaction (BEGIN IMMEDIATE): commits on success, rolls back on any error."""
        conn = self._conn
        with self._writer:
            with _translated():
                conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            with _translated():
                conn.execute("COMMIT")
        self._checkpoints.committed()

    def one(self, sql: str, params: Params = ()) -> Row | None:
        return Tx(self._conn).one(sql, params)

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        return Tx(self._conn).all(sql, params)

    def _migrate(self, sealer: Sealer) -> None:
        """Apply the migrations this store lacks, all in one transaction with the version bump.

        A Python step rewrites values in place; with ``secure_delete`` on, the space their old
        versions took is zeroed, and afterwards ``VACUUM`` rebuilds the file and the WAL is
        checkpointed and truncated, so no copy of a value the step replaced is left in any file.
        """
        conn = self._conn
        conn.execute("PRAGMA secure_delete=ON")
        try:
            with self.write() as tx:
                row = tx.one("PRAGMA user_version")
                version = int(row["user_version"]) if row is not None else 0
                rewrote = False
                for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
                    migrations.apply(tx, step, sealer)
                    rewrote = rewrote or (not isinstance(step, str) and version > 0)
                    tx.execute(f"PRAGMA user_version={number}")
            if rewrote:
                with _translated():
                    conn.execute("VACUUM")
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.execute("PRAGMA secure_delete=OFF")

    def close(self) -> None:
        self._checkpoints.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
