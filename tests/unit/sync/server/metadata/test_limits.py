"""The metadata contract for the abuse limits: throttle counters (one window per bucket) and the quota check."""

from __future__ import annotations

import pytest

from sync.server.metadata import Metadata
from sync.server.metadata.accounts import User
from sync.server.metadata.quota import OverQuota, TooManyOpen, UploadLimits, Usage
from sync.server.metadata.uploads import Upload
from tests.unit.sync.server.metadata.builders import CREATED_AT, sha

T0 = 1_700_000_000.0


def test_a_window_opens_at_the_first_hit_and_counts_until_it_ends(meta: Metadata) -> None:
    counts = [meta.throttle.hit("login:a", window_s=60, now=T0 + i) for i in range(3)]
    assert [(c.hits, c.window_end) for c in counts] == [(1, T0 + 60), (2, T0 + 60), (3, T0 + 60)]
    assert meta.throttle.hit("login:b", window_s=60, now=T0 + 5).hits == 1  # buckets are apart
    after = meta.throttle.hit("login:a", window_s=60, now=T0 + 60)  # the window ended: a new one, at one
    assert (after.hits, after.window_end) == (1, T0 + 120)


def test_take_back_and_clear(meta: Metadata) -> None:
    for i in range(3):
        meta.throttle.hit("addr", window_s=60, now=T0 + i)
    meta.throttle.take_back("addr", now=T0 + 10)
    assert meta.throttle.hit("addr", window_s=60, now=T0 + 11).hits == 3
    meta.throttle.take_back("addr", now=T0 + 61)  # a window that ended is left alone
    assert meta.throttle.hit("addr", window_s=60, now=T0 + 62).hits == 1
    meta.throttle.clear("addr")
    assert meta.throttle.hit("addr", window_s=60, now=T0 + 63).hits == 1


def test_prune_drops_only_ended_windows(meta: Metadata) -> None:
    meta.throttle.hit("old", window_s=10, now=T0)
    meta.throttle.hit("new", window_s=100, now=T0)
    assert meta.throttle.prune(now=T0 + 50) == 1
    assert meta.throttle.hit("new", window_s=100, now=T0 + 51).hits == 2
    assert meta.throttle.hit("old", window_s=10, now=T0 + 51).hits == 1


def _upload(meta: Metadata, owner: User, name: str, length: int, *, limits: UploadLimits | None = None,
            expires_at: float = T0 + 3600) -> Upload:
    upload = Upload(id=name, user_id=owner.id, length=length, offset=0, sha256=sha(name.encode()),
                    expires_at=expires_at, metadata={})
    meta.uploads.create(upload, limits=limits, now=T0)
    return upload


def test_usage_counts_uploaded_blobs_per_uploader_and_open_uploads(meta: Metadata, alice: User, bob: User) -> None:
    assert meta.quota.usage(alice.id, now=T0) == Usage(0, 0)
    shared = _upload(meta, alice, "shared", 500)
    meta.blobs.file_upload(shared, size=500, mime="application/octet-stream", created_at=CREATED_AT)
    again = Upload(id="again", user_id=bob.id, length=500, offset=0, sha256=shared.sha256, expires_at=T0 + 3600)
    meta.uploads.create(again)
    meta.blobs.file_upload(again, size=500, mime="application/octet-stream", created_at=CREATED_AT)
    _upload(meta, alice, "open", 70)
    _upload(meta, alice, "expired", 1000, expires_at=T0 - 1)
    assert meta.quota.usage(alice.id, now=T0) == Usage(570, 1)  # the expired upload no longer counts
    assert meta.quota.usage(bob.id, now=T0) == Usage(500, 0)  # the same bytes count for each uploader


def test_create_with_limits_refuses_past_the_quota_or_the_open_uploads(meta: Metadata, alice: User) -> None:
    limits = UploadLimits(quota_bytes=1000, max_open_uploads=2)
    _upload(meta, alice, "a", 600, limits=limits)
    with pytest.raises(OverQuota) as over:
        _upload(meta, alice, "b", 401, limits=limits)
    assert (over.value.usage, over.value.length, over.value.quota_bytes) == (Usage(600, 1), 401, 1000)
    _upload(meta, alice, "c", 400, limits=limits)  # exactly the quota
    with pytest.raises(TooManyOpen) as many:
        _upload(meta, alice, "d", 0, limits=limits)
    assert many.value.usage.open_uploads == 2 and many.value.limit == 2
    assert meta.uploads.get("b") is None and meta.uploads.get("d") is None
    meta.uploads.delete("c")
    _upload(meta, alice, "e", 400, limits=limits)
