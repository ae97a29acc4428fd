"""The sync API over real HTTP: accounts, conversations, messages, the feed, media, links, restarts."""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import pytest
import requests

from sync.server.runner import EmbeddedServer, free_port
from tests.integration.conftest import ServerClock, ServerProcess, User, make_user, wait_for

pytestmark = pytest.mark.both_engines  # also on the scale-out layout (PostgreSQL, SeaweedFS S3) in make test


def _attachment(sha: str, size: int, name: str = "photo.bin", kind: str = "file") -> dict[str, object]:
    return {"blob": sha, "size": size, "mime": "application/octet-stream", "name": name, "kind": kind}


def _send(user: User, conversation_id: str, body: str, client_id: str, attachments: list[dict[str, object]] = []) -> requests.Response:  # noqa: B006,E501
    return user.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"client_id": client_id, "body": body, "attachments": attachments},
    )


def test_exchange_with_attachment_ranged_download_and_outsider(alice: User, bob: User, carol: User) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    sha = alice.upload_bytes(data, filename="holiday.bin")
    conv = alice.conversation("trip", "bob")
    r = _send(alice, conv["id"], "look", "m-1", [_attachment(sha, len(data))])
    assert r.status_code == 201, r.text

    page = bob.get("/v1/sync").json()
    messages = [e["message"] for e in page["events"] if e["type"] == "message"]
    assert [m["body"] for m in messages] == ["look"]
    assert messages[0]["attachments"][0]["blob"] == sha

    size = int(bob.request("HEAD", f"/v1/media/{sha}").headers["Content-Length"])
    assert size == len(data)
    parts = []
    step = 1_000_000
    for start in range(0, size, step):
        r = bob.get(f"/v1/media/{sha}", headers={"Range": f"bytes={start}-{min(start + step, size) - 1}"})
        assert r.status_code == 206
        assert r.headers["Content-Range"] == f"bytes {start}-{min(start + step, size) - 1}/{size}"
        parts.append(r.content)
    assert hashlib.sha256(b"".join(parts)).hexdigest() == sha

    assert carol.get(f"/v1/media/{sha}").status_code == 404
    assert carol.get(f"/v1/conversations/{conv['id']}").status_code in (403, 404)
    assert carol.get(f"/v1/conversations/{conv['id']}/messages").status_code in (403, 404)
    r = _send(carol, conv["id"], "let me in", "c-1")
    assert r.status_code in (403, 404)
    assert r.json()["error"]["code"]


def test_media_headers_conditional_and_bad_ranges(alice: User) -> None:
    png = bytes.fromhex("89504e470d0a1a0a") + os.urandom(2000)
    sha = alice.upload_bytes(png, filename="x.png")
    r = alice.get(f"/v1/media/{sha}")
    assert r.status_code == 200 and r.content == png
    assert r.headers["ETag"] == f'"{sha}"'
    assert r.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Accept-Ranges"] == "bytes"
    assert alice.get(f"/v1/media/{sha}", headers={"If-None-Match": f'"{sha}"'}).status_code == 304
    assert alice.get(f"/v1/media/{sha}", headers={"If-None-Match": '"other"'}).status_code == 200
    r = alice.get(f"/v1/media/{sha}", headers={"Range": "bytes=-10"})
    assert r.status_code == 206 and r.content == png[-10:]
    r = alice.get(f"/v1/media/{sha}", headers={"Range": "bytes=5000-"})
    assert r.status_code == 416 and r.headers["Content-Range"] == f"bytes */{len(png)}"
    assert r.json()["error"]["code"] == "range_not_satisfiable"
    r = alice.get(f"/v1/media/{sha}", headers={"Range": "bytes=5-x"})
    assert r.status_code == 400 and r.json()["error"]["code"]
    r = alice.get(f"/v1/media/{sha}", headers={"Range": "bytes=0-1", "If-Range": '"stale"'})
    assert r.status_code == 200 and len(r.content) == len(png)
    assert alice.get("/v1/media/not-a-hash").status_code == 404
    assert alice.get("/v1/media/" + "0" * 64).status_code == 404


def test_type_is_sniffed_not_trusted_and_filenames_are_safe(alice: User) -> None:
    pdf = b"%PDF-1.4\n" + os.urandom(500)
    hostile = 'evil"\r\nSet-Cookie: x=1\u202e/../../gpj.exe' + "a" * 1000 + ".pdf"
    sha = alice.upload_bytes(pdf, filename=hostile)
    r = alice.get(f"/v1/media/{sha}")
    assert r.headers["Content-Type"] == "application/pdf"
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\r" not in disposition and "\n" not in disposition and "\u202e" not in disposition
    assert "/" not in disposition.split("filename=")[1].split(";")[0]
    assert "Set-Cookie" not in r.headers
    assert len(disposition) < 1000
    assert disposition.rstrip().endswith(".pdf")


def test_max_wait_cuts_a_long_poll(tmp_path: Path) -> None:
    """serve --max-wait 1: a client's wait of 60 s is held 1 s (still accepted: the spec's 0-60 stands)."""
    srv = ServerProcess(tmp_path / "server", args=["--max-wait", "1"]).start()
    try:
        user = make_user(srv.url)
        cursor = user.get("/v1/sync").json()["cursor"]
        started = time.monotonic()
        r = user.get("/v1/sync", params={"cursor": cursor, "wait": 60})
        assert r.status_code == 200 and r.json()["events"] == []
        assert 0.9 <= time.monotonic() - started < 20
    finally:
        srv.stop()


def test_long_poll_wakes_on_a_new_message(alice: User, bob: User) -> None:
    # How quickly it wakes is measured by benchmarks/bench_latency.py, not asserted here.
    conv = alice.conversation("fast", "bob")
    cursor = bob.get("/v1/sync").json()["cursor"]
    answered: queue.Queue[Any] = queue.Queue()
    poll = threading.Thread(
        target=lambda: answered.put(bob.get("/v1/sync", params={"cursor": cursor, "wait": 60}).json()))
    poll.start()
    assert _send(alice, conv["id"], "ping", "p-1").status_code == 201
    page = answered.get(timeout=30)  # long before the poll's own 60 s are up
    poll.join()
    assert [e["message"]["body"] for e in page["events"]] == ["ping"]


def test_long_poll_returns_empty_after_wait(alice: User) -> None:
    cursor = alice.get("/v1/sync").json()["cursor"]
    started = time.monotonic()
    page = alice.get("/v1/sync", params={"cursor": cursor, "wait": 1}).json()
    assert page == {"events": [], "cursor": cursor, "has_more": False}
    assert time.monotonic() - started >= 0.9
    assert alice.get("/v1/sync", params={"cursor": "garbage"}).status_code == 400
    assert alice.get("/v1/sync", params={"wait": 61}).status_code == 400


def test_idempotent_repost(alice: User, bob: User) -> None:
    conv = alice.conversation("dup", "bob")
    first = _send(alice, conv["id"], "once", "same-id")
    again = _send(alice, conv["id"], "once", "same-id")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json()
    history = bob.get(f"/v1/conversations/{conv['id']}/messages").json()
    assert [m["body"] for m in history] == ["once"]
    events = [e for e in bob.get("/v1/sync").json()["events"] if e["type"] == "message"]
    assert len(events) == 1


def test_history_pages_newest_first(alice: User, bob: User) -> None:
    conv = alice.conversation("history", "bob")
    for i in range(7):
        assert _send(alice, conv["id"], f"m{i}", f"h-{i}").status_code == 201
    page = bob.get(f"/v1/conversations/{conv['id']}/messages", params={"limit": 3}).json()
    assert [m["body"] for m in page] == ["m6", "m5", "m4"]
    older = bob.get(f"/v1/conversations/{conv['id']}/messages", params={"limit": 3, "before": page[-1]["seq"]})
    assert [m["body"] for m in older.json()] == ["m3", "m2", "m1"]


def test_attaching_a_blob_you_cannot_read_is_422(alice: User, bob: User, carol: User) -> None:
    data = os.urandom(1000)
    sha = alice.upload_bytes(data)
    conv = bob.conversation("mine", "carol")
    r = _send(bob, conv["id"], "stolen", "s-1", [_attachment(sha, len(data))])
    assert r.status_code == 422 and r.json()["error"]["code"] == "blob_not_uploaded"
    r = _send(bob, conv["id"], "guess", "s-2", [_attachment("ab" * 32, 10)])
    assert r.status_code == 422
    # nothing about the blob leaks through the check endpoint either
    assert bob.post("/v1/media/check", json={"blobs": [sha]}).json() == {"readable": []}
    assert alice.post("/v1/media/check", json={"blobs": [sha, "cd" * 32]}).json() == {"readable": [sha]}


def test_removed_member_loses_media_access(alice: User, bob: User) -> None:
    data = os.urandom(2000)
    sha = alice.upload_bytes(data)
    conv = alice.conversation("pics", "bob")
    assert _send(alice, conv["id"], "", "r-1", [_attachment(sha, len(data))]).status_code == 201
    assert bob.get(f"/v1/media/{sha}").status_code == 200
    assert alice.delete(f"/v1/conversations/{conv['id']}/members/bob").status_code == 204
    assert bob.get(f"/v1/media/{sha}").status_code == 404
    events = bob.get("/v1/sync").json()["events"]
    assert {"type": "conversation_removed", "conversation_id": conv["id"]} in events


def _with_query(url: str, **changes: str) -> str:
    parts = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunparse(parts._replace(query=urlencode(query)))


def test_signed_links(server: ServerProcess, alice: User, bob: User) -> None:
    data = os.urandom(5000)
    sha = alice.upload_bytes(data)
    link = alice.post(f"/v1/media/{sha}/link", json={"ttl": 60}).json()
    assert requests.get(link["url"], timeout=10).content == data
    r = requests.get(link["url"], headers={"Range": "bytes=0-9"}, timeout=10)
    assert r.status_code == 206 and r.content == data[:10]
    forged = _with_query(link["url"], user=bob.user_id)
    assert requests.get(forged, timeout=10).status_code == 403
    tampered = _with_query(link["url"], expires=str(int(time.time()) + 3000))
    r = requests.get(tampered, timeout=10)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert alice.post(f"/v1/media/{sha}/link", json={"ttl": 3601}).status_code == 422
    assert bob.post(f"/v1/media/{sha}/link", json={"ttl": 60}).status_code == 404


def _without_query(url: str, name: str) -> str:
    parts = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items() if k != name}
    return urlunparse(parts._replace(query=urlencode(query)))


def test_a_link_that_is_not_whole_is_refused(alice: User) -> None:
    """A sig without its expires (or user) is not a valid credential: 403, like a forged one (not 400)."""
    sha = alice.upload_bytes(os.urandom(300))
    link = alice.post(f"/v1/media/{sha}/link", json={"ttl": 60}).json()
    for name in ("expires", "user"):
        r = requests.get(_without_query(link["url"], name), timeout=10)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", (name, r.text)
    r = requests.head(_without_query(link["url"], "expires"), timeout=10)
    assert r.status_code == 403


def test_a_malformed_link_expiry_is_refused_whatever_the_credential(alice: User) -> None:
    """expires is documented as a whole number: one that is not is a 400 with a bearer token too (not ignored)."""
    sha = alice.upload_bytes(os.urandom(300))
    for value in ("", "soon", "-1", "9223372036854775808"):
        r = alice.get(f"/v1/media/{sha}", params={"expires": value})
        assert r.status_code == 400 and "'expires'" in r.json()["error"]["message"], (value, r.text)
    assert alice.get(f"/v1/media/{sha}", params={"expires": "12", "user": "anyone"}).status_code == 200


def test_signed_links_and_sessions_expire(embedded: Callable[..., EmbeddedServer], clock: ServerClock) -> None:
    srv = embedded(token_ttl_s=3600)
    alice = make_user(srv.url, "alice")
    data = os.urandom(500)
    sha = alice.upload_bytes(data)
    link = alice.post(f"/v1/media/{sha}/link", json={"ttl": 60}).json()
    clock.advance(59)
    assert requests.get(link["url"], timeout=10).content == data
    clock.advance(2)
    r = requests.get(link["url"], timeout=10)
    assert r.status_code == 403 and r.json()["error"]["message"] == "This link has expired; ask for a new one."
    assert alice.get("/v1/conversations").status_code == 200
    clock.advance(3600)
    r = alice.get("/v1/conversations")
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]


def test_signed_link_rechecks_read_rule_at_use(alice: User, bob: User) -> None:
    data = os.urandom(100)
    sha = alice.upload_bytes(data)
    conv = alice.conversation("c", "bob")
    assert _send(alice, conv["id"], "", "l-1", [_attachment(sha, len(data))]).status_code == 201
    link = bob.post(f"/v1/media/{sha}/link", json={"ttl": 600}).json()
    assert requests.get(link["url"], timeout=10).status_code == 200
    assert alice.delete(f"/v1/conversations/{conv['id']}/members/bob").status_code == 204
    assert requests.get(link["url"], timeout=10).status_code == 404


def test_accounts_tokens_and_errors(server: ServerProcess) -> None:
    base = server.url
    r = requests.post(base + "/v1/accounts", json={"username": "x", "password": "short"}, timeout=10)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"
    user = make_user(base, "dora")
    r = requests.post(base + "/v1/accounts", json={"username": "dora", "password": "another password"}, timeout=10)
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    r = requests.post(base + "/v1/tokens", json={"username": "dora", "password": "wrong password"}, timeout=10)
    assert r.status_code == 401 and r.json()["error"]["message"]
    assert user.get("/v1/users/me").json() == {"user_id": user.user_id, "username": "dora",
                                               "used_bytes": 0, "quota_bytes": 10240 * 1024 * 1024}
    assert requests.get(base + "/v1/conversations", timeout=10).status_code == 401
    assert user.delete("/v1/tokens/current").status_code == 204
    assert user.get("/v1/users/me").status_code == 401
    fresh = make_user(base)
    r = fresh.post("/v1/conversations", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid"
    assert fresh.post("/v1/conversations", json={"title": "t", "members": ["nobody-here"]}).status_code == 422
    assert requests.get(base + "/v1/nothing-here", timeout=10).json()["error"]["code"] == "not_found"


def test_operations_endpoints(tmp_path: Path) -> None:
    metrics_port = free_port()
    server = ServerProcess(tmp_path / "server", args=["--metrics-port", str(metrics_port)]).start()
    try:
        _operations(server, make_user(server.url), f"http://127.0.0.1:{metrics_port}")
    finally:
        server.stop()


def _operations(server: ServerProcess, alice: User, metrics: str) -> None:
    assert requests.get(server.url + "/healthz", timeout=10).json() == {"status": "ok"}
    spec = requests.get(server.url + "/openapi.json", timeout=10).json()
    for path in ("/v1/accounts", "/v1/tokens", "/v1/sync", "/v1/uploads", "/v1/media/{sha256}",
                 "/v1/conversations/{conversation_id}/messages", "/v1/media/check"):
        assert path in spec["paths"], path
    alice.upload_bytes(b"metrics!")
    assert requests.get(server.url + "/metrics", timeout=10).status_code == 404  # never on the public port
    for cdn_page in ("/docs", "/redoc"):  # they would load scripts from a third party's CDN
        assert requests.get(server.url + cdn_page, timeout=10).status_code == 404, cdn_page
    wait_for(lambda: requests.get(metrics + "/metrics", timeout=10).ok, what="the metrics port")
    for elsewhere in ("/healthz", "/openapi.json", "/docs", "/v1/users/me"):
        assert requests.get(metrics + elsewhere, timeout=10).status_code == 404, elsewhere
    text = requests.get(metrics + "/metrics", timeout=10).text
    assert 'envelope_http_requests_total{method="PATCH",status="204"}' in text
    bytes_in = next(line for line in text.splitlines() if line.startswith("envelope_http_bytes_in_total"))
    assert float(bytes_in.split()[-1]) >= len(b"metrics!")
    assert "envelope_uploads_in_progress 0.0" in text


def test_restart_loses_nothing(server: ServerProcess, alice: User, bob: User) -> None:
    data = os.urandom(10_000)
    sha = alice.upload_bytes(data)
    conv = alice.conversation("durable", "bob")
    assert _send(alice, conv["id"], "before restart", "d-1", [_attachment(sha, len(data))]).status_code == 201
    server.restart()
    assert bob.get("/v1/users/me").status_code == 200  # tokens survive
    assert [m["body"] for m in bob.get(f"/v1/conversations/{conv['id']}/messages").json()] == ["before restart"]
    assert bob.get(f"/v1/media/{sha}").content == data
    assert len(bob.get("/v1/sync").json()["events"]) == 2
    assert _send(alice, conv["id"], "after restart", "d-2").json()["seq"] == 2


def test_json_bodies_are_capped(alice: User) -> None:
    huge = '{"title": "' + "x" * (2 * 1024 * 1024) + '", "members": []}'
    r = alice.post("/v1/conversations", data=huge, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"

    def chunked() -> Iterator[bytes]:  # no Content-Length: the cap still holds while streaming
        yield b'{"title": "'
        for _ in range(40):
            yield b"y" * 65536
        yield b'", "members": []}'

    r = alice.post("/v1/conversations", data=chunked(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert alice.post("/v1/conversations", json={"title": "fine", "members": []}).status_code == 201
