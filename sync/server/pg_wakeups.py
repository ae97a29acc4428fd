"""Long-poll wake-ups across replicas: PostgreSQL ``LISTEN/NOTIFY`` behind the ``Notifier`` calls.

``notify(user_ids)`` (called once the change is committed) wakes this replica's long-polls at once and
sends ``pg_notify('envelope_feed', '<replica> <user ids>')``; every replica LISTENs on a dedicated
connection in a thread and wakes its own long-polls for users another replica wrote to. A payload
holds at most about 200 user ids (PostgreSQL's 8000-byte limit); a bigger group goes in several, in
one transaction. When the listening connection drops, the thread reconnects and wakes every waiting
long-poll (a notification may have been missed; a long-poll that finds nothing new waits again).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Iterable

import psycopg
import psycopg_pool

from sync.server.wakeups import Notifier

log = logging.getLogger(__name__)
CHANNEL = "envelope_feed"
PAYLOAD_BYTES = 7900
RECONNECT_S = 1.0


def payloads(origin: str, users: Iterable[str]) -> list[str]:
    """``'<origin> id id …'`` strings, each under PostgreSQL's payload limit."""
    out: list[str] = []
    current = origin
    for user_id in sorted(users):
        if len(current) + 1 + len(user_id) > PAYLOAD_BYTES:
            out.append(current)
            current = origin
        current += " " + user_id
    if current != origin:
        out.append(current)
    return out


class PgNotifier(Notifier):
    """A ``Notifier`` whose wake-ups reach every replica sharing the PostgreSQL database at ``url``."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self._url = url
        self.origin = uuid.uuid4().hex
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = psycopg_pool.ConnectionPool(url, min_size=0, max_size=4, open=False, timeout=10,
                                                 name="envelope-notify", kwargs={"autocommit": True})

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start listening (waits, bounded, until LISTEN is in place)."""
        super().bind(loop)
        self._pool.open()
        self._thread = threading.Thread(target=self._listen_forever, name="envelope-listen", daemon=True)
        self._thread.start()
        if not self._listening.wait(10):
            log.warning("not listening for other replicas' wake-ups yet: PostgreSQL does not answer")

    def notify(self, user_ids: Iterable[str]) -> None:
        users = frozenset(user_ids)
        if not users:
            return
        super().notify(users)
        try:
            with self._pool.connection() as conn, conn.transaction():
                for payload in payloads(self.origin, users):
                    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
        except (psycopg.Error, psycopg_pool.PoolTimeout, psycopg_pool.PoolClosed):
            # The change is committed; other replicas' long-polls answer at their time-out instead.
            log.warning("could not wake other replicas for %d users", len(users), exc_info=True)

    def close(self) -> None:
        self._stop.set()
        super().close()
        self._pool.close(timeout=1)

    def _listen_forever(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    if self._listening.is_set():
                        self._wake_waiting()  # back after a drop: what was missed is unknown
                    self._listening.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._received(note.payload)
            except psycopg.Error:
                if not self._stop.is_set():
                    log.warning("lost the connection listening for other replicas' wake-ups; reconnecting")
                    self._stop.wait(RECONNECT_S)

    def _received(self, payload: str) -> None:
        origin, _, users = payload.partition(" ")
        if origin != self.origin:
            super().notify(users.split())

    def _wake_waiting(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(lambda: self._fire(frozenset(self._waiters)))
