"""Filing server messages a page at a time (set-based) ends exactly where filing them one by one does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.core.db.local import LocalDB
from desktop.core.db.message_rows import IN_CHUNK
from desktop.core.db.records import Account
from tests.unit.desktop.core.conftest import FakeClock
from tests.unit.desktop.core.db.test_db import SHA_A, SHA_T, wire

ME = "alice"
SHA_B = "b" * 64


def profile(path: Path) -> LocalDB:
    """A signed-in profile with one conversation, one message of ours pending and one deleted here."""
    db = LocalDB(path, clock=FakeClock(1_700_000_000_000))
    db.set_account(Account("http://127.0.0.1:8765", "u-alice", ME, "token"))
    db.conversations.upsert({"id": "c1", "title": "Trip", "members": [ME, "bob"]})
    db.messages.add_local("c1", "on its way", [])
    db.messages.upsert_remote(wire(1, body="filed before"))
    gone = db.messages.upsert_remote(wire(2, body="deleted for me"))
    assert gone is not None
    db.messages.delete_for_me(gone.message.id)
    return db


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[LocalDB, LocalDB]]:
    with profile(tmp_path / "page.db") as by_page, profile(tmp_path / "one.db") as one_by_one:
        yield by_page, one_by_one


def a_page(db: LocalDB) -> list[dict[str, Any]]:
    ours = db.messages.page("c1", limit=10)[0]
    assert ours.state == "pending"
    photo = {"blob": SHA_A, "size": 1000, "mime": "image/jpeg", "name": "IMG_2041.jpg", "kind": "image",
             "thumbnail": SHA_T}
    return [
        wire(1, body="filed before"),  # here already: unchanged
        wire(2, body="deleted for me"),  # deleted here: skipped
        wire(3, body="new from bob"),
        wire(4, sender=ME, client_id=ours.client_id, body="on its way"),  # ours coming back: sent now
        wire(5, body="a photo", attachments=[photo]),
        wire(3, body="new from bob"),  # the same message twice in one page: unchanged the second time
        wire(6, body="in a conversation not here yet", conversation_id="c9",
             attachments=[{**photo, "blob": SHA_B, "name": "beach.jpg"}]),
        wire(7, body="after the repeat"),
    ]


def contents(db: LocalDB) -> dict[str, list[tuple[Any, ...]]]:
    """Every row filing touches, without local ids (a page may leave gaps in them) or our random client id."""
    with db._conns.read() as conn:
        return {
            "messages": [tuple(r.values()) for r in conn.query(
                "SELECT CASE sender WHEN 'alice' THEN 'ours' ELSE client_id END, server_id, conversation_id, sender,"
                " body, seq, sort_key, state, created_at"
                " FROM messages ORDER BY sort_key")],
            "attachments": [tuple(r.values()) for r in conn.query(
                "SELECT m.server_id, a.position, a.conversation_id, a.sort_key, a.blob, a.name, a.thumbnail"
                " FROM attachments a JOIN messages m ON m.id = a.message_id ORDER BY a.sort_key")],
            "blobs": [tuple(r.values()) for r in conn.query(
                "SELECT sha256, size, state, is_thumbnail FROM blobs ORDER BY sha256")],
            "conversations": [tuple(r.values()) for r in conn.query(
                "SELECT id, title, updated_at FROM conversations ORDER BY id")],
            "search": [tuple(r.values()) for r in conn.query(
                "SELECT m.server_id, s.body, s.names FROM message_search s JOIN messages m ON m.id = s.rowid"
                " ORDER BY m.sort_key")],
        }


def test_a_page_ends_where_filing_its_messages_one_by_one_ends(two: tuple[LocalDB, LocalDB]) -> None:
    by_page, one_by_one = two

    filed = by_page.messages.upsert_remote_many(a_page(by_page))
    singly = [u for m in a_page(one_by_one) if (u := one_by_one.messages.upsert_remote(m)) is not None]

    assert [(u.message.server_id, u.change) for u in filed] == [(u.message.server_id, u.change) for u in singly] == [
        ("srv-c1-1", "unchanged"), ("srv-c1-3", "inserted"), ("srv-c1-4", "updated"), ("srv-c1-5", "inserted"),
        ("srv-c1-3", "unchanged"), ("srv-c9-6", "inserted"), ("srv-c1-7", "inserted")]
    assert contents(by_page) == contents(one_by_one)
    # what the page returns for an inserted message is the row as stored, attachments and all
    for u in filed:
        assert by_page.messages.get(u.message.id) == u.message
    assert [h.message_id for h in by_page.messages.search("beach")] == [filed[5].message.id]


def test_a_page_larger_than_one_statement_is_filed_whole_and_searchable(tmp_path: Path) -> None:
    with LocalDB(tmp_path / "envelope.db") as db:
        count = IN_CHUNK * 2 + 7
        filed = db.messages.upsert_remote_many(
            [wire(seq, body=f"message {seq} word{seq}") for seq in range(1, count + 1)])

        assert [u.change for u in filed] == ["inserted"] * count
        assert [m.seq for m in db.messages.page("c1", limit=3)] == [count, count - 1, count - 2]
        for seq in (1, IN_CHUNK + 1, count):
            assert [h.message_id for h in db.messages.search(f"word{seq} message")] == [filed[seq - 1].message.id]
