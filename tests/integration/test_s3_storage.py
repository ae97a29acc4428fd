"""The server with ``--storage s3://…`` on a real SeaweedFS: tus uploads, resume, Range downloads, signed
links answered with a presigned object URL, and downloads that survive losing a volume server."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sync.cluster.seaweedfs import SeaweedFS, free_port
from tests.engines.seaweedfs import seaweedfs
from tests.integration.conftest import ROOT, ServerProcess, User, make_user, tus_create

__all__ = ["seaweedfs"]  # the session's SeaweedFS, for the fixtures below

MiB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream"}


def s3_server(store: SeaweedFS, data_dir: Path) -> ServerProcess:
    """A server keeping its blobs under a prefix of its own in ``store``'s bucket."""
    where = f"s3://{store.bucket}/server-{uuid.uuid4().hex}"
    return ServerProcess(data_dir, env=store.environment(),
                         args=["--storage", where, "--s3-endpoint", store.endpoint]).start()


@pytest.fixture
def server(seaweedfs: SeaweedFS, tmp_path: Path) -> Iterator[ServerProcess]:
    srv = s3_server(seaweedfs, tmp_path / "server")
    yield srv
    srv.stop()


@pytest.fixture
def alice(server: ServerProcess) -> User:
    return make_user(server.url, "alice")


def seeded(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def send(user: User, path: str, data: bytes, offset: int) -> int:
    r = user.request("PATCH", path, data=data, headers={**TUS, "Upload-Offset": str(offset)})
    assert r.status_code == 204, r.text
    return int(r.headers["Upload-Offset"])


def upload_in(user: User, data: bytes, sizes: list[int]) -> str:
    """A tus upload sent in chunks of ``sizes`` (then the rest); returns the blob's sha256."""
    sha = hashlib.sha256(data).hexdigest()
    path, offset = tus_create(user, len(data), sha), 0
    for size in [*sizes, len(data)]:
        if offset < len(data):
            offset = send(user, path, data[offset:offset + size], offset)
    assert offset == len(data)
    return sha


def test_tus_in_small_and_large_chunks_then_ranged_downloads(seaweedfs: SeaweedFS, alice: User) -> None:
    data = seeded(1, 12 * MiB + 123)
    # 700 KiB chunks stay in the tail; the 6 MiB one makes parts across a boundary; the rest is one PATCH
    sha = upload_in(alice, data, [700 * 1024] * 4 + [6 * MiB])
    assert alice.get(f"/v1/media/{sha}").content == data
    for start, end in [(0, 0), (5 * MiB - 1, 5 * MiB), (7 * MiB + 3, 11 * MiB), (len(data) - 10, len(data) - 1)]:
        r = alice.get(f"/v1/media/{sha}", headers={"Range": f"bytes={start}-{end}"})
        assert r.status_code == 206
        assert r.content == data[start:end + 1]
    small = seeded(2, 3000)
    assert alice.get(f"/v1/media/{upload_in(alice, small, [1000])}").content == small
    keys = [item["Key"] for item in seaweedfs.client().list_objects_v2(Bucket=seaweedfs.bucket)["Contents"]]
    assert any(key.endswith(f"/blobs/{sha}") for key in keys)  # objects named by sha256


def test_an_upload_resumes_after_the_server_restarts(server: ServerProcess, alice: User) -> None:
    data = seeded(3, 7 * MiB + 5)
    sha = hashlib.sha256(data).hexdigest()
    path = tus_create(alice, len(data), sha)
    assert send(alice, path, data[:6 * MiB], 0) == 6 * MiB  # one part and a tail, both in the bucket
    server.restart()
    r = alice.request("HEAD", path, headers={"Tus-Resumable": "1.0.0"})
    assert r.headers["Upload-Offset"] == str(6 * MiB)
    assert send(alice, path, data[6 * MiB:], 6 * MiB) == len(data)
    assert alice.get(f"/v1/media/{sha}").content == data


def test_a_signed_link_redirects_to_the_store_after_the_read_rule(seaweedfs: SeaweedFS, server: ServerProcess,
                                                                 alice: User) -> None:
    bob = make_user(server.url, "bob")
    data = seeded(4, 2 * MiB + 7)
    sha = alice.upload_bytes(data, filename="holiday.jpg")
    conversation = alice.conversation("pics", "bob")
    attachment = {"blob": sha, "size": len(data), "mime": "image/jpeg", "name": "holiday.jpg", "kind": "file"}
    r = alice.post(f"/v1/conversations/{conversation['id']}/messages",
                   json={"client_id": "s3-1", "body": "", "attachments": [attachment]})
    assert r.status_code == 201, r.text
    link = bob.post(f"/v1/media/{sha}/link", json={"ttl": 600}).json()["url"]

    r = requests.get(link, allow_redirects=False, timeout=10)
    assert r.status_code == 302
    presigned = r.headers["Location"]
    assert presigned.startswith(f"{seaweedfs.endpoint}/{seaweedfs.bucket}/") and sha in presigned
    direct = requests.get(presigned, timeout=10)
    assert direct.status_code == 200 and direct.content == data
    ranged = requests.get(presigned, headers={"Range": "bytes=100-199"}, timeout=10)
    assert ranged.status_code == 206 and ranged.content == data[100:200]
    assert requests.get(link, timeout=10).content == data  # a client that follows redirects
    assert requests.head(link, timeout=10).status_code == 200  # HEAD is answered here: no bytes move

    forged = link.replace(f"user={bob.user_id}", f"user={alice.user_id}")
    r = requests.get(forged, allow_redirects=False, timeout=10)
    assert r.status_code == 403 and "Location" not in r.headers
    assert alice.delete(f"/v1/conversations/{conversation['id']}/members/bob").status_code == 204
    r = requests.get(link, allow_redirects=False, timeout=10)
    assert r.status_code == 404 and "Location" not in r.headers  # the read rule, before any redirect


def test_downloads_keep_working_when_a_volume_server_dies(tmp_path: Path) -> None:
    store = SeaweedFS(tmp_path / "seaweedfs").start()  # its own: this test kills a part of it
    server = s3_server(store, tmp_path / "server")
    try:
        alice = make_user(server.url, "alice")
        data = seeded(5, 9 * MiB + 1)
        sha = upload_in(alice, data, [4 * MiB])
        link = alice.post(f"/v1/media/{sha}/link", json={"ttl": 600}).json()["url"]
        held = list(store.volume_ids().values())
        assert len(held) == 2 and held[0] == held[1] != "", held  # every volume on both servers
        store.servers["volume1"].kill()
        assert alice.get(f"/v1/media/{sha}").content == data  # replication 001: the other copy answers
        r = alice.get(f"/v1/media/{sha}", headers={"Range": "bytes=8388608-"})
        assert r.status_code == 206 and r.content == data[8 * MiB:]
        assert requests.get(link, timeout=30).content == data
    finally:
        server.stop()
        store.stop()


@pytest.mark.parametrize(("storage", "said"), [
    ("ftp://host/bucket", "use 'file' or s3://BUCKET"),
    ("s3://", "is not an S3 location"),
    ("s3://no-such-bucket", "The bucket 'no-such-bucket' at http://127.0.0.1:"),
    ("s3://no-such-bucket", "does not exist; create it first."),
])
def test_a_storage_the_server_cannot_use_is_said_before_it_listens(seaweedfs: SeaweedFS, tmp_path: Path,
                                                                    storage: str, said: str) -> None:
    assert said in refusal(seaweedfs.environment(), tmp_path, "--storage", storage,
                           "--s3-endpoint", seaweedfs.endpoint)


def test_wrong_credentials_or_no_store_are_said_before_it_listens(seaweedfs: SeaweedFS, tmp_path: Path) -> None:
    wrong = {**seaweedfs.environment(), "AWS_SECRET_ACCESS_KEY": "not the secret"}
    assert "refuses these credentials" in refusal(wrong, tmp_path, "--storage", f"s3://{seaweedfs.bucket}",
                                                  "--s3-endpoint", seaweedfs.endpoint)
    nowhere = f"http://127.0.0.1:{free_port()}"
    assert "cannot be reached" in refusal(seaweedfs.environment(), tmp_path, "--storage",
                                          f"s3://{seaweedfs.bucket}", "--s3-endpoint", nowhere)


def refusal(env: dict[str, str], tmp_path: Path, *args: str) -> str:
    """What ``serve`` says when it refuses to start with ``args`` (it must exit with status 2)."""
    done = subprocess.run([sys.executable, "-m", "sync", "serve", "--data-dir", str(tmp_path / "d"), *args],
                          cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    return done.stderr
