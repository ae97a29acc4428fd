"""The cache keeps what is in use (held), keeps the user's own sends on Clear, and never caches what cannot fit."""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.cache import MediaCache
from desktop.core.db.local import LocalDB
from desktop.core.db.records import Account, Attachment
from desktop.core.engine import Engine
from tests.unit.desktop.core.conftest import FakeClock

MB = 1_000_000


@pytest.fixture
def db(tmp_path: Path, clock: FakeClock) -> Iterator[LocalDB]:
    with LocalDB(tmp_path / "envelope.db", clock=clock) as local:
        local.set_account(Account("http://s", "u", "alice", "t"))
        local.conversations.upsert({"id": "c1", "title": "c1", "members": ["alice", "bob"]})
        yield local


@pytest.fixture
def cache(tmp_path: Path, db: LocalDB) -> MediaCache:
    return MediaCache.in_dir(tmp_path / "data", db)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def receive(cache: MediaCache, data: bytes, *, seq: int, sender: str = "bob", download: bool = True) -> str:
    """A file arrives through the feed from ``sender`` (and is downloaded unless told otherwise)."""
    att = Attachment(sha(data), len(data), "application/octet-stream", f"f{seq}.bin", "file")
    cache.db.messages.upsert_remote({
        "id": f"m{seq}", "client_id": f"x{seq}", "conversation_id": "c1", "sender": sender, "body": "",
        "attachments": [att.to_wire()], "seq": seq, "created_at": "2024-01-01T00:00:00Z",
    })
    if download:
        cache.add_download(att.blob, [data])
    return att.blob


def test_a_held_blob_is_not_evicted_nor_counted_until_released(cache: MediaCache, clock: FakeClock) -> None:
    big, other = receive(cache, b"b" * (3 * MB), seq=1), receive(cache, b"o" * MB, seq=2)
    clock.advance()
    cache.path(other)  # other is the more recently used
    cache.hold(big)
    cache.hold(big)  # holds nest: the viewer and a Save as… at once
    assert cache.evict(limit_bytes=2 * MB) == []  # the held 3 MB do not push the rest out
    assert cache.clear() == [] or cache.path(big) is not None
    assert cache.path(big) is not None and cache.clearable() == []
    cache.release(big)
    assert cache.evict(limit_bytes=0) == [] and cache.path(big) is not None
    cache.release(big)
    assert [b.sha256 for b in cache.evict(limit_bytes=0)] == [big]
    assert cache.path(big) is None and not cache.store.has(big)


def test_would_keep_says_no_for_a_file_larger_than_the_limit_unless_held(cache: MediaCache) -> None:
    cache.db.settings.set("cache_limit_bytes", 2 * MB)
    small = receive(cache, b"s" * MB, seq=1, download=False)
    large = receive(cache, b"L" * (3 * MB), seq=2, download=False)
    assert cache.would_keep(small) and not cache.would_keep(large)
    assert cache.would_keep("0" * 64)  # unknown size: the download decides
    with cache.held(large):
        assert cache.would_keep(large)
    assert not cache.would_keep(large)
    cache.db.conversations.set_pinned_offline("c1", True)
    assert cache.would_keep(large)


def test_clear_keeps_the_users_own_sent_files_and_unsent_ones(
        tmp_path: Path, cache: MediaCache, clock: FakeClock) -> None:
    received = receive(cache, b"r" * MB, seq=1)
    mine_sent = receive(cache, b"m" * MB, seq=2, sender="alice")  # sent from this profile earlier
    source = tmp_path / "note.m4a"
    source.write_bytes(b"w" * MB)
    waiting = cache.add_file(source).sha256
    cache.db.messages.add_local("c1", "", [Attachment(waiting, MB, "audio/mp4", "note.m4a", "audio")])
    clock.advance()
    assert [r.sha256 for r in cache.clearable()] == [received]
    assert [b.sha256 for b in cache.clear()] == [received]
    assert cache.path(mine_sent) is not None and cache.path(waiting) is not None
    cache.db.settings.set("cache_limit_bytes", MB)  # the limit still applies to the user's own files
    assert [b.sha256 for b in cache.clear()] == [mine_sent]
    assert cache.path(waiting) is not None


def test_open_copies_are_private_and_removed_at_start_and_stop(tmp_path: Path) -> None:
    data_dir = tmp_path / "profile"
    leftover = data_dir / "open" / "0123456789abcdef" / "from-a-crash.pdf"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"old")
    engine = Engine(data_dir).start()
    try:
        assert not leftover.exists()
        source = tmp_path / "scan\u202efdp.exe"
        source.write_bytes(b"%PDF-1.4 not really")
        blob = engine.cache.add_file(source).sha256
        copy = engine.open_copy(blob, source.name)
        assert copy.read_bytes() == source.read_bytes() and copy.name == "scanfdp.exe"
        assert copy.parent.parent == data_dir / "open"
        for folder in (copy.parent, copy.parent.parent):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        assert engine.open_copy(blob, source.name) == copy  # reused while whole
        assert [p.name for p in copy.parent.iterdir()] == [copy.name]  # no temp files left behind
    finally:
        engine.stop()
    assert not (data_dir / "open").exists()
