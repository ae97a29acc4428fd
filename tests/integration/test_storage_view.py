"""Freeing space against the real server: clearing a conversation's media keeps its messages and
previews, frees the bytes, keeps what is needed elsewhere; a cleared photo downloads again on open."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.core.db.records import Attachment, Message
from desktop.core.engine import Engine
from desktop.core.forwarding import forward
from desktop.core.storage import NotRemovable, clear_media, plan_clear, remove_item
from tests.integration.conftest import wait_for
from tests.integration.test_engine import Servers, pair, servers  # noqa: F401 - fixtures the world builds on
from tests.samples import sample


@dataclass
class World:
    """bob sent alice a photo and a PDF in ``trip`` and forwarded the photo to ``club``; alice has
    both cached (the photo once: it is the same blob), with their thumbnails."""

    servers: Servers
    alice: Engine
    bob: Engine
    trip: str
    club: str
    photo: Attachment
    pdf: Attachment

    def texts(self, cid: str) -> list[tuple[str, tuple[str, ...]]]:
        return [(m.body, tuple(a.blob for a in m.attachments)) for m in self.alice.db.messages.page(cid)]

    def file_of(self, sha: str) -> Path:
        return self.alice.cache.store.path_for(sha)


def _arrived(engine: Engine, cid: str, count: int) -> list[Message]:
    wait_for(lambda: len([m for m in engine.db.messages.page(cid) if m.state == "sent"]) == count,
             what=f"{count} messages in {cid[:8]}")
    return list(reversed(engine.db.messages.page(cid)))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    alice, bob, trip = request.getfixturevalue("pair")  # test_engine's: a server, alice and bob, trip accepted
    running: Servers = request.getfixturevalue("servers")
    club = alice.create_conversation("Club", ["bob"])
    wait_for(lambda: bob.db.conversations.get(club), what="bob to see the club")
    bob.accept_request(club)
    sent = bob.send(trip, "the deep field", [sample("photos/hubble_deep_field.jpg")])
    bob.send(trip, "and the vet's report", [sample("files/chelsea.pdf")])
    forward(bob, _arrived(bob, trip, 2)[0].id, club)
    pdf = _arrived(alice, trip, 2)[1].attachments[0]
    _arrived(alice, club, 1)
    photo = sent.attachments[0]
    alice.download(pdf.blob)
    for sha in (photo.blob, pdf.blob, photo.thumbnail or ""):
        wait_for(lambda sha=sha: alice.media_path(sha), what=f"{sha[:8]} at alice")
    return World(running, alice, bob, trip, club, photo, pdf)


def test_clearing_a_conversation_keeps_its_messages_and_previews_and_frees_the_bytes(world: World) -> None:
    alice = world.alice
    before_texts, before = world.texts(world.trip), alice.db.usage.totals()
    assert before.media == alice.cache.usage() == world.photo.size + world.pdf.size
    plan = plan_clear(alice, world.trip)
    assert {r.sha256 for r in plan.removed} == {world.photo.blob, world.pdf.blob} and not plan.kept

    removed = clear_media(alice, world.trip)

    assert {b.sha256 for b in removed} == {world.photo.blob, world.pdf.blob}
    assert not world.file_of(world.photo.blob).exists() and not world.file_of(world.pdf.blob).exists()
    assert alice.media_path(world.photo.blob) is None and alice.media_path(world.pdf.blob) is None
    assert world.texts(world.trip) == before_texts  # every message and its text, the attachments named
    assert world.texts(world.club) == [("the deep field", (world.photo.blob,))]
    assert alice.media_path(world.photo.thumbnail or "") is not None  # the timeline still shows a preview
    after = alice.db.usage.totals()
    assert after.media == alice.cache.usage() == 0 and after.previews == before.previews
    assert alice.db.usage.by_conversation()[0].media == 0

    alice.download(world.photo.blob)  # opening the photo: it comes again from the server
    wait_for(lambda: alice.media_path(world.photo.blob), what="the photo downloaded again")
    path = alice.media_path(world.photo.blob)
    assert path is not None and _sha256(path) == world.photo.blob
    assert alice.db.usage.totals().by_kind["image"] == world.photo.size


def test_clearing_keeps_a_blob_kept_offline_through_another_conversation_or_waiting_to_upload(
        world: World) -> None:
    alice = world.alice
    alice.set_pinned_offline(world.club, True)
    world.servers.stop()
    mine = alice.send(world.trip, "my ticket", [sample("files/chelsea.pdf")]).attachments[0]
    assert mine.blob == world.pdf.blob  # the same bytes as bob's report: one blob, now waiting to upload
    video = alice.send(world.trip, "", [sample("video/hubble_pan.mp4")]).attachments[0]

    plan = plan_clear(alice, world.trip)
    assert plan.removed == ()
    assert {(r.sha256, why) for r, why in plan.kept} == {
        (world.photo.blob, "offline"), (world.pdf.blob, "sending"), (video.blob, "sending")}
    assert clear_media(alice, world.trip) == []
    for sha in (world.photo.blob, world.pdf.blob, video.blob):
        assert alice.media_path(sha) is not None and world.file_of(sha).is_file()
    with pytest.raises(NotRemovable, match="waiting to be sent"):
        remove_item(alice, video.blob)
    with pytest.raises(NotRemovable, match="kept offline"):
        remove_item(alice, world.photo.blob)

    # clearing the conversation kept offline stops keeping it offline and removes what only it needed
    cleared = clear_media(alice, world.club)
    club = alice.db.conversations.get(world.club)
    assert club is not None and not club.pinned_offline
    assert [b.sha256 for b in cleared] == [world.photo.blob] and not world.file_of(world.photo.blob).exists()
    assert alice.media_path(world.photo.thumbnail or "") is not None

    world.servers.start()  # once sent, alice's files are ordinary cached media: one item can go
    wait_for(lambda: all(m.state == "sent" for m in alice.db.messages.page(world.trip)), what="alice's sends")
    wait_for(lambda: alice.db.usage.item(video.blob) and alice.db.usage.item(video.blob).kept is None,  # type: ignore[union-attr]
             what="the video released after upload")
    gone = remove_item(alice, video.blob)
    assert gone is not None and gone.size == video.size and not world.file_of(video.blob).exists()
    assert alice.media_path(video.thumbnail or "") is not None
    assert remove_item(alice, video.blob) is None  # not here any more
    assert alice.db.usage.totals().media == alice.cache.usage() == world.pdf.size
