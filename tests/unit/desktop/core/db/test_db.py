"""The local database: migrations, sends and the feed, timelines, search, outbox, threads."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from desktop.core.db import migrations
from desktop.core.db.conversations import UNREAD_CAP
from desktop.core.db.local import LocalDB
from desktop.core.db.messages import MARK_END, MARK_START, PAGE_SQL
from desktop.core.db.records import PENDING_BASE, Account, Attachment
from desktop.core.errors import (
    DatabaseTooNew,
    NotSignedIn,
    UnknownConversation,
    UnknownMessage,
    UnknownSetting,
)
from tests.unit.desktop.core.conftest import FakeClock

SHA_A, SHA_B, SHA_T = "a" * 64, "b" * 64, "c" * 64
ME = "alice"


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Iterator[LocalDB]:
    with LocalDB(tmp_path / "envelope.db", clock=clock) as local:
        local.set_account(Account("http://127.0.0.1:8765", "u-alice", ME, "token"))
        local.conversations.upsert({"id": "c1", "title": "Trip", "members": [ME, "bob"],
                                    "created_at": "2024-01-01T00:00:00.000Z"})
        yield local


def wire(seq: int, *, sender: str = "bob", client_id: str | None = None, body: str = "",
         conversation_id: str = "c1", attachments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"id": f"srv-{conversation_id}-{seq}", "client_id": client_id or f"cid-{sender}-{seq}",
            "conversation_id": conversation_id, "sender": sender, "body": body,
            "attachments": attachments or [], "seq": seq, "created_at": f"2024-02-01T00:00:{seq % 60:02d}.000Z"}


def photo(sha: str = SHA_A, *, name: str = "IMG_2041.jpg", thumb: str | None = SHA_T) -> Attachment:
    return Attachment(blob=sha, size=1000, mime="image/jpeg", name=name, kind="image", width=4000,
                      height=3000, thumbnail=thumb, blurhash="LEHV6nWB2yk8")


def insert_sent_messages(db: LocalDB, conversation_id: str, n: int) -> None:
    """n sent messages in one statement (FTS5 flushes per statement: executemany would take ~5 s)."""
    with db._conns.write() as conn:
        conn.execute(
            """WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < ?)
               INSERT INTO messages (client_id, server_id, conversation_id, sender, body, seq, sort_key, state,
                   created_at)
               SELECT 'c' || n, ? || '-' || n, ?, 'bob', 'message number ' || n, n, n, 'sent', n FROM i""",
            [n, conversation_id, conversation_id],
        )


def count(db: LocalDB, table: str) -> int:
    with db._conns.read() as conn:
        return int(next(conn.query(f"SELECT count(*) AS n FROM {table}"))["n"])


# -- opening and migrations ----------------------------------------------------------------------
def test_migrations_apply_once_and_reopening_does_not_reapply(tmp_path: Path) -> None:
    path = tmp_path / "envelope.db"
    with LocalDB(path) as first:
        assert first.applied_migrations() == ["m001_core_tables", "m002_message_search", "m003_quarantined_events",
                                               "m004_deleted_messages", "m005_conversation_viewed_at",
                                               "m006_pinned_certificates", "m007_conversation_consent",
                                                   "m008_transfer_queue"]
        first.settings.set("cache_limit_bytes", 123)
    before = _migration_rows(path)
    with LocalDB(path) as second:
        assert second.applied_migrations() == ["m001_core_tables", "m002_message_search", "m003_quarantined_events",
                                               "m004_deleted_messages", "m005_conversation_viewed_at",
                                               "m006_pinned_certificates", "m007_conversation_consent",
                                                   "m008_transfer_queue"]
        assert second.settings.get("cache_limit_bytes") == 123
    assert _migration_rows(path) == before
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def _migration_rows(path: Path) -> list[tuple[Any, ...]]:
    raw = sqlite3.connect(path)
    try:
        return raw.execute("SELECT migration_set, name, applied_at FROM _sqlite_migrations ORDER BY id").fetchall()
    finally:
        raw.close()


def test_a_later_migration_runs_on_an_older_file_and_backfills_search(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.migrations.apply(old, stop_before="m002_message_search")
    old.execute("INSERT INTO conversations (id, title, updated_at) VALUES ('c1', 't', 0)")
    old.execute("""INSERT INTO messages (id, client_id, conversation_id, sender, body, seq, sort_key, state,
                   created_at) VALUES (1, 'x', 'c1', 'bob', 'before the index existed', 1, 1, 'sent', 0)""")
    old.execute("""INSERT INTO attachments (message_id, position, conversation_id, sort_key, blob, size, mime, name,
                   kind) VALUES (1, 0, 'c1', 1, ?, 1, 'video/mp4', 'beach.mp4', 'video')""", [SHA_A])
    old.close()
    with LocalDB(path) as db:
        assert db.applied_migrations() == ["m001_core_tables", "m002_message_search", "m003_quarantined_events",
                                               "m004_deleted_messages", "m005_conversation_viewed_at",
                                               "m006_pinned_certificates", "m007_conversation_consent",
                                                   "m008_transfer_queue"]
        assert [h.message_id for h in db.messages.search("existed")] == [1]
        assert [h.message_id for h in db.messages.search("beach")] == [1]


def test_a_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "envelope.db"
    LocalDB(path).close()
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, 'm999_future', '')",
                [migrations.MIGRATION_SET])
    raw.commit()
    raw.close()
    with pytest.raises(DatabaseTooNew, match="newer version"):
        LocalDB(path)


def test_batch_commits_together_or_not_at_all(db: LocalDB) -> None:
    with pytest.raises(RuntimeError), db.batch():
        db.messages.upsert_remote(wire(1))
        db.set_cursor("c-1")
        raise RuntimeError("crash mid-page")
    assert db.cursor() is None
    assert db.messages.page("c1") == []
    with db.batch():
        db.messages.upsert_remote(wire(1))
        db.set_cursor("c-1")
    assert db.cursor() == "c-1"
    assert len(db.messages.page("c1")) == 1


# -- sending -------------------------------------------------------------------------------------
def test_a_local_message_is_pending_with_its_outbox(db: LocalDB) -> None:
    db.blobs.record(SHA_A, 1000, "complete", pending_upload=True)
    db.blobs.record(SHA_T, 50, "complete", is_thumbnail=True, pending_upload=True)
    db.blobs.record(SHA_B, 7, "complete")  # already on the server: no upload
    message = db.messages.add_local("c1", "look", [photo(), photo(SHA_B, name="b.jpg", thumb=None)])
    assert (message.state, message.seq, message.sender, message.sort_key) == (
        "pending", None, ME, PENDING_BASE + message.id)
    assert len(message.client_id) == 32 and [a.name for a in message.attachments] == ["IMG_2041.jpg", "b.jpg"]
    steps = db.outbox.items(message.client_id)
    assert [(s.kind, s.blob) for s in steps] == [("upload", SHA_A), ("upload", SHA_T), ("post", None)]
    assert db.messages.by_client_id(message.client_id) == message


def test_sending_needs_an_account_and_a_known_conversation(tmp_path: Path) -> None:
    with LocalDB(tmp_path / "x.db") as db:
        db.conversations.upsert({"id": "c1", "title": "", "members": []})
        with pytest.raises(NotSignedIn):
            db.messages.add_local("c1", "hi")
        db.set_account(Account("http://s", "u", ME))
        with pytest.raises(UnknownConversation):
            db.messages.add_local("nope", "hi")


def test_pending_becomes_sent_and_the_feed_copy_does_not_duplicate(db: LocalDB) -> None:
    pending = db.messages.add_local("c1", "hello")
    sent = db.messages.mark_sent(pending.client_id, server_id="srv-c1-7", seq=7)
    assert (sent.id, sent.state, sent.seq, sent.sort_key, sent.created_at) == (
        pending.id, "sent", 7, 7, pending.created_at)  # the time it was written here
    echo = db.messages.upsert_remote(wire(7, sender=ME, client_id=pending.client_id, body="hello"))
    assert echo.change == "unchanged" and echo.message == sent
    assert count(db, "messages") == 1


def test_the_feed_copy_arriving_before_the_post_reply_marks_the_message_sent(db: LocalDB) -> None:
    pending = db.messages.add_local("c1", "hello")
    echo = db.messages.upsert_remote(wire(3, sender=ME, client_id=pending.client_id, body="hello"))
    assert (echo.change, echo.message.id, echo.message.state) == ("updated", pending.id, "sent")
    again = db.messages.mark_sent(pending.client_id, server_id="srv-c1-3", seq=3)
    assert again == echo.message and count(db, "messages") == 1


def test_upsert_remote_is_idempotent(db: LocalDB) -> None:
    message = wire(1, body="pics", attachments=[photo().to_wire()])
    first = db.messages.upsert_remote(message)
    second = db.messages.upsert_remote(message)
    assert (first.change, second.change) == ("inserted", "unchanged")
    assert second.message == first.message and first.message.attachments == (photo(),)
    assert (count(db, "messages"), count(db, "attachments")) == (1, 1)
    full, thumb = db.blobs.get(SHA_A), db.blobs.get(SHA_T)
    assert full is not None and (full.state, full.size, full.is_thumbnail) == ("missing", 1000, False)
    assert thumb is not None and (thumb.state, thumb.is_thumbnail) == ("missing", True)


def test_a_client_id_is_only_unique_per_sender(db: LocalDB) -> None:
    mine = db.messages.add_local("c1", "mine")
    theirs = db.messages.upsert_remote(wire(1, sender="mallory", client_id=mine.client_id, body="spoof"))
    assert theirs.change == "inserted" and theirs.message.id != mine.id
    assert db.messages.by_client_id(mine.client_id) == mine


def test_a_message_for_an_unknown_conversation_creates_a_placeholder(db: LocalDB) -> None:
    db.messages.upsert_remote(wire(1, conversation_id="c9"))
    placeholder = db.conversations.get("c9")
    assert placeholder is not None and placeholder.title == ""
    db.conversations.upsert({"id": "c9", "title": "Later", "members": ["bob"]})
    assert db.conversations.get("c9") == placeholder.__class__(
        id="c9", title="Later", members=("bob",), updated_at=placeholder.updated_at)


def test_pending_before_keeps_a_conversation_in_order(db: LocalDB) -> None:
    db.conversations.upsert({"id": "c2", "title": "", "members": []})
    first, other, second = (db.messages.add_local(c, "x") for c in ("c1", "c2", "c1"))
    assert not db.messages.pending_before("c1", first.id)
    assert db.messages.pending_before("c1", second.id) and not db.messages.pending_before("c2", other.id)
    db.messages.mark_failed(first.client_id, "refused")  # a failed one does not hold the rest back
    assert not db.messages.pending_before("c1", second.id)


def test_failed_messages_can_be_retried_or_discarded(db: LocalDB, clock: FakeClock) -> None:
    db.blobs.record(SHA_A, 1000, "complete", pending_upload=True)
    message = db.messages.add_local("c1", "x", [photo(thumb=None)])
    failed = db.messages.mark_failed(message.client_id, "attachment refused")
    assert (failed.state, failed.error) == ("failed", "attachment refused")
    assert db.outbox.next_due() is None  # parked until a retry
    clock.advance(1000)
    assert db.messages.retry(message.client_id).state == "pending"
    due = db.outbox.next_due()
    assert due is not None and due.kind == "upload"
    db.messages.discard(message.client_id)
    assert db.messages.by_client_id(message.client_id) is None
    assert db.outbox.items() == []
    blob = db.blobs.get(SHA_A)
    assert blob is not None and not blob.pending_upload
    with pytest.raises(UnknownMessage):
        db.messages.mark_failed(message.client_id, "gone")


# -- timelines -------------------------------------------------------------------------------------
def test_pages_are_newest_first_with_unsent_messages_first_of_all(db: LocalDB) -> None:
    for seq in range(1, 8):
        db.messages.upsert_remote(wire(seq, body=f"m{seq}"))
    first_pending = db.messages.add_local("c1", "p1")
    failed = db.messages.mark_failed(db.messages.add_local("c1", "p2").client_id, "no")
    db.messages.upsert_remote(wire(8, body="m8"))  # arrives after the pending ones were written
    page = db.messages.page("c1", limit=4)
    assert [m.body for m in page] == ["p2", "p1", "m8", "m7"]
    assert page[0] == failed and page[1] == first_pending
    older = db.messages.page("c1", before=page[-1].sort_key, limit=4)
    assert [m.body for m in older] == ["m6", "m5", "m4", "m3"]
    assert [m.body for m in db.messages.page("c1", before=3, limit=10)] == ["m2", "m1"]
    assert db.messages.page("c1", before=1) == []


def test_the_page_query_uses_the_timeline_index_on_100k_messages(db: LocalDB) -> None:
    n = 100_000
    insert_sent_messages(db, "c1", n)
    params = {"conversation_id": "c1", "before": 50_000, "limit": 50}
    plan = " | ".join(db.query_plan(PAGE_SQL, params))
    assert "USING INDEX messages_timeline (conversation_id=? AND sort_key<?)" in plan
    assert "TEMP B-TREE" not in plan and "SCAN" not in plan
    page = db.messages.page("c1", before=50_000, limit=50)
    assert [m.seq for m in page] == list(range(49_999, 49_949, -1))
    summary = db.conversations.summaries()[0]
    assert (summary.unread, summary.last_message and summary.last_message.seq) == (UNREAD_CAP, n)
    db.conversations.mark_read("c1", n - 10)
    assert db.conversations.summaries()[0].unread == 10


def test_conversation_list_orders_by_activity_and_counts_unread(db: LocalDB) -> None:
    db.conversations.upsert({"id": "c2", "title": "Quiet", "members": [ME],
                             "created_at": "2024-01-15T00:00:00.000Z"})
    db.messages.upsert_remote(wire(1, body="hi"))
    db.messages.upsert_remote(wire(2, sender=ME, body="hey"))
    db.messages.upsert_remote(wire(3, attachments=[photo(name="beach.jpg").to_wire()]))
    first, second = db.conversations.summaries()
    assert (first.conversation.id, second.conversation.id) == ("c1", "c2")
    assert (first.unread, first.preview, first.conversation.members) == (2, "beach.jpg", (ME, "bob"))
    assert (second.unread, second.last_message, second.preview) == (0, None, "")
    assert db.conversations.mark_read("c1", 1) == 1
    assert db.conversations.summaries()[0].unread == 1
    assert db.conversations.mark_read("c1") == 3
    assert db.conversations.mark_read("c1", 2) == 3  # never moves back
    assert db.conversations.summaries()[0].unread == 0
    with pytest.raises(UnknownConversation):
        db.conversations.mark_read("nope")


def test_removing_a_conversation_removes_its_messages(db: LocalDB) -> None:
    db.messages.upsert_remote(wire(1, body="bye", attachments=[photo().to_wire()]))
    assert db.conversations.remove("c1") and not db.conversations.remove("c1")
    assert (count(db, "messages"), count(db, "attachments"), count(db, "members")) == (0, 0, 0)
    assert db.messages.search("bye") == []


def test_gallery_lists_media_newest_first_and_pages(db: LocalDB) -> None:
    video = Attachment(SHA_B, 9, "video/mp4", "clip.mp4", "video", duration_ms=3000, thumbnail=SHA_T)
    doc = Attachment("d" * 64, 5, "application/pdf", "doc.pdf", "file")
    db.messages.upsert_remote(wire(1, attachments=[photo().to_wire(), doc.to_wire()]))
    db.messages.upsert_remote(wire(2, attachments=[video.to_wire(), photo(name="two.jpg").to_wire()]))
    db.blobs.record(SHA_B, 9, "complete")
    items = db.messages.media("c1")
    assert [(i.sort_key, i.position, i.attachment.name) for i in items] == [
        (2, 0, "clip.mp4"), (2, 1, "two.jpg"), (1, 0, "IMG_2041.jpg")]
    assert (items[0].blob_state, items[0].thumbnail_state, items[2].blob_state) == ("complete", "missing", "missing")
    first = db.messages.media("c1", limit=1)
    rest = db.messages.media("c1", after=first[0], limit=10)
    assert first + rest == items
    assert [i.attachment.name for i in db.messages.media("c1", ["file"])] == ["doc.pdf"]


# -- search ----------------------------------------------------------------------------------------
HOSTILE = ['"', "'", '"unbalanced', "-", "--", "-bob", "*", "**", "a*b", ":", "body:", "names:x", "(", ")",
           "(a OR", "NOT", "AND OR NOT", "NEAR(a b)", "^", "{body}", "[x]", "\\", "\x00", "a\x00b", "",
           "    ", "émoji 🎉", "'; DROP TABLE messages; --", "x" * 5000, "🎉" * 100]


@pytest.mark.parametrize("query", HOSTILE)
def test_search_tolerates_any_input(db: LocalDB, query: str) -> None:
    db.messages.upsert_remote(wire(1, body="NOT a (test) -- body: with * stars"))
    assert isinstance(db.messages.search(query), list)
    assert count(db, "messages") == 1


def test_search_never_raises(db: LocalDB) -> None:
    db.messages.upsert_remote(wire(1, body="some text: with (syntax) - * \" characters"))

    @settings(max_examples=300, deadline=None)
    @given(query=st.text(max_size=60))
    def search(query: str) -> None:
        db.messages.search(query)

    search()


def test_search_finds_words_prefixes_and_file_names(db: LocalDB) -> None:
    db.conversations.upsert({"id": "c2", "title": "", "members": []})
    db.messages.upsert_remote(wire(1, body="Dinner at the café tonight?"))
    db.messages.upsert_remote(wire(2, attachments=[photo(name="IMG_2041.jpg").to_wire()]))
    db.messages.upsert_remote(wire(1, conversation_id="c2", client_id="other", body="dinner plans"))
    assert {h.message_id for h in db.messages.search("dinner")} == {1, 3}
    assert [h.message_id for h in db.messages.search("cafe")] == [1]  # diacritics folded
    assert [h.message_id for h in db.messages.search("din", conversation_id="c2")] == [3]  # prefix
    assert [h.message_id for h in db.messages.search('"img_2041')] == [2]
    hit = db.messages.search("tonight")[0]
    assert f"{MARK_START}tonight{MARK_END}" in hit.snippet
    assert (hit.conversation_id, hit.sort_key) == ("c1", 1)
    assert [h.message_id for h in db.messages.search("dinner -plans")] == [3]  # '-' is no NOT here


# -- outbox ----------------------------------------------------------------------------------------
def test_outbox_runs_uploads_before_the_post_and_backs_off(db: LocalDB, clock: FakeClock) -> None:
    db.blobs.record(SHA_A, 1000, "complete", pending_upload=True)
    message = db.messages.add_local("c1", "", [photo(thumb=None)])
    upload = db.outbox.next_due()
    assert upload is not None and (upload.kind, upload.blob, upload.client_id) == ("upload", SHA_A, message.client_id)
    db.outbox.update_upload(upload.id, offset=4096, upload_url="http://s/v1/uploads/1")
    later = db.outbox.reschedule(upload.id, error="timeout", next_attempt_at=clock.now + 5000)
    assert (later.attempts, later.last_error, later.upload_offset, later.upload_url) == (
        1, "timeout", 4096, "http://s/v1/uploads/1")
    assert db.outbox.next_due() is None  # the post waits for the upload
    assert db.outbox.next_wakeup() == clock.now + 5000
    clock.advance(5000)
    upload = db.outbox.next_due(lease_ms=60_000)
    assert upload is not None and db.outbox.next_due() is None  # claimed
    db.outbox.complete(upload.id)
    blob = db.blobs.get(SHA_A)
    assert blob is not None and not blob.pending_upload
    post = db.outbox.next_due()
    assert post is not None and post.kind == "post"
    db.outbox.complete(post.id)
    assert db.outbox.items() == [] and db.outbox.next_wakeup() is None


# -- settings, account, cursor, watched folders ----------------------------------------------------------
def test_settings_account_cursor_and_watched_files_survive_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "envelope.db"
    with LocalDB(path, clock=clock) as db:
        assert db.settings.get("cache_limit_bytes") == 5_000_000_000  # 5 GB, as Settings shows it
        assert db.settings.get("auto_download_max_bytes") == 8_000_000
        db.settings.set("auto_download_max_bytes", 1_000_000)
        with pytest.raises(UnknownSetting):
            db.settings.get("nope")
        with pytest.raises(UnknownSetting):
            db.settings.set("nope", 1)
        db.set_account(Account("http://s", "u1", ME, "secret"))
        db.set_cursor("cursor-42")
        db.conversations.upsert({"id": "c1", "title": "", "members": []})
        db.watched.add_folder("/home/alice/Drop", "c1")
        db.watched.record_file("/home/alice/Drop/a.jpg", size=10, mtime_ns=5, sha256=SHA_A, sent=True)
    with LocalDB(path, clock=clock) as db:
        assert db.settings.all()["auto_download_max_bytes"] == 1_000_000
        assert db.account() == Account("http://s", "u1", ME, "secret")
        db.sign_out()
        assert db.account() == Account("http://s", "u1", ME, None)
        assert db.cursor() == "cursor-42"
        assert [f.path for f in db.watched.folders()] == ["/home/alice/Drop"]
        assert db.watched.already_sent("/home/alice/Drop/a.jpg", size=10, mtime_ns=5)
        assert not db.watched.already_sent("/home/alice/Drop/a.jpg", size=11, mtime_ns=6)
        assert not db.watched.already_sent("/home/alice/Drop/b.jpg", size=10, mtime_ns=5)


# -- threads ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("in_memory", [False, True])
def test_one_thread_writes_while_others_read(tmp_path: Path, in_memory: bool) -> None:
    db = LocalDB.memory() if in_memory else LocalDB(tmp_path / "envelope.db")
    db.set_account(Account("http://s", "u", ME))
    db.conversations.upsert({"id": "c1", "title": "", "members": []})
    errors: list[BaseException] = []
    reads = [0, 0]  # read rounds each reader has finished
    progress = threading.Condition()
    done = threading.Event()

    def readers_caught_up(wanted: list[int]) -> bool:
        return bool(errors) or all(n >= w for n, w in zip(reads, wanted, strict=True))

    def write() -> None:
        try:
            for seq in range(1, 301):
                db.messages.upsert_remote(wire(seq, body=f"m{seq}"))
                if seq % 10 == 0:
                    db.messages.add_local("c1", f"local {seq}")
                if seq % 50 == 0:  # both readers finish a round in between, however the threads are scheduled
                    with progress:
                        wanted = [n + 1 for n in reads]
                        if not progress.wait_for(lambda wanted=wanted: readers_caught_up(wanted), timeout=60):
                            raise AssertionError(f"the readers are stuck: {reads} rounds")
        except BaseException as e:  # collected and re-raised on the test thread
            errors.append(e)
        finally:
            done.set()

    def read(me: int) -> None:  # like the GUI thread: mostly reads, sometimes a small write
        try:
            while not done.is_set():
                page = db.messages.page("c1", limit=20)
                assert [m.sort_key for m in page] == sorted((m.sort_key for m in page), reverse=True)
                db.conversations.summaries()
                db.messages.search("m1")
                db.conversations.mark_read("c1")
                with progress:
                    reads[me] += 1
                    progress.notify_all()
        except BaseException as e:
            errors.append(e)
            with progress:
                progress.notify_all()

    threads = [threading.Thread(target=write), threading.Thread(target=read, args=(0,)),
               threading.Thread(target=read, args=(1,))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    summary = db.conversations.summaries()[0]
    db.close()
    assert errors == []
    assert min(reads) >= 6 and summary.last_message is not None  # each reader read between the write batches
