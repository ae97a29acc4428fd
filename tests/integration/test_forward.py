"""Forwarding against the real server: the blobs go by reference (no payload bytes move), offline and
for media never downloaded too, and a client naming a blob it may not read is refused."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from PIL import Image

from desktop.core.db.records import Attachment, Message
from desktop.core.engine import Engine
from desktop.core.events import EngineEvent, MessageAdded, TransferProgress
from desktop.core.forwarding import NotForwardable, forward
from sync.client import ApiError
from sync.protocol import Attachment as WireAttachment
from sync.protocol import MessageCreate
from tests.integration.conftest import wait_for
from tests.integration.test_engine import Servers
from tests.samples import sample

PASSWORD = "password123"
SMALL_POST = 10_000
"""More than a forward's JSON post, far less than the photo (1.3 MB): bytes-in may move by this much."""


@dataclass
class Trio:
    """alice and bob share ``trip``; bob and carol share ``home``; each accepted the other."""

    servers: Servers
    tmp_path: Path
    engines: dict[str, Engine] = field(default_factory=dict)
    events: dict[str, list[EngineEvent]] = field(default_factory=dict)
    trip: str = ""
    home: str = ""

    def add(self, name: str) -> Engine:
        seen: list[EngineEvent] = []
        self.events[name] = seen
        engine = Engine(self.tmp_path / name, long_poll_s=1, listener=seen.append).start()
        engine.sign_up(self.servers.url, name, PASSWORD)
        self.engines[name] = engine
        return engine

    def __getattr__(self, name: str) -> Engine:
        try:
            return self.engines[name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[Trio]:
    servers = Servers(tmp_path / "server")
    servers.start()
    t = Trio(servers, tmp_path)
    try:
        alice, bob, carol = t.add("alice"), t.add("bob"), t.add("carol")
        t.trip = alice.create_conversation("Trip", ["bob"])
        t.home = bob.create_conversation("", ["carol"])
        wait_for(lambda: bob.db.conversations.get(t.trip) and carol.db.conversations.get(t.home),
                 what="both conversations to arrive")
        bob.accept_request(t.trip)
        carol.accept_request(t.home)
        yield t
    finally:
        for engine in t.engines.values():
            engine.stop()
        servers.stop()


def _messages(engine: Engine, cid: str) -> list[Message]:
    return list(reversed(engine.db.messages.page(cid, limit=100)))


def _received(engine: Engine, cid: str, blob: str) -> Message:
    """The message in ``cid`` at ``engine`` that attaches ``blob``, once it has arrived (sent)."""
    found: list[Message] = []

    def arrived() -> bool:
        found[:] = [m for m in _messages(engine, cid)
                    if m.state == "sent" and any(a.blob == blob for a in m.attachments)]
        return bool(found)

    wait_for(arrived, what=f"the message with {blob[:8]} in {cid[:8]}")
    return found[-1]


def _big_photo(path: Path) -> Path:
    """A real photo over 1 MB: the Hubble deep field at twice its size, JPEG quality 97."""
    with Image.open(sample("photos/hubble_deep_field.jpg")) as im:
        im.resize((im.width * 2, im.height * 2), Image.Resampling.LANCZOS).save(path, "JPEG", quality=97)
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _downloaded(engine: Engine, a: Attachment) -> Path:
    engine.download(a.blob)
    wait_for(lambda: engine.media_path(a.blob), what=f"{a.name} downloaded")
    path = engine.media_path(a.blob)
    assert path is not None and _sha256(path) == a.blob and path.stat().st_size == a.size
    return path


def test_forwarding_a_photo_uploads_no_payload_bytes(trio: Trio, tmp_path: Path) -> None:
    alice, bob, carol = trio.alice, trio.bob, trio.carol
    photo = _big_photo(tmp_path / "deep field.jpg")
    original = alice.send(trio.trip, "the deep field", [photo], as_file=True).attachments[0]
    assert original.kind == "image" and original.size > 1_000_000 and original.thumbnail
    at_bob = _received(bob, trio.trip, original.blob)
    wait_for(lambda: all(m.state == "sent" for m in _messages(alice, trio.trip)), what="alice's photo sent")

    before = trio.servers.bytes_counter("bytes_in")
    copy = forward(bob, at_bob.id, trio.home)
    assert copy.state == "pending" and copy.sender == "bob" and copy.conversation_id == trio.home
    assert copy.body == "the deep field" and copy.attachments == at_bob.attachments
    assert [item.kind for item in bob.db.outbox.items(copy.client_id)] == ["post"]  # nothing to upload
    assert MessageAdded(copy.id, trio.home) in trio.events["bob"]
    at_carol = _received(carol, trio.home, original.blob)
    wait_for(lambda: _state(bob, copy.id) == "sent", what="bob's forward sent")
    moved = trio.servers.bytes_counter("bytes_in") - before

    assert 0 < moved < SMALL_POST, f"the forward sent {moved:.0f} bytes; the photo is {original.size}"
    assert not [e for e in trio.events["bob"] if isinstance(e, TransferProgress) and e.direction == "up"]
    assert at_carol.sender == "bob" and at_carol.body == "the deep field"
    assert [a.to_wire() for a in at_carol.attachments] == [original.to_wire()]  # name, kind, size, previews
    _downloaded(carol, at_carol.attachments[0])
    wait_for(lambda: carol.media_path(original.thumbnail or ""), what="the thumbnail at carol")


def test_forward_offline_of_media_never_downloaded(trio: Trio) -> None:
    alice, bob, carol = trio.alice, trio.bob, trio.carol
    original = alice.send(trio.trip, "", [sample("video/hubble_pan.mp4")]).attachments[0]
    assert original.kind == "video"
    at_bob = _received(bob, trio.trip, original.blob)
    wait_for(lambda: all(m.state == "sent" for m in _messages(alice, trio.trip)), what="alice's video sent")
    assert bob.media_path(original.blob) is None  # a video waits for a click: bob never fetched it

    trio.servers.stop()
    copy = forward(bob, at_bob.id, trio.home)
    assert [m.id for m in _messages(bob, trio.home) if m.state == "pending"] == [copy.id]  # shown at once
    wait_for(lambda: any(i.attempts for i in bob.db.outbox.items(copy.client_id)), what="the post to fail offline")
    assert _state(bob, copy.id) == "pending"

    trio.servers.start()
    at_carol = _received(carol, trio.home, original.blob)
    wait_for(lambda: _state(bob, copy.id) == "sent", what="bob's forward sent")
    assert trio.servers.bytes_counter("bytes_in") < SMALL_POST  # the new server's count: no video in it
    assert bob.media_path(original.blob) is None  # still never downloaded at bob
    assert [a.to_wire() for a in at_carol.attachments] == [original.to_wire()]
    _downloaded(carol, at_carol.attachments[0])


def test_a_forged_forward_is_refused(trio: Trio) -> None:
    alice, bob, carol = trio.alice, trio.bob, trio.carol
    original = alice.send(trio.trip, "", [sample("photos/coffee_with_gps.jpg")]).attachments[0]
    assert original.thumbnail is not None
    _received(bob, trio.trip, original.blob)
    mallory = trio.add("mallory")  # in no conversation with this photo; she learnt its hashes somehow
    lair = mallory.create_conversation("", ["carol"])
    client = mallory.client
    assert client is not None
    pdf = sample("files/chelsea.pdf")
    own = _sha256(pdf)  # her own upload, which she may attach, beside the photo's thumbnail, which she may not
    client.upload(client.create_upload(pdf.stat().st_size, own, filename=pdf.name), pdf)
    forgeries = {
        "the photo": original,
        "the photo without its thumbnail": replace(original, thumbnail=None),
        "her file with the photo's thumbnail": replace(original, blob=own, size=pdf.stat().st_size),
    }
    for n, (what, forged) in enumerate(forgeries.items()):
        with pytest.raises(ApiError) as refused:
            client.post_message(lair, MessageCreate(
                client_id=f"forged-{n}", attachments=[WireAttachment.model_validate(forged.to_wire())]))
        assert (refused.value.status, refused.value.code) == (422, "blob_not_uploaded"), what
    assert client.readable([original.blob, original.thumbnail, own]) == {own}
    with pytest.raises(ApiError) as hidden:
        client.media_size(original.blob)
    assert hidden.value.status == 404

    # the engine's own send path, the same: the message fails, saying why, and nothing reaches carol
    message = mallory.db.messages.add_local(lair, "", [original])
    mallory.outbox.kick()
    wait_for(lambda: _state(mallory, message.id) == "failed", what="the forged post refused")
    assert "not uploaded" in (mallory.db.messages.get(message.id).error or "")  # type: ignore[union-attr]
    wait_for(lambda: carol.db.conversations.get(lair), what="mallory's request at carol")
    assert _messages(carol, lair) == []

    # a request carol has not accepted takes no forward (it would accept it on her behalf)
    note = carol.send(trio.home, "hi")
    with pytest.raises(NotForwardable, match="Accept"):
        forward(carol, note.id, lair)
    failed = mallory.db.messages.get(message.id)
    assert failed is not None
    with pytest.raises(NotForwardable, match="send it again"):
        forward(mallory, failed.id, lair)


def _state(engine: Engine, message_id: int) -> str | None:
    message = engine.db.messages.get(message_id)
    return None if message is None else message.state
