"""Albums against the real server: photos and a video sent together reach the other engine as one message,
its attachments in the order sent, each blob fetchable; twelve photos arrive as albums of ten and two."""

from __future__ import annotations

import hashlib
from functools import partial
from pathlib import Path

from PIL import Image

from desktop.core.albums import send_files
from desktop.core.db.records import Message
from desktop.core.engine import Engine
from desktop.core.sending import COMPRESSED_MAX_EDGE, is_original
from tests.integration import test_engine
from tests.integration.conftest import wait_for
from tests.samples import sample

servers, pair = test_engine.servers, test_engine.pair  # its fixtures: a server, alice and bob in a conversation

ALBUM = [sample("photos/portrait_exif6.jpg"), sample("video/hubble_pan.mp4"), sample("photos/rocket.jpg"),
         sample("photos/coffee.png")]


def received(engine: Engine, conversation_id: str, count: int) -> list[Message]:
    """The conversation's messages, oldest first, once ``count`` of them are there."""
    def page() -> list[Message]:
        return list(reversed(engine.db.messages.page(conversation_id, limit=50)))

    wait_for(lambda: len(page()) == count, timeout=30, what=f"{count} messages")
    return page()


def test_an_album_arrives_as_one_message_with_its_attachments_in_order(pair: tuple[Engine, Engine, str]) -> None:
    alice, bob, cid = pair
    sent = send_files(partial(alice.send, cid), "launch day", ALBUM)
    assert sent.unreadable == [] and len(sent.messages) == 1
    mine = sent.messages[0]
    wait_for(lambda: (m := alice.db.messages.get(mine.id)) is not None and m.state == "sent", what="sent")

    (album,) = received(bob, cid, 1)
    assert album.sender == "alice" and album.body == "launch day"
    assert [a.blob for a in album.attachments] == [a.blob for a in mine.attachments]  # in the order sent
    assert [a.kind for a in album.attachments] == ["image", "video", "image", "image"]
    assert [(a.width, a.height) for a in album.attachments[:2]] == [(284, 427), (1280, 720)]
    assert all(a.thumbnail and a.blurhash for a in album.attachments)  # each cell its own placeholder
    video = album.attachments[1]
    bob.download(video.blob)  # and each its own bytes
    wait_for(lambda: bob.media_path(video.blob) is not None, what="the video's bytes")
    path = bob.media_path(video.blob)
    assert path is not None and hashlib.sha256(path.read_bytes()).hexdigest() == video.blob


def test_twelve_photos_arrive_as_albums_of_ten_and_two(pair: tuple[Engine, Engine, str], tmp_path: Path) -> None:
    alice, bob, cid = pair
    photos = []
    with Image.open(sample("photos/rocket.jpg")) as rocket:
        for i in range(12):
            photos.append(tmp_path / f"rocket_{i:02}.jpg")
            rocket.crop((i * 20, 0, i * 20 + 300, 300)).save(photos[-1], quality=85)
    send_files(partial(alice.send, cid), "a dozen", photos)
    first, second = received(bob, cid, 2)
    assert (first.body, second.body) == ("a dozen", "")
    assert [a.name for a in first.attachments] + [a.name for a in second.attachments] == [p.name for p in photos]
    assert (len(first.attachments), len(second.attachments)) == (10, 2)


def test_a_small_original_is_marked_original_at_the_recipient_too(pair: tuple[Engine, Engine, str]) -> None:
    alice, bob, cid = pair
    rocket = sample("photos/rocket.jpg")  # smaller than a compressed photo may be: only the flag can tell
    mine = alice.send(cid, "", [rocket], as_file=True)
    (at_bob,) = received(bob, cid, 1)
    photo = at_bob.attachments[0]
    assert photo.kind == "image" and photo.blob == mine.attachments[0].blob
    assert is_original(photo) and max(photo.width or 0, photo.height or 0) <= COMPRESSED_MAX_EDGE
    plain = alice.send(cid, "", [rocket])
    received(bob, cid, 2)
    assert not is_original(bob.db.messages.attachment_of_blob(plain.attachments[0].blob))  # type: ignore[arg-type]
