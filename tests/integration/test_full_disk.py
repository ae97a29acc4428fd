"""A full disk: writes answer 507 with a sentence, reads go on, and deleting unfinished uploads frees space.

The server runs with its data dir on an 8 MiB tmpfs mounted in a private mount namespace of its
own (``unshare --mount``; ``--map-root-user`` too when not root), so the disk really fills (ENOSPC
from the kernel, "database or disk is full" from SQLite) and nothing outside the server sees it.
The namespace and its tmpfs go away with the process, so this server cannot be restarted.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from tests.integration.conftest import ServerProcess, User, b64, make_user

DISK = "8m"
CHUNK = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}


def small_disk(data_dir: Path) -> list[str]:
    """A command prefix that mounts a fresh tmpfs of size DISK over ``data_dir``, for the server alone."""
    unshare = shutil.which("unshare")
    assert unshare, "this test needs unshare(1) from util-linux to give the server a small disk of its own"
    user = [] if os.geteuid() == 0 else ["--map-root-user"]
    mount = f'mount -t tmpfs -o size={DISK} envelope-full "$0" && exec "$@"'
    return [unshare, *user, "--mount", "sh", "-c", mount, str(data_dir)]


@pytest.fixture
def full_server(tmp_path: Path) -> Iterator[ServerProcess]:
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    srv = ServerProcess(data_dir, prefix=small_disk(data_dir)).start()
    yield srv
    srv.stop()


def patch(user: User, location: str, offset: int, data: bytes) -> requests.Response:
    headers = {**TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
    with requests.Session() as fresh:  # the server may answer before reading the whole body
        return fresh.patch(user.url(location), data=data, timeout=60,
                           headers={"Authorization": f"Bearer {user.token}", **headers})


def create(user: User) -> requests.Response:
    metadata = f"sha256 {b64(hashlib.sha256(b'never finished').hexdigest())}"
    return user.post("/v1/uploads", headers={**TUS, "Upload-Length": str(4 * CHUNK), "Upload-Metadata": metadata})


def fill(user: User) -> tuple[list[str], requests.Response]:
    """Unfinished uploads of 1 MiB, then 64 KiB, then 4 KiB (a page) until the disk takes no more.

    Returns their paths and the first refusal (a PATCH of 1 MiB). A refused PATCH keeps nothing, so
    the smaller ones fill what it left, until not even a new upload's row fits.
    """
    partial: list[str] = []
    refusals: list[requests.Response] = []
    for size in (CHUNK, 64 * 1024, 4096):
        for _ in range(1024):
            r = create(user)
            if r.status_code == 507:
                return partial, refusals[0]
            assert r.status_code == 201, r.text
            partial.append(urlparse(r.headers["Location"]).path)
            r = patch(user, partial[-1], 0, os.urandom(size))
            if r.status_code == 507:
                refusals.append(r)
                break
            assert r.status_code == 204, r.text
    assert refusals, f"{DISK} of tmpfs never filled up"
    return partial, refusals[0]


def assert_insufficient_storage(r: requests.Response) -> None:
    assert r.status_code == 507, r.text
    error = r.json()["error"]
    assert error["code"] == "insufficient_storage"
    assert "space" in error["message"] and error["message"].endswith(".")


def test_full_disk_answers_507_reads_go_on_and_deletes_free_space(full_server: ServerProcess) -> None:
    alice = make_user(full_server.url, "alice")
    conversation = alice.conversation("full")["id"]
    photo = os.urandom(50_000)
    sha = alice.upload_bytes(photo)

    partial, refused = fill(alice)
    assert_insufficient_storage(refused)  # the first PATCH that hit ENOSPC
    first = partial[0]  # 1 MiB of 4 received
    assert_insufficient_storage(patch(alice, first, CHUNK, os.urandom(CHUNK)))  # still full
    head = alice.request("HEAD", first, headers=TUS)
    assert head.status_code == 200 and head.headers["Upload-Offset"] == str(CHUNK)  # a refused PATCH counts nothing
    assert_insufficient_storage(create(alice))

    sent = alice.post(f"/v1/conversations/{conversation}/messages",  # no room for its rows either
                      json={"client_id": "while-full", "body": "is there room?"})
    assert_insufficient_storage(sent)

    got = alice.get(f"/v1/media/{sha}")  # reads go on
    assert got.status_code == 200 and got.content == photo
    assert alice.get("/v1/sync").status_code == 200
    assert alice.get(f"/v1/conversations/{conversation}/messages").status_code == 200

    # Deleting an upload that holds bytes works: they go first, making room to record the delete. (One
    # holding nothing has no room to give: on a disk this full it answers 507 until something is freed.)
    for location in (first, partial[1], partial[-1]):
        r = alice.delete(location, headers=TUS)
        assert r.status_code == 204, r.text
        assert alice.request("HEAD", location, headers=TUS).status_code == 404

    again = os.urandom(CHUNK)
    new_sha = alice.upload_bytes(again)
    assert alice.get(f"/v1/media/{new_sha}").content == again
    r = alice.post(f"/v1/conversations/{conversation}/messages",
                   json={"client_id": "after-delete", "body": "room again"})
    assert r.status_code == 201, r.text
    log = full_server.log_path.read_text()
    assert "Traceback" not in log, log[-3000:]
