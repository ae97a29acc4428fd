"""WAL checkpoints of the SQLite store off the request path: a commit never waits for a checkpoint's fsync.

SQLite's own automatic checkpoint runs inside the commit that crosses its threshold, holding the write
lock while it copies pages into the database file and syncs it: on a busy disk that is milliseconds
every few hundred commits, and every other writer waits behind it. Here connections turn it off
(``PRAGMA wal_autocheckpoint=0``) and a thread per store runs ``wal_checkpoint(PASSIVE)`` on its own
connection once enough commits have gathered, or a second after the last one; PASSIVE never blocks
readers or writers, and the WAL is reused from its start once a checkpoint caught up.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)
EVERY_COMMITS = 500  # about what SQLite's default threshold (1000 WAL pages) is for our small writes
AFTER_S = 1.0
IDLE_ROUNDS = 30  # rounds of AFTER_S without a commit before the thread ends


class Checkpointer:
    """Tell it of each commit (``committed``); it checkpoints in its own thread, started at the first commit
    and ended after a while without one."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._commits = 0
        self._due = threading.Event()
        self._stopping = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        with self._lock:
            self._commits += 1
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(target=self._run, name="envelope-checkpoint", daemon=True)
                self._thread.start()
        if self._commits >= EVERY_COMMITS:
            self._due.set()

    def close(self) -> None:
        """Stop the thread (a last checkpoint first, if commits are pending); the next commit starts it again."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._due.set()
        if thread is not None:
            thread.join(timeout=10)
        with self._lock:
            self._stopping, self._thread = False, None

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, timeout=30, isolation_level=None, check_same_thread=False)
        idle = 0
        try:
            while True:
                self._due.wait(AFTER_S)
                self._due.clear()
                with self._lock:
                    pending, self._commits = self._commits, 0
                    stopping = self._stopping
                    idle = 0 if pending else idle + 1
                    if idle >= IDLE_ROUNDS and not stopping:  # a store no longer written to: the next commit
                        self._thread = None  # starts the thread again
                        return
                if pending:
                    self._checkpoint(conn)
                if stopping:
                    return
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # a full disk, say: the WAL keeps the data; the next round tries again
            log.warning("checkpointing %s failed: %s", self._path, exc)
