"""The metadata store on PostgreSQL (psycopg 3 and its connection pool), with the surface of ``sqlite.py``.

The repositories' portable SQL is translated once per statement string (``translate``): ``?`` and
``:name`` placeholders become psycopg's, and a ``CREATE``/``ALTER TABLE`` gets PostgreSQL's types
for what SQLite means (64-bit integers, double precision, byte-order text so comparisons and
ordering match SQLite's). Rows are mappings; psycopg's errors leave as ``metadata.errors``.

Migrations run one per transaction under an advisory lock, so replicas starting at once apply each
exactly once; the version lives in ``envelope_schema``. psycopg is imported only here, so a server
without it installed runs on SQLite as before.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import psycopg_pool
from psycopg import errors as pg_errors
from psycopg.rows import dict_row

from sync.server.crypto.sealing import Sealer
from sync.server.metadata import migrations
from sync.server.metadata.engine import Params, Row
from sync.server.metadata.errors import Duplicate, MetadataError, MetadataFull
from sync.server.metadata.migrations import MIGRATIONS

MIGRATION_LOCK = 0x656E76656C6F7065 >> 1  # "envelope", as a bigint: the advisory lock migrations take
_TOKENS = re.compile(r"""'(?:[^']|'')*'|"[^"]*"|::|\?|:([A-Za-z_]\w*)|%""")
_DDL = re.compile(r"\s*(CREATE|ALTER)\s+TABLE\b", re.IGNORECASE)
_TYPES = [(re.compile(r"\bINTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT\b", re.I), "BIGINT PRIMARY KEY"),
          (re.compile(r"\bINTEGER\b", re.I), "BIGINT"),
          (re.compile(r"\bREAL\b", re.I), "DOUBLE PRECISION"),
          (re.compile(r"\bTEXT\b", re.I), 'TEXT COLLATE "C"')]


@functools.lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """The statement in psycopg's dialect: placeholders, a literal ``%`` doubled, DDL types mapped."""
    if _DDL.match(sql):
        for pattern, replacement in _TYPES:
            sql = pattern.sub(replacement, sql)

    def token(match: re.Match[str]) -> str:
        text = match.group(0)
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        if match.group(1):
            return f"%({match.group(1)})s"
        return text  # a string literal, a quoted identifier or a :: cast, as it is

    return _TOKENS.sub(token, sql)


@contextmanager
def _translated() -> Iterator[None]:
    """psycopg's exceptions as ours: a broken uniqueness rule, a full disk, anything else."""
    try:
        yield
    except pg_errors.UniqueViolation as exc:
        raise Duplicate(str(exc)) from exc
    except pg_errors.DiskFull as exc:
        raise MetadataFull("The server's database has no room left.") from exc
    except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
        raise MetadataError(str(exc)) from exc


def _params(params: Params) -> Any:
    return params if isinstance(params, dict) else list(params)  # type: ignore[arg-type]


class Tx:
    """One write transaction on one pooled connection."""

    def __init__(self, conn: psycopg.Connection[Row]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Params = ()) -> int:
        with _translated():
            return self._conn.execute(translate(sql), _params(params)).rowcount

    def many(self, sql: str, rows: Iterable[Params]) -> None:
        with _translated(), self._conn.cursor() as cursor:
            cursor.executemany(translate(sql), [_params(r) for r in rows])

    def one(self, sql: str, params: Params = ()) -> Row | None:
        with _translated():
            return self._conn.execute(translate(sql), _params(params)).fetchone()

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        with _translated():
            return self._conn.execute(translate(sql), _params(params)).fetchall()

    def lock(self, sql: str, params: Params = ()) -> Row | None:
        return self.one(sql + " FOR UPDATE", params)


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class Database:
    """A PostgreSQL database given by a ``postgresql://`` URL; a pool of autocommit connections,
    writes in explicit transactions (READ COMMITTED, rows locked by the statements that change them)."""

    def __init__(self, url: str, *, sealer: Sealer, max_connections: int = 16) -> None:
        self.url = url
        self.where = redacted(url)
        self._max = max_connections
        self._lock = threading.Lock()
        with _translated(), psycopg.connect(url, connect_timeout=10):
            pass  # a server that is down or refuses us is said now, in its own words, not after the pool's wait
        self._pool = self._new_pool()
        try:
            self._migrate(sealer)
        except BaseException:
            self._pool.close()
            raise

    def _new_pool(self) -> psycopg_pool.ConnectionPool[psycopg.Connection[Row]]:
        pool: psycopg_pool.ConnectionPool[psycopg.Connection[Row]] = psycopg_pool.ConnectionPool(
            self.url, min_size=1, max_size=self._max, open=False, timeout=30, name="envelope-metadata",
            kwargs={"autocommit": True, "row_factory": dict_row}, connection_class=psycopg.Connection[Row])
        with _translated():
            pool.open(wait=True, timeout=30)
        return pool

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Row]]:
        """A pooled connection; after ``close()`` the next use opens a new pool (as SQLite reconnects)."""
        while True:
            with self._lock:
                if self._pool.closed:
                    self._pool = self._new_pool()
                pool = self._pool
            try:
                with _translated():
                    conn = pool.getconn()
                break
            except MetadataError as exc:
                if not isinstance(exc.__cause__, psycopg_pool.PoolClosed):
                    raise  # closed by another thread just now: take the new pool
        try:
            yield conn
        finally:
            pool.putconn(conn)

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A write transaction: commits on success, rolls back on any error."""
        with self._connection() as conn, _translated(), conn.transaction():
            yield Tx(conn)

    def one(self, sql: str, params: Params = ()) -> Row | None:
        with self._connection() as conn:
            return Tx(conn).one(sql, params)

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        with self._connection() as conn:
            return Tx(conn).all(sql, params)

    def _migrate(self, sealer: Sealer) -> None:
        """Apply the migrations this database lacks, each in its own transaction with the version bump,
        under the advisory lock: a second replica starting at once waits, then finds nothing to do."""
        while True:
            with self.write() as tx:
                tx.one("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
                tx.execute("CREATE TABLE IF NOT EXISTS envelope_schema (id INTEGER PRIMARY KEY CHECK (id = 1), "
                           "version INTEGER NOT NULL)")
                row = tx.one("SELECT version FROM envelope_schema WHERE id = 1")
                version = int(row["version"]) if row is not None else 0
                if version >= len(MIGRATIONS):
                    return
                migrations.apply(tx, MIGRATIONS[version], sealer)
                tx.execute("INSERT INTO envelope_schema (id, version) VALUES (1, ?) "
                           "ON CONFLICT (id) DO UPDATE SET version = excluded.version", (version + 1,))

    def close(self) -> None:
        """Close the pool's connections (ones in use close when given back)."""
        self._pool.close()
