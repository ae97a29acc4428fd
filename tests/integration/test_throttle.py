"""Limits on how often, against a real server on loopback whose clock the test moves: failed sign-ins per
account and per address, sign-ups per address, and each user's write rate; counters shared by replicas."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from sync.server.limit_settings import Limits
from sync.server.runner import EmbeddedServer
from tests.integration.conftest import ServerClock, User, make_user

pytestmark = pytest.mark.both_engines  # also on the scale-out layout (PostgreSQL, SeaweedFS S3) in make test

WRONG = "not the password"


def sign_in(base: str, username: str, password: str, **headers: str) -> requests.Response:
    return requests.post(base + "/v1/tokens", json={"username": username, "password": password},
                         headers=headers, timeout=10)


def sign_up(base: str, username: str, **headers: str) -> requests.Response:
    return requests.post(base + "/v1/accounts", json={"username": username, "password": "correct horse battery"},
                         headers=headers, timeout=10)


def retry_after(r: requests.Response, code: str, most: int) -> int:
    """The 429's Retry-After, checked: the code, a sentence, and 1..``most`` seconds."""
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"].endswith(".")
    seconds = int(r.headers["Retry-After"])
    assert 1 <= seconds <= most
    return seconds


def test_failed_sign_ins_lock_one_account_until_its_window_ends(
        embedded: Callable[..., EmbeddedServer], clock: ServerClock) -> None:
    base = embedded(limits=Limits(login_failures_per_account=3)).url
    alice, bob = make_user(base, "alice"), make_user(base, "bob")
    for _ in range(3):
        assert sign_in(base, "alice", WRONG).status_code == 401
    refused = sign_in(base, "alice", alice.password)  # the right password, while throttled: still refused
    wait = retry_after(refused, "too_many_attempts", 15 * 60)
    assert "even the right password is refused" in refused.json()["error"]["message"]
    assert "try again in 15 minutes" in refused.json()["error"]["message"]
    assert sign_in(base, "bob", bob.password).status_code == 200  # another account is not locked out
    assert sign_in(base, "bob", WRONG).status_code == 401
    clock.advance(wait - 5)
    assert retry_after(sign_in(base, "alice", alice.password), "too_many_attempts", 5) <= 5
    clock.advance(5)
    assert sign_in(base, "alice", alice.password).status_code == 200


def test_a_right_password_starts_the_account_count_again(
        embedded: Callable[..., EmbeddedServer], clock: ServerClock) -> None:
    base = embedded(limits=Limits(login_failures_per_account=3)).url
    alice = make_user(base, "alice")
    for _ in range(2):
        assert sign_in(base, "alice", WRONG).status_code == 401
    assert sign_in(base, "alice", alice.password).status_code == 200
    for _ in range(3):
        assert sign_in(base, "alice", WRONG).status_code == 401
    retry_after(sign_in(base, "alice", WRONG), "too_many_attempts", 15 * 60)


def test_the_address_bar_holds_across_many_accounts(
        embedded: Callable[..., EmbeddedServer], clock: ServerClock) -> None:
    base = embedded(limits=Limits(login_failures_per_account=10, login_failures_per_address=5)).url
    users = [make_user(base, f"user{i}") for i in range(7)]  # their right sign-ins are not failures
    for user in users[:5]:
        assert sign_in(base, user.username, WRONG).status_code == 401
    for user in users[5:]:
        refused = sign_in(base, user.username, user.password)
        wait = retry_after(refused, "too_many_attempts", 15 * 60)
        assert "from your network" in refused.json()["error"]["message"]
    assert sign_in(base, "nobody-here", WRONG).status_code == 429  # unknown names count the same
    clock.advance(wait)
    assert sign_in(base, users[6].username, users[6].password).status_code == 200


def test_a_trusted_proxy_names_the_client_and_others_cannot(
        embedded: Callable[..., EmbeddedServer], clock: ServerClock) -> None:
    base = embedded(limits=Limits(login_failures_per_address=2, trusted_proxies=("127.0.0.0/8",))).url
    alice = make_user(base, "alice")
    for _ in range(2):  # the client claims an address on the left; the proxy appended the real one
        assert sign_in(base, "alice", WRONG, **{"X-Forwarded-For": "198.51.100.1, 203.0.113.5"}).status_code == 401
    retry_after(sign_in(base, "alice", alice.password, **{"X-Forwarded-For": "203.0.113.5"}), "too_many_attempts", 900)
    assert sign_in(base, "alice", alice.password, **{"X-Forwarded-For": "203.0.113.6"}).status_code == 200
    assert sign_in(base, "alice", alice.password, **{"X-Forwarded-For": "198.51.100.1"}).status_code == 200


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(
        embedded: Callable[..., EmbeddedServer], clock: ServerClock) -> None:
    base = embedded(limits=Limits(login_failures_per_address=2)).url
    alice = make_user(base, "alice")
    for n in range(2):
        assert sign_in(base, "alice", WRONG, **{"X-Forwarded-For": f"203.0.113.{n}"}).status_code == 401
    retry_after(sign_in(base, "alice", alice.password, **{"X-Forwarded-For": "203.0.113.9"}), "too_many_attempts", 900)


def test_sign_ups_per_address(embedded: Callable[..., EmbeddedServer], clock: ServerClock) -> None:
    base = embedded(limits=Limits(signups_per_address=3)).url
    assert [sign_up(base, name).status_code for name in ("ann", "ben", "ann")] == [201, 201, 409]  # a taken name counts
    refused = sign_up(base, "cat")
    wait = retry_after(refused, "too_many_attempts", 3600)
    assert "accounts were created from your network" in refused.json()["error"]["message"]
    clock.advance(wait)
    assert sign_up(base, "cat").status_code == 201


def test_the_write_rate_per_user(embedded: Callable[..., EmbeddedServer], clock: ServerClock) -> None:
    base = embedded(limits=Limits(writes_per_minute=4)).url
    alice, bob = make_user(base, "alice"), make_user(base, "bob")
    for n in range(4):
        assert alice.post("/v1/conversations", json={"title": f"t{n}", "members": []}).status_code == 201
        assert alice.get("/v1/conversations").status_code == 200  # reads are not counted
    refused = alice.post("/v1/conversations", json={"title": "one too many", "members": []})
    wait = retry_after(refused, "rate_limited", 60)
    assert "at most 4 a minute" in refused.json()["error"]["message"]
    assert alice.delete("/v1/tokens/current").status_code == 429  # every write route
    assert bob.post("/v1/conversations", json={"title": "bob's", "members": []}).status_code == 201
    assert requests.post(base + "/v1/conversations", json={"title": "x"}, timeout=10).status_code == 401
    clock.advance(wait)
    assert alice.post("/v1/conversations", json={"title": "later", "members": []}).status_code == 201


def test_a_post_is_counted_with_its_message(embedded: Callable[..., EmbeddedServer], clock: ServerClock) -> None:
    """A post counts in the transaction that stores it: a repeat of its client_id is not a new write, and a
    post refused past the limit stores nothing (the client's retry with the same client_id lands later)."""
    base = embedded(limits=Limits(writes_per_minute=3)).url
    alice = make_user(base, "alice")
    path = f"/v1/conversations/{alice.conversation('t')['id']}/messages"  # the first write
    first = {"client_id": "c-1", "body": "one", "attachments": []}
    assert alice.post(path, json=first).status_code == 201
    assert [alice.post(path, json=first).status_code for _ in range(3)] == [200] * 3  # repeats: not counted
    assert alice.post(path, json={**first, "client_id": "c-2", "body": "two"}).status_code == 201
    third = {**first, "client_id": "c-3", "body": "three"}
    refused = alice.post(path, json=third)
    wait = retry_after(refused, "rate_limited", 60)
    assert "at most 3 a minute" in refused.json()["error"]["message"]
    assert [m["body"] for m in alice.get(path).json()] == ["two", "one"]  # the refused one was not stored
    clock.advance(wait)
    assert alice.post(path, json=third).status_code == 201
    assert [m["seq"] for m in alice.get(path).json()] == [3, 2, 1]  # no seq was spent on the refused post


def test_upload_chunks_have_their_own_bar(embedded: Callable[..., EmbeddedServer], clock: ServerClock) -> None:
    base = embedded(limits=Limits(writes_per_minute=10, chunks_per_minute=2)).url
    alice = make_user(base, "alice")
    for n in range(2):
        alice.upload_bytes(f"chunk {n}".encode())  # a POST (a write) and a PATCH (a chunk) each
    location = _create(alice, b"third")
    refused = alice.request("PATCH", location, data=b"third", headers=_patch_headers())
    wait = retry_after(refused, "rate_limited", 60)
    assert "upload chunks" in refused.json()["error"]["message"]
    assert alice.post("/v1/conversations", json={"title": "still fine", "members": []}).status_code == 201
    clock.advance(wait)
    assert alice.request("PATCH", location, data=b"third", headers=_patch_headers()).status_code == 204


def test_replicas_share_the_counters(embedded: Callable[..., EmbeddedServer], clock: ServerClock) -> None:
    limits = Limits(login_failures_per_account=2)
    first, second = embedded(limits=limits), embedded(limits=limits)  # one data dir, as behind nginx
    alice = make_user(first.url, "alice")
    assert sign_in(first.url, "alice", WRONG).status_code == 401
    assert sign_in(second.url, "alice", WRONG).status_code == 401
    retry_after(sign_in(first.url, "alice", alice.password), "too_many_attempts", 900)
    retry_after(sign_in(second.url, "alice", alice.password), "too_many_attempts", 900)


def _patch_headers() -> dict[str, str]:
    return {"Tus-Resumable": "1.0.0", "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}


def _create(user: User, data: bytes) -> str:
    import hashlib

    from tests.integration.conftest import tus_create

    return tus_create(user, len(data), hashlib.sha256(data).hexdigest())
