"""Conversations: which one was shown last, so the app reopens it."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.db.local import LocalDB
from desktop.core.errors import UnknownConversation
from tests.unit.desktop.core.conftest import FakeClock


def test_the_last_conversation_viewed_is_remembered_across_a_reopen(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "envelope.db"
    with LocalDB(path, clock=clock) as db:
        db.conversations.upsert_many([{"id": c, "title": c, "members": []} for c in ("c1", "c2", "c3")])
        assert db.conversations.last_viewed() is None
        db.conversations.set_viewed("c2")
        db.conversations.set_viewed("c3")
        db.conversations.set_viewed("c2")  # within the same clock tick: still the latest
        with pytest.raises(UnknownConversation):
            db.conversations.set_viewed("nope")
    with LocalDB(path, clock=clock) as db:
        assert db.conversations.last_viewed() == "c2"
        db.conversations.remove("c2")
        assert db.conversations.last_viewed() == "c3"
