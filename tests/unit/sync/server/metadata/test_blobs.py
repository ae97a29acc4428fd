"""The metadata contract for blobs: filing an upload, and who may read a blob under which name."""

from __future__ import annotations

from sync.server.metadata import Metadata
from sync.server.metadata.accounts import User
from sync.server.metadata.blobs import BlobInfo
from sync.server.metadata.uploads import Upload
from tests.unit.sync.server.metadata.builders import CREATED_AT, conversation, picture, post, sha

T0 = 1_700_000_000.0


def upload(meta: Metadata, upload_id: str, uploader: User, data: bytes, *, filename: str = "") -> Upload:
    staged = Upload(id=upload_id, user_id=uploader.id, length=len(data), offset=len(data), sha256=sha(data),
                    expires_at=T0 + 3600, metadata={"filename": filename} if filename else {})
    meta.uploads.create(staged)
    return staged


def filed(meta: Metadata, uploader: User, data: bytes, *, filename: str = "", mime: str = "image/jpeg") -> str:
    done = upload(meta, f"up{sha(data)[:8]}{uploader.username}", uploader, data, filename=filename)
    meta.blobs.file_upload(done, size=len(data), mime=mime, created_at=CREATED_AT)
    return done.sha256


def test_file_upload_records_the_blob_and_drops_the_upload(meta: Metadata, alice: User) -> None:
    done = upload(meta, "u1", alice, b"cat.jpg", filename="cat.jpg")
    assert meta.blobs.get(done.sha256) is None
    meta.blobs.file_upload(done, size=7, mime="image/jpeg", created_at=CREATED_AT)
    assert meta.blobs.get(done.sha256) == BlobInfo(7, "image/jpeg")
    assert meta.uploads.get("u1") is None
    assert meta.uploads.ids() == set()
    assert meta.blobs.can_read(alice.id, done.sha256)


def test_the_same_blob_filed_by_two_uploaders(meta: Metadata, alice: User, bob: User, carol: User) -> None:
    digest = filed(meta, alice, b"same bytes", mime="image/png")
    assert filed(meta, bob, b"same bytes", mime="application/octet-stream") == digest
    assert meta.blobs.get(digest) == BlobInfo(10, "image/png")  # the first filing stands
    assert meta.blobs.can_read(alice.id, digest)
    assert meta.blobs.can_read(bob.id, digest)
    assert not meta.blobs.can_read(carol.id, digest)


def test_who_may_read_a_blob(meta: Metadata, alice: User, bob: User, carol: User) -> None:
    """The uploader, and members of a conversation with a message attaching it; no one else."""
    photo, thumb = filed(meta, alice, b"cat.jpg"), filed(meta, alice, b"thumb")
    assert not meta.blobs.can_read(bob.id, photo)
    conversation(meta, "c1", alice, bob)
    post(meta, "c1", alice, "look", attachments=[picture("cat.jpg", thumbnail=thumb), picture("cat.jpg")])
    for digest in (photo, thumb):
        assert meta.blobs.can_read(alice.id, digest)
        assert meta.blobs.can_read(bob.id, digest)
        assert not meta.blobs.can_read(carol.id, digest)


def test_a_new_member_may_read_what_was_shared_before(meta: Metadata, alice: User, bob: User, carol: User) -> None:
    photo = filed(meta, alice, b"cat.jpg")
    conversation(meta, "c1", alice, bob)
    post(meta, "c1", alice, attachments=[picture("cat.jpg")])
    meta.conversations.add_member("c1", carol.id)
    assert meta.blobs.can_read(carol.id, photo)


def test_a_removed_member_may_no_longer_read(meta: Metadata, alice: User, bob: User) -> None:
    photo = filed(meta, alice, b"cat.jpg")
    conversation(meta, "c1", alice, bob)
    post(meta, "c1", alice, attachments=[picture("cat.jpg")])
    meta.conversations.remove_member("c1", bob.id)
    assert not meta.blobs.can_read(bob.id, photo)
    meta.conversations.remove_member("c1", alice.id)
    assert meta.blobs.can_read(alice.id, photo)  # still its uploader


def test_a_blob_shared_elsewhere_stays_readable(meta: Metadata, alice: User, bob: User) -> None:
    photo = filed(meta, alice, b"cat.jpg")
    conversation(meta, "c1", alice, bob)
    conversation(meta, "c2", alice, bob)
    post(meta, "c1", alice, attachments=[picture("cat.jpg")])
    post(meta, "c2", alice, attachments=[picture("cat.jpg")])
    meta.conversations.remove_member("c1", bob.id)
    assert meta.blobs.can_read(bob.id, photo)


def test_a_blob_not_filed_is_readable_by_no_one(meta: Metadata, alice: User, bob: User) -> None:
    conversation(meta, "c1", alice, bob)
    post(meta, "c1", alice, attachments=[picture("cat.jpg")])
    upload(meta, "u1", alice, b"cat.jpg")  # received, not filed yet
    assert not meta.blobs.can_read(alice.id, sha(b"cat.jpg"))
    assert not meta.blobs.can_read(bob.id, sha(b"cat.jpg"))
    assert meta.blobs.get(sha(b"cat.jpg")) is None


def test_readable_keeps_order_and_drops_repeats(meta: Metadata, alice: User, bob: User) -> None:
    a, b, c = filed(meta, alice, b"a"), filed(meta, bob, b"b"), filed(meta, alice, b"c")
    unknown = sha(b"never uploaded")
    assert meta.blobs.readable(alice.id, [c, b, a, c, unknown, a]) == [c, a]
    assert meta.blobs.readable(bob.id, [c, b, a, b]) == [b]
    assert meta.blobs.readable(alice.id, []) == []


def test_name_for(meta: Metadata, alice: User, bob: User, carol: User) -> None:
    photo = filed(meta, alice, b"cat.jpg", filename="IMG_0001.JPG")
    assert meta.blobs.name_for(alice.id, photo) == "IMG_0001.JPG"
    assert meta.blobs.name_for(bob.id, photo) == ""
    conversation(meta, "c1", alice, bob)
    post(meta, "c1", alice, attachments=[picture("cat.jpg")])
    assert meta.blobs.name_for(bob.id, photo) == "cat.jpg"
    assert meta.blobs.name_for(alice.id, photo) == "cat.jpg"  # the name in a message they see comes first
    assert meta.blobs.name_for(carol.id, photo) == ""
    nameless = filed(meta, carol, b"no name")
    assert meta.blobs.name_for(carol.id, nameless) == ""
