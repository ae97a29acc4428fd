"""The world the authorization matrix runs in: an owner with things to steal, and everyone else who tries.

The owner has a conversation with bob (dave was in it and was removed), a message attaching a blob, a
second blob, an upload in progress and a blocked user. ``snapshot`` reads all of it as the owner, so
a cell can tell whether a request changed anything.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from sync.server.media import sign
from tests.integration.conftest import User, make_user, tus_create

LINK_SECRET = b"matrix-link-secret-" + b"0" * 32
TUS = {"Tus-Resumable": "1.0.0"}


@dataclass
class World:
    base: str
    owner: User
    bob: User
    carol: User
    dave: User
    cid: str = ""
    invited: str = ""
    """A conversation bob started with the owner in it (the owner may accept it, or block bob)."""
    sha: str = ""
    other_sha: str = ""
    upload_id: str = ""
    blocked: str = ""
    secret: str = field(default_factory=lambda: "secret-" + uuid.uuid4().hex)

    def markers(self, identity: str) -> set[str]:
        """What a caller other than the owner must never be shown (dave knew the conversation itself)."""
        known = {self.secret, self.sha, self.other_sha, self.upload_id, self.owner.token}
        return known if identity == "removed member" else known | {self.cid, "the owners' plans"}

    def token(self, user: User) -> str:
        """A fresh token of ``user``: a cell may revoke its own."""
        r = requests.post(self.base + "/v1/tokens", json={"username": user.username, "password": user.password},
                          timeout=10)
        assert r.status_code == 200, r.text
        return str(r.json()["token"])

    def link_query(self, path: str, *, expires_in: int = 600, key: bytes = LINK_SECRET) -> dict[str, str]:
        expires = int(time.time()) + expires_in
        return {"user": self.owner.user_id, "expires": str(expires),
                "sig": sign(key, "GET", path, self.owner.user_id, expires)}


def build_world(base: str) -> World:
    owner, bob, carol, dave, mallory = (make_user(base) for _ in range(5))
    world = World(base, owner, bob, carol, dave)
    world.cid = str(owner.conversation("the owners' plans", bob.username, dave.username)["id"])
    assert owner.delete(f"/v1/conversations/{world.cid}/members/{dave.username}").status_code == 204
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(500)
    world.sha = owner.upload_bytes(png, filename="plans.png")
    world.other_sha = owner.upload_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(500), filename="other.png")
    r = owner.post(f"/v1/conversations/{world.cid}/messages", json={
        "client_id": "owner-1", "body": world.secret,
        "attachments": [{"blob": world.sha, "size": len(png), "mime": "image/png", "name": "p.png", "kind": "image"}]})
    assert r.status_code == 201, r.text
    world.invited = str(bob.conversation("bob's", owner.username)["id"])
    world.upload_id = tus_create(owner, 10, "0" * 64).rsplit("/", 1)[1]
    assert owner.post("/v1/users/me/blocked", json={"username": mallory.username}).status_code == 200
    world.blocked = mallory.username
    return world


def snapshot(world: World) -> dict[str, object]:
    """Everything of the owner's a request could change, read as the owner."""
    owner, cid = world.owner, world.cid
    reads: dict[str, Callable[[], object]] = {
        "me": lambda: owner.get("/v1/users/me").json(),
        "conversations": lambda: owner.get("/v1/conversations").json(),
        "messages": lambda: owner.get(f"/v1/conversations/{cid}/messages").json(),
        "feed": lambda: len(owner.get("/v1/sync").json()["events"]),
        "upload": lambda: owner.request("HEAD", f"/v1/uploads/{world.upload_id}", headers=TUS).headers.get(
            "Upload-Offset"),
        "blocked": lambda: owner.get("/v1/users/me/blocked").json(),
        "media": lambda: [owner.request("HEAD", f"/v1/media/{s}").status_code for s in (world.sha, world.other_sha)],
        "bob's conversations": lambda: world.bob.get("/v1/conversations").json(),
    }
    return {name: read() for name, read in reads.items()}
