"""Per-user long-poll wake-ups: a write wakes the feeds it wrote to, and only those."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from sync.server.wakeups import Notifier


def test_notify_wakes_only_the_named_users() -> None:
    async def scenario() -> tuple[bool, bool]:
        notifier = Notifier()
        notifier.bind(asyncio.get_running_loop())
        alice = asyncio.create_task(notifier.wait("alice", 30, since=notifier.generation("alice")))
        bob = asyncio.create_task(notifier.wait("bob", 0.05, since=notifier.generation("bob")))
        await asyncio.sleep(0)  # both are waiting
        notifier.notify(["alice"])
        return await alice, await bob

    assert asyncio.run(scenario()) == (True, False)  # alice woken; bob timed out


def test_a_change_between_reading_and_waiting_is_not_missed() -> None:
    async def scenario() -> bool:
        notifier = Notifier()
        notifier.bind(asyncio.get_running_loop())
        since = notifier.generation("alice")  # taken before the feed is read
        notifier.notify(["alice"])  # lands after the read, before the wait
        await asyncio.sleep(0)
        return await notifier.wait("alice", 0.05, since=since)

    assert asyncio.run(scenario()) is True


def test_notify_from_another_thread() -> None:
    async def scenario() -> bool:
        notifier = Notifier()
        notifier.bind(asyncio.get_running_loop())
        waiting = asyncio.create_task(notifier.wait("alice", 30, since=0))
        await asyncio.sleep(0)
        thread = threading.Thread(target=notifier.notify, args=(["alice"],))
        thread.start()
        woken = await waiting
        thread.join()
        return woken

    assert asyncio.run(scenario()) is True


def test_close_answers_every_waiter() -> None:
    async def scenario() -> list[bool]:
        notifier = Notifier()
        notifier.bind(asyncio.get_running_loop())
        waits = [asyncio.create_task(notifier.wait(u, 30, since=0)) for u in ("alice", "bob", "carol")]
        await asyncio.sleep(0)
        notifier.close()
        return list(await asyncio.gather(*waits))

    assert asyncio.run(scenario()) == [True, True, True]
    notifier = Notifier()
    notifier.closed = True
    assert asyncio.run(notifier.wait("late", 30, since=0)) is True


class CountingLoop(asyncio.SelectorEventLoop):
    """asyncio's own loop, counting the callbacks other threads hand it."""

    handed = 0

    def call_soon_threadsafe(self, *args: Any, **kwargs: Any) -> asyncio.Handle:
        self.handed += 1
        return super().call_soon_threadsafe(*args, **kwargs)


def test_a_change_for_users_not_waiting_costs_the_loop_nothing() -> None:
    loop = CountingLoop()
    notifier = Notifier()
    notifier.bind(loop)

    async def scenario() -> bool:
        since = notifier.generation("alice")
        waiting = asyncio.create_task(notifier.wait("alice", 30, since=since))
        await asyncio.sleep(0)  # alice waits; bob and carol do not
        writer = threading.Thread(target=lambda: [notifier.notify(["bob", "carol"]) for _ in range(100)])
        writer.start()
        writer.join()
        assert loop.handed == 0 and notifier.generation("bob") == 100  # the generations moved all the same
        notifier.notify(["alice", "bob"])
        woken = await waiting
        assert loop.handed == 1  # one hand-over, for alice's poll
        return woken

    try:
        assert loop.run_until_complete(scenario()) is True
    finally:
        loop.close()


def test_a_change_between_reading_and_waiting_from_another_thread_is_not_missed() -> None:
    """Generations move in the writer's thread: a poll that read before the change sees it when it comes to wait."""
    async def scenario() -> bool:
        notifier = Notifier()
        notifier.bind(asyncio.get_running_loop())
        since = notifier.generation("alice")
        writer = threading.Thread(target=notifier.notify, args=(["alice"],))
        writer.start()
        writer.join()  # no one was waiting: nothing was handed to the loop
        return await notifier.wait("alice", 5, since=since)

    assert asyncio.run(scenario()) is True
