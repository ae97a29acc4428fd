"""The client's local database: the one owner of every SQLite write on the desktop side.

``LocalDB`` opens (and migrates) the file and groups the tables by what they are about::

    db.conversations   Conversations   upserts from the feed, the list screen, read marks, pinning
    db.messages        Messages        local sends, feed messages, timeline pages, gallery, search
    db.blobs           Blobs           cache bookkeeping: state, last access, pins, pending uploads
    db.outbox          Outbox          durable send steps for the sync engine
    db.downloads       DownloadQueue   the download queue: priorities, order, paused
    db.settings        Settings        user settings with defaults
    db.watched         WatchedFolders  drop folders and files already sent from them
    db.quarantine      Quarantine      feed events that could not be filed, kept raw
    db.certificates    PinnedCertificates  server certificates trusted on first use
    db.usage           Usage           space used by media: by kind, per conversation, largest first

plus the account and the sync cursor here. Threading: see ``Connections`` — any thread may call
any method; each thread reads on its own WAL connection and writes queue on one lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from desktop.core.db import migrations
from desktop.core.db.blobs import Blobs
from desktop.core.db.certificates import PinnedCertificates
from desktop.core.db.connection import Connections
from desktop.core.db.conversations import Conversations
from desktop.core.db.downloads import DownloadQueue
from desktop.core.db.messages import Messages
from desktop.core.db.outbox import Outbox
from desktop.core.db.quarantine import Quarantine
from desktop.core.db.records import Account, now_ms
from desktop.core.db.settings import Settings, WatchedFolders
from desktop.core.db.usage import Usage
from desktop.core.errors import DatabaseTooNew
from desktop.core.location import db_path


class LocalDB:
    """The local database in one SQLite file (or in memory for tests); close it when done.

    ``clock`` returns epoch milliseconds; tests pass a fake one. Raises DatabaseUnavailable when
    SQLite cannot use the file, DatabaseTooNew when a newer Envelope has migrated it.
    """

    def __init__(self, path: Path | str | None, *, clock: Callable[[], int] = now_ms) -> None:
        self.path = None if path is None else Path(path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self._conns = Connections(self.path)
        try:
            self._migrate()
        except BaseException:
            self._conns.close()
            raise
        self.conversations = Conversations(self._conns, clock)
        self.messages = Messages(self._conns, clock)
        self.blobs = Blobs(self._conns, clock)
        self.outbox = Outbox(self._conns, clock)
        self.downloads = DownloadQueue(self._conns, clock)
        self.settings = Settings(self._conns)
        self.watched = WatchedFolders(self._conns, clock)
        self.quarantine = Quarantine(self._conns, clock)
        self.certificates = PinnedCertificates(self._conns, clock)
        self.usage = Usage(self._conns)

    @classmethod
    def memory(cls, *, clock: Callable[[], int] = now_ms) -> LocalDB:
        """A private in-memory database (tests); usable from several threads, serialised."""
        return cls(None, clock=clock)

    @classmethod
    def in_dir(cls, data_dir: Path, *, clock: Callable[[], int] = now_ms) -> LocalDB:
        """The database file of a per-user data directory (see ``location.default_data_dir``)."""
        return cls(db_path(data_dir), clock=clock)

    def forbid_writes_on(self, thread: threading.Thread | None, report: Callable[[str], None]) -> None:
        """See ``Connections.forbid_writes_on``: the UI declares its GUI thread read-only."""
        self._conns.forbid_writes_on(thread, report)

    def close(self) -> None:
        """Close every thread's connection; stop the engine first."""
        self._conns.close()

    def __enter__(self) -> LocalDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group several writes into one transaction (e.g. a sync page's events and its cursor).

        The calls inside must run on this thread; all of them commit together or none does.
        """
        with self._conns.write():
            yield

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside a ``batch()``: writes that an error rolls back alone (one feed event of a page).

        The error propagates; catch it outside to go on with the rest of the batch.
        """
        with self._conns.savepoint():
            yield

    # -- account -----------------------------------------------------------------------------------
    def account(self) -> Account | None:
        with self._conns.read() as db:
            rows = list(db.query("SELECT server_url, user_id, username, token FROM account"))
        return Account(**rows[0]) if rows else None

    def set_account(self, account: Account) -> None:
        """Sign in as ``account`` (one account per database)."""
        with self._conns.write() as db:
            db.execute(
                """INSERT INTO account (id, server_url, user_id, username, token) VALUES (1, ?, ?, ?, ?)
                   ON CONFLICT (id) DO UPDATE SET server_url = excluded.server_url,
                       user_id = excluded.user_id, username = excluded.username, token = excluded.token""",
                [account.server_url, account.user_id, account.username, account.token],
            )

    def sign_out(self) -> None:
        """Forget the token; the account's messages and media stay for offline reading."""
        with self._conns.write() as db:
            db.execute("UPDATE account SET token = NULL")

    # -- sync cursor -------------------------------------------------------------------------------
    def cursor(self) -> str | None:
        """Where the ``/v1/sync`` feed left off, or None before the first sync."""
        with self._conns.read() as db:
            rows = list(db.query("SELECT value FROM sync_state WHERE key = 'cursor'"))
        return rows[0]["value"] if rows else None

    def set_cursor(self, cursor: str) -> None:
        """Store the feed cursor; call it in the same breath as storing that page's events."""
        with self._conns.write() as db:
            db.execute(
                "INSERT INTO sync_state (key, value) VALUES ('cursor', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [cursor],
            )

    # -- maintenance -------------------------------------------------------------------------------
    def applied_migrations(self) -> list[str]:
        with self._conns.read() as db:
            return migrations.applied_names(db)

    def query_plan(self, sql: str, params: dict[str, Any] | list[Any] | None = None) -> list[str]:
        """``EXPLAIN QUERY PLAN`` details for a query (tests and benchmarks check index use)."""
        with self._conns.read() as db:
            return [r["detail"] for r in db.query(f"EXPLAIN QUERY PLAN {sql}", params)]

    def _migrate(self) -> None:
        # One IMMEDIATE transaction around the whole run: two processes opening a fresh file at
        # once cannot both apply a migration; sqlite-utils nests each step in a savepoint.
        with self._conns.write() as db:
            unknown = migrations.unknown_applied(db)
            if unknown:
                raise DatabaseTooNew(self._conns.label, unknown)
            migrations.migrations.apply(db)
