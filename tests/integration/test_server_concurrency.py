"""The server under concurrent use: a stuck writer freezes nobody else, wake-ups reach the right users."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import psycopg
import pytest
import requests

from tests.integration.conftest import ServerProcess, User, tus_create

pytestmark = pytest.mark.both_engines  # also on the scale-out layout (PostgreSQL, SeaweedFS S3) in make test


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(4) as executor:
        yield executor


@contextlib.contextmanager
def writes_held(server: ServerProcess, database_url: str) -> Iterator[None]:
    """Another process holds the database's write lock (SQLite), or the uploads table's (PostgreSQL)."""
    if not database_url:
        held = sqlite3.connect(server.data_dir / "metadata.sqlite3", isolation_level=None, timeout=30)
        held.execute("BEGIN IMMEDIATE")  # a writer that does not let go
        try:
            yield
        finally:
            held.execute("ROLLBACK")
            held.close()
        return
    with psycopg.connect(database_url) as conn:  # a transaction until the block ends
        conn.execute("LOCK TABLE uploads IN EXCLUSIVE MODE")  # reads go on, writes wait
        yield
        conn.rollback()


def test_a_writer_stuck_on_the_database_does_not_freeze_long_polls(
    server: ServerProcess, database_url: str, alice: User, bob: User, pool: ThreadPoolExecutor
) -> None:
    """Bob's upload cannot record its offset while another process holds the database's write lock;
    alice's long-poll still answers while that lock is held (nothing waits on the event loop)."""
    data = os.urandom(200_000)
    location = tus_create(bob, len(data), hashlib.sha256(data).hexdigest())
    with writes_held(server, database_url):
        patch: Future[requests.Response] = pool.submit(
            bob.request, "PATCH", location, data=data,
            headers={"Tus-Resumable": "1.0.0", "Upload-Offset": "0",
                     "Content-Type": "application/offset+octet-stream"})
        poll = pool.submit(alice.get, "/v1/sync", params={"wait": 3})
        answered = poll.result(timeout=20)  # answered by its 3 s wait, the lock still held
        assert answered.status_code == 200 and not patch.done()
    assert patch.result(timeout=30).status_code == 204  # and the upload goes on once the lock is free


def test_a_message_wakes_its_members_long_polls_and_no_one_else(
    server: ServerProcess, alice: User, bob: User, carol: User, pool: ThreadPoolExecutor
) -> None:
    conv = alice.conversation("pair", bob.username)
    for user in (bob, carol):
        user.get("/v1/sync")  # read past the conversation events first
    cursors = {u.username: u.get("/v1/sync").json()["cursor"] for u in (bob, carol)}
    started = threading.Barrier(3)

    def long_poll(user: User, wait: float) -> requests.Response:
        started.wait()
        return user.get("/v1/sync", params={"cursor": cursors[user.username], "wait": wait})

    bob_poll = pool.submit(long_poll, bob, 30)
    carol_poll = pool.submit(long_poll, carol, 2)
    started.wait()
    r = alice.post(f"/v1/conversations/{conv['id']}/messages", json={"client_id": "wake-1", "body": "hi bob"})
    assert r.status_code == 201
    bob_page = bob_poll.result(timeout=20).json()
    assert [e["message"]["body"] for e in bob_page["events"]] == ["hi bob"]
    carol_page = carol_poll.result(timeout=20).json()
    assert carol_page["events"] == [] and carol_page["cursor"] == cursors[carol.username]
