"""tus 1.0.0 at /v1/uploads over real HTTP: protocol rules, checksums, limits, expiry and restarts."""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import socket
import time
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from sync.server import uploads
from sync.server.runner import EmbeddedServer
from tests.integration.conftest import ServerClock, ServerProcess, User, b64, make_user, tus_create
from tests.integration.stored import server_storage, staged_file, staged_uploads, stored_blobs, upload_id

pytestmark = pytest.mark.both_engines  # also on the scale-out layout (PostgreSQL, SeaweedFS S3) in make test
EMBEDDED_ONLY = pytest.mark.embedded_only  # looks at the encrypted local store's files in the data dir

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"
MiB = 1024 * 1024


def patch(user: User, path: str, data: bytes, offset: int, **headers: str) -> requests.Response:
    return user.request(
        "PATCH", path, data=data, headers={**TUS, "Upload-Offset": str(offset), "Content-Type": OCTETS, **headers}
    )


def head(user: User, path: str) -> requests.Response:
    return user.request("HEAD", path, headers=TUS)


def offset_of(user: User, path: str) -> int:
    r = head(user, path)
    assert r.status_code == 200, r.status_code
    return int(r.headers["Upload-Offset"])


def assert_error(r: requests.Response, status: int, code: str) -> None:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    error = r.json()["error"]
    assert error["code"] == code and isinstance(error["message"], str) and error["message"]


def sha256_header(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()




def test_options_advertises_the_tus_capabilities(alice: User) -> None:
    r = alice.request("OPTIONS", "/v1/uploads")
    assert r.status_code in (200, 204)
    assert r.headers["Tus-Resumable"] == "1.0.0"
    assert "1.0.0" in r.headers["Tus-Version"].split(",")
    extensions = {e.strip() for e in r.headers["Tus-Extension"].split(",")}
    assert {"creation", "termination", "expiration", "checksum"} <= extensions
    assert "sha256" in [a.strip() for a in r.headers["Tus-Checksum-Algorithm"].split(",")]
    assert int(r.headers["Tus-Max-Size"]) == 1024 * MiB


def test_protocol_rules_refuse_bad_requests_without_moving_the_offset(alice: User) -> None:
    data = os.urandom(4096)
    sha = hashlib.sha256(data).hexdigest()
    meta = f"sha256 {b64(sha)},filename {b64('a.bin')}"

    r = alice.post("/v1/uploads", headers={"Upload-Length": "4096", "Upload-Metadata": meta})
    assert_error(r, 412, "precondition_failed")
    assert r.headers["Tus-Version"] == "1.0.0"
    assert_error(alice.post("/v1/uploads", headers={**TUS, "Upload-Metadata": meta}), 400, "bad_request")
    r = alice.post("/v1/uploads", headers={**TUS, "Upload-Length": "4096", "Upload-Metadata": "filename eA=="})
    assert_error(r, 400, "bad_request")  # no sha256

    r = alice.post("/v1/uploads", headers={**TUS, "Upload-Length": "4096", "Upload-Metadata": meta})
    assert r.status_code == 201, r.text
    assert r.headers["Location"].startswith(alice.base + "/v1/uploads/")
    path = r.headers["Location"][len(alice.base):]

    assert head(alice, path).headers["Upload-Length"] == "4096"
    assert alice.request("HEAD", path).status_code == 412
    r = alice.request("PATCH", path, data=data[:100], headers={"Upload-Offset": "0", "Content-Type": OCTETS})
    assert_error(r, 412, "precondition_failed")
    assert_error(patch(alice, path, data[:100], 0, **{"Content-Type": "application/octet-stream"}), 415,
                 "unsupported_media_type")
    assert_error(patch(alice, path, data[:100], 1), 409, "conflict")
    assert_error(patch(alice, path, data + b"x", 0), 413, "payload_too_large")  # runs past Upload-Length
    assert offset_of(alice, path) == 0

    r = patch(alice, path, data[:1000], 0)
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "1000"
    assert r.headers["Tus-Resumable"] == "1.0.0"
    assert_error(patch(alice, path, data[1000:], 0), 409, "conflict")  # stale offset
    assert_error(patch(alice, path, data[1000:], 1500), 409, "conflict")
    assert offset_of(alice, path) == 1000
    r = patch(alice, path, data[1000:], 1000)
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "4096"
    assert alice.get(f"/v1/media/{sha}").content == data


@EMBEDDED_ONLY
def test_per_chunk_checksum_rejects_a_bad_chunk_and_keeps_a_good_one(server: ServerProcess, alice: User) -> None:
    data = os.urandom(300_000)
    sha = hashlib.sha256(data).hexdigest()
    path = tus_create(alice, len(data), sha)
    r = patch(alice, path, data[:100_000], 0, **{"Upload-Checksum": sha256_header(data[:100_000])})
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "100000"

    wrong = sha256_header(data[100_000:200_000] + b"!")
    r = patch(alice, path, data[100_000:200_000], 100_000, **{"Upload-Checksum": wrong})
    assert_error(r, 460, "checksum_mismatch")
    assert r.headers["Tus-Resumable"] == "1.0.0"
    assert offset_of(alice, path) == 100_000
    assert server_storage(server.data_dir).stage_size(upload_id(path)) == 100_000  # the bad bytes were cut back

    r = patch(alice, path, data[100_000:], 100_000, **{"Upload-Checksum": "md5 AAAA"})
    assert_error(r, 400, "bad_request")
    r = patch(alice, path, data[100_000:], 100_000, **{"Upload-Checksum": sha256_header(data[100_000:])})
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(len(data))
    assert alice.get(f"/v1/media/{sha}").content == data


@EMBEDDED_ONLY
def test_declared_sha256_mismatch_stores_nothing(server: ServerProcess, alice: User) -> None:
    declared = hashlib.sha256(b"what the client said it would send").hexdigest()
    data = os.urandom(2 * MiB)
    actual = hashlib.sha256(data).hexdigest()
    path = tus_create(alice, len(data), declared)
    assert patch(alice, path, data[:MiB], 0).status_code == 204

    assert_error(patch(alice, path, data[MiB:], MiB), 460, "checksum_mismatch")
    assert head(alice, path).status_code == 404
    assert_error(alice.get(f"/v1/media/{declared}"), 404, "not_found")
    assert_error(alice.get(f"/v1/media/{actual}"), 404, "not_found")
    assert alice.post("/v1/media/check", json={"blobs": [declared, actual]}).json()["readable"] == []
    assert staged_uploads(server.data_dir) == []
    assert stored_blobs(server.data_dir) == []


@EMBEDDED_ONLY
def test_terminate_removes_the_upload(server: ServerProcess, alice: User) -> None:
    data = os.urandom(10_000)
    path = tus_create(alice, len(data), hashlib.sha256(data).hexdigest())
    assert patch(alice, path, data[:5000], 0).status_code == 204
    assert upload_id(path) in staged_uploads(server.data_dir)

    assert alice.request("DELETE", path).status_code == 412
    r = alice.request("DELETE", path, headers=TUS)
    assert r.status_code == 204 and r.headers["Tus-Resumable"] == "1.0.0"
    assert head(alice, path).status_code == 404
    assert_error(patch(alice, path, data[5000:], 5000), 404, "not_found")
    assert_error(alice.request("DELETE", path, headers=TUS), 404, "not_found")
    assert upload_id(path) not in staged_uploads(server.data_dir)


def test_someone_elses_upload_is_not_found(alice: User, bob: User) -> None:
    data = os.urandom(10_000)
    path = tus_create(alice, len(data), hashlib.sha256(data).hexdigest())
    assert patch(alice, path, data[:4000], 0).status_code == 204

    assert head(bob, path).status_code == 404
    assert_error(patch(bob, path, data[4000:], 4000), 404, "not_found")
    assert_error(bob.request("DELETE", path, headers=TUS), 404, "not_found")
    assert head(bob, "/v1/uploads/" + "0" * 32).status_code == 404  # indistinguishable from a missing one
    assert offset_of(alice, path) == 4000
    assert patch(alice, path, data[4000:], 4000).status_code == 204


def test_upload_expires_is_announced(alice: User) -> None:
    data = os.urandom(1000)
    sha = hashlib.sha256(data).hexdigest()
    meta = f"sha256 {b64(sha)}"
    r = alice.post("/v1/uploads", headers={**TUS, "Upload-Length": "1000", "Upload-Metadata": meta})
    assert r.status_code == 201
    path = r.headers["Location"][len(alice.base):]
    for response in (r, patch(alice, path, data[:10], 0), head(alice, path)):
        expires = parsedate_to_datetime(response.headers["Upload-Expires"]).timestamp()
        assert time.time() + 23 * 3600 < expires <= time.time() + 24 * 3600 + 5


def test_resumes_across_a_server_restart(server: ServerProcess, alice: User) -> None:
    data = os.urandom(2 * MiB + 3)
    sha = hashlib.sha256(data).hexdigest()
    path = tus_create(alice, len(data), sha)
    half = len(data) // 2
    assert patch(alice, path, data[:half], 0).status_code == 204

    old_pid = server.pid
    server.restart()
    assert server.pid != old_pid

    assert offset_of(alice, path) == half
    r = patch(alice, path, data[half:], half)
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(len(data))
    assert alice.get(f"/v1/media/{sha}").content == data


@EMBEDDED_ONLY
def test_zero_byte_upload_completes_at_creation(server: ServerProcess, alice: User) -> None:
    sha = hashlib.sha256(b"").hexdigest()
    path = tus_create(alice, 0, sha, "empty.txt")
    assert head(alice, path).status_code == 404  # nothing left to send: already filed
    r = alice.get(f"/v1/media/{sha}")
    assert r.status_code == 200 and r.content == b"" and r.headers["Content-Length"] == "0"

    wrong = hashlib.sha256(b"not empty").hexdigest()
    r = alice.post("/v1/uploads", headers={**TUS, "Upload-Length": "0", "Upload-Metadata": f"sha256 {b64(wrong)}"})
    assert_error(r, 460, "checksum_mismatch")
    assert alice.get(f"/v1/media/{wrong}").status_code == 404
    assert staged_uploads(server.data_dir) == []


@pytest.fixture
def small_server(tmp_path: Path) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path / "s", max_upload_mb=5).start()
    yield srv
    srv.stop()


def test_oversize_upload_is_refused_before_any_byte(small_server: ServerProcess) -> None:
    user = make_user(small_server.url)
    sha = "0" * 64
    meta = f"sha256 {b64(sha)}"
    r = user.post("/v1/uploads", headers={**TUS, "Upload-Length": str(6 * MiB), "Upload-Metadata": meta})
    assert_error(r, 413, "payload_too_large")
    assert r.headers["Tus-Max-Size"] == str(5 * MiB)
    r = user.post("/v1/uploads", headers={**TUS, "Upload-Length": str(5 * MiB), "Upload-Metadata": meta})
    assert r.status_code == 201  # the limit itself is allowed

    # A client that sends the 6 MB along with the POST: the refusal comes back while it has sent
    # only headers, and the server never asks for the body (no 100 Continue).
    request = (
        "POST /v1/uploads HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{small_server.port}\r\n"
        f"Authorization: Bearer {user.token}\r\n"
        "Tus-Resumable: 1.0.0\r\n"
        f"Upload-Length: {6 * MiB}\r\n"
        f"Upload-Metadata: {meta}\r\n"
        "Content-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {6 * MiB}\r\n"
        "Expect: 100-continue\r\n"
        "\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", small_server.port), timeout=10) as sock:
        sock.sendall(request)
        reply = b""
        while b"\r\n\r\n" not in reply:
            data = sock.recv(65536)
            assert data, "the server closed the connection without answering"
            reply += data
    status_line = reply.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 413 "), reply[:500]
    assert len(staged_uploads(small_server.data_dir)) == 1  # only the 5 MB one


def open_patch(base: str, user: User, path: str, offset: int, length: int) -> http.client.HTTPConnection:
    """Start a PATCH of ``length`` body bytes and send its headers; the caller sends the body."""
    conn = http.client.HTTPConnection("127.0.0.1", urlsplit(base).port, timeout=30)
    conn.putrequest("PATCH", path, skip_accept_encoding=True)
    headers = {
        **TUS, "Authorization": f"Bearer {user.token}", "Upload-Offset": str(offset),
        "Content-Type": OCTETS, "Content-Length": str(length),
    }
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders()
    return conn


def wait_until_gone(path: Path, timeout: float = 30.0) -> None:
    """Poll until ``path`` is deleted (by the server's sweeper, which runs every 0.2 s in these tests)."""
    deadline = time.monotonic() + timeout
    while path.exists():
        assert time.monotonic() < deadline, f"{path} is still there"
        time.sleep(0.05)


def wait_until_receiving(srv: EmbeddedServer, timeout: float = 30.0) -> None:
    """Poll until a PATCH holds its upload's lease (the server is receiving it)."""
    deadline = time.monotonic() + timeout
    while "envelope_uploads_in_progress 1.0" not in requests.get(srv.metrics_url, timeout=10).text:
        assert time.monotonic() < deadline, "the PATCH never started"
        time.sleep(0.02)


@EMBEDDED_ONLY
def test_an_abandoned_upload_expires_and_its_bytes_are_swept(
    embedded: Callable[..., EmbeddedServer], clock: ServerClock, tmp_path: Path
) -> None:
    srv = embedded(upload_expiry_s=3600, sweep_interval_s=0.2)
    user = make_user(srv.url)
    data = os.urandom(50_000)
    path = tus_create(user, len(data), hashlib.sha256(data).hexdigest())
    r = patch(user, path, data[:20_000], 0)
    assert r.status_code == 204
    expires = parsedate_to_datetime(r.headers["Upload-Expires"]).timestamp()
    assert expires == pytest.approx(clock() + 3600, abs=2)  # HTTP dates count whole seconds
    partial = staged_file(tmp_path / "embedded", path)
    assert server_storage(tmp_path / "embedded").stage_size(upload_id(path)) == 20_000

    clock.advance(3601)
    wait_until_gone(partial)  # no requests: the sweeper must do it
    assert head(user, path).status_code == 404
    assert_error(patch(user, path, data[20_000:], 20_000), 404, "not_found")


@EMBEDDED_ONLY
def test_an_upload_does_not_expire_while_a_patch_is_receiving_it(
    embedded: Callable[..., EmbeddedServer], clock: ServerClock, tmp_path: Path
) -> None:
    # Regression: the sweeper removed an upload mid-PATCH when the PATCH outlasted the expiry;
    # the PATCH then wrote into an unlinked file and its completion failed with a 500.
    srv = embedded(upload_expiry_s=60, sweep_interval_s=0.2)  # a PATCH's lease lasts 120 s
    user = make_user(srv.url)
    data = os.urandom(160_000)
    sha = hashlib.sha256(data).hexdigest()
    abandoned = tus_create(user, 1000, hashlib.sha256(b"x" * 1000).hexdigest())
    assert patch(user, abandoned, b"x" * 10, 0).status_code == 204
    path = tus_create(user, len(data), sha)
    conn = open_patch(srv.url, user, path, 0, len(data))
    conn.send(data[:80_000])
    wait_until_receiving(srv)
    clock.advance(90)  # the PATCH now outlasts the upload's expiry, not its lease
    wait_until_gone(staged_file(tmp_path / "embedded", abandoned))  # the sweeper has run since
    conn.send(data[80_000:])
    response = conn.getresponse()
    assert response.status == 204, response.read()
    assert response.getheader("Upload-Offset") == str(len(data))
    conn.close()
    assert user.get(f"/v1/media/{sha}").content == data


def test_a_client_gone_silent_mid_patch_does_not_block_its_resume(
    embedded: Callable[..., EmbeddedServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression: a PATCH whose client vanished without a FIN or RST (sleep, network switch) held
    # the upload's lock forever, so the client's HEAD and resuming PATCH hung.
    monkeypatch.setattr(uploads, "BODY_IDLE_TIMEOUT_S", 1.0)
    srv = embedded()
    user = make_user(srv.url)
    data = os.urandom(100_000)
    sha = hashlib.sha256(data).hexdigest()
    path = tus_create(user, len(data), sha)
    stalled = open_patch(srv.url, user, path, 0, len(data))
    stalled.send(data[:30_000])  # ... and then nothing, with the connection left open
    try:
        wait_until_receiving(srv)  # it holds the lock
        r = requests.head(user.url(path), headers={**TUS, "Authorization": f"Bearer {user.token}"}, timeout=30)
        assert r.status_code == 200 and r.headers["Upload-Offset"] == "30000"  # answered, not hung
        assert patch(user, path, data[30_000:], 30_000).status_code == 204
    finally:
        stalled.close()
    assert user.get(f"/v1/media/{sha}").content == data
