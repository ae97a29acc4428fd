"""No head-of-line blocking: texts and thumbnails never wait behind large transfers (issue 12).

Real engines against the real server (a child process). A slow link (a TCP proxy at a set rate)
keeps a large transfer running long enough to see what moves beside it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.engine import Engine
from desktop.core.events import BlobReady, EngineEvent, MessageAdded, TransferProgress
from tests.integration.conftest import ServerProcess, wait_for
from tests.integration.slow_link import slow_link
from tests.samples import sample

PASSWORD = "password123"
MB = 1024 * 1024


def big_file(path: Path, size: int) -> Path:
    """A file of ``size`` bytes, unique by its first line, written without holding it in memory."""
    with open(path, "wb") as f:
        f.write(f"{path} {time.time_ns()}\n".encode())
        f.truncate(size)
    return path


class Seen:
    """Engine events a test waits on, from the engine's threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._waits: list[tuple[object, threading.Event]] = []
        engine.add_listener(self._on_event)

    def when(self, predicate: object) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._waits.append((predicate, event))
        return event

    def _on_event(self, event: EngineEvent) -> None:
        with self._lock:
            waits = list(self._waits)
        for predicate, flag in waits:
            if not flag.is_set() and predicate(event):  # type: ignore[operator]
                flag.set()


@pytest.fixture
def people(tmp_path: Path, server: ServerProcess) -> Iterator[tuple[Engine, Engine]]:
    alice = Engine(tmp_path / "alice", long_poll_s=5).start()
    bob = Engine(tmp_path / "bob", long_poll_s=5).start()
    yield alice, bob
    alice.stop()
    bob.stop()


def _talk(alice: Engine, bob: Engine, title: str) -> str:
    cid = alice.create_conversation(title, ["bob"])
    wait_for(lambda: bob.db.conversations.get(cid), what="bob to see the conversation")
    bob.accept_request(cid)
    return cid


def test_a_text_arrives_within_a_second_while_a_500_mb_upload_runs(
        people: tuple[Engine, Engine], server: ServerProcess, tmp_path: Path) -> None:
    alice, bob = people
    with slow_link(server.port, bytes_per_s=40 * MB) as link:  # the upload lasts ~12 s
        alice.sign_up(link.url, "alice", PASSWORD)
        bob.sign_up(server.url, "bob", PASSWORD)
        trip, other = _talk(alice, bob, "trip"), _talk(alice, bob, "work")
        video = big_file(tmp_path / "holiday.mov", 500 * MB)
        big = alice.send(trip, "", [video]).attachments[0].blob
        moving = Seen(alice).when(lambda e: isinstance(e, TransferProgress) and e.sha256 == big and e.done > 8 * MB)
        assert moving.wait(60), "the large upload never got going"

        for cid, body in ((other, "in another conversation"), (trip, "in the same conversation")):
            arrived = Seen(bob).when(lambda e, cid=cid: isinstance(e, MessageAdded) and e.conversation_id == cid)
            started = time.monotonic()
            alice.send(cid, body)
            assert arrived.wait(1.0), f"a text {body} waited behind the upload"
            elapsed = time.monotonic() - started
            assert alice.outbox.running(big), f"the upload should still be running ({elapsed:.2f} s)"
        texts = [m.body for m in bob.db.messages.page(trip, limit=10)]
        assert texts == ["in the same conversation"]  # the video goes after it, when it is uploaded
        alice.cancel_transfer(big)


def test_a_new_photo_thumbnail_appears_while_a_large_download_runs(
        people: tuple[Engine, Engine], server: ServerProcess, tmp_path: Path) -> None:
    alice, bob = people
    with slow_link(server.port, bytes_per_s=8 * MB) as link:  # the download lasts ~5 s
        alice.sign_up(server.url, "alice", PASSWORD)
        bob.sign_up(link.url, "bob", PASSWORD)
        cid = _talk(alice, bob, "trip")
        big = alice.send(cid, "", [big_file(tmp_path / "archive.bin", 40 * MB)]).attachments[0].blob
        wait_for(lambda: alice.db.outbox.items() == [], 60, "the archive to be sent")
        wait_for(lambda: bob.db.messages.attachment_of_blob(big), 30, "bob to get the archive's message")

        moving = Seen(bob).when(lambda e: isinstance(e, TransferProgress) and e.sha256 == big and e.done > MB)
        bob.download(big)
        assert moving.wait(30), "the large download never got going"
        photo = alice.send(cid, "", [sample("photos/chelsea.png")]).attachments[0]
        assert photo.thumbnail is not None
        thumbnail = Seen(bob).when(lambda e: isinstance(e, BlobReady) and e.sha256 == photo.thumbnail)
        assert thumbnail.wait(30), "the thumbnail never came"
        assert bob.media_path(big) is None, "the thumbnail waited for the large download"
        assert bob.downloads.running(big)
        bob.cancel_transfer(big)
