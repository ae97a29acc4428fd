"""The storage view's queries: totals by kind, per conversation, largest items, what a clear would keep."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.db.local import LocalDB
from desktop.core.db.records import Account, Attachment
from desktop.core.db.usage import CachedItem
from sync.protocol import Kind
from tests.unit.desktop.core.conftest import FakeClock

ME = "alice"
PHOTO, VIDEO, VOICE, PDF, THUMB, POSTER = (c * 64 for c in "abcdef")


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Iterator[LocalDB]:
    with LocalDB(tmp_path / "envelope.db", clock=clock) as local:
        local.set_account(Account("http://127.0.0.1:8765", "u-alice", ME, "token"))
        for cid, title in (("trip", "Trip"), ("club", "Photo club"), ("quiet", "Quiet")):
            local.conversations.upsert({"id": cid, "title": title, "members": [ME, "bob"]})
        yield local


def attachment(sha: str, size: int, kind: Kind, name: str, thumbnail: str | None = None) -> Attachment:
    return Attachment(blob=sha, size=size, mime="application/octet-stream", name=name, kind=kind,
                      thumbnail=thumbnail)


def receive(db: LocalDB, cid: str, seq: int, *attachments: Attachment) -> None:
    db.messages.upsert_remote({"id": f"{cid}-{seq}", "client_id": f"x-{cid}-{seq}", "conversation_id": cid,
                               "sender": "bob", "body": "", "attachments": [a.to_wire() for a in attachments],
                               "seq": seq, "created_at": "2024-01-01T00:00:00Z"})


def cached(db: LocalDB, *shas_and_sizes: tuple[str, int], thumbnail: bool = False) -> None:
    for sha, size in shas_and_sizes:
        db.blobs.record(sha, size, "complete", is_thumbnail=thumbnail)


@pytest.fixture
def world(db: LocalDB) -> LocalDB:
    """trip: a photo (with thumbnail), a video (with poster, not downloaded), a voice note; club: the
    same photo again, sent as a file there, and a PDF. Everything but the video is cached."""
    receive(db, "trip", 1, attachment(PHOTO, 3_000, "image", "coffee.jpg", THUMB))
    receive(db, "trip", 2, attachment(VIDEO, 50_000, "video", "launch.mp4", POSTER),
            attachment(VOICE, 700, "audio", "note.m4a"))
    receive(db, "club", 1, attachment(PHOTO, 3_000, "file", "coffee-again.jpg", THUMB),
            attachment(PDF, 9_000, "file", "report.pdf"))
    cached(db, (PHOTO, 3_000), (VOICE, 700), (PDF, 9_000))
    cached(db, (THUMB, 40), (POSTER, 60), thumbnail=True)
    return db


def test_a_blob_in_two_conversations_counts_in_each_and_once_in_the_totals(world: LocalDB) -> None:
    totals = world.usage.totals()
    assert dict(totals.by_kind) == {"image": 3_000, "video": 0, "audio": 700, "file": 9_000, "other": 0}
    assert totals.media == world.blobs.usage() == 12_700  # the same number as the cache limit uses
    by_conversation = {u.conversation_id: u for u in world.usage.by_conversation()}
    assert [u.conversation_id for u in world.usage.by_conversation()] == ["club", "trip"]  # largest first
    trip, club = by_conversation["trip"], by_conversation["club"]
    assert dict(trip.by_kind) == {"image": 3_000, "audio": 700} and trip.media == 3_700
    assert dict(club.by_kind) == {"image": 3_000, "file": 9_000}  # the photo keeps its first kind
    assert "quiet" not in by_conversation  # nothing of it is here


def test_thumbnails_count_apart_as_previews(world: LocalDB) -> None:
    assert world.usage.totals().previews == 100
    by_conversation = {u.conversation_id: u for u in world.usage.by_conversation()}
    assert by_conversation["trip"].previews == 100  # the photo's thumbnail and the video's poster
    assert by_conversation["club"].previews == 40  # the shared thumbnail, counted here as well
    world.blobs.set_state(POSTER, "missing")
    assert world.usage.totals().previews == 40


def test_only_complete_blobs_count(world: LocalDB) -> None:
    world.blobs.record(VIDEO, 50_000, "partial", bytes_have=20_000)
    assert world.usage.totals().by_kind["video"] == 0
    world.blobs.record(VIDEO, 50_000, "complete")
    assert world.usage.totals().by_kind["video"] == 50_000
    assert world.usage.by_conversation()[0].conversation_id == "trip"


def test_largest_items_first_named_after_their_first_attachment_and_paged(world: LocalDB) -> None:
    items = world.usage.largest()
    assert [(i.name, i.size, i.kind) for i in items] == [
        ("report.pdf", 9_000, "file"), ("coffee.jpg", 3_000, "image"), ("note.m4a", 700, "audio")]
    photo = items[1]
    assert (photo.conversation_id, photo.conversations, photo.thumbnail) == ("trip", 2, THUMB)
    assert all(i.kept is None for i in items)
    first = world.usage.largest(limit=2)
    rest = world.usage.largest(after=first[-1].page_key, limit=2)
    assert [i.sha256 for i in first + rest] == [i.sha256 for i in items] and len(rest) == 1
    assert world.usage.item(PHOTO) == photo
    assert world.usage.item(VIDEO) is None and world.usage.item(THUMB) is None  # not here; a preview


def test_equal_sizes_page_without_losing_or_repeating_one(db: LocalDB) -> None:
    shas = sorted(f"{n:064x}" for n in range(7))
    for n, sha in enumerate(shas):
        receive(db, "trip", n + 1, attachment(sha, 500, "file", f"f{n}.bin"))
        cached(db, (sha, 500))
    seen: list[CachedItem] = []
    page = db.usage.largest(limit=3)
    while page:
        seen += page
        page = db.usage.largest(after=page[-1].page_key, limit=3)
    assert [i.sha256 for i in seen] == shas


def test_a_blob_no_message_attaches_counts_as_other(world: LocalDB) -> None:
    cached(world, ("9" * 64, 5))
    assert world.usage.totals().by_kind["other"] == 5
    orphan = world.usage.item("9" * 64)
    assert orphan is not None and (orphan.kind, orphan.name, orphan.conversation_id, orphan.conversations) == (
        "other", "", None, 0)


def test_pending_uploads_count_and_are_marked_as_sending(world: LocalDB) -> None:
    mine = "7" * 64
    world.blobs.record(mine, 2_000, "complete", pending_upload=True)
    world.messages.add_local("trip", "", [attachment(mine, 2_000, "video", "mine.mp4")])
    assert world.usage.totals().by_kind["video"] == 2_000
    trip = next(u for u in world.usage.by_conversation() if u.conversation_id == "trip")
    assert trip.by_kind["video"] == 2_000
    item = world.usage.item(mine)
    assert item is not None and item.kept == "sending"
    kept = {record.sha256: why for record, why in world.usage.in_conversation("trip")}
    assert kept == {mine: "sending", PHOTO: None, VOICE: None}


def test_what_a_clear_keeps_for_other_conversations_kept_offline(world: LocalDB) -> None:
    world.conversations.set_pinned_offline("club", True)
    trip = dict((r.sha256, why) for r, why in world.usage.in_conversation("trip"))
    assert trip == {PHOTO: "offline", VOICE: None}  # the photo is club's too, and club is kept offline
    club = dict((r.sha256, why) for r, why in world.usage.in_conversation("club"))
    assert club == {PHOTO: None, PDF: None}  # club's own pin keeps nothing from clearing club
    assert [u.pinned_offline for u in world.usage.by_conversation()] == [True, False]
    item = world.usage.item(PDF)
    assert item is not None and item.kept == "offline"  # for one item, any pin keeps it
    world.blobs.set_pinned(VOICE, True)
    assert dict((r.sha256, why) for r, why in world.usage.in_conversation("trip"))[VOICE] == "offline"


def test_in_conversation_lists_largest_first_and_leaves_previews_out(world: LocalDB) -> None:
    assert [r.sha256 for r, _ in world.usage.in_conversation("club")] == [PDF, PHOTO]
    assert world.usage.in_conversation("quiet") == []
