"""Paging towards the newest message: what a timeline shows below a message it jumped to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.db.local import LocalDB
from desktop.core.db.records import Account
from tests.unit.desktop.core.conftest import FakeClock
from tests.unit.desktop.core.db.test_db import photo, wire


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Iterator[LocalDB]:
    with LocalDB(tmp_path / "envelope.db", clock=clock) as local:
        local.set_account(Account("http://127.0.0.1:8765", "u-alice", "alice", "token"))
        local.conversations.upsert({"id": "c1", "title": "Trip", "members": ["alice", "bob"],
                                    "created_at": "2024-01-01T00:00:00.000Z"})
        local.conversations.upsert({"id": "c2", "title": "Other", "members": ["alice", "bob"],
                                    "created_at": "2024-01-01T00:00:00.000Z"})
        yield local


def test_pages_after_a_message_run_oldest_first_up_to_the_unsent_ones(db: LocalDB) -> None:
    for seq in range(1, 9):
        db.messages.upsert_remote(wire(seq, body=f"m{seq}", attachments=[photo().to_wire()] if seq == 4 else None))
        db.messages.upsert_remote(wire(seq, body=f"other {seq}", conversation_id="c2"))
    pending = db.messages.add_local("c1", "p1")
    page = db.messages.page_after("c1", after=2, limit=3)
    assert [m.body for m in page] == ["m3", "m4", "m5"]
    assert page[1].attachments == (photo(),)
    rest = db.messages.page_after("c1", after=page[-1].sort_key, limit=10)
    assert [m.body for m in rest] == ["m6", "m7", "m8", "p1"] and rest[-1] == pending
    assert db.messages.page_after("c1", after=pending.sort_key) == []
