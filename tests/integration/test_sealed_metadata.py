"""Through a real server process: names and message text come back through the API as they were sent,
while the server's metadata database (file, WAL, shared-memory index) holds none of them in the clear."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.integration.conftest import ServerProcess, User, tus_create

pytestmark = pytest.mark.embedded_only  # reads the SQLite file in the data dir


def _metadata_bytes(data_dir: Path) -> bytes:
    files = [data_dir / f"metadata.sqlite3{suffix}" for suffix in ("", "-wal", "-shm")]
    assert files[0].exists()
    return b"".join(f.read_bytes() for f in files if f.exists())


def test_names_and_text_come_back_but_are_not_in_the_metadata_database(
        server: ServerProcess, alice: User, bob: User) -> None:
    mark = uuid.uuid4().hex
    title, body, attached = f"title-{mark}", f"body-{mark}", f"photo-{mark}.bin"
    uploaded, partial = f"uploaded-{mark}.bin", f"partial-{mark}.bin"
    data = os.urandom(5000)
    sha = alice.upload_bytes(data, filename=uploaded)
    tus_create(alice, 100, "0" * 64, partial)  # a partial upload: its name waits in the database
    conversation = alice.conversation(title, "bob")
    attachment = {"blob": sha, "size": len(data), "mime": "application/octet-stream", "name": attached,
                  "kind": "file"}
    r = alice.post(f"/v1/conversations/{conversation['id']}/messages",
                   json={"client_id": "m-1", "body": body, "attachments": [attachment]})
    assert r.status_code == 201, r.text

    events = bob.get("/v1/sync").json()["events"]
    assert [e["conversation"]["title"] for e in events if e["type"] == "conversation"] == [title]
    (sent,) = [e["message"] for e in events if e["type"] == "message"]
    assert sent["body"] == body and sent["attachments"][0]["name"] == attached
    (history,) = bob.get(f"/v1/conversations/{conversation['id']}/messages").json()
    assert history == sent
    assert bob.get(f"/v1/conversations/{conversation['id']}").json()["title"] == title
    assert quote(attached) in bob.request("HEAD", f"/v1/media/{sha}").headers["Content-Disposition"]

    raw = _metadata_bytes(server.data_dir)
    assert b"alice" in raw  # usernames stay in the clear: the bytes read are the database's
    assert [m for m in (title, body, attached, uploaded, partial) if m.encode() in raw] == []
    server.stop()  # the last connection checkpoints the WAL into the file
    raw = _metadata_bytes(server.data_dir)
    assert b"alice" in raw
    assert [m for m in (title, body, attached, uploaded, partial) if m.encode() in raw] == []
