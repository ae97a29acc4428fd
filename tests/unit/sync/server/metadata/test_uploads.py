"""The metadata contract for tus uploads in progress: offsets, expiry, and the lease shared by every replica."""

from __future__ import annotations

import pytest

from sync.server.metadata import Metadata
from sync.server.metadata.accounts import User
from sync.server.metadata.errors import Duplicate
from sync.server.metadata.uploads import Upload
from tests.unit.sync.server.metadata.builders import sha

T0 = 1_700_000_000.0
LEASE = 30.0


def new(meta: Metadata, upload_id: str, owner: User, *, length: int = 100, offset: int = 0,
        expires_at: float = T0 + 3600) -> Upload:
    upload = Upload(id=upload_id, user_id=owner.id, length=length, offset=offset, sha256=sha(upload_id.encode()),
                    expires_at=expires_at, metadata={"filename": f"{upload_id}.bin", "filetype": "x/y"})
    meta.uploads.create(upload)
    return upload


def test_create_get_advance_delete(meta: Metadata, alice: User) -> None:
    created = new(meta, "u1", alice)
    assert meta.uploads.get("u1") == created
    assert not created.complete
    meta.uploads.advance("u1", offset=60, expires_at=T0 + 7200)
    assert meta.uploads.get("u1") == Upload(id="u1", user_id=alice.id, length=100, offset=60, sha256=created.sha256,
                                            expires_at=T0 + 7200, metadata=created.metadata)
    meta.uploads.advance("u1", offset=100, expires_at=T0 + 7300)
    done = meta.uploads.get("u1")
    assert done is not None and done.complete
    assert meta.uploads.ids() == {"u1"}
    assert meta.uploads.delete("u1") is True
    assert meta.uploads.get("u1") is None
    assert meta.uploads.delete("u1") is False
    assert meta.uploads.ids() == set()


def test_an_upload_id_is_used_once(meta: Metadata, alice: User) -> None:
    new(meta, "u1", alice)
    with pytest.raises(Duplicate):
        new(meta, "u1", alice, length=5)
    stored = meta.uploads.get("u1")
    assert stored is not None and stored.length == 100


def test_delete_if_expired_respects_expiry_and_lease(meta: Metadata, alice: User) -> None:
    new(meta, "u1", alice, expires_at=T0 + 100)
    assert meta.uploads.expired_ids(now=T0) == []
    assert meta.uploads.delete_if_expired("u1", now=T0) is False  # not expired yet
    assert meta.uploads.expired_ids(now=T0 + 101) == ["u1"]

    assert meta.uploads.lease("u1", "replica-a", now=T0 + 90, until=T0 + 90 + LEASE)
    assert meta.uploads.delete_if_expired("u1", now=T0 + 101) is False  # a PATCH still writes to it
    assert meta.uploads.get("u1") is not None
    assert meta.uploads.delete_if_expired("u1", now=T0 + 90 + LEASE + 1) is True  # its writer died
    assert meta.uploads.get("u1") is None
    assert meta.uploads.delete_if_expired("u1", now=T0 + 1000) is False


def test_delete_if_expired_after_a_renewal(meta: Metadata, alice: User) -> None:
    new(meta, "u1", alice, expires_at=T0 + 100)
    meta.uploads.advance("u1", offset=10, expires_at=T0 + 500)
    assert meta.uploads.delete_if_expired("u1", now=T0 + 200) is False
    assert meta.uploads.get("u1") is not None


def test_complete_ids_by_user_and_shas(meta: Metadata, alice: User, bob: User) -> None:
    a1 = new(meta, "a1", alice, length=3, offset=3)
    a2 = new(meta, "a2", alice, length=3, offset=3)
    new(meta, "a3", alice, length=3, offset=1)  # still arriving
    b1 = new(meta, "b1", bob, length=0, offset=0)  # empty: complete at once
    assert sorted(meta.uploads.complete_ids()) == ["a1", "a2", "b1"]
    assert sorted(meta.uploads.complete_ids(user_id=alice.id)) == ["a1", "a2"]
    assert meta.uploads.complete_ids(user_id=bob.id) == ["b1"]
    assert meta.uploads.complete_ids(user_id=alice.id, shas=[a2.sha256, b1.sha256, a2.sha256]) == ["a2"]
    assert sorted(meta.uploads.complete_ids(shas=iter([a1.sha256, b1.sha256]))) == ["a1", "b1"]
    assert meta.uploads.complete_ids(user_id=alice.id, shas=[]) == []


def test_the_lease(meta: Metadata, alice: User) -> None:
    new(meta, "u1", alice)
    assert meta.uploads.lease("u1", "a", now=T0, until=T0 + LEASE)
    assert not meta.uploads.lease("u1", "b", now=T0 + 1, until=T0 + 1 + LEASE)  # refused while a holds it
    assert meta.uploads.lease("u1", "a", now=T0 + 20, until=T0 + 20 + LEASE)  # a renews
    assert not meta.uploads.lease("u1", "b", now=T0 + LEASE + 1, until=T0 + 2 * LEASE)  # renewed: still a's
    assert meta.uploads.lease("u1", "b", now=T0 + 20 + LEASE + 1, until=T0 + 100)  # a's ran out
    assert not meta.uploads.lease("u1", "a", now=T0 + 60, until=T0 + 90)


def test_release_frees_the_lease_for_its_holder_only(meta: Metadata, alice: User) -> None:
    new(meta, "u1", alice)
    assert meta.uploads.lease("u1", "a", now=T0, until=T0 + LEASE)
    meta.uploads.release("u1", "b")  # not b's to give back
    assert not meta.uploads.lease("u1", "b", now=T0 + 1, until=T0 + LEASE)
    meta.uploads.release("u1", "a")
    assert meta.uploads.lease("u1", "b", now=T0 + 1, until=T0 + 1 + LEASE)


def test_leases_are_per_upload(meta: Metadata, alice: User) -> None:
    new(meta, "u1", alice)
    new(meta, "u2", alice)
    assert meta.uploads.lease("u1", "a", now=T0, until=T0 + LEASE)
    assert meta.uploads.lease("u2", "b", now=T0, until=T0 + LEASE)
    assert not meta.uploads.lease("unknown", "a", now=T0, until=T0 + LEASE)


def test_receiving_counts_held_leases(meta: Metadata, alice: User) -> None:
    for upload_id in ("u1", "u2", "u3"):
        new(meta, upload_id, alice)
    assert meta.uploads.receiving(now=T0) == 0
    meta.uploads.lease("u1", "a", now=T0, until=T0 + LEASE)
    meta.uploads.lease("u2", "b", now=T0, until=T0 + 2 * LEASE)
    assert meta.uploads.receiving(now=T0) == 2
    assert meta.uploads.receiving(now=T0 + LEASE + 1) == 1  # u1's lease ran out
    meta.uploads.release("u2", "b")
    assert meta.uploads.receiving(now=T0) == 1
    meta.uploads.delete("u1")
    assert meta.uploads.receiving(now=T0) == 0
