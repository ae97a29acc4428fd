"""The client engine against the real server on loopback: offline sends, kills mid-transfer, cache, watched folders."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from PIL import Image

from desktop.core.db.records import Message, now_ms
from desktop.core.engine import Engine
from sync.server.config import ServerConfig
from sync.server.runner import EmbeddedServer, free_port
from tests.integration.conftest import ROOT, wait_for
from tests.samples import PORTRAIT, assert_rocket_upright, sample

PASSWORD = "password123"



class Servers:
    """An embedded server that can be stopped and started again on the same port and data."""

    def __init__(self, data_dir: Path) -> None:
        self.config = ServerConfig(data_dir=data_dir)
        self.port = free_port()
        self.metrics_port = free_port()
        self.server: EmbeddedServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = EmbeddedServer(self.config, port=self.port, metrics_port=self.metrics_port).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def bytes_counter(self, name: str) -> float:
        text = requests.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10).text
        line = next(x for x in text.splitlines() if x.startswith(f"envelope_http_{name}_total "))
        return float(line.split()[-1])


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    s = Servers(tmp_path / "server")
    s.start()
    yield s
    s.stop()


@pytest.fixture
def pair(tmp_path: Path, servers: Servers) -> Iterator[tuple[Engine, Engine, str]]:
    alice = Engine(tmp_path / "alice", long_poll_s=1).start()
    bob = Engine(tmp_path / "bob", long_poll_s=1).start()
    alice.sign_up(servers.url, "alice", PASSWORD)
    bob.sign_up(servers.url, "bob", PASSWORD)
    conversation_id = alice.create_conversation("trip", ["bob"])
    bob.accept_request(conversation_id)  # strangers until now: a request fetches no media
    wait_for(lambda: bob.db.conversations.get(conversation_id), what="bob to see the conversation")
    yield alice, bob, conversation_id
    alice.stop()
    bob.stop()


def _messages(engine: Engine, conversation_id: str) -> list[Message]:
    return list(reversed(engine.db.messages.page(conversation_id, limit=100)))


def _names(engine: Engine, conversation_id: str) -> list[str]:
    return [a.name for m in _messages(engine, conversation_id) for a in m.attachments]


def _h264(path: Path, frames: int = 50) -> Path:
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for i in range(frames):
            level = 0 if i == 0 else 40 + i * 4
            frame = av.VideoFrame.from_image(Image.new("RGB", (320, 240), (level, level, level)))
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def test_offline_sends_arrive_once_in_order(servers: Servers, pair: tuple[Engine, Engine, str],
                                            tmp_path: Path) -> None:
    alice, bob, cid = pair
    servers.stop()
    video = _h264(tmp_path / "clip.mp4")
    sent = [
        alice.send(cid, "hello from the plane"),
        alice.send(cid, "", [sample("photos/coffee_with_gps.jpg")]),
        alice.send(cid, "portrait", [sample(PORTRAIT)]),
        alice.send(cid, "", [video]),
        alice.send(cid, "the form", [sample("files/chelsea.pdf")]),
    ]
    wait_for(lambda: any(item.attempts for item in alice.db.outbox.items()), what="the outbox to try and fail")
    assert [m.state for m in _messages(alice, cid)] == ["pending"] * 5
    assert alice.state == "offline"

    servers.start()
    wait_for(lambda: len(_messages(bob, cid)) == 5, 60, "bob to get five messages")
    wait_for(lambda: all(m.state == "sent" for m in _messages(alice, cid)), 30, "alice's messages sent")
    at_bob = _messages(bob, cid)
    assert [m.client_id for m in at_bob] == [m.client_id for m in sent]
    assert [m.seq for m in at_bob] == [1, 2, 3, 4, 5]
    assert len(bob.db.messages.page(cid, limit=100)) == 5  # once, not twice

    gps = at_bob[1].attachments[0]
    wait_for(lambda: bob.media_path(gps.blob), 30, "the photo to download")
    with Image.open(bob.media_path(gps.blob)) as photo:
        assert not photo.getexif().get_ifd(0x8825)  # GPS IFD gone
    portrait = at_bob[2].attachments[0]
    assert (portrait.width, portrait.height) == (284, 427) and portrait.thumbnail is not None
    wait_for(lambda: bob.media_path(portrait.blob) and bob.media_path(portrait.thumbnail or ""), 30,
             "the portrait and its thumbnail to download")
    with Image.open(bob.media_path(portrait.blob)) as photo:
        assert photo.size == (284, 427) and photo.getexif().get(0x0112, 1) == 1
        assert_rocket_upright(photo)
    with Image.open(bob.media_path(portrait.thumbnail)) as thumbnail:
        assert_rocket_upright(thumbnail)  # what bob sees in the timeline: the rocket's nose at the top
    clip = at_bob[3].attachments[0]
    assert clip.kind == "video" and clip.duration_ms is not None and abs(clip.duration_ms - 2000) <= 80
    assert clip.thumbnail is not None
    wait_for(lambda: bob.media_path(clip.thumbnail or ""), 30, "the poster")
    with Image.open(bob.media_path(clip.thumbnail)) as poster:
        assert max(poster.convert("L").getextrema()) > 40  # from ~10 % in, not the black first frame
    assert bob.media_path(clip.blob) is None  # video: on request only
    pdf = at_bob[4].attachments[0]
    assert (pdf.kind, pdf.mime, pdf.name) == ("file", "application/pdf", "chelsea.pdf")


def _big_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for i in range(size // len(block)):
            chunk = i.to_bytes(8, "little") + block[8:]
            f.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def _child(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.engine_child", str(data_dir), *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _kill_when(proc: subprocess.Popen[str], fraction: float, timeout: float = 120) -> int:
    """SIGKILL the child once it reports ``fraction`` of a transfer done; returns the bytes it had done."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        if time.monotonic() > deadline:
            break
        if line.startswith("progress "):
            done, total = map(int, line.split()[1:])
            if done >= fraction * total:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                proc.stdout.close()
                return done
    proc.kill()
    proc.wait()
    proc.stdout.close()
    raise AssertionError("the child never got far enough to be killed")


def _finish(proc: subprocess.Popen[str], timeout: float = 180) -> list[str]:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out[-3000:]
    return out.splitlines()


@pytest.mark.slow
def test_killed_mid_upload_and_mid_download_resume(servers: Servers, pair: tuple[Engine, Engine, str],
                                                   tmp_path: Path) -> None:
    alice, bob, cid = pair
    size = 200 * 1024 * 1024
    big = tmp_path / "big.bin"
    sha = _big_file(big, size)
    alice.stop()  # the same data dir is now driven by a child process we can kill
    bob.stop()

    _kill_when(_child(tmp_path / "alice", "send", cid, str(big)), 0.5)
    before = servers.bytes_counter("bytes_in")
    lines = _finish(_child(tmp_path / "alice", "send", cid, str(big)))
    sent_after_restart = servers.bytes_counter("bytes_in") - before
    assert lines[-1] == "done"
    assert sent_after_restart < 0.6 * size, f"resent {sent_after_restart / size:.0%} of the file"

    bob = Engine(tmp_path / "bob", long_poll_s=1).start()
    try:
        wait_for(lambda: len(_messages(bob, cid)) == 1, 30, "bob to get the message")
        assert [a.blob for a in _messages(bob, cid)[0].attachments] == [sha]
    finally:
        bob.stop()
    alice = Engine(tmp_path / "alice", long_poll_s=1)
    assert len(_messages(alice, cid)) == 1 and _messages(alice, cid)[0].state == "sent"
    alice.stop()

    _kill_when(_child(tmp_path / "bob", "download", sha), 0.5)
    before = servers.bytes_counter("bytes_out")
    assert _finish(_child(tmp_path / "bob", "download", sha))[-1] == "done"
    fetched_after_restart = servers.bytes_counter("bytes_out") - before
    assert fetched_after_restart < 0.6 * size, f"fetched {fetched_after_restart / size:.0%} again"
    bob = Engine(tmp_path / "bob")
    try:
        path = bob.media_path(sha)
        assert path is not None and hashlib.sha256(path.read_bytes()).hexdigest() == sha
    finally:
        bob.stop()


class SteppedClock:
    """Epoch milliseconds: the real clock plus what the test added, so the test orders what it stamps."""

    def __init__(self) -> None:
        self.added = 0

    def __call__(self) -> int:
        return now_ms() + self.added

    def advance(self, ms: int = 1) -> None:
        self.added += ms


def test_cache_limit_evicts_lru_and_evicted_media_comes_back(pair: tuple[Engine, Engine, str],
                                                             tmp_path: Path) -> None:
    alice, bob, cid = pair
    bob.stop()  # again, on a clock the test moves: each download is stamped later than the one before
    clock = SteppedClock()
    bob = Engine(tmp_path / "bob", long_poll_s=1, clock=clock).start()
    try:
        files = []
        for i in range(3):
            f = tmp_path / f"doc{i}.bin"
            f.write_bytes(os.urandom(300_000))
            files.append(f)
            alice.send(cid, f"doc {i}", [f])
        wait_for(lambda: len(_messages(bob, cid)) == 3, 30, "three messages at bob")
        shas = [m.attachments[0].blob for m in _messages(bob, cid)]
        for sha in shas:
            bob.download(sha)
            wait_for(lambda sha=sha: bob.media_path(sha), 30, "download")
            clock.advance()
        bob.db.blobs.touch(shas[0])  # doc 0 was just looked at: doc 1 is now the least recently used
        evicted = bob.cache.evict(650_000)
        assert [b.sha256 for b in evicted] == [shas[1]]
        assert bob.media_path(shas[1]) is None and bob.media_path(shas[0]) and bob.media_path(shas[2])
        assert len(_messages(bob, cid)) == 3  # the message stays
        bob.download(shas[1])
        wait_for(lambda: bob.media_path(shas[1]), 30, "the evicted blob to come back")
    finally:
        bob.stop()
    # what alice is still sending is never evicted, nor are thumbnails
    photo = alice.send(cid, "", [sample("photos/chelsea.png")])
    alice.cache.evict(0)
    wait_for(lambda: alice.db.messages.get(photo.id).state == "sent", 30, "photo sent")  # type: ignore[union-attr]
    thumb = photo.attachments[0].thumbnail
    assert thumb is not None
    alice.cache.evict(0)
    assert alice.media_path(thumb) is not None


HOSTILE = {
    "truncated.jpg": lambda: sample("photos/rocket.jpg").read_bytes()[:20_000],
    "empty.png": lambda: b"",
    "pdf_named.jpg": lambda: sample("files/chelsea.pdf").read_bytes(),
    "garbage.mp4": lambda: b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2mp41" + os.urandom(50_000),
}


def test_hostile_files_still_send_as_files(pair: tuple[Engine, Engine, str], tmp_path: Path) -> None:
    alice, bob, cid = pair
    paths = []
    for name, make in HOSTILE.items():
        p = tmp_path / name
        p.write_bytes(make())
        paths.append(p)
    bomb = tmp_path / "bomb.png"
    _png_bomb(bomb)
    paths.append(bomb)
    message = alice.send(cid, "hostile", paths)
    kinds = {a.name: a.kind for a in message.attachments}
    assert kinds == {"truncated.jpg": "file", "empty.png": "file", "pdf_named.jpg": "file", "garbage.mp4": "file",
                     "bomb.png": "file"}
    wait_for(lambda: len(_messages(bob, cid)) == 1, 30, "the message at bob")
    assert len(_messages(bob, cid)[0].attachments) == 5


def _png_bomb(path: Path, side: int = 60_000) -> None:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * side
    body = b"".join(compressor.compress(row) for _ in range(200)) + compressor.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def test_watched_folder_sends_each_file_once_across_restarts(pair: tuple[Engine, Engine, str],
                                                             tmp_path: Path) -> None:
    alice, bob, cid = pair
    drop = tmp_path / "drop"
    alice.stop()
    alice = Engine(tmp_path / "alice", long_poll_s=1, watch_settle_s=0.3).start()
    alice.watch_folder(drop, cid)
    for i in range(3):
        (drop / f"scan{i}.txt").write_text(f"page {i}\n" * 100)
    wait_for(lambda: len(_messages(bob, cid)) == 3, 30, "three files at bob")
    alice.stop()
    alice = Engine(tmp_path / "alice", long_poll_s=1, watch_settle_s=0.3).start()
    try:
        (drop / "scan3.txt").write_text("a new page\n")
        # The watcher offers the three old files (found when it started) before the new one, on one
        # thread: once the new one is a message, the old ones have been judged already sent.
        wait_for(lambda: "scan3.txt" in _names(alice, cid), 30, "the new file at alice")
        assert len(_messages(alice, cid)) == 4
        wait_for(lambda: len(_messages(bob, cid)) == 4, 30, "the new file at bob")
        names = sorted(m.attachments[0].name for m in _messages(bob, cid))
        assert names == ["scan0.txt", "scan1.txt", "scan2.txt", "scan3.txt"]
    finally:
        alice.stop()


def test_resending_a_file_the_server_has_moves_zero_bytes(servers: Servers, pair: tuple[Engine, Engine, str],
                                                          tmp_path: Path) -> None:
    alice, _bob, cid = pair
    doc = tmp_path / "report.bin"
    doc.write_bytes(os.urandom(2_000_000))
    first = alice.send(cid, "report", [doc])
    wait_for(lambda: alice.db.messages.get(first.id).state == "sent", 30, "first send")  # type: ignore[union-attr]
    before = servers.bytes_counter("bytes_in")
    again = alice.send(cid, "report again", [doc])
    wait_for(lambda: alice.db.messages.get(again.id).state == "sent", 30, "second send")  # type: ignore[union-attr]
    assert servers.bytes_counter("bytes_in") - before < 10_000  # only the JSON of the message
    assert again.attachments[0].blob == first.attachments[0].blob


def test_cancelled_upload_fails_visibly_and_retry_delivers_once(pair: tuple[Engine, Engine, str],
                                                                tmp_path: Path) -> None:
    from desktop.core.events import EngineEvent, TransferFinished, TransferProgress

    alice, bob, cid = pair
    big = tmp_path / "video.bin"
    big.write_bytes(os.urandom(40 * 1024 * 1024))
    finished: list[TransferFinished] = []

    def listener(event: EngineEvent) -> None:
        if isinstance(event, TransferProgress) and event.direction == "up" and 0 < event.done < event.total:
            alice.cancel_transfer(event.sha256)
        if isinstance(event, TransferFinished):
            finished.append(event)

    alice.add_listener(listener)
    message = alice.send(cid, "big one", [big])
    wait_for(lambda: alice.db.messages.get(message.id).state == "failed", 30, "the cancel")  # type: ignore[union-attr]
    assert any(f.cancelled for f in finished)
    assert alice.db.messages.get(message.id).error == "Cancelled."  # type: ignore[union-attr]
    alice.remove_listener(listener)

    alice.retry(message.client_id)
    wait_for(lambda: alice.db.messages.get(message.id).state == "sent", 60, "the retried send")  # type: ignore[union-attr]
    wait_for(lambda: len(_messages(bob, cid)) == 1, 30, "bob to get it")
    assert alice.db.outbox.items() == []  # nothing left to post
    assert alice.client is not None
    assert [m.body for m in alice.client.history(cid)] == ["big one"]  # the server has it once
