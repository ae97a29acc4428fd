"""SQLite connections of the local database: one per thread on a WAL file, writes behind one lock."""

from __future__ import annotations

import sqlite3
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from sqlite_utils import Database

from desktop.core.errors import CoreError, DatabaseUnavailable

BUSY_TIMEOUT_MS = 10_000

# SQLite primary result codes that mean "the machine's fault", not ours.
_ENVIRONMENT_CODES = {
    5: "another program keeps it locked",  # SQLITE_BUSY (after busy_timeout)
    8: "the file is read-only",  # SQLITE_READONLY
    10: "the disk reported an input/output error",  # SQLITE_IOERR
    11: "the file is damaged",  # SQLITE_CORRUPT
    13: "the disk is full",  # SQLITE_FULL
    14: "the file cannot be opened",  # SQLITE_CANTOPEN
    26: "the file is not an Envelope database",  # SQLITE_NOTADB
}


class Connections:
    """Hands out sqlite-utils ``Database`` objects for one database, safely across threads.

    Threading model (the one decision every caller relies on):

    * **A file database** gives each thread its own connection (``threading.local``). WAL lets the GUI
      thread read while the engine thread writes: a reader never waits for a writer and sees the last
      committed state. Every write runs in ``BEGIN IMMEDIATE`` while holding one process-wide lock, so
      writers queue on the lock instead of failing with ``database is locked``; ``busy_timeout``
      covers other processes and the WAL checkpoint.
    * **An in-memory database** (tests) cannot be shared between connections, so it has one
      connection and every read and write holds the same lock.

    A thread's connection stays open until ``close()``, so a fixed pool of worker threads is
    cheap; only ``LocalDB`` and its parts use this class, no caller outside writes SQL.
    """

    def __init__(self, path: Path | None, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._write_lock = threading.RLock()
        self._local = threading.local()
        self._all: list[Database] = []
        self._all_lock = threading.Lock()
        self._closed = False
        self._no_writes: threading.Thread | None = None
        self._report: Callable[[str], None] | None = None
        self._shared: Database | None = None
        if path is None:
            self._shared = self._open(":memory:")
        else:
            with self._translate_errors():
                self._thread_db().execute("PRAGMA journal_mode=WAL")

    @property
    def label(self) -> str:
        return ":memory:" if self.path is None else str(self.path)

    # -- handing out connections ---------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Database]:
        """A consistent snapshot for several queries (a deferred read transaction)."""
        with self._shared_guard(), self._translate_errors():
            db = self._current()
            if db.conn.in_transaction:  # nested inside a write or another read
                yield db
                return
            db.conn.execute("BEGIN")
            try:
                yield db
            finally:
                if db.conn.in_transaction:
                    db.conn.execute("COMMIT")

    def forbid_writes_on(self, thread: threading.Thread | None, report: Callable[[str], None]) -> None:
        """Declare that ``thread`` (the GUI thread) never writes: a write from it calls ``report``
        with a sentence and the stack (which may raise), then goes ahead. None lifts it."""
        self._no_writes, self._report = thread, report

    @contextmanager
    def write(self) -> Iterator[Database]:
        """A write transaction: commits on success, rolls back on any error; re-entrant."""
        if self._no_writes is not None and threading.current_thread() is self._no_writes and self._report:
            self._report("a database write on the GUI thread:\n" + "".join(traceback.format_stack(limit=12)))
        with self._write_lock, self._translate_errors():
            db = self._current()
            if db.conn.in_transaction:  # nested: join the outer transaction
                yield db
                return
            db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.conn.in_transaction:
                    db.conn.execute("ROLLBACK")
                raise
            db.conn.execute("COMMIT")

    @contextmanager
    def savepoint(self) -> Iterator[Database]:
        """A write nested in the current one that an error undoes alone; the outer write goes on.

        Opens a write of its own when none is open. The error still propagates to the caller.
        """
        with self.write() as db:
            db.conn.execute("SAVEPOINT step")
            try:
                yield db
            except BaseException:
                if db.conn.in_transaction:  # SQLite ends the transaction itself after some errors
                    db.conn.execute("ROLLBACK TO step")
                    db.conn.execute("RELEASE step")
                raise
            db.conn.execute("RELEASE step")

    def close(self) -> None:
        """Close every connection; call when no other thread uses the database any more."""
        with self._write_lock, self._all_lock:
            self._closed = True
            for db in self._all:
                db.close()
            self._all.clear()

    # -- internals -------------------------------------------------------------------------------
    def _shared_guard(self) -> AbstractContextManager[object]:
        return self._write_lock if self._shared is not None else nullcontext()

    def _current(self) -> Database:
        if self._closed:
            raise CoreError("the local database is closed")
        return self._shared if self._shared is not None else self._thread_db()

    def _thread_db(self) -> Database:
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            db = self._open(str(self.path))
            self._local.db = db
        return db

    def _open(self, target: str) -> Database:
        # check_same_thread=False only so that close() may run on another thread: each file
        # connection is otherwise used by the thread that opened it, the memory one under the lock.
        conn = sqlite3.connect(target, timeout=self._busy_timeout_ms / 1000, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        db = Database(conn, execute_plugins=False)
        with self._all_lock:
            if self._closed:
                conn.close()
                raise CoreError("the local database is closed")
            self._all.append(db)
        return db

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except (sqlite3.OperationalError, sqlite3.DatabaseError) as e:
            code = getattr(e, "sqlite_errorcode", None)
            reason = None if code is None else _ENVIRONMENT_CODES.get(code & 0xFF)
            if reason is None:
                raise
            raise DatabaseUnavailable(self.label, reason) from e
