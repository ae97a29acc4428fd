"""Each user's storage quota and uploads in progress, against a real server on loopback: refused at upload
creation with a sentence, reported by /v1/users/me, freed by a cancel or an expiry; the serve flags."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from sync.server.limit_settings import Limits
from sync.server.runner import EmbeddedServer
from tests.integration.conftest import ROOT, ServerClock, ServerProcess, User, make_user, tus_create

pytestmark = pytest.mark.both_engines  # also on the scale-out layout (PostgreSQL, SeaweedFS S3) in make test

TUS = {"Tus-Resumable": "1.0.0"}


def usage(user: User) -> tuple[int, int]:
    me = user.get("/v1/users/me").json()
    return me["used_bytes"], me["quota_bytes"]


def create(user: User, length: int, seed: str) -> requests.Response:
    sha = hashlib.sha256(seed.encode()).hexdigest()
    return user.post("/v1/uploads", headers={**TUS, "Upload-Length": str(length),
                                             "Upload-Metadata": f"sha256 {_b64(sha)}"})


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def test_the_quota_counts_uploads_and_refuses_with_a_sentence(embedded: Callable[..., EmbeddedServer]) -> None:
    base = embedded(limits=Limits(quota_bytes=2_000_000)).url
    alice = make_user(base, "alice")
    assert usage(alice) == (0, 2_000_000)
    alice.upload_bytes(b"a" * 1_200_000)
    assert usage(alice) == (1_200_000, 2_000_000)
    refused = create(alice, 900_000, "too big")
    assert refused.status_code == 413, refused.text
    error = refused.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert error["message"] == ("Your storage is full for this file: 1.2 MB of 2 MB used, and this file needs "
                                "900 KB (only 800 KB left). Cancel unfinished uploads, or ask whoever runs the "
                                "server for more space.")
    in_progress = create(alice, 800_000, "fits exactly")
    assert in_progress.status_code == 201
    assert usage(alice) == (2_000_000, 2_000_000)  # an upload in progress counts at its full length
    assert create(alice, 1, "one byte more").status_code == 413
    assert alice.delete(in_progress.headers["Location"][len(base):], headers=TUS).status_code == 204
    assert usage(alice) == (1_200_000, 2_000_000)  # cancelling frees it
    assert create(alice, 800_000, "fits again").status_code == 201


def test_shared_bytes_count_once_for_each_uploader(embedded: Callable[..., EmbeddedServer]) -> None:
    base = embedded(limits=Limits(quota_bytes=1_000_000)).url
    alice, bob = make_user(base, "alice"), make_user(base, "bob")
    data = b"the same bytes" * 50_000
    alice.upload_bytes(data)
    alice.upload_bytes(data)  # again: still once
    bob.upload_bytes(data)
    assert usage(alice)[0] == usage(bob)[0] == len(data)
    conversation = alice.conversation("c", "bob")
    sha = hashlib.sha256(b"alice only").hexdigest()
    alice.upload_bytes(b"alice only")
    attachment = {"blob": sha, "size": 10, "mime": "application/octet-stream", "name": "a.bin", "kind": "file"}
    r = alice.post(f"/v1/conversations/{conversation['id']}/messages",
                   json={"client_id": "m1", "body": "", "attachments": [attachment]})
    assert r.status_code == 201, r.text
    assert usage(bob)[0] == len(data)  # what others share with you is theirs, not yours


def test_expired_uploads_stop_counting(embedded: Callable[..., EmbeddedServer], clock: ServerClock) -> None:
    base = embedded(upload_expiry_s=3600, limits=Limits(quota_bytes=1000, uploads_in_progress=1)).url
    alice = make_user(base, "alice")
    assert create(alice, 1000, "left alone").status_code == 201
    assert create(alice, 1, "more").status_code == 429
    clock.advance(3601)
    assert usage(alice) == (0, 1000)
    assert create(alice, 1000, "after the expiry").status_code == 201


def test_uploads_in_progress_per_user(embedded: Callable[..., EmbeddedServer]) -> None:
    base = embedded(limits=Limits(uploads_in_progress=2)).url
    alice, bob = make_user(base, "alice"), make_user(base, "bob")
    first = tus_create(alice, 5, hashlib.sha256(b"first").hexdigest())
    second = tus_create(alice, 4, hashlib.sha256(b"cancel").hexdigest())
    refused = create(alice, 10, "third")
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"] == {"code": "too_many_uploads", "message": (
        "You have 2 uploads in progress, the most allowed at once; finish or cancel some first.")}
    assert create(bob, 10, "bob's own").status_code == 201  # another user's slots are their own
    r = alice.request("PATCH", first, data=b"first", headers={**TUS, "Upload-Offset": "0",
                                                             "Content-Type": "application/offset+octet-stream"})
    assert r.status_code == 204  # finished: filed, no longer in progress
    assert create(alice, 10, "third").status_code == 201
    assert create(alice, 10, "fourth").status_code == 429
    assert alice.delete(second, headers=TUS).status_code == 204
    assert create(alice, 10, "fourth").status_code == 201


def test_the_serve_flags_set_the_limits(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "server", args=["--quota-mb", "3", "--uploads-in-progress", "1",
                                                       "--signups-per-address", "2"]).start()
    try:
        alice = make_user(server.url, "alice")
        assert usage(alice) == (0, 3 * 1024 * 1024)
        assert create(alice, 10, "one").status_code == 201
        assert create(alice, 10, "two").json()["error"]["code"] == "too_many_uploads"
        make_user(server.url, "bob")
        r = requests.post(server.url + "/v1/accounts", json={"username": "carol", "password": "long enough"},
                          timeout=10)
        assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_attempts"
    finally:
        server.stop()
    bad = subprocess.run([sys.executable, "-m", "sync", "serve", "--data-dir", str(tmp_path / "x"), "--quota-mb", "0"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--quota-mb: 0 is not at least 1" in bad.stderr
