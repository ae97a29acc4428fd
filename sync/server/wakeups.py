"""Long-poll wake-ups per user: a write wakes only the feeds it wrote to.

``notify(user_ids)`` may be called from any thread once the change is committed; a long-poll
takes ``generation(user_id)`` before it reads its feed and then ``wait``s for a later one, so a
change that lands between the read and the wait is never missed. With the PostgreSQL metadata
backend, ``PgNotifier`` (``pg_wakeups.py``) stands behind the same three calls so that replicas wake
each other with LISTEN/NOTIFY (``for_database`` chooses).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from pathlib import Path


class Notifier:
    """Per-user generations and waiters, kept on the server's event loop."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._generations: dict[str, int] = {}
        self._waiters: dict[str, set[asyncio.Future[None]]] = {}
        self.closed = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def generation(self, user_id: str) -> int:
        return self._generations.get(user_id, 0)

    def notify(self, user_ids: Iterable[str]) -> None:
        """Wake these users' long-polls (any thread)."""
        users = frozenset(user_ids)
        if users and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._fire, users)

    async def wait(self, user_id: str, timeout: float, *, since: int) -> bool:
        """Until the user's generation passes ``since``, the timeout, or shutdown; False on a time-out."""
        if self.closed or self.generation(user_id) != since:
            return True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiters = self._waiters.setdefault(user_id, set())
        waiters.add(future)
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            waiters.discard(future)
            if not waiters and self._waiters.get(user_id) is waiters:
                del self._waiters[user_id]

    def close(self) -> None:
        """Shutting down: every waiting long-poll answers now (call on the event loop)."""
        self.closed = True
        for user_id in list(self._waiters):
            self._fire(frozenset([user_id]))

    def _fire(self, users: frozenset[str]) -> None:
        for user_id in users:
            self._generations[user_id] = self._generations.get(user_id, 0) + 1
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
