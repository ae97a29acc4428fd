"""Encryption at rest, end to end: a real server process, its data dir read byte by byte."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sync.blobstore import BlobStore
from sync.server.crypto.master import key_id
from sync.server.crypto.segments import DEFAULT_SEGMENT, HEADER_BYTES, OVERHEAD
from tests.integration.conftest import ROOT, ServerProcess, User, make_user, tus_create
from tests.integration.stored import server_storage

pytestmark = pytest.mark.embedded_only  # the encrypted local store's files and master key in the data dir

PATCH = {"Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream"}


def sync_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sync", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def every_file(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def blob_object(data_dir: Path, sha: str) -> Path:
    return data_dir / "objects" / "blobs" / sha[:2] / sha[2:4] / sha


def flip(path: Path, offset: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0x01]))


def post_file(user: User, sha: str, size: int, name: str, text: str) -> None:
    conv = user.conversation("marked")
    attachment = {"blob": sha, "size": size, "mime": "text/plain", "name": name, "kind": "file"}
    r = user.post(f"/v1/conversations/{conv['id']}/messages",
                  json={"client_id": os.urandom(8).hex(), "body": text, "attachments": [attachment]})
    assert r.status_code == 201, r.text


def test_nothing_under_the_data_dir_shows_a_file_a_partial_upload_or_their_names(
        server: ServerProcess, alice: User) -> None:
    marker = f"MARKER-{os.urandom(6).hex()}".encode()
    whole = marker * (3 * DEFAULT_SEGMENT // len(marker))  # several segments
    name, partial_name, text = (f"{marker.decode()}-{what}" for what in ("name.txt", "partial.txt", "text"))
    sha = alice.upload_bytes(whole, filename=name)
    post_file(alice, sha, len(whole), name, text)
    partial = tus_create(alice, 10 * len(whole), hashlib.sha256(b"x").hexdigest(), partial_name)
    r = alice.request("PATCH", partial, data=whole[:100_000], headers={**PATCH, "Upload-Offset": "0"})
    assert r.status_code == 204, r.text
    assert alice.get(f"/v1/media/{sha}").content == whole  # and the API still gives it all back

    files = every_file(server.data_dir)
    assert len(files) >= 6  # the blob, the upload, their keys, the database...
    for path in files:
        content = path.read_bytes()
        for secret in (marker, name.encode(), partial_name.encode(), text.encode()):
            assert secret not in content, f"{secret!r} in {path}"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in [server.data_dir, *(p for p in server.data_dir.rglob("*") if p.is_dir())]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_a_flipped_byte_is_never_served(server: ServerProcess, alice: User) -> None:
    data = os.urandom(3 * DEFAULT_SEGMENT + 1000)
    sha = alice.upload_bytes(data)
    post_file(alice, sha, len(data), "random.bin", "")
    stride = DEFAULT_SEGMENT + OVERHEAD
    flip(blob_object(server.data_dir, sha), HEADER_BYTES + stride + 500)  # inside segment 1

    whole = alice.get(f"/v1/media/{sha}", stream=True)
    assert whole.status_code == 200  # segment 0 opens, so the answer starts...
    received = bytearray()
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for block in whole.iter_content(8192):
            received += block
    assert len(received) < len(data) and data.startswith(received)  # ...and stops before segment 1

    r = alice.get(f"/v1/media/{sha}", headers={"Range": f"bytes={DEFAULT_SEGMENT + 10}-{DEFAULT_SEGMENT + 20}"})
    assert r.status_code == 500 and r.json()["error"]["code"] == "blob_damaged"
    r = alice.get(f"/v1/media/{sha}", headers={"Range": f"bytes={DEFAULT_SEGMENT - 5}-{DEFAULT_SEGMENT - 1}"})
    assert r.status_code == 206 and r.content == data[DEFAULT_SEGMENT - 5:DEFAULT_SEGMENT]
    r = alice.get(f"/v1/media/{sha}", headers={"Range": f"bytes={3 * DEFAULT_SEGMENT - 3}-"})
    assert r.status_code == 206 and r.content == data[3 * DEFAULT_SEGMENT - 3:]  # from segment 2 into the last
    assert sha in server.log() and "segment 1" in server.log()

    server.stop()
    checked = sync_cli("verify", "--data-dir", str(server.data_dir))
    assert checked.returncode == 1
    assert f"damaged blob {sha}: segment 1 fails authentication" in checked.stdout


def test_rotating_the_master_key_keeps_every_file_and_rewrites_none(server: ServerProcess, alice: User) -> None:
    files = {alice.upload_bytes(os.urandom(n)): n for n in (1, 1000, DEFAULT_SEGMENT, 2 * DEFAULT_SEGMENT + 7)}
    contents = {sha: alice.get(f"/v1/media/{sha}").content for sha in files}
    rest = os.urandom(DEFAULT_SEGMENT + 300)
    upload = tus_create(alice, len(rest), hashlib.sha256(rest).hexdigest())
    assert alice.request("PATCH", upload, data=rest[:500], headers={**PATCH, "Upload-Offset": "0"}).ok
    before = {sha: blob_object(server.data_dir, sha).read_bytes() for sha in files}
    old_id = key_id(base64.b64decode((server.data_dir / "master.key").read_text()))

    rotated = sync_cli("rotate-key", "--data-dir", str(server.data_dir))  # beside the running server
    assert rotated.returncode == 0, rotated.stderr
    keys = (server.data_dir / "master.key").read_text().split()
    assert len(keys) == 1 and key_id(base64.b64decode(keys[0])) != old_id
    assert f"under the new master key {key_id(base64.b64decode(keys[0]))}" in rotated.stdout

    for sha in files:  # the running server reads the new key when it meets a record wrapped under it
        assert alice.get(f"/v1/media/{sha}").content == contents[sha]
        assert blob_object(server.data_dir, sha).read_bytes() == before[sha]
    r = alice.request("PATCH", upload, data=rest[500:], headers={**PATCH, "Upload-Offset": "500"})
    assert r.status_code == 204, r.text
    server.restart()
    for sha in files:
        assert alice.get(f"/v1/media/{sha}").content == contents[sha]
    assert alice.get(f"/v1/media/{hashlib.sha256(rest).hexdigest()}").content == rest
    assert sync_cli("verify", "--data-dir", str(server.data_dir)).returncode == 0


def test_the_wrong_master_key_is_refused_at_start(server: ServerProcess, alice: User) -> None:
    alice.upload_bytes(b"kept under the first key")
    server.stop()
    key_file = server.data_dir / "master.key"
    first = key_file.read_text()
    serve = ("serve", "--data-dir", str(server.data_dir), "--port", "9")

    key_file.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    refused = sync_cli(*serve)
    assert refused.returncode == 2
    assert "The master key does not open this server's data" in refused.stderr
    assert key_id(base64.b64decode(first)) in refused.stderr

    wrong_env = sync_cli(*serve, env={"ENVELOPE_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()})
    assert wrong_env.returncode == 2 and "does not open this server's data" in wrong_env.stderr

    key_file.unlink()
    missing = sync_cli(*serve)
    assert missing.returncode == 2 and f"The master key file {key_file} does not exist" in missing.stderr
    assert not key_file.exists()  # no new key made for data that has one

    right_env = {"ENVELOPE_MASTER_KEY": first.strip()}
    assert sync_cli("verify", "--data-dir", str(server.data_dir), env=right_env).returncode == 0


def test_a_data_dir_from_before_encryption_is_sealed_at_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "server"
    marker = f"OLD-PLAINTEXT-{os.urandom(6).hex()}".encode() * 5000
    old = BlobStore(data_dir / "store").put_bytes(marker)
    (data_dir / "uploads").mkdir()
    (data_dir / "uploads" / "0123abcd").write_bytes(marker[:70_000])

    server = ServerProcess(data_dir).start()
    try:
        make_user(server.url)
    finally:
        server.stop()
    assert not (data_dir / "store").exists() and not (data_dir / "uploads").exists()
    for path in every_file(data_dir):
        assert marker[:40] not in path.read_bytes(), path
    storage = server_storage(data_dir)
    assert b"".join(storage.read_range(old.sha256)) == marker
    assert storage.stage_size("0123abcd") == 70_000
