"""The PostgreSQL engine's own parts: statements translated once, errors as ours, migrations by one replica."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from psycopg import errors as pg_errors

from sync.server.metadata import Metadata
from sync.server.metadata.errors import Duplicate, MetadataError, MetadataFull
from sync.server.metadata.migrations import MIGRATIONS
from sync.server.metadata.postgres import _translated, redacted, translate
from tests.unit.sync.server.metadata.backends import random_sealer
from tests.unit.sync.server.metadata.builders import CREATED_AT


def test_placeholders_become_psycopgs_and_literals_stay() -> None:
    assert translate("SELECT 1 FROM t WHERE a = ? AND b = ?") == "SELECT 1 FROM t WHERE a = %s AND b = %s"
    assert translate("SELECT :sha, :user_id WHERE x = :sha") == "SELECT %(sha)s, %(user_id)s WHERE x = %(sha)s"
    assert translate("SELECT 'a?b :c 50%' AS \"what?\", x::text FROM t WHERE y LIKE 'z%' AND w = ?") == (
        "SELECT 'a?b :c 50%' AS \"what?\", x::text FROM t WHERE y LIKE 'z%' AND w = %s")
    assert translate("SELECT 10 % 3, 'it''s ?' WHERE a = ?") == "SELECT 10 %% 3, 'it''s ?' WHERE a = %s"


def test_table_definitions_get_postgresqls_types_and_nothing_else_does() -> None:
    ddl = translate("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER, at REAL, name TEXT)")
    assert ddl == 'CREATE TABLE t (id BIGINT PRIMARY KEY, n BIGINT, at DOUBLE PRECISION, name TEXT COLLATE "C")'
    assert translate("ALTER TABLE t ADD COLUMN until REAL NOT NULL DEFAULT 0") == (
        "ALTER TABLE t ADD COLUMN until DOUBLE PRECISION NOT NULL DEFAULT 0")
    assert translate("SELECT 'INTEGER' AS text FROM t") == "SELECT 'INTEGER' AS text FROM t"


def test_each_statement_is_translated_once() -> None:
    sql = "SELECT once FROM t WHERE id = ? -- test_each_statement_is_translated_once"
    translate(sql)
    hits = translate.cache_info().hits
    assert translate(sql) == translate(sql)
    assert translate.cache_info().hits == hits + 2


def test_psycopg_errors_leave_as_ours() -> None:
    for raised, expected in [(pg_errors.UniqueViolation("dup"), Duplicate),
                             (pg_errors.DiskFull("could not extend file"), MetadataFull),
                             (pg_errors.ForeignKeyViolation("fk"), MetadataError),
                             (psycopg.OperationalError("gone"), MetadataError)]:
        with pytest.raises(expected), _translated():
            raise raised
    with pytest.raises(MetadataFull, match="no room left"), _translated():
        raise pg_errors.DiskFull("could not extend file")


def test_a_taken_username_is_duplicate_and_the_store_goes_on(postgres_url: str) -> None:
    meta = Metadata(postgres_url, sealer=random_sealer())
    meta.accounts.create("id-a", "alice", "h", created_at=CREATED_AT)
    with pytest.raises(Duplicate):
        meta.accounts.create("id-b", "alice", "h", created_at=CREATED_AT)
    assert meta.accounts.create("id-c", "carol", "h", created_at=CREATED_AT).username == "carol"
    meta.close()


def test_a_server_that_is_not_there_is_said_at_once(postgres_url: str) -> None:
    from sync.server.runner import free_port

    url = f"postgresql://envelope@127.0.0.1:{free_port()}/nowhere"
    with pytest.raises(MetadataError, match=r"127\.0\.0\.1"):
        Metadata(url, sealer=random_sealer())


def test_the_password_is_left_out_of_where() -> None:
    assert redacted("postgresql://env:secret@db.example:5433/meta") == "postgresql://env@db.example:5433/meta"
    assert redacted("postgresql://env@db/meta") == "postgresql://env@db/meta"


def test_replicas_starting_at_once_migrate_once(postgres_url: str) -> None:
    """Four stores opened on one new database at the same moment: each migration is applied exactly once."""
    sealer = random_sealer()
    start = threading.Barrier(4)

    def open_store(n: int) -> Metadata:
        start.wait()
        return Metadata(postgres_url, sealer=sealer)

    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(open_store, range(4)))
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT version FROM envelope_schema").fetchall() == [(len(MIGRATIONS),)]
        assert conn.execute("SELECT count(*) FROM metadata_key_check").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM feed_position").fetchone() == (1,)
    stores[0].accounts.create("id-a", "alice", "h", created_at=CREATED_AT)
    assert all(s.accounts.by_name("alice") is not None for s in stores)
    for store in stores:
        store.close()
