"""Two server processes on one PostgreSQL: a message posted on one wakes a long-poll waiting on the other.

The issue's own timing requirement: the long-poll answers within 200 ms of the post's response.
The long-poll is known to be waiting (not answered by its first read) when PostgreSQL shows that
replica's feed read done and idle, with no event yet in it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import requests

from sync.server.config import LINK_SECRET_ENV
from tests.integration.conftest import ServerProcess, User, make_user, wait_for

WAKE_WITHIN_S = 0.2
FEED_READ = "SELECT id, payload FROM events WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3"


@pytest.fixture
def replicas(tmp_path: Path, postgres_url: str) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two replicas sharing the database, the blob dir (and its key records) and the link secret."""
    env = {LINK_SECRET_ENV: os.urandom(32).hex()}
    args = ["--database", postgres_url]
    one = ServerProcess(tmp_path / "replicas", env=env, args=args).start()  # makes the keys first
    two = ServerProcess(tmp_path / "replicas", env=env, args=args).start()
    yield one, two
    one.stop()
    two.stop()


def _feed_read_idle_since(url: str, since: object) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle' "
            "AND query = %s AND query_start >= %s", (FEED_READ, since)).fetchone() is not None


def test_a_post_on_one_replica_wakes_a_long_poll_on_the_other(
        replicas: tuple[ServerProcess, ServerProcess], postgres_url: str) -> None:
    one, two = replicas
    alice = make_user(one.url, "alice")
    bob_on_two = make_user(two.url, "bob")
    conv = alice.conversation("across", "bob")
    cursor = bob_on_two.get("/v1/sync").json()["cursor"]  # past the conversation's event
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        started = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]

    def long_poll(user: User) -> tuple[requests.Response, float]:
        r = user.get("/v1/sync", params={"cursor": cursor, "wait": 30})
        return r, time.monotonic()

    with ThreadPoolExecutor(1) as pool:
        polling = pool.submit(long_poll, bob_on_two)
        wait_for(lambda: _feed_read_idle_since(postgres_url, started), timeout=10, what="bob's long-poll to wait")
        assert not polling.done()
        r = alice.post(f"/v1/conversations/{conv['id']}/messages", json={"client_id": "x-1", "body": "hi from one"})
        posted = time.monotonic()
        assert r.status_code == 201, r.text
        answer, answered = polling.result(timeout=30)
    assert [e["message"]["body"] for e in answer.json()["events"]] == ["hi from one"]
    assert answered - posted < WAKE_WITHIN_S, f"woken {answered - posted:.3f} s after the post's response"
