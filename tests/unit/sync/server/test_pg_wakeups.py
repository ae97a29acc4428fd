"""Wake-ups across replicas on PostgreSQL: a notify on one notifier wakes the long-polls waiting on another."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from sync.server.pg_wakeups import PAYLOAD_BYTES, PgNotifier, payloads
from tests.engines.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures


class Replica:
    """A PgNotifier bound to its own event loop in a thread, as in a server process."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.notifier = PgNotifier(url)
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._bind(), self.loop).result(timeout=15)

    async def _bind(self) -> None:
        self.notifier.bind(asyncio.get_running_loop())

    def generation(self, user_id: str) -> int:
        return self.notifier.generation(user_id)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.notifier.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


@pytest.fixture
def replicas(postgres_url: str) -> Iterator[tuple[Replica, Replica]]:  # noqa: F811
    one, two = Replica(postgres_url), Replica(postgres_url)
    yield one, two
    one.close()
    two.close()


def _wait_in(replica: Replica, user_id: str, timeout: float) -> tuple[threading.Thread, list[bool], threading.Event]:
    """A long-poll on ``replica`` in a thread; ``started`` is set once it has taken its generation."""
    result: list[bool] = []
    started = threading.Event()

    async def poll() -> bool:
        since = replica.notifier.generation(user_id)
        started.set()
        return await replica.notifier.wait(user_id, timeout, since=since)

    def run() -> None:
        result.append(asyncio.run_coroutine_threadsafe(poll(), replica.loop).result(timeout=timeout + 5))

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result, started


def test_a_notify_on_one_replica_wakes_a_wait_on_the_other(replicas: tuple[Replica, Replica]) -> None:
    one, two = replicas
    thread, result, started = _wait_in(two, "alice", 30)
    assert started.wait(5)
    one.notifier.notify(["alice"])
    thread.join(timeout=10)
    assert result == [True]


def test_only_the_named_users_wake_on_the_other_replica(replicas: tuple[Replica, Replica]) -> None:
    one, two = replicas
    bob, bob_result, bob_started = _wait_in(two, "bob", 1.0)
    alice, alice_result, alice_started = _wait_in(two, "alice", 30)
    assert bob_started.wait(5) and alice_started.wait(5)
    one.notifier.notify(["alice"])
    alice.join(timeout=10)
    bob.join(timeout=10)
    assert (alice_result, bob_result) == ([True], [False])


def test_a_big_group_is_woken_whole_across_replicas(replicas: tuple[Replica, Replica]) -> None:
    """500 members: more than one NOTIFY payload holds; every one of them wakes on the other replica."""
    one, two = replicas
    members = [f"{i:032x}" for i in range(500)]
    last, result, started = _wait_in(two, members[-1], 30)
    first, first_result, first_started = _wait_in(two, members[0], 30)
    assert started.wait(5) and first_started.wait(5)
    one.notifier.notify(members)
    last.join(timeout=10)
    first.join(timeout=10)
    assert result == [True] and first_result == [True]
    assert all(two.generation(m) >= 1 for m in members)


def test_payloads_stay_under_the_limit_and_carry_every_user() -> None:
    members = {f"{i:032x}" for i in range(1000)}
    sent = payloads("origin", members)
    assert len(sent) > 1 and all(len(p) <= PAYLOAD_BYTES for p in sent)
    assert all(p.split()[0] == "origin" for p in sent)
    assert {u for p in sent for u in p.split()[1:]} == members
    assert payloads("origin", []) == []
