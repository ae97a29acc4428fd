"""Savepoints inside a batch and the quarantine table of feed events that could not be filed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.db.local import LocalDB
from desktop.core.db.quarantine import QuarantinedEvent
from tests.unit.desktop.core.conftest import FakeClock


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Iterator[LocalDB]:
    with LocalDB(tmp_path / "envelope.db", clock=clock) as local:
        yield local


def conversation(cid: str) -> dict[str, object]:
    return {"id": cid, "title": cid, "members": ["alice"], "created_at": "2024-01-01T00:00:00+00:00"}


def test_a_failed_savepoint_undoes_only_its_own_writes(db: LocalDB) -> None:
    with db.batch():
        db.conversations.upsert(conversation("c1"))
        with pytest.raises(OverflowError), db.savepoint():
            db.conversations.upsert(conversation("c2"))
            db.set_cursor("half-way")
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        with db.savepoint():
            db.conversations.upsert(conversation("c3"))
        db.set_cursor("7")
    assert [s.conversation.id for s in db.conversations.summaries()] == ["c3", "c1"]
    assert db.cursor() == "7"


def test_quarantined_events_keep_the_raw_json_and_roll_back_with_their_page(db: LocalDB, clock: FakeClock) -> None:
    hostile = {"type": "message", "conversation_id": "c\ud800", "message": {"width": 10**30}}
    with db.batch():
        db.quarantine.add(hostile, error="OverflowError: too big", after_cursor=None, page_cursor="3", position=1)
        db.quarantine.add(42, error="ValidationError: not an event", after_cursor=None, page_cursor="3", position=2)
    with pytest.raises(RuntimeError), db.batch():
        db.quarantine.add({}, error="x", after_cursor="3", page_cursor="4", position=0)
        raise RuntimeError("the disk filled up before the cursor was stored")

    kept = db.quarantine.all()
    assert [json.loads(q.raw) for q in kept] == [hostile, 42]
    assert kept[0] == QuarantinedEvent(
        id=kept[0].id, received_at=clock.now, after_cursor=None, page_cursor="3", position=1, type="message",
        conversation_id="c\\ud800", raw=kept[0].raw, error="OverflowError: too big",
    )
    assert (kept[1].type, kept[1].conversation_id) == (None, None)
