"""The thread(s) message posts run on, off the event loop: the server's hottest write path.

SQLite has one writer at a time, so its posts go to one thread: they run back to back on one warm
connection, with no handing of the write lock (and the GIL) from thread to thread, and the loop hands
each over through a C queue instead of anyio's. That is about a third less server CPU per message
than anyio's thread pool. PostgreSQL takes writers side by side and each statement waits on the
network, so its posts get a few threads. A post that may first have to file an upload (it attaches
files) does not queue here behind others; the route sends it to the common pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
POSTGRES_THREADS = 4


class MessageWriter:
    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._pool = self._new_pool()

    def _new_pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(self._threads, thread_name_prefix="envelope-post")  # threads start at first use

    @classmethod
    def for_database(cls, location: Path | str) -> MessageWriter:
        from sync.server.metadata import is_postgres

        return cls(POSTGRES_THREADS if is_postgres(location) else 1)

    async def run(self, func: Callable[..., T], *args: object) -> T:
        """``func(*args)`` on the writer's thread(s); its result or its exception."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, func, *args)

    def close(self) -> None:
        """Let the threads end once the posts already handed over are done (an app served again gets new ones)."""
        old, self._pool = self._pool, self._new_pool()
        old.shutdown(wait=False)
