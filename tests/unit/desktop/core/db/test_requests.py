"""Conversation requests in the local database: the state from the feed, the lists, the media guard, m007."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from desktop.core.db import migrations
from desktop.core.db.local import LocalDB
from tests.unit.desktop.core.conftest import FakeClock

PHOTO, THUMB, SHARED = "a" * 64, "b" * 64, "c" * 64


def _conversation(cid: str, **extra: Any) -> dict[str, Any]:
    return {"id": cid, "title": cid, "members": ["alice", "mallory"], "created_at": "2024-01-01T00:00:00.000Z",
            **extra}


def _message(cid: str, seq: int, blob: str, thumbnail: str | None = None) -> dict[str, Any]:
    attachment = {"blob": blob, "size": 10, "mime": "image/jpeg", "name": "x.jpg", "kind": "image",
                  "thumbnail": thumbnail}
    return {"id": f"{cid}-{seq}", "client_id": f"{cid}-{seq}", "conversation_id": cid, "sender": "mallory",
            "body": "", "attachments": [attachment], "seq": seq, "created_at": "2024-01-02T00:00:00.000Z"}


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Iterator[LocalDB]:
    with LocalDB(tmp_path / "envelope.db", clock=clock) as local:
        yield local


def test_a_request_is_listed_apart_until_it_is_accepted(db: LocalDB) -> None:
    db.conversations.upsert(_conversation("friends"))
    stored = db.conversations.upsert(_conversation("spam", state="request", invited_by="mallory"))
    assert stored.is_request and stored.invited_by == "mallory"
    assert [s.conversation.id for s in db.conversations.summaries()] == ["friends"]
    assert [s.conversation.id for s in db.conversations.summaries(requests=True)] == ["spam"]
    assert db.conversations.request_count() == 1

    accepted = db.conversations.upsert(_conversation("spam", state="accepted", invited_by="mallory"))
    assert not accepted.is_request and accepted.invited_by is None
    assert db.conversations.request_count() == 0
    assert {s.conversation.id for s in db.conversations.summaries()} == {"friends", "spam"}
    assert not db.conversations.upsert(_conversation("odd", state="anything else")).is_request


def test_media_only_in_requests_is_not_fetched(db: LocalDB) -> None:
    db.conversations.upsert(_conversation("friends"))
    db.conversations.upsert(_conversation("spam", state="request", invited_by="mallory"))
    db.messages.upsert_remote(_message("spam", 1, PHOTO, THUMB))
    db.messages.upsert_remote(_message("spam", 2, SHARED))
    db.messages.upsert_remote(_message("friends", 1, "d" * 64, SHARED))
    assert db.conversations.only_in_requests(PHOTO)
    assert db.conversations.only_in_requests(THUMB)
    assert not db.conversations.only_in_requests(SHARED)  # a friend sent the same bytes
    assert not db.conversations.only_in_requests("e" * 64)  # in no message at all: not ours to refuse
    db.conversations.upsert(_conversation("spam"))
    assert not db.conversations.only_in_requests(PHOTO)


def test_conversations_from_before_m007_count_as_accepted(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.migrations.apply(old, stop_before="m007_conversation_consent")
    old.execute("INSERT INTO conversations (id, title, updated_at) VALUES ('old', 'Before', 0)")
    old.close()
    with LocalDB(path) as db:
        assert "m007_conversation_consent" in db.applied_migrations()
        before = db.conversations.get("old")
        assert before is not None and not before.is_request and before.invited_by is None
        assert [s.conversation.id for s in db.conversations.summaries()] == ["old"]
        assert db.conversations.request_count() == 0
