"""The client engine against a real server's limits: a 429 waits and goes out later (never fails the
message); a 413 quota_exceeded fails it with the server's sentence, and Retry works once there is room."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop.core.backoff import Backoff
from desktop.core.engine import Engine
from sync.server.limit_settings import Limits
from sync.server.runner import EmbeddedServer
from tests.integration.conftest import ServerClock, wait_for


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    e = Engine(tmp_path / "alice", long_poll_s=1, backoff=Backoff(base=0.05, cap=0.5)).start()
    yield e
    e.stop()


def state(engine: Engine, message_id: int) -> str:
    message = engine.db.messages.get(message_id)
    assert message is not None
    return message.state


def test_a_rate_limited_send_waits_and_goes_out_later(
        embedded: Callable[..., EmbeddedServer], clock: ServerClock, engine: Engine) -> None:
    srv = embedded(limits=Limits(writes_per_minute=3))
    engine.sign_up(srv.url, "alice", "password123")
    cid = engine.create_conversation("notes", [])  # write 1
    messages = [engine.send(cid, f"note {n}") for n in range(3)]  # writes 2 and 3, then 429
    wait_for(lambda: state(engine, messages[1].id) == "sent", what="the first two notes")
    wait_for(lambda: any("at most 3 a minute" in (i.last_error or "") for i in engine.db.outbox.items()),
             what="the third note to be refused with 429")
    assert state(engine, messages[2].id) == "pending"  # retryable: waiting, not failed
    clock.advance(60)
    wait_for(lambda: state(engine, messages[2].id) == "sent", what="the third note after the minute")


def test_past_the_quota_the_message_fails_with_the_sentence_and_retry_works_later(
        embedded: Callable[..., EmbeddedServer], engine: Engine, tmp_path: Path) -> None:
    srv = embedded(limits=Limits(quota_bytes=3_000_000))
    engine.sign_up(srv.url, "alice", "password123")
    cid = engine.create_conversation("files", [])
    big = tmp_path / "big.bin"
    big.write_bytes(b"b" * 2_000_000)
    first = engine.send(cid, "", [big])
    wait_for(lambda: state(engine, first.id) == "sent", what="the first file")
    bigger = tmp_path / "bigger.bin"
    bigger.write_bytes(b"c" * 1_500_000)
    second = engine.send(cid, "", [bigger])
    wait_for(lambda: state(engine, second.id) == "failed", what="the file past the quota")
    failed = engine.db.messages.get(second.id)
    assert failed is not None and failed.error is not None
    assert failed.error.startswith("Your storage is full for this file: 2 MB of 3 MB used, and this file needs 1.5 MB")
    srv.stop()
    roomier = embedded(limits=Limits(quota_bytes=4_000_000))  # whoever runs the server gave more space
    engine.sign_in(roomier.url, "alice", "password123")
    engine.retry(failed.client_id)
    wait_for(lambda: state(engine, second.id) == "sent", what="the retried file")
