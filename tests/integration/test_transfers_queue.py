"""The transfers list and its controls (``Engine.transfers``) against the real server: downloads, and
the list's events when uploads are queued, retried or discarded.

Bob reaches the server through a slow link (a TCP proxy at a set rate) so a transfer is still running
when the test pauses it, moves another to the front, or stops the app. The uploads' controls are
driven through the transfers panel in tests/gui/transfers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from desktop.core.downloads import PAUSED
from desktop.core.engine import Engine
from desktop.core.events import BlobReady, EngineEvent, TransferFinished, TransferProgress, TransfersChanged
from desktop.core.saving import sha256_of
from desktop.core.transfers import Transfer
from tests.integration.conftest import ServerProcess, wait_for
from tests.integration.slow_link import SlowLink, slow_link
from tests.integration.test_lanes import Seen, big_file

PASSWORD = "password123"
MB = 1024 * 1024
SLOW = 4 * MB  # bytes a second on each of bob's connections
FAST = 1 << 40


@dataclass
class Downloads:
    alice: Engine
    bob: Engine
    link: SlowLink
    cid: str
    tmp_path: Path

    def sent(self, *sizes: int) -> list[str]:
        """Alice sends files of these sizes (one message each); returns their blobs once bob has the messages."""
        shas: list[str] = []
        for i, size in enumerate(sizes):
            path = big_file(self.tmp_path / f"part-{i}.bin", size)
            shas.append(self.alice.send(self.cid, "", [path]).attachments[0].blob)
        wait_for(lambda: self.alice.db.outbox.items() == [], 60, "alice's files to be sent")
        wait_for(lambda: all(self.bob.db.messages.attachment_of_blob(s) for s in shas), 30, "bob to get them")
        return shas

    def row(self, sha: str, engine: Engine | None = None) -> Transfer:
        rows = [t for t in (engine or self.bob).transfers.current() if t.sha256 == sha]
        assert len(rows) == 1, rows
        return rows[0]

    def request(self, *shas: str) -> None:
        """bob clicks these downloads, in this order (each is queued before the next is asked)."""
        for sha in shas:
            self.bob.download(sha)
            wait_for(partial(self.bob.downloads.queued, sha), 30, "the download to be queued")

    def states(self, engine: Engine | None = None) -> list[tuple[str, str]]:
        return [(t.sha256, t.state) for t in (engine or self.bob).transfers.current()]

    def moving_up(self, sha: str) -> None:
        going = Seen(self.bob).when(lambda e: isinstance(e, TransferProgress) and e.sha256 == sha and e.done > 0)
        assert going.wait(30), "the upload never got going"

    def moving(self, sha: str, beyond: int) -> None:
        going = Seen(self.bob).when(lambda e: isinstance(e, TransferProgress) and e.sha256 == sha and e.done > beyond)
        assert going.wait(30), f"the download never got past {beyond} bytes"


@pytest.fixture
def downloads(server: ServerProcess, tmp_path: Path) -> Iterator[Downloads]:
    alice = Engine(tmp_path / "alice", long_poll_s=1).start()
    bob = Engine(tmp_path / "bob", long_poll_s=1).start()
    with slow_link(server.port, bytes_per_s=SLOW) as link:
        alice.sign_up(server.url, "alice", PASSWORD)
        bob.sign_up(link.url, "bob", PASSWORD)
        cid = alice.create_conversation("Archive", ["bob"])
        wait_for(lambda: bob.db.conversations.get(cid), what="bob to see the conversation")
        bob.accept_request(cid)
        state = Downloads(alice, bob, link, cid, tmp_path)
        yield state
        alice.stop()
        state.bob.stop()


def test_a_paused_download_stops_and_resumes_from_its_bytes(downloads: Downloads) -> None:
    bob = downloads.bob
    (sha,) = downloads.sent(24 * MB)
    downloads.request(sha)
    downloads.moving(sha, 2 * MB)
    assert downloads.row(sha).state == "running"
    assert downloads.row(sha).size == 24 * MB

    paused = Seen(bob).when(lambda e: isinstance(e, TransferFinished) and e.sha256 == sha and e.cancelled)
    bob.transfers.pause(sha, "down")
    assert paused.wait(30)
    kept = bob.cache.partial_size(sha)
    row = downloads.row(sha)
    assert (row.state, row.done) == ("paused", kept) and 2 * MB < kept < 24 * MB
    assert not bob.downloads.running(sha) and bob.cache.partial_size(sha) == kept  # nothing more is written

    starts: list[int] = []
    bob.add_listener(lambda e: starts.append(e.done) if isinstance(e, TransferProgress) and e.sha256 == sha else None)
    ready = Seen(bob).when(lambda e: isinstance(e, BlobReady) and e.sha256 == sha)
    downloads.link.bytes_per_s = FAST
    bob.transfers.resume(sha, "down")
    assert ready.wait(30)
    assert starts and starts[0] > kept  # the first report already counts the bytes kept: a Range from there
    path = bob.media_path(sha)
    assert path is not None and sha256_of(path) == sha
    assert [t for t in bob.transfers.current() if t.sha256 == sha] == []


def test_move_to_front_runs_a_queued_download_before_those_queued_earlier(downloads: Downloads) -> None:
    bob = downloads.bob
    first, second, third, fourth = downloads.sent(12 * MB, 12 * MB, 9 * MB, 9 * MB)
    downloads.request(first, second, third, fourth)
    downloads.moving(first, MB)
    downloads.moving(second, MB)  # two large downloads at a time: the other two wait in order
    states = {t.sha256: t.state for t in bob.transfers.current()}
    assert [states[s] for s in (first, second, third, fourth)] == ["running", "running", "queued", "queued"]

    bob.transfers.to_front(fourth, "down")
    wait_for(lambda: [sha for sha, state in downloads.states() if state == "queued"] == [fourth, third],
             10, "the fourth to be first in the queue")
    began: list[str] = []
    bob.add_listener(lambda e: began.append(e.sha256) if isinstance(e, TransferProgress) else None)
    bob.transfers.pause(first, "down")  # frees a place in the large lane
    wait_for(lambda: third in began or fourth in began, 30, "a queued download to start")
    assert next(s for s in began if s in (third, fourth)) == fourth
    for sha in (second, third, fourth):
        bob.transfers.cancel(sha, "down")


def test_cancel_takes_a_download_off_the_list_and_keeps_its_bytes_for_later(downloads: Downloads) -> None:
    bob = downloads.bob
    (sha,) = downloads.sent(16 * MB)
    downloads.request(sha)
    downloads.moving(sha, MB)
    cancelled = Seen(bob).when(lambda e: isinstance(e, TransferFinished) and e.sha256 == sha and e.cancelled)
    bob.transfers.cancel(sha, "down")
    assert cancelled.wait(30)
    wait_for(lambda: [t for t in bob.transfers.current() if t.sha256 == sha] == [], 10, "it to leave the list")
    kept = bob.cache.partial_size(sha)
    assert kept > MB

    starts: list[int] = []
    bob.add_listener(lambda e: starts.append(e.done) if isinstance(e, TransferProgress) and e.sha256 == sha else None)
    ready = Seen(bob).when(lambda e: isinstance(e, BlobReady) and e.sha256 == sha)
    downloads.link.bytes_per_s = FAST
    bob.download(sha)  # asked again later (a click on the bubble): it goes on from there
    assert ready.wait(30)
    assert starts[0] > kept


def test_the_download_queue_its_order_and_what_was_paused_survive_a_restart(downloads: Downloads) -> None:
    bob = downloads.bob
    running, held, next_up, later, moved = downloads.sent(16 * MB, 12 * MB, 9 * MB, 9 * MB, 9 * MB)
    downloads.request(running, held)
    downloads.moving(held, MB)
    paused = Seen(bob).when(lambda e: isinstance(e, TransferFinished) and e.sha256 == held and e.error == PAUSED)
    bob.transfers.pause(held, "down")
    assert paused.wait(30)
    kept = bob.cache.partial_size(held)
    downloads.request(next_up)
    downloads.moving(next_up, MB)  # the place the paused one left
    downloads.request(later, moved)
    bob.transfers.to_front(moved, "down")
    wait_for(lambda: downloads.states()[2:] == [(moved, "queued"), (later, "queued"), (held, "paused")], 10,
             "the queue in its new order")
    assert sorted(downloads.states()[:2]) == sorted([(running, "running"), (next_up, "running")])

    bob.stop()
    downloads.link.bytes_per_s = FAST
    again = downloads.bob = Engine(bob.data_dir, long_poll_s=1)
    left = again.transfers.current()  # before it starts: as the queue was left
    assert [(t.sha256, t.state) for t in left] == [  # the one moved to the front, then oldest first
        (moved, "queued"), (running, "queued"), (next_up, "queued"), (later, "queued"), (held, "paused")]
    assert left[-1].done == kept

    ready = {sha: Seen(again).when(lambda e, sha=sha: isinstance(e, BlobReady) and e.sha256 == sha)
             for sha in (running, next_up, later, moved, held)}
    again.start()
    for sha in (running, next_up, later, moved):
        assert ready[sha].wait(30), "the queue went on by itself"
    assert downloads.row(held, again).state == "paused" and again.media_path(held) is None
    again.transfers.resume(held, "down")
    assert ready[held].wait(30)
    path = again.media_path(held)
    assert path is not None and sha256_of(path) == held


def test_the_list_hears_of_an_upload_queued_retried_and_discarded(downloads: Downloads) -> None:
    """The panel redraws on TransfersChanged: a send, a retry and a discard each change the list."""
    bob = downloads.bob
    running = [bob.send(downloads.cid, "", [big_file(downloads.tmp_path / f"big-{i}.bin", 12 * MB)])
               for i in range(2)]
    for message in running:
        downloads.moving_up(message.attachments[0].blob)
    heard: list[list[tuple[str, str]]] = []

    def listen(event: EngineEvent) -> None:
        if isinstance(event, TransfersChanged):
            heard.append([(t.name, t.state) for t in bob.transfers.current() if t.name == "third.bin"])

    bob.add_listener(listen)
    third = bob.send(downloads.cid, "", [big_file(downloads.tmp_path / "third.bin", 9 * MB)])
    assert [("third.bin", "queued")] in heard  # said before send() returned: nothing else moved
    sha = third.attachments[0].blob
    bob.transfers.cancel(sha, "up")
    wait_for(lambda: downloads.row(sha).state == "failed", 10, "the cancelled upload to fail")
    heard.clear()
    bob.transfers.retry(sha, "up")
    wait_for(lambda: [("third.bin", "queued")] in heard, 10, "the list to hear of the retry")
    bob.transfers.cancel(sha, "up")
    wait_for(lambda: downloads.row(sha).state == "failed", 10, "the cancelled upload to fail")
    heard.clear()
    bob.discard(third.id)
    wait_for(lambda: heard and heard[-1] == [], 10, "the list to hear it is gone")
    for message in running:
        bob.transfers.cancel(message.attachments[0].blob, "up")
