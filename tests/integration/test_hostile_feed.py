"""A hostile message in the feed against the real server on loopback: the other members keep syncing.

Bob's engine reaches the server through a loopback proxy that slips two hostile events into the page
carrying Alice's next message, as a server that once accepted them (or any other server) would serve
them. So the client is tested whether or not this server refuses the hostile post itself.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from desktop.core.engine import Engine
from sync.server.runner import free_port
from tests.integration.conftest import ServerProcess, User, wait_for

PASSWORD = "password123"
MARKER = "after the storm"
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length"}


def hostile_events(conversation_id: str, sha: str) -> list[dict[str, Any]]:
    def event(n: int, **numbers: int) -> dict[str, Any]:
        attachment = {"blob": sha, "size": 5, "mime": "video/mp4", "name": "evil.mp4", "kind": "video", **numbers}
        return {"type": "message", "conversation_id": conversation_id,
                "message": {"id": f"hostile-{n}", "client_id": f"hostile-{n}", "conversation_id": conversation_id,
                            "sender": "alice", "body": "", "attachments": [attachment], "seq": 900_000 + n,
                            "created_at": "2024-05-01T10:00:00+00:00"}}
    return [event(1, width=2**63, height=1), event(2, duration_ms=10**30)]


class HostileProxy:
    """Forwards every request to the server; a /v1/sync page holding MARKER gets ``inject`` before it, every time."""

    def __init__(self, upstream: str, inject: Callable[[str], list[dict[str, Any]]]) -> None:
        self.upstream = upstream
        self.inject = inject
        self.injected = threading.Event()
        self.port = free_port()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HostileProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _rewrite(self, path: str, body: bytes) -> bytes:
        if not path.startswith("/v1/sync"):
            return body
        page = json.loads(body)
        for i, event in enumerate(page["events"]):
            message = event.get("message") or {}
            if message.get("body") == MARKER:
                page["events"][i:i] = self.inject(message["conversation_id"])
                self.injected.set()
                return json.dumps(page).encode()
        return body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Forward(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"host"}}
                r = requests.request(self.command, proxy.upstream + self.path, headers=headers,
                                     data=self.rfile.read(length) if length else None, timeout=120)
                body = proxy._rewrite(self.path, r.content) if r.status_code == 200 else r.content
                self.send_response(r.status_code)
                for k, v in r.headers.items():
                    if k.lower() not in _HOP_BY_HOP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_HEAD = do_DELETE = _forward

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Forward



@pytest.fixture
def bob_engine(tmp_path: Path, server: ServerProcess, alice: User) -> Iterator[tuple[Engine, HostileProxy]]:
    sha = alice.upload_bytes(b"evil!", filename="evil.mp4")
    proxy = HostileProxy(server.url, lambda cid: hostile_events(cid, sha)).start()
    engine = Engine(tmp_path / "bob", long_poll_s=1).start()
    engine.sign_up(proxy.url, "bob", PASSWORD)
    yield engine, proxy
    engine.stop()
    proxy.stop()


def _bodies(engine: Engine, conversation_id: str) -> list[str]:
    return [m.body for m in reversed(engine.db.messages.page(conversation_id, limit=100))]


def _post(user: User, conversation_id: str, client_id: str, body: str = "", **kw: Any) -> requests.Response:
    return user.post(f"/v1/conversations/{conversation_id}/messages", json={"client_id": client_id, "body": body, **kw})


def test_a_hostile_attachment_does_not_stop_another_members_sync(
    alice: User, bob_engine: tuple[Engine, HostileProxy]
) -> None:
    bob, proxy = bob_engine
    cid = str(alice.conversation("trip", "bob")["id"])
    wait_for(lambda: bob.db.conversations.get(cid), what="bob to see the conversation")

    sha = alice.upload_bytes(b"evil!", filename="evil.mp4")
    attempt = _post(alice, cid, "raw-hostile", attachments=[
        {"blob": sha, "size": 5, "mime": "video/mp4", "name": "evil.mp4", "kind": "video", "width": 2**63}])
    assert attempt.status_code in (201, 422), attempt.text  # refused or not, the proxy serves hostile events
    assert _post(alice, cid, "normal-1", MARKER).status_code == 201

    wait_for(lambda: MARKER in _bodies(bob, cid), what="bob to receive the message after the hostile ones")
    assert proxy.injected.is_set()
    kept = bob.db.quarantine.all()
    assert {"hostile-1", "hostile-2"} <= {json.loads(q.raw)["message"]["id"] for q in kept}
    assert bob.state == "online"

    assert _post(alice, cid, "normal-2", "and the feed goes on").status_code == 201
    wait_for(lambda: "and the feed goes on" in _bodies(bob, cid), what="bob to keep syncing")
    assert _bodies(bob, cid) == [MARKER, "and the feed goes on"]
