"""The authorization matrix: every route in /openapi.json × everyone who is not the owner.

Each route's row builds the owner's own valid request; every identity below sends it. None may get a
2xx from a route that acts on the owner's things, none may be shown anything of the owner's, and
after each request the owner's state (``authz_world.snapshot``) is as it was. A route in the spec
without a row fails: add one to ROWS.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration.authz_world import LINK_SECRET, TUS, World, build_world, snapshot
from tests.integration.conftest import ServerProcess
from tests.integration.fuzzing import UNLIMITED


@dataclass
class Req:
    path: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    data: bytes | None = None


OWNER, SELF, PUBLIC = "owner's", "the caller's own", "public"
ID = "{conversation_id}"


def _upload_req(w: World) -> Req:
    meta = "sha256 " + __import__("base64").b64encode(b"1" * 64).decode()
    return Req("/v1/uploads", headers={**TUS, "Upload-Length": "10", "Upload-Metadata": meta})


ROWS: dict[tuple[str, str], tuple[str, Callable[[World], Req]]] = {
    ("POST", "/v1/accounts"): (PUBLIC, lambda w: Req("/v1/accounts", {"username": "n" + uuid.uuid4().hex[:12],
                                                                      "password": "a long password"})),
    ("POST", "/v1/tokens"): (PUBLIC, lambda w: Req("/v1/tokens", {"username": w.owner.username,
                                                                  "password": w.owner.password})),
    ("DELETE", "/v1/tokens/current"): (SELF, lambda w: Req("/v1/tokens/current")),
    ("GET", "/v1/users/me"): (SELF, lambda w: Req("/v1/users/me")),
    ("POST", "/v1/conversations"): (SELF, lambda w: Req("/v1/conversations", {"title": "t", "members": []})),
    ("GET", "/v1/conversations"): (SELF, lambda w: Req("/v1/conversations")),
    ("GET", "/v1/conversations/{conversation_id}"): (OWNER, lambda w: Req(f"/v1/conversations/{w.cid}")),
    ("PATCH", "/v1/conversations/{conversation_id}"): (OWNER, lambda w: Req(f"/v1/conversations/{w.cid}",
                                                                              {"title": "renamed"})),
    ("POST", f"/v1/conversations/{ID}/members"): (OWNER, lambda w: Req(f"/v1/conversations/{w.cid}/members",
                                                                       {"username": w.carol.username})),
    ("DELETE", f"/v1/conversations/{ID}/members/{{username}}"): (
        OWNER, lambda w: Req(f"/v1/conversations/{w.cid}/members/{w.bob.username}")),
    ("POST", f"/v1/conversations/{ID}/messages"): (OWNER, lambda w: Req(
        f"/v1/conversations/{w.cid}/messages", {"client_id": uuid.uuid4().hex, "body": "hi", "attachments": []})),
    ("GET", f"/v1/conversations/{ID}/messages"): (OWNER, lambda w: Req(f"/v1/conversations/{w.cid}/messages")),
    ("POST", f"/v1/conversations/{ID}/accept"): (OWNER, lambda w: Req(f"/v1/conversations/{w.invited}/accept")),
    ("POST", f"/v1/conversations/{ID}/block"): (OWNER, lambda w: Req(f"/v1/conversations/{w.invited}/block")),
    ("GET", "/v1/users/me/blocked"): (SELF, lambda w: Req("/v1/users/me/blocked")),
    ("POST", "/v1/users/me/blocked"): (SELF, lambda w: Req("/v1/users/me/blocked", {"username": w.bob.username})),
    ("DELETE", "/v1/users/me/blocked/{username}"): (SELF, lambda w: Req(f"/v1/users/me/blocked/{w.blocked}")),
    ("GET", "/v1/sync"): (SELF, lambda w: Req("/v1/sync")),
    ("OPTIONS", "/v1/uploads"): (PUBLIC, lambda w: Req("/v1/uploads")),
    ("POST", "/v1/uploads"): (SELF, _upload_req),
    ("HEAD", "/v1/uploads/{upload_id}"): (OWNER, lambda w: Req(f"/v1/uploads/{w.upload_id}", headers=TUS)),
    ("PATCH", "/v1/uploads/{upload_id}"): (OWNER, lambda w: Req(f"/v1/uploads/{w.upload_id}", data=b"x" * 5, headers={
        **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})),
    ("DELETE", "/v1/uploads/{upload_id}"): (OWNER, lambda w: Req(f"/v1/uploads/{w.upload_id}", headers=TUS)),
    ("GET", "/v1/media/{sha256}"): (OWNER, lambda w: Req(f"/v1/media/{w.sha}")),
    ("HEAD", "/v1/media/{sha256}"): (OWNER, lambda w: Req(f"/v1/media/{w.sha}")),
    ("GET", "/v1/media/{sha256}/access"): (OWNER, lambda w: Req(f"/v1/media/{w.sha}/access")),
    ("POST", "/v1/media/check"): (SELF, lambda w: Req("/v1/media/check", {"blobs": [w.sha, w.other_sha]})),
    ("POST", "/v1/media/{sha256}/link"): (OWNER, lambda w: Req(f"/v1/media/{w.sha}/link", {"ttl": 60})),
    ("GET", "/healthz"): (PUBLIC, lambda w: Req("/healthz")),
}

# Who tries: (Authorization header or None, query a signed link adds) from the world.
IDENTITIES: dict[str, Callable[[World, Req], tuple[str | None, dict[str, str]]]] = {
    "no token": lambda w, r: (None, {}),
    "garbage token": lambda w, r: ("Bearer " + uuid.uuid4().hex, {}),
    "revoked token": lambda w, r: (_revoked(w), {}),
    "another user": lambda w, r: ("Bearer " + w.token(w.carol), {}),
    "removed member": lambda w, r: ("Bearer " + w.token(w.dave), {}),
    "forged link": lambda w, r: (None, w.link_query(r.path, key=b"not the server's key" * 3)),
    "expired link": lambda w, r: (None, w.link_query(r.path, expires_in=-60)),
    "link for another path": lambda w, r: (None, w.link_query(f"/v1/media/{w.other_sha}")),
}
BEARERS = {"another user", "removed member"}


def _revoked(w: World) -> str:
    token = "Bearer " + w.token(w.owner)
    assert requests.delete(w.base + "/v1/tokens/current", headers={"Authorization": token}, timeout=10).ok
    return token


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    srv = ServerProcess(tmp_path_factory.mktemp("matrix") / "server", args=UNLIMITED,
                        env={"ENVELOPE_LINK_SECRET": LINK_SECRET.decode()}).start()
    yield build_world(srv.url)
    srv.stop()


def _spec_routes(base: str) -> list[tuple[str, str]]:
    paths = requests.get(base + "/openapi.json", timeout=10).json()["paths"]
    return sorted((m.upper(), p) for p, ops in paths.items() for m in ops)


def _send(w: World, method: str, req: Req, authorization: str | None, query: dict[str, str]) -> requests.Response:
    headers = {**req.headers, **({"Authorization": authorization} if authorization else {})}
    return requests.request(method, w.base + req.path, params=query, json=req.json, data=req.data,
                            headers=headers, timeout=30)


def test_every_route_in_the_spec_has_a_row(world: World) -> None:
    missing = [f"{m} {p}" for m, p in _spec_routes(world.base) if (m, p) not in ROWS]
    assert not missing, f"add a row to ROWS in {Path(__file__).name} for: " + ", ".join(missing)
    stale = [f"{m} {p}" for m, p in ROWS if (m, p) not in set(_spec_routes(world.base))]
    assert not stale, f"rows for routes the spec no longer has: {stale}"


def test_nobody_but_the_owner_reads_or_acts(world: World) -> None:
    before = snapshot(world)
    cells, refused = 0, 0
    for method, path in _spec_routes(world.base):
        scope, build = ROWS[(method, path)]
        for identity, credentials in IDENTITIES.items():
            req = build(world)
            authorization, query = credentials(world, req)
            r = _send(world, method, req, authorization, query)
            cell = f"{identity} → {method} {path}: {r.status_code} {r.text[:200]}"
            may_succeed = scope == PUBLIC or (scope == SELF and identity in BEARERS)
            assert may_succeed or not 200 <= r.status_code < 400, cell
            sent = req.path + str(req.json) + str(query)
            leaked = {m for m in world.markers(identity) if m in r.text + str(r.headers) and m not in sent}
            assert not leaked, f"{cell} shows {leaked}"
            assert snapshot(world) == before, f"{cell} changed the owner's state"
            cells += 1
            refused += not 200 <= r.status_code < 400
    print(f"authorization matrix: {cells} cells, {refused} refused, the rest the caller's own or public")
    assert cells == len(ROWS) * len(IDENTITIES)


def _last(route: tuple[str, str]) -> tuple[bool, bool]:
    """Routes that undo the world go last: the owner's token is revoked at the very end."""
    method, path = route
    return path == "/v1/tokens/current", method == "DELETE" or path.endswith("/block")


def test_each_row_is_a_request_the_owner_may_make(world: World) -> None:
    """So every refusal above is a refusal of the caller, not of a malformed request (runs last: it acts)."""
    for method, path in sorted(ROWS, key=_last):
        req = ROWS[(method, path)][1](world)
        r = _send(world, method, req, "Bearer " + world.owner.token, {})
        assert 200 <= r.status_code < 300, f"the owner's {method} {path}: {r.status_code} {r.text[:300]}"
    assert world.owner.get("/v1/users/me").status_code == 401  # the last row revoked the owner's token
