"""Requests in the client engine against the real server: a stranger's conversation fetches no media
until accepted; delete and block; an acceptance on another computer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from desktop.core.db.records import Attachment, Message
from desktop.core.downloads import REQUEST_SENTENCE
from desktop.core.engine import Engine
from desktop.core.events import EngineEvent, TransferFinished
from sync.client import ApiError
from sync.server.runner import EmbeddedServer
from tests.integration.conftest import wait_for
from tests.samples import sample

PASSWORD = "password123"


@dataclass
class Scene:
    """alice (a stranger to bob), bob, and carol, whose chat with bob (``chat``) bob accepted."""

    tmp_path: Path
    url: str
    engines: list[Engine] = field(default_factory=list)
    seen: dict[str, list[EngineEvent]] = field(default_factory=dict)
    chat: str = ""

    def engine(self, folder: str, username: str, *, new: bool = True) -> Engine:
        self.seen[folder] = events = []
        engine = Engine(self.tmp_path / folder, long_poll_s=1, listener=events.append).start()
        (engine.sign_up if new else engine.sign_in)(self.url, username, PASSWORD)
        self.engines.append(engine)
        return engine

    @property
    def alice(self) -> Engine:
        return self.engines[0]

    @property
    def bob(self) -> Engine:
        return self.engines[1]

    def settle(self, bob: Engine | None = None) -> None:
        """Carol writes in her chat with bob; once it is at ``bob``, every event before it was filed
        (and what filing it queued was queued)."""
        bob = bob or self.bob
        text = f"marker {len(_messages(self.engines[2], self.chat))}"
        self.engines[2].send(self.chat, text)
        wait_for(lambda: any(m.body == text for m in _messages(bob, self.chat)), what=f"{text!r} at bob")


@pytest.fixture
def scene(tmp_path: Path, embedded: Callable[..., EmbeddedServer]) -> Iterator[Scene]:
    s = Scene(tmp_path, embedded().url)
    for name in ("alice", "bob", "carol"):
        s.engine(name, name)
    s.chat = s.engines[2].create_conversation("", ["bob"])
    wait_for(lambda: s.bob.db.conversations.get(s.chat), what="carol's chat at bob")
    s.bob.accept_request(s.chat)
    yield s
    for engine in s.engines:
        engine.stop()


def _messages(engine: Engine, cid: str) -> list[Message]:
    return engine.db.messages.page(cid, limit=100)


def _photo_request(scene: Scene, bob: Engine | None = None) -> tuple[str, Attachment]:
    """alice starts a conversation with bob and sends a photo; it is filed at ``bob``."""
    bob = bob or scene.bob
    cid = scene.alice.create_conversation("hello", ["bob"])
    scene.alice.send(cid, "look", [sample("photos/coffee_with_gps.jpg")])
    wait_for(lambda: _messages(bob, cid), what="the photo message at bob")
    scene.settle(bob)
    (message,) = _messages(bob, cid)
    return cid, message.attachments[0]


def _fetched_nothing(bob: Engine, photo: Attachment) -> bool:
    """Neither the photo nor its thumbnail is here, partly here, or queued."""
    assert photo.thumbnail
    records = [bob.db.blobs.get(sha) for sha in (photo.blob, photo.thumbnail)]
    return (all(r is None or (r.state == "missing" and r.bytes_have == 0) for r in records)
            and not any(bob.downloads.queued(sha) or bob.media_path(sha) or bob.cache.partial_path(sha).exists()
                        for sha in (photo.blob, photo.thumbnail)))


def test_a_request_fetches_nothing_until_accepted(scene: Scene) -> None:
    bob = scene.bob
    cid, photo = _photo_request(scene)
    conversation = bob.db.conversations.get(cid)
    assert conversation is not None and conversation.is_request and conversation.invited_by == "alice"
    assert photo.thumbnail and photo.blurhash  # the placeholder travels in the message
    assert _fetched_nothing(bob, photo)
    bob.download(photo.blob)  # asking anyway (a click) is refused with a sentence
    wait_for(lambda: TransferFinished(photo.blob, "down", error=REQUEST_SENTENCE) in scene.seen["bob"],
             what="the sentence")
    assert _fetched_nothing(bob, photo)
    assert [s.conversation.id for s in bob.db.conversations.summaries(requests=True)] == [cid]

    bob.accept_request(cid)
    wait_for(lambda: bob.media_path(photo.blob) and bob.media_path(photo.thumbnail or ""), what="the photo")
    assert cid in [s.conversation.id for s in bob.db.conversations.summaries()]
    later = scene.alice.create_conversation("again", ["bob"])  # now they talk: no request
    wait_for(lambda: bob.db.conversations.get(later), what="the second conversation")
    second = bob.db.conversations.get(later)
    assert second is not None and not second.is_request


def test_deleting_a_request_and_it_stays_gone(scene: Scene) -> None:
    bob = scene.bob
    cid, photo = _photo_request(scene)
    bob.delete_request(cid)
    assert bob.db.conversations.get(cid) is None and _messages(bob, cid) == []
    scene.alice.send(cid, "are you there?")
    wait_for(lambda: len(_messages(scene.alice, cid)) == 2 and _messages(scene.alice, cid)[0].state == "sent",
             what="alice's second message sent")
    scene.settle()
    assert bob.db.conversations.get(cid) is None and _messages(bob, cid) == []
    assert _fetched_nothing(bob, photo)


def test_blocking_the_sender(scene: Scene) -> None:
    alice, bob = scene.alice, scene.bob
    cid, photo = _photo_request(scene)
    assert bob.block_request(cid) == "alice"
    assert bob.db.conversations.get(cid) is None
    with pytest.raises(ApiError) as refused:
        alice.create_conversation("let me in", ["bob"])
    assert (refused.value.status, refused.value.message) == (422, "There is no user called 'bob'.")
    assert [b.username for b in bob.client.blocked()] == ["alice"]  # type: ignore[union-attr]
    scene.settle()
    assert bob.db.conversations.request_count() == 0 and _fetched_nothing(bob, photo)


def test_accepted_on_another_computer(scene: Scene) -> None:
    other = scene.engine("bob-laptop", "bob", new=False)
    cid, photo = _photo_request(scene, other)
    scene.bob.accept_request(cid)
    wait_for(lambda: other.media_path(photo.blob) and other.media_path(photo.thumbnail or ""),
             what="the photo on bob's laptop")
    conversation = other.db.conversations.get(cid)
    assert conversation is not None and not conversation.is_request
