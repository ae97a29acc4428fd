"""An upload whose bytes all arrived but that the server never filed (it died in between) is not lost.

The crash leaves a precise state on disk: the upload's row says ``offset == length`` and its
partial file holds every byte, but no blob exists. ``_crash_after_last_byte`` writes that state
(the last byte and the offset, as the PATCH would have just before dying), either on a stopped
server's data dir or under a running one, as another replica sharing the storage would leave it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
import requests

from desktop.core.engine import Engine
from tests.integration.conftest import ServerProcess, User, make_user, tus_create
from tests.integration.stored import server_storage

pytestmark = pytest.mark.embedded_only  # edits the SQLite file and the local store's staging behind the server

TUS = {"Tus-Resumable": "1.0.0"}
PATCH = {**TUS, "Content-Type": "application/offset+octet-stream"}


def _upload_all_but_last_byte(user: User, data: bytes) -> str:
    location = tus_create(user, len(data), hashlib.sha256(data).hexdigest(), "notes.bin")
    r = user.request("PATCH", location, data=data[:-1], headers={**PATCH, "Upload-Offset": "0"})
    assert r.status_code == 204, r.text
    return location


def _crash_after_last_byte(server: ServerProcess, location: str, last: bytes) -> None:
    upload_id = location.rsplit("/", 1)[-1]
    writer = server_storage(server.data_dir).stage_writer(upload_id, _length_of(server, upload_id) - 1)
    try:
        writer.write(last)
        writer.commit()
    finally:
        writer.close()
    with sqlite3.connect(server.data_dir / "metadata.sqlite3") as db:
        assert db.execute("UPDATE uploads SET offset = length WHERE id = ?", (upload_id,)).rowcount == 1


def _length_of(server: ServerProcess, upload_id: str) -> int:
    with sqlite3.connect(server.data_dir / "metadata.sqlite3") as db:
        length: int = db.execute("SELECT length FROM uploads WHERE id = ?", (upload_id,)).fetchone()[0]
        return length


def _readable(user: User, sha: str) -> bool:
    r = user.post("/v1/media/check", json={"blobs": [sha]})
    assert r.status_code == 200, r.text
    return sha in r.json()["readable"]


def _post_with(user: User, data: bytes, client_id: str) -> requests.Response:
    conv = user.conversation("files")
    attachment = {"blob": hashlib.sha256(data).hexdigest(), "size": len(data), "mime": "application/octet-stream",
                  "name": "notes.bin", "kind": "file"}
    return user.post(f"/v1/conversations/{conv['id']}/messages",
                     json={"client_id": client_id, "body": "", "attachments": [attachment]})


@pytest.fixture
def data() -> bytes:
    return os.urandom(300_000)


def test_the_start_up_sweep_files_an_upload_the_server_died_before_filing(
    server: ServerProcess, alice: User, data: bytes
) -> None:
    location = _upload_all_but_last_byte(alice, data)
    assert server.proc is not None
    server.proc.kill()  # as in a crash: no shutdown code runs
    server.proc.wait()
    _crash_after_last_byte(server, location, data[-1:])
    server.start()
    sha = hashlib.sha256(data).hexdigest()
    assert _readable(alice, sha)
    assert alice.get(f"/v1/media/{sha}").content == data
    assert _post_with(alice, data, "after-crash").status_code == 201


def test_head_files_a_complete_upload_and_reports_it_done(server: ServerProcess, alice: User, data: bytes) -> None:
    location = _upload_all_but_last_byte(alice, data)
    _crash_after_last_byte(server, location, data[-1:])
    r = alice.request("HEAD", location, headers=TUS)
    assert r.status_code == 200 and r.headers["Upload-Offset"] == str(len(data))
    assert _readable(alice, hashlib.sha256(data).hexdigest())
    assert alice.request("HEAD", location, headers=TUS).status_code == 404  # finished: the upload is gone


def test_a_message_that_needs_the_blob_files_it(server: ServerProcess, alice: User, data: bytes) -> None:
    location = _upload_all_but_last_byte(alice, data)
    _crash_after_last_byte(server, location, data[-1:])
    assert _post_with(alice, data, "needs-it").status_code == 201
    assert alice.get(f"/v1/media/{hashlib.sha256(data).hexdigest()}").content == data


def test_a_patch_at_the_end_files_it(server: ServerProcess, alice: User, data: bytes) -> None:
    location = _upload_all_but_last_byte(alice, data)
    _crash_after_last_byte(server, location, data[-1:])
    r = alice.request("PATCH", location, data=b"", headers={**PATCH, "Upload-Offset": str(len(data))})
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(len(data))
    assert _readable(alice, hashlib.sha256(data).hexdigest())


def test_a_complete_upload_whose_bytes_are_wrong_is_dropped_not_filed(
    server: ServerProcess, alice: User, data: bytes
) -> None:
    location = _upload_all_but_last_byte(alice, data)
    _crash_after_last_byte(server, location, bytes([data[-1] ^ 0xFF]))
    assert alice.request("HEAD", location, headers=TUS).status_code == 460
    assert alice.request("HEAD", location, headers=TUS).status_code == 404
    assert not _readable(alice, hashlib.sha256(data).hexdigest())
    assert _post_with(alice, data, "wrong").status_code == 422


def test_another_user_cannot_file_or_read_someone_elses_complete_upload(
    server: ServerProcess, alice: User, data: bytes
) -> None:
    location = _upload_all_but_last_byte(alice, data)
    _crash_after_last_byte(server, location, data[-1:])
    mallory = make_user(server.url)
    r = _post_with(mallory, data, "steal")
    assert r.status_code == 422 and r.json()["error"]["code"] == "blob_not_uploaded"
    assert not _readable(mallory, hashlib.sha256(data).hexdigest())


def test_the_client_uploads_again_what_the_server_lost(server: ServerProcess, tmp_path: Path) -> None:
    """The client believed an upload finished, but the server has no blob: retrying sends it again."""
    engine = Engine(tmp_path / "alice", long_poll_s=1)
    engine.sign_up(server.url, "alice", "password123")
    conversation_id = engine.create_conversation("notes", [])
    note = tmp_path / "notes.txt"
    note.write_bytes(b"minutes of the meeting\n" * 5000)
    message = engine.send(conversation_id, "the notes", [note])
    upload = next(i for i in engine.db.outbox.items(message.client_id) if i.kind == "upload")
    engine.db.outbox.complete(upload.id)  # what the client does when tus reports every byte received
    engine.start()
    try:
        _wait_sent(engine, message.client_id)
        sha = message.attachments[0].blob
        assert engine.client is not None
        r = requests.get(f"{server.url}/v1/media/{sha}", headers={"Authorization": f"Bearer {engine.client.token}"},
                         timeout=10)
        assert r.content == note.read_bytes()
    finally:
        engine.stop()


def _wait_sent(engine: Engine, client_id: str) -> None:
    import threading

    done = threading.Event()

    def listener(_event: object) -> None:
        found = engine.db.messages.by_client_id(client_id)
        if found is not None and found.state != "pending":
            done.set()

    engine.add_listener(listener)
    listener(None)
    assert done.wait(30), "the message stayed pending"
    found = engine.db.messages.by_client_id(client_id)
    assert found is not None and found.state == "sent", (found.state, found.error) if found else None
