"""Message limits on the real server: text length, attachments per message, members per conversation;
each hit is a 422 ``invalid`` with a sentence naming the limit, and each is recovered from."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.protocol import MAX_ATTACHMENTS, MAX_BODY_CHARS, MAX_MEMBERS
from sync.server.at_rest import open_keys
from sync.server.config import ServerConfig
from sync.server.crypto.sealing import Sealer
from sync.server.metadata import Metadata
from tests.integration.conftest import ServerProcess, User, make_user

SHA = "ab" * 32


def _refused(r: object, *words: str) -> str:
    assert getattr(r, "status_code", None) == 422, getattr(r, "text", r)
    error = r.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "invalid"
    message = str(error["message"])
    assert message.endswith(".") and "The request is not valid" not in message, message
    for word in words:
        assert word in message, message
    return message


def test_text_longer_than_the_limit(alice: User) -> None:
    cid = alice.conversation("long")["id"]
    path = f"/v1/conversations/{cid}/messages"
    r = alice.post(path, json={"client_id": "too-long", "body": "x" * (MAX_BODY_CHARS + 1)})
    assert _refused(r, "64,000 characters", "64,001") == \
        "A message can hold at most 64,000 characters of text; this one has 64,001."
    r = alice.post(path, json={"client_id": "just-fits", "body": "x" * MAX_BODY_CHARS})
    assert r.status_code == 201 and len(r.json()["body"]) == MAX_BODY_CHARS


def test_more_attachments_than_the_limit(alice: User) -> None:
    cid = alice.conversation("many")["id"]
    one = {"blob": SHA, "size": 3, "mime": "text/plain", "name": "a.txt", "kind": "file"}
    r = alice.post(f"/v1/conversations/{cid}/messages",
                   json={"client_id": "many", "body": "", "attachments": [one] * (MAX_ATTACHMENTS + 1)})
    _refused(r, f"at most {MAX_ATTACHMENTS} attachments", f"has {MAX_ATTACHMENTS + 1}")
    sha = alice.upload_bytes(b"abc", filename="a.txt")
    r = alice.post(f"/v1/conversations/{cid}/messages",
                   json={"client_id": "fits", "attachments": [{**one, "blob": sha}] * MAX_ATTACHMENTS})
    assert r.status_code == 201 and len(r.json()["attachments"]) == MAX_ATTACHMENTS


@pytest.fixture
def crowded(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server whose store already holds MAX_MEMBERS - 1 users (m000, m001, …), put in directly:
    signing up that many over HTTP would only measure password hashing and the sign-up limit."""
    data_dir = tmp_path / "server"
    config = ServerConfig(data_dir=data_dir)
    _objects, keys = open_keys(config)
    meta = Metadata(config.db_path, sealer=Sealer(keys.metadata_key()))
    for n in range(MAX_MEMBERS - 1):
        meta.accounts.create(uuid.uuid4().hex, f"m{n:03}", "no password", created_at="2024-05-01T12:00:00.000Z")
    meta.close()
    server = ServerProcess(data_dir).start()
    yield server
    server.stop()


def test_members_per_conversation(crowded: ServerProcess) -> None:
    alice, bob = make_user(crowded.url, "alice"), make_user(crowded.url, "bob")
    others = [f"m{n:03}" for n in range(MAX_MEMBERS - 1)]
    r = alice.post("/v1/conversations", json={"title": "too big", "members": [*others, "bob"]})
    _refused(r, f"at most {MAX_MEMBERS} members", f"would have {MAX_MEMBERS + 1}")
    assert alice.get("/v1/conversations").json() == []

    full: dict[str, Any] = alice.conversation("full", *others)
    assert len(full["members"]) == MAX_MEMBERS
    path = f"/v1/conversations/{full['id']}/members"
    assert _refused(alice.post(path, json={"username": "bob"}), "256") == \
        "This conversation already has 256 members, the most a conversation can have."
    assert alice.post(path, json={"username": "m000"}).status_code == 200  # already in: no change, no refusal
    assert alice.delete(f"{path}/m000").status_code == 204
    r = alice.post(path, json={"username": "bob"})
    assert r.status_code == 200 and "bob" in r.json()["members"] and len(r.json()["members"]) == MAX_MEMBERS
    assert bob.get(f"/v1/conversations/{full['id']}").status_code == 200
