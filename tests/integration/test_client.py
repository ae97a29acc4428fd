"""sync.client against the real server: JSON calls, resumable tus uploads, resumable ranged downloads."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from sync.client import SEND_BLOCK, ApiError, Cancelled, Offline, SyncClient
from sync.protocol import Attachment, MessageCreate
from sync.server.runner import free_port
from tests.integration.conftest import ServerProcess


def _signed_in(server: ServerProcess, name: str) -> SyncClient:
    client = SyncClient(server.url)
    client.create_account(name, "long enough password")
    client.sign_in(name, "long enough password")
    return client


def _file(tmp_path: Path, size: int) -> tuple[Path, str]:
    path = tmp_path / f"data-{size}.bin"
    data = os.urandom(size)
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def test_round_trip_with_cancelled_upload_and_download_resumed(server: ServerProcess, tmp_path: Path) -> None:
    alice, bob = _signed_in(server, "alice"), _signed_in(server, "bob")
    path, sha = _file(tmp_path, 5 * 1024 * 1024 + 3)
    url = alice.create_upload(path.stat().st_size, sha, filename="clip.bin")

    seen: list[int] = []

    def cancel_after_two_chunks() -> bool:
        return len(seen) >= 2

    with pytest.raises(Cancelled):
        alice.upload(url, path, chunk_size=1024 * 1024, on_offset=seen.append, cancelled=cancel_after_two_chunks)
    offset = alice.upload_offset(url)
    assert offset == seen[-1] == 2 * 1024 * 1024
    assert alice.upload(url, path, offset=offset, chunk_size=1024 * 1024) == path.stat().st_size

    conv = alice.create_conversation("files", ["bob"])
    attachment = Attachment(blob=sha, size=path.stat().st_size, mime="application/octet-stream", name="clip.bin",
                            kind="file")
    sent = alice.post_message(conv.id, MessageCreate(client_id="c-1", body="here", attachments=[attachment]))
    again = alice.post_message(conv.id, MessageCreate(client_id="c-1", body="here", attachments=[attachment]))
    assert sent == again
    assert alice.readable([sha, "ab" * 32]) == {sha}

    page = bob.sync(None)
    assert [e.message.body for e in page.events if e.message] == ["here"]
    dest = tmp_path / "partial"
    calls = {"n": 0}

    def cancel_soon() -> bool:
        calls["n"] += 1
        return calls["n"] > 2

    with pytest.raises(Cancelled):
        bob.download(sha, dest, cancelled=cancel_soon)
    assert 0 < dest.stat().st_size < path.stat().st_size
    progress: list[tuple[int, int]] = []
    assert bob.download(sha, dest, progress=lambda done, total: progress.append((done, total))) == path.stat().st_size
    assert progress[-1] == (path.stat().st_size, path.stat().st_size)
    assert progress[0][0] > 2 * 1024 * 1024 - 1  # it resumed rather than starting over
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == sha
    assert bob.download(sha, dest) == path.stat().st_size  # complete already: 416 means nothing to fetch


def test_an_upload_reads_and_sends_its_file_a_mebibyte_at_a_time(server: ServerProcess, tmp_path: Path) -> None:
    alice = _signed_in(server, "alice")
    path, sha = _file(tmp_path, 3 * SEND_BLOCK + 5)
    url = alice.create_upload(path.stat().st_size, sha, filename="big.bin")
    reads: list[int] = []  # progress is told after each read of the file
    assert alice.upload(url, path, progress=lambda done, _total: reads.append(done)) == path.stat().st_size
    assert reads == [SEND_BLOCK, 2 * SEND_BLOCK, 3 * SEND_BLOCK, 3 * SEND_BLOCK + 5]  # not urllib3's 16 KiB reads
    assert alice.readable([sha]) == {sha}


def test_errors_are_typed(server: ServerProcess) -> None:
    client = SyncClient(server.url)
    with pytest.raises(ApiError) as info:
        client.conversations()
    assert info.value.status == 401 and info.value.code == "unauthorized"
    offline = SyncClient(f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(Offline):
        offline.me()
