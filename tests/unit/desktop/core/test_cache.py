"""The media cache: adding sends, resumable downloads, LRU eviction and what it must never evict."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.cache import MediaCache
from desktop.core.db.local import LocalDB
from desktop.core.db.records import Account, Attachment
from desktop.core.errors import BlobNotCached, CorruptDownload
from desktop.core.location import default_data_dir
from sync.blobstore import BlobStore
from tests.unit.desktop.core.conftest import FakeClock

MB = 1_000_000


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Iterator[LocalDB]:
    with LocalDB(tmp_path / "envelope.db", clock=clock) as local:
        local.set_account(Account("http://s", "u", "alice", "t"))
        for cid in ("c1", "pinned"):
            local.conversations.upsert({"id": cid, "title": cid, "members": ["alice", "bob"]})
        local.conversations.set_pinned_offline("pinned", True)
        yield local


@pytest.fixture
def cache(tmp_path: Path, db: LocalDB) -> MediaCache:
    return MediaCache.in_dir(tmp_path / "data", db)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def receive(cache: MediaCache, data: bytes, *, conversation_id: str = "c1", seq: int = 1,
            thumbnail: bytes | None = None) -> str:
    """A photo arrives through the feed and is downloaded (with its thumbnail)."""
    att = Attachment(sha(data), len(data), "image/jpeg", f"p{seq}.jpg", "image",
                     thumbnail=sha(thumbnail) if thumbnail else None)
    cache.db.messages.upsert_remote({
        "id": f"{conversation_id}-{seq}", "client_id": f"x{seq}", "conversation_id": conversation_id,
        "sender": "bob", "body": "", "attachments": [att.to_wire()], "seq": seq,
        "created_at": "2024-01-01T00:00:00Z",
    })
    cache.add_download(att.blob, [data])
    if thumbnail:
        cache.add_download(sha(thumbnail), [thumbnail])
    return att.blob


def test_default_data_dir_is_per_user() -> None:
    assert default_data_dir().name == "Envelope"


def test_add_file_copies_while_hashing_and_holds_it_for_upload(tmp_path: Path, cache: MediaCache) -> None:
    source = tmp_path / "holiday.mov"
    source.write_bytes(b"v" * 300_000)
    blob = cache.add_file(source)
    assert (blob.sha256, blob.size) == (sha(b"v" * 300_000), 300_000)
    assert source.exists() and cache.path(blob.sha256) == cache.store.path_for(blob.sha256)
    record = cache.db.blobs.get(blob.sha256)
    assert record is not None and (record.state, record.pending_upload, record.is_thumbnail) == (
        "complete", True, False)
    assert cache.usage() == 300_000
    moved = tmp_path / "compressed.jpg"
    moved.write_bytes(b"small")
    cache.add_file(moved, move=True)
    assert not moved.exists() and cache.usage() == 300_005


def test_path_is_none_unless_cached_and_notices_a_vanished_file(cache: MediaCache) -> None:
    assert cache.path("f" * 64) is None
    blob = receive(cache, b"photo")
    path = cache.path(blob)
    assert path is not None and path.read_bytes() == b"photo"
    path.unlink()
    assert cache.path(blob) is None
    record = cache.db.blobs.get(blob)
    assert record is not None and record.state == "missing"


def test_path_touches_full_media_at_most_once_a_minute(cache: MediaCache, clock: FakeClock) -> None:
    blob = receive(cache, b"photo")
    start = clock.now
    clock.advance(1000)
    cache.path(blob)
    assert (record := cache.db.blobs.get(blob)) is not None and record.last_access == start
    clock.advance()
    cache.path(blob)
    assert (record := cache.db.blobs.get(blob)) is not None and record.last_access == clock.now


def test_a_partial_download_resumes_and_completes(cache: MediaCache) -> None:
    data = bytes(range(256)) * 4000
    name = sha(data)
    assert cache.partial_size(name) == 0
    with cache.open_partial(name) as f:
        f.write(data[:100_000])
    assert cache.partial_size(name) == 100_000
    record = cache.db.blobs.get(name)
    assert record is not None and (record.state, record.bytes_have) == ("partial", 0)
    with cache.open_partial(name) as f:  # a restart later: append from where it stopped
        f.write(data[cache.partial_size(name):])
    blob = cache.complete_partial(name)
    assert blob.size == len(data) and not cache.partial_path(name).exists()
    assert (path := cache.path(name)) is not None and path.read_bytes() == data
    assert (record := cache.db.blobs.get(name)) is not None and (record.state, record.size) == ("complete", len(data))


def test_a_damaged_download_is_discarded_with_a_clear_error(cache: MediaCache) -> None:
    name = sha(b"the real bytes")
    with cache.open_partial(name) as f:
        f.write(b"the real bytez")
    with pytest.raises(CorruptDownload, match="damaged") as caught:
        cache.complete_partial(name)
    assert caught.value.actual == sha(b"the real bytez")
    assert not cache.partial_path(name).exists() and cache.path(name) is None
    assert (record := cache.db.blobs.get(name)) is not None and record.state == "missing"
    with pytest.raises(BlobNotCached):
        cache.complete_partial(name)
    with pytest.raises(CorruptDownload):
        cache.add_download(name, [b"nope"])
    assert list(cache.store) == []


def test_eviction_takes_least_recently_used_media_first(cache: MediaCache, clock: FakeClock) -> None:
    old, middle, new = (receive(cache, bytes([i]) * MB, seq=i) for i in (1, 2, 3))
    for blob in (old, middle, new):  # used in this order, each a minute after the other
        clock.advance()
        cache.path(blob)
    clock.advance()
    cache.path(old)  # now old is the most recent
    evicted = cache.evict(limit_bytes=int(1.5 * MB))
    assert [b.sha256 for b in evicted] == [middle, new]
    assert cache.usage() == MB and cache.path(old) is not None
    assert cache.path(middle) is None and not cache.store.has(middle)
    page = cache.db.messages.page("c1")
    assert len(page) == 3 and all(m.attachments for m in page)  # messages stay: fetch again on demand
    assert cache.evict(limit_bytes=MB) == []


def test_eviction_spares_thumbnails_pending_uploads_pins_and_offline_conversations(
    tmp_path: Path, cache: MediaCache, clock: FakeClock
) -> None:
    with_thumb = receive(cache, b"1" * MB, seq=1, thumbnail=b"thumb")
    offline = receive(cache, b"2" * MB, conversation_id="pinned", seq=2)
    pinned = receive(cache, b"3" * MB, seq=3)
    cache.db.blobs.set_pinned(pinned, True)
    source = tmp_path / "mine.jpg"
    source.write_bytes(b"4" * MB)
    sending = cache.add_file(source).sha256
    cache.db.messages.add_local("c1", "", [Attachment(sending, MB, "image/jpeg", "mine.jpg", "image")])
    clock.advance()
    evicted = cache.clear()
    assert [b.sha256 for b in evicted] == [with_thumb]
    assert cache.path(sha(b"thumb")) is not None
    assert all(cache.path(b) is not None for b in (offline, pinned, sending))
    assert cache.usage() == 3 * MB
    # once uploaded, the user's own file is ordinary cached media for the limit; Clear cache keeps it
    upload = cache.db.outbox.next_due()
    assert upload is not None and upload.blob == sending
    cache.db.outbox.complete(upload.id)
    cache.db.conversations.set_pinned_offline("pinned", False)
    assert {b.sha256 for b in cache.clear()} == {offline}
    assert {b.sha256 for b in cache.evict(limit_bytes=0)} == {sending}
    assert cache.usage() == MB and cache.path(pinned) is not None


def test_evict_defaults_to_the_cache_limit_setting(cache: MediaCache, clock: FakeClock) -> None:
    first = receive(cache, b"a" * MB, seq=1)
    clock.advance()
    receive(cache, b"b" * MB, seq=2)
    assert cache.evict() == []  # 2 MB is far under the default 5 GB
    cache.db.settings.set("cache_limit_bytes", MB)
    assert [b.sha256 for b in cache.evict()] == [first]


def test_a_shared_store_layout(cache: MediaCache, tmp_path: Path) -> None:
    blob = receive(cache, b"layout")
    assert cache.store.path_for(blob) == tmp_path / "data" / "media" / "blobs" / blob[:2] / blob[2:4] / blob
    assert isinstance(cache.store, BlobStore)
