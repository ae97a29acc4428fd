"""The message writer: posts run off the event loop, one after another on SQLite; it can be closed and used again."""

from __future__ import annotations

import asyncio
import threading

import pytest

from sync.server.message_writer import POSTGRES_THREADS, MessageWriter


def test_sqlite_posts_run_one_at_a_time_on_one_thread_off_the_loop() -> None:
    writer = MessageWriter.for_database("/data/metadata.sqlite3")
    running, most, threads = 0, 0, set()
    guard = threading.Lock()

    def post(n: int) -> int:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
            threads.add(threading.current_thread().name)
        with guard:
            running -= 1
        return n * 2

    async def main() -> list[int]:
        loop_thread = threading.current_thread().name
        results = await asyncio.gather(*(writer.run(post, n) for n in range(50)))
        assert loop_thread not in threads
        return list(results)

    assert asyncio.run(main()) == [n * 2 for n in range(50)]
    assert most == 1 and len(threads) == 1
    writer.close()


def test_an_error_reaches_the_caller_and_a_closed_writer_serves_again() -> None:
    writer = MessageWriter(1)

    def refuse() -> None:
        raise ValueError("no such conversation")

    with pytest.raises(ValueError, match="no such conversation"):
        asyncio.run(writer.run(refuse))
    writer.close()
    assert asyncio.run(writer.run(lambda: "after close")) == "after close"
    writer.close()


def test_postgresql_gets_writers_side_by_side() -> None:
    assert MessageWriter.for_database("postgresql://db/envelope")._threads == POSTGRES_THREADS
