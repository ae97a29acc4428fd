"""Long-poll wake-ups per user: a write wakes only the feeds it wrote to.

``notify(user_ids)`` may be called from any thread once the change is committed; a long-poll
takes ``generation(user_id)`` before it reads its feed and then ``wait``s for a later one, so a
change that lands between the read and the wait is never missed. ``notify`` moves the generations at
once and calls into the event loop only when one of the users has a long-poll waiting: a post to
people who are not polling costs the loop nothing (the two steps of each side hold one lock, so a
waiter either sees the new generation or is seen). With the PostgreSQL metadata
backend, ``PgNotifier`` (``pg_wakeups.py``) stands behind the same three calls so that replicas wake
each other with LISTEN/NOTIFY (``for_database`` chooses).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterable
from pathlib import Path


class Notifier:
    """Per-user generations (moved from any thread) and waiters (on the server's event loop)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._generations: dict[str, int] = {}
        self._waiters: dict[str, set[asyncio.Future[None]]] = {}
        self._lock = threading.Lock()  # generations and the waiters' keys: the loop and writers' threads
        self.closed = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def generation(self, user_id: str) -> int:
        return self._generations.get(user_id, 0)

    def notify(self, user_ids: Iterable[str]) -> None:
        """Wake these users' long-polls (any thread)."""
        with self._lock:
            waiting = []
            for user_id in set(user_ids):
                self._generations[user_id] = self._generations.get(user_id, 0) + 1
                if user_id in self._waiters:
                    waiting.append(user_id)
        if waiting and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._fire, frozenset(waiting))

    async def wait(self, user_id: str, timeout: float, *, since: int) -> bool:
        """Until the user's generation passes ``since``, the timeout, or shutdown; False on a time-out."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        with self._lock:
            if self.closed or self.generation(user_id) != since:
                return True
            waiters = self._waiters.setdefault(user_id, set())
            waiters.add(future)
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            with self._lock:
                waiters.discard(future)
                if not waiters and self._waiters.get(user_id) is waiters:
                    del self._waiters[user_id]

    def close(self) -> None:
        """Shutting down: every waiting long-poll answers now (call on the event loop)."""
        self.closed = True
        for user_id in list(self._waiters):
            self._fire(frozenset([user_id]))

    def _fire(self, users: frozenset[str]) -> None:
        """Answer these users' waiting long-polls (on the loop); each reads its feed again."""
        for user_id in users:
            for future in list(self._waiters.get(user_id, ())):
                with contextlib.suppress(asyncio.InvalidStateError):
                    future.set_result(None)


def for_database(location: Path | str) -> Notifier:
    """The notifier for a metadata store: replicas on one PostgreSQL wake each other; SQLite is one server."""
    from sync.server.metadata import is_postgres

    if is_postgres(location):
        from sync.server.pg_wakeups import PgNotifier  # psycopg is needed only here

        return PgNotifier(str(location))
    return Notifier()
