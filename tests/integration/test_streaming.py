"""Playing a video while it downloads, against the real server: the loopback endpoint serves the blob's
bytes, a seek ahead is fetched first, the finished stream is verified and filed, damage is caught."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from desktop.core.backoff import Backoff
from desktop.core.engine import Engine
from desktop.core.events import BlobReady, EngineEvent, TransferFinished
from desktop.core.streaming import StreamHandle, Streams
from desktop.core.streaming.endpoint import Endpoint
from desktop.core.streaming.fetcher import BLOCK, KEPT_ARRIVING_DAMAGED
from desktop.core.streaming.sparse import MAP_SUFFIX
from tests.integration.clips import panning_clip
from tests.integration.conftest import wait_for
from tests.integration.damaging_proxy import DamagingProxy
from tests.integration.test_engine import Servers

PASSWORD = "password123"


@dataclass
class Uploaded:
    """alice's engine, and a video she uploaded (so she may read it) that is not in her cache."""

    engine: Engine
    servers: Servers
    path: Path
    sha256: str
    events: list[EngineEvent] = field(default_factory=list)

    @property
    def data(self) -> bytes:
        return self.path.read_bytes()

    def finished(self) -> list[TransferFinished]:
        return [e for e in self.events if isinstance(e, TransferFinished) and e.sha256 == self.sha256]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return panning_clip(tmp_path_factory.mktemp("clip") / "pan.mp4")


@pytest.fixture
def uploaded(tmp_path: Path, clip: Path) -> Iterator[Uploaded]:
    servers = Servers(tmp_path / "server")
    servers.start()
    engine = Engine(tmp_path / "alice", long_poll_s=1, backoff=Backoff(base=0.05, cap=0.5)).start()
    try:
        engine.sign_up(servers.url, "alice", PASSWORD)
        assert engine.client is not None
        sha = hashlib.sha256(clip.read_bytes()).hexdigest()
        url = engine.client.create_upload(clip.stat().st_size, sha, filename="pan.mp4", mime="video/mp4")
        engine.client.upload(url, clip)
        assert engine.media_path(sha) is None
        world = Uploaded(engine, servers, clip, sha)
        engine.add_listener(world.events.append)
        yield world
    finally:
        Streams.stop_for(engine)
        engine.stop()
        servers.stop()


def get(url: str, byte_range: str | None = None) -> requests.Response:
    headers = {"Range": byte_range} if byte_range else {}
    return requests.get(url, headers=headers, timeout=60)


def test_the_endpoint_serves_the_blob_and_the_finished_stream_becomes_the_cached_blob(uploaded: Uploaded) -> None:
    data, size = uploaded.data, len(uploaded.data)
    handle = Streams.of(uploaded.engine).open(uploaded.sha256)
    assert handle.url.startswith("http://127.0.0.1:")
    whole = get(handle.url)
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.content == data
    for asked, start, end in (("bytes=0-99", 0, 100), ("bytes=1000000-2999999", 1_000_000, 3_000_000),
                              ("bytes=-5000", size - 5000, size), (f"bytes={size - 10}-", size - 10, size)):
        part = get(handle.url, asked)
        assert part.status_code == 206, asked
        assert part.headers["Content-Range"] == f"bytes {start}-{end - 1}/{size}"
        assert part.content == data[start:end], asked
    assert get(handle.url, f"bytes={size}-").status_code == 416

    fetcher = Streams.of(uploaded.engine).fetcher(uploaded.sha256)
    assert fetcher is not None and fetcher.join(30)
    cached = uploaded.engine.media_path(uploaded.sha256)
    assert cached is not None and cached.read_bytes() == data  # verified and filed
    assert uploaded.engine.db.blobs.get(uploaded.sha256).state == "complete"  # type: ignore[union-attr]
    assert BlobReady(uploaded.sha256) in uploaded.events
    assert uploaded.finished() == [TransferFinished(uploaded.sha256, "down")]
    stream_file = uploaded.engine.cache.stream_path(uploaded.sha256)
    assert not stream_file.exists() and not stream_file.with_name(stream_file.name + MAP_SUFFIX).exists()
    assert get(handle.url, "bytes=5-9").content == data[5:10]  # still served from the same file
    handle.close()
    assert Streams.of(uploaded.engine).stream(uploaded.sha256) is None
    try:
        after = get(handle.url).status_code
    except requests.ConnectionError:
        after = None  # the endpoint stopped with its last stream
    assert after in (404, None)


def test_a_range_far_ahead_is_fetched_before_the_bytes_in_between(uploaded: Uploaded) -> None:
    data, size = uploaded.data, len(uploaded.data)
    far = size - 300_000
    streams = Streams.of(uploaded.engine)
    handle = streams.open(uploaded.sha256)
    stream = handle.stream
    stream.hold = lambda offset: BLOCK <= offset < far  # the fetcher stops after its first block
    stream.kick()
    wait_for(lambda: stream.present() >= BLOCK, what="the first block")

    part = get(handle.url, f"bytes={far}-{far + 99_999}")  # the player seeks near the end
    assert part.status_code == 206 and part.content == data[far:far + 100_000]
    with stream.cond:
        ranges = stream.sparse.ranges
        assert ranges.covers(far, far + 100_000)
        assert ranges.present_from(BLOCK) == BLOCK  # nothing in between was fetched first
        assert not ranges.covers(BLOCK, far)

    stream.hold = None
    stream.kick()
    fetcher = streams.fetcher(uploaded.sha256)
    assert fetcher is not None and fetcher.join(30)
    cached = uploaded.engine.media_path(uploaded.sha256)
    assert cached is not None and cached.read_bytes() == data
    handle.close()


def test_a_stream_closed_early_resumes_with_what_arrived(uploaded: Uploaded) -> None:
    streams = Streams.of(uploaded.engine)
    handle = streams.open(uploaded.sha256)
    handle.stream.hold = lambda offset: offset >= 2 * BLOCK
    handle.stream.kick()
    wait_for(lambda: handle.stream.present() >= 2 * BLOCK, what="two blocks")
    fetcher = streams.fetcher(uploaded.sha256)
    handle.close()  # the viewer closed
    assert fetcher is not None and fetcher.join(30)
    assert TransferFinished(uploaded.sha256, "down", error="Cancelled.", cancelled=True) in uploaded.events

    again = streams.open(uploaded.sha256)
    assert again.stream.sparse.ranges.covers(0, 2 * BLOCK)  # kept on disk, not fetched again
    fetcher = streams.fetcher(uploaded.sha256)
    assert fetcher is not None and fetcher.join(30)
    cached = uploaded.engine.media_path(uploaded.sha256)
    assert cached is not None and cached.read_bytes() == uploaded.data
    again.close()


def test_cancelling_the_transfer_stops_the_stream(uploaded: Uploaded) -> None:
    streams = Streams.of(uploaded.engine)
    handle = streams.open(uploaded.sha256)
    handle.stream.hold = lambda offset: offset >= BLOCK
    handle.stream.kick()
    wait_for(lambda: handle.stream.present() >= BLOCK, what="the first block")
    fetcher = streams.fetcher(uploaded.sha256)
    uploaded.engine.cancel_transfer(uploaded.sha256)  # the cancel button on the bubble
    assert fetcher is not None and fetcher.join(30)
    assert uploaded.finished()[-1] == TransferFinished(uploaded.sha256, "down", error="Cancelled.", cancelled=True)
    assert handle.stream.state == "failed" and handle.stream.reason == "The download was cancelled."
    assert get(handle.url, "bytes=0-9").status_code == 503
    assert uploaded.engine.media_path(uploaded.sha256) is None
    handle.close()
    again = streams.open(uploaded.sha256)  # opening it again goes on from what arrived
    assert again.stream.sparse.ranges.covers(0, BLOCK)
    fetcher = streams.fetcher(uploaded.sha256)
    assert fetcher is not None and fetcher.join(30)
    assert uploaded.engine.media_path(uploaded.sha256) is not None
    again.close()


@contextmanager
def streamed_through(uploaded: Uploaded, proxy: DamagingProxy) -> Iterator[StreamHandle]:
    """The blob streamed through ``proxy`` until the fetcher has nothing more to do."""
    proxy.start()
    try:
        uploaded.engine.use_server(proxy.url)
        handle = Streams.of(uploaded.engine).open(uploaded.sha256)
        fetcher = Streams.of(uploaded.engine).fetcher(uploaded.sha256)
        assert fetcher is not None and fetcher.join(30)
        yield handle
        handle.close()
    finally:
        proxy.stop()


def test_a_damaged_answer_is_caught_and_the_blob_fetched_again(uploaded: Uploaded) -> None:
    proxy = DamagingProxy(uploaded.servers.url, damage=1)
    with streamed_through(uploaded, proxy):
        assert proxy.damaged == 1
        errors = [e.error for e in uploaded.finished()]
        assert errors[0] is not None and "arrived damaged" in errors[0]  # said, then fetched again
        assert errors[-1] is None
        cached = uploaded.engine.media_path(uploaded.sha256)
        assert cached is not None and cached.read_bytes() == uploaded.data


def test_a_blob_that_keeps_arriving_damaged_is_thrown_away_and_said(uploaded: Uploaded) -> None:
    with streamed_through(uploaded, DamagingProxy(uploaded.servers.url, damage=1000)) as handle:
        assert uploaded.finished()[-1].error == KEPT_ARRIVING_DAMAGED
        assert handle.stream.state == "failed" and handle.stream.reason == KEPT_ARRIVING_DAMAGED
        assert uploaded.engine.media_path(uploaded.sha256) is None
        assert not uploaded.engine.cache.stream_path(uploaded.sha256).exists()  # nothing damaged is kept
        assert get(handle.url, "bytes=0-9").status_code == 503  # the player is told, not fed damage


def _outside_address() -> str:
    """This computer's address on its network (not loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("203.0.113.1", 9))  # no packet is sent: this only picks the outgoing interface
        address = str(probe.getsockname()[0])
    assert not address.startswith("127."), "this test needs a network interface besides loopback"
    return address


def test_the_endpoint_refuses_a_wrong_secret_and_another_computer(uploaded: Uploaded) -> None:
    handle = Streams.of(uploaded.engine).open(uploaded.sha256)
    secret = handle.url.split("/")[3]
    wrong = handle.url.replace(secret, "x" * len(secret))
    assert get(wrong).status_code == 404
    assert get(handle.url.replace(uploaded.sha256, "0" * 64)).status_code == 404
    assert get(handle.url.rsplit("/", 1)[0]).status_code == 404
    assert get(handle.url, "bytes=0-9").status_code == 206

    wide = Endpoint(Streams.of(uploaded.engine).stream, host="0.0.0.0").start()  # as if it listened widely
    try:
        address = _outside_address()
        url = wide.url_for(uploaded.sha256).replace("127.0.0.1", address)
        assert get(url).status_code == 403  # the right secret, from an address that is not loopback
        assert get(wide.url_for(uploaded.sha256), "bytes=0-9").status_code == 206
    finally:
        wide.stop()
    handle.close()
