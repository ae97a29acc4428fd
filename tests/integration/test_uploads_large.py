"""Large tus uploads over real HTTP: a 300 MB upload cut off twice and resumed, and tuspy as a client."""

from __future__ import annotations

import hashlib
import http.client
import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
from tusclient import client as tus_client
from tusclient.uploader import Uploader

from tests.integration.conftest import ServerProcess, User, tus_create
from tests.integration.stored import staged_uploads

MiB = 1024 * 1024
CHUNK = MiB
TUS = {"Tus-Resumable": "1.0.0"}


def write_pseudorandom_file(path: Path, size: int, *, seed: int) -> str:
    """Write ``size`` deterministic pseudo-random bytes in 1 MiB chunks; returns their sha256."""
    rng = random.Random(seed)
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        remaining = size
        while remaining:
            chunk = rng.randbytes(min(CHUNK, remaining))
            f.write(chunk)
            digest.update(chunk)
            remaining -= len(chunk)
    return digest.hexdigest()


@dataclass
class PatchResult:
    sent: int
    seconds: float
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def patch_from_file(
    user: User, path: str, source: Path, offset: int, *, cut_after: int | None = None, reset: bool = False
) -> PatchResult:
    """PATCH ``source[offset:]`` in one request on a fresh connection, streamed from disk.

    With ``cut_after`` the TCP connection is closed after that many body bytes, in the middle of
    the declared Content-Length, and no response is read: with a FIN (bytes already sent still
    arrive, like a client process that dies) or, with ``reset``, an RST (bytes in flight are lost,
    like a dropped network).
    """
    base = urlsplit(user.base)
    conn = http.client.HTTPConnection(base.hostname or "127.0.0.1", base.port, timeout=300)
    conn.putrequest("PATCH", path, skip_accept_encoding=True)
    headers = {
        **TUS,
        "Authorization": f"Bearer {user.token}",
        "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream",
        "Content-Length": str(source.stat().st_size - offset),
    }
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders()
    sent = 0
    started = time.perf_counter()
    with open(source, "rb") as f:
        f.seek(offset)
        while chunk := f.read(CHUNK):
            if cut_after is not None:
                chunk = chunk[: cut_after - sent]
            conn.send(chunk)
            sent += len(chunk)
            if cut_after is not None and sent >= cut_after:
                break
    seconds = time.perf_counter() - started
    if cut_after is not None:
        assert conn.sock is not None
        if reset:
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            conn.sock.shutdown(socket.SHUT_RDWR)  # FIN now, mid-body
        conn.close()
        return PatchResult(sent, seconds)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return PatchResult(sent, seconds, response.status, {k.lower(): v for k, v in response.getheaders()}, body)


def server_offset(user: User, path: str) -> int:
    r = user.request("HEAD", path, headers=TUS)
    assert r.status_code == 200, r.status_code
    return int(r.headers["Upload-Offset"])


class RssSampler:
    """Samples a process's resident set size in a background thread; ``peak`` is the largest seen."""

    def __init__(self, pid: int, interval_s: float = 0.02) -> None:
        self.process = psutil.Process(pid)
        self.interval_s = interval_s
        self.baseline = self.process.memory_info().rss
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            self._stop.wait(self.interval_s)

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.baseline) / MiB

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def download_sha256(user: User, sha: str) -> tuple[str, int, float]:
    """Stream GET /v1/media/{sha} through sha256; returns (digest, size, seconds)."""
    digest = hashlib.sha256()
    size = 0
    started = time.perf_counter()
    with user.session.get(
        user.url(f"/v1/media/{sha}"), headers={"Authorization": f"Bearer {user.token}"}, stream=True, timeout=300
    ) as r:
        assert r.status_code == 200, r.text
        for chunk in r.iter_content(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size, time.perf_counter() - started


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.embedded_only  # looks at the local store's staging folder
def test_300mb_upload_cut_off_twice_resumes_and_keeps_server_memory_flat(
    server: ServerProcess, alice: User, tmp_path: Path
) -> None:
    size = 300 * MiB
    source = tmp_path / "big.bin"
    sha = write_pseudorandom_file(source, size, seed=300)
    alice.upload_bytes(b"warm-up: imports and caches the first completed upload pulls in")
    path = tus_create(alice, size, sha, "big.bin")

    with RssSampler(server.pid) as upload_rss:
        first = patch_from_file(alice, path, source, 0, cut_after=100 * MiB)
        offset_1 = server_offset(alice, path)
        assert 0 < offset_1 <= first.sent

        second = patch_from_file(alice, path, source, offset_1, cut_after=100 * MiB, reset=True)
        offset_2 = server_offset(alice, path)
        assert offset_1 < offset_2 <= offset_1 + second.sent

        started = time.perf_counter()
        last = patch_from_file(alice, path, source, offset_2)
        completed_s = time.perf_counter() - started
    assert last.status == 204, last.body
    assert int(last.headers["upload-offset"]) == size
    assert last.headers["tus-resumable"] == "1.0.0"
    assert upload_rss.growth_mb < 100, f"server RSS grew {upload_rss.growth_mb:.0f} MB during the upload"

    with RssSampler(server.pid) as download_rss:
        got_sha, got_size, download_s = download_sha256(alice, sha)
    assert (got_sha, got_size) == (sha, size)
    assert download_rss.growth_mb < 100, f"server RSS grew {download_rss.growth_mb:.0f} MB during the download"

    assert alice.request("HEAD", path, headers=TUS).status_code == 404  # finished uploads are gone
    assert staged_uploads(server.data_dir) == []
    print(
        f"\n300 MB upload: offsets {offset_1} and {offset_2} after the cuts; "
        f"last PATCH {last.sent / MiB:.0f} MiB sent at {last.sent / MiB / last.seconds:.0f} MiB/s "
        f"({last.sent / MiB / completed_s:.0f} MiB/s including verify and filing); "
        f"download {size / MiB / download_s:.0f} MiB/s; "
        f"server RSS growth {upload_rss.growth_mb:.1f} MB up, {download_rss.growth_mb:.1f} MB down"
    )


class Sha256Uploader(Uploader):
    """tuspy sends sha1 per-chunk checksums; this server speaks the sha256 the spec lets it pick."""

    CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_tuspy_uploads_resumes_and_checksums(server: ServerProcess, alice: User, tmp_path: Path) -> None:
    size = 50 * MiB
    source = tmp_path / "tuspy.bin"
    sha = write_pseudorandom_file(source, size, seed=50)
    tus = tus_client.TusClient(server.url + "/v1/uploads", headers={"Authorization": f"Bearer {alice.token}"})

    with open(source, "rb") as stream:  # a stream we close: tuspy leaks the files it opens from a path
        first = tus.uploader(
            file_stream=stream, chunk_size=8 * MiB, metadata={"sha256": sha, "filename": "x.bin"}
        )
        first.upload(stop_at=20 * MiB)
        assert first.url is not None and first.offset == 20 * MiB
        # A new uploader given the URL asks the server (HEAD) where to carry on.
        resumed = tus.uploader(file_stream=stream, url=first.url, chunk_size=8 * MiB)
        assert resumed.offset == 20 * MiB
        resumed.upload()
        assert resumed.offset == size

    got_sha, got_size, _ = download_sha256(alice, sha)
    assert (got_sha, got_size) == (sha, size)

    small = tmp_path / "checksummed.bin"
    small_sha = write_pseudorandom_file(small, 3 * MiB + 5, seed=3)
    with open(small, "rb") as stream:
        Sha256Uploader(
            file_stream=stream,
            client=tus,
            chunk_size=MiB,
            metadata={"sha256": small_sha, "filename": "small.bin"},
            upload_checksum=True,
        ).upload()
    assert download_sha256(alice, small_sha)[:2] == (small_sha, 3 * MiB + 5)
