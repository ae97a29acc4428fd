"""Messages: the time a message shows, its order, and deleting one for this profile only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from desktop.core.db.local import LocalDB
from desktop.core.db.records import Account, Attachment
from tests.unit.desktop.core.conftest import FakeClock
from tests.unit.desktop.core.db.test_db import count, photo, wire

ME = "alice"
WROTE_AT = int(datetime(2024, 2, 1, 20, 16, 5).timestamp() * 1000)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[LocalDB]:
    with LocalDB(tmp_path / "envelope.db", clock=FakeClock(WROTE_AT)) as local:
        local.set_account(Account("http://127.0.0.1:8765", "u-alice", ME, "token"))
        local.conversations.upsert({"id": "c1", "title": "Trip", "members": [ME, "bob"],
                                    "created_at": "2024-01-01T00:00:00.000Z"})
        yield local


def at(seq: int, iso: str, **kwargs: object) -> dict[str, object]:
    return {**wire(seq, **kwargs), "created_at": iso}  # type: ignore[arg-type]


# -- time and order ------------------------------------------------------------------------------
def test_a_message_written_offline_shows_when_it_was_written_not_when_it_was_delivered(db: LocalDB) -> None:
    pending = db.messages.add_local("c1", "written at 20:16, offline")
    assert pending.created_at == WROTE_AT
    sent = db.messages.mark_sent(pending.client_id, server_id="srv-c1-7", seq=7)
    assert (sent.state, sent.seq, sent.created_at) == ("sent", 7, WROTE_AT)
    # the feed's copy carries the server's time (20:17): ours keeps the time it was written
    echo = db.messages.upsert_remote(at(7, "2024-02-01T20:17:40", sender=ME, client_id=pending.client_id))
    assert echo is not None and (echo.change, echo.message.created_at) == ("unchanged", WROTE_AT)


def test_the_feed_copy_arriving_first_also_keeps_the_written_time(db: LocalDB) -> None:
    pending = db.messages.add_local("c1", "hello")
    echo = db.messages.upsert_remote(at(3, "2024-02-01T20:17:40", sender=ME, client_id=pending.client_id))
    assert echo is not None and (echo.change, echo.message.state, echo.message.created_at) == (
        "updated", "sent", WROTE_AT)


def test_other_peoples_messages_show_the_servers_time(db: LocalDB) -> None:
    theirs = db.messages.upsert_remote(at(4, "2024-02-01T20:17:40"))
    assert theirs is not None
    assert theirs.message.created_at == int(datetime(2024, 2, 1, 20, 17, 40).timestamp() * 1000)


def test_sent_messages_sort_by_the_servers_order_and_pending_ones_last(db: LocalDB) -> None:
    early = db.messages.add_local("c1", "mine, written first")
    db.messages.add_local("c1", "mine, still pending")
    db.messages.upsert_remote(at(5, "2024-02-01T20:16:30", body="bob's, delivered first"))
    db.messages.mark_sent(early.client_id, server_id="srv-c1-6", seq=6)
    bodies = [m.body for m in reversed(db.messages.page("c1"))]
    assert bodies == ["bob's, delivered first", "mine, written first", "mine, still pending"]


# -- delete for me -------------------------------------------------------------------------------
def test_delete_for_me_hides_a_message_from_timeline_gallery_search_and_unread(db: LocalDB) -> None:
    db.messages.upsert_remote(wire(1, body="keep this"))
    doomed = db.messages.upsert_remote(wire(2, body="secret sunset", attachments=[photo(name="sunset.jpg").to_wire()]))
    assert doomed is not None
    deleted = db.messages.delete_for_me(doomed.message.id)
    assert deleted == doomed.message
    assert [m.body for m in db.messages.page("c1")] == ["keep this"]
    assert db.messages.media("c1") == []
    assert db.messages.search("sunset") == [] and db.messages.search("secret") == []
    summary = db.conversations.summaries()[0]
    assert (summary.unread, summary.preview) == (1, "keep this")
    assert db.messages.get(doomed.message.id) is None
    assert count(db, "attachments") == 0


def test_a_deleted_message_stays_deleted_when_the_feed_brings_it_again(db: LocalDB) -> None:
    message = wire(2, body="gone for good", attachments=[photo().to_wire()])
    first = db.messages.upsert_remote(message)
    assert first is not None
    db.messages.delete_for_me(first.message.id)
    assert db.messages.upsert_remote(message) is None  # a re-sync from an older cursor
    assert db.messages.upsert_remote_many([message, wire(3, body="new")])[0].message.body == "new"
    assert [m.body for m in db.messages.page("c1")] == ["new"]


def test_our_own_sent_message_can_be_deleted_for_me_and_its_echo_stays_away(db: LocalDB) -> None:
    mine = db.messages.add_local("c1", "oops")
    db.messages.mark_sent(mine.client_id, server_id="srv-c1-1", seq=1)
    assert db.messages.delete_for_me(mine.id) is not None
    assert db.messages.upsert_remote(wire(1, sender=ME, client_id=mine.client_id, body="oops")) is None
    assert db.messages.page("c1") == []


def test_delete_for_me_leaves_a_pending_message_alone(db: LocalDB) -> None:
    pending = db.messages.add_local("c1", "on its way")
    assert db.messages.delete_for_me(pending.id) is None
    assert db.messages.get(pending.id) == pending
    assert db.messages.delete_for_me(9999) is None


def test_delete_for_me_of_a_failed_message_frees_its_upload(db: LocalDB) -> None:
    db.blobs.record("a" * 64, 1000, "complete", pending_upload=True)
    message = db.messages.add_local("c1", "", [Attachment("a" * 64, 1000, "image/jpeg", "x.jpg", "image")])
    db.messages.mark_failed(message.client_id, "refused")
    assert db.messages.delete_for_me(message.id) is not None
    blob = db.blobs.get("a" * 64)
    assert blob is not None and not blob.pending_upload
    assert db.outbox.items() == []
