"""Consent on the real server: a stranger's conversation is a request; accept, delete (leave), block."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import User

pytestmark = pytest.mark.both_engines  # also on the scale-out layout (PostgreSQL, SeaweedFS S3) in make test


def _feed(user: User) -> list[dict[str, Any]]:
    r = user.get("/v1/sync", params={"wait": "0"})
    assert r.status_code == 200, r.text
    return r.json()["events"]  # type: ignore[no-any-return]


def _state(user: User, cid: str) -> tuple[str, str | None]:
    r = user.get(f"/v1/conversations/{cid}")
    assert r.status_code == 200, r.text
    return r.json()["state"], r.json().get("invited_by")


def test_a_strangers_conversation_is_a_request_until_accepted(alice: User, bob: User) -> None:
    cid = str(alice.conversation("hi", "bob")["id"])
    assert _state(alice, cid) == ("accepted", None)
    assert _state(bob, cid) == ("request", "alice")
    (event,) = _feed(bob)
    assert event["conversation"]["state"] == "request" and event["conversation"]["invited_by"] == "alice"
    (mine,) = _feed(alice)
    assert mine["conversation"]["state"] == "accepted" and "invited_by" not in mine["conversation"]
    r = alice.post(f"/v1/conversations/{cid}/messages", json={"client_id": "m1", "body": "hello"})
    assert r.status_code == 201
    assert [e["type"] for e in _feed(bob)] == ["conversation", "message"]  # messages arrive all the same

    r = bob.post(f"/v1/conversations/{cid}/accept")
    assert r.status_code == 200 and r.json()["state"] == "accepted" and "invited_by" not in r.json()
    assert _feed(bob)[-1]["conversation"]["state"] == "accepted"
    assert len(_feed(alice)) == 2  # alice is not told
    assert bob.post(f"/v1/conversations/{cid}/accept").status_code == 200
    assert len(_feed(bob)) == 3


def test_someone_you_talk_to_starts_no_request(alice: User, bob: User, carol: User) -> None:
    first = str(alice.conversation("first", "bob")["id"])
    assert _state(bob, str(alice.conversation("second", "bob")["id"]))[0] == "request"
    bob.post(f"/v1/conversations/{first}/accept")
    assert _state(bob, str(alice.conversation("third", "bob")["id"])) == ("accepted", None)
    assert _state(alice, str(bob.conversation("back", "alice")["id"])) == ("accepted", None)
    group = str(bob.conversation("group", "alice", "carol")["id"])
    assert _state(carol, group) == ("request", "bob")
    states = {c["title"]: c["state"] for c in bob.get("/v1/conversations").json()}
    assert states == {"first": "accepted", "second": "request", "third": "accepted", "back": "accepted",
                      "group": "accepted"}


def test_replying_accepts(alice: User, bob: User) -> None:
    cid = str(alice.conversation("hi", "bob")["id"])
    r = bob.post(f"/v1/conversations/{cid}/messages", json={"client_id": "r1", "body": "hi back"})
    assert r.status_code == 201
    assert _state(bob, cid) == ("accepted", None)
    assert _feed(bob)[-1]["conversation"]["state"] == "accepted"


def test_deleting_a_request_is_leaving_and_it_stays_gone(alice: User, bob: User) -> None:
    cid = str(alice.conversation("spam", "bob")["id"])
    assert bob.delete(f"/v1/conversations/{cid}/members/bob").status_code == 204
    assert bob.get(f"/v1/conversations/{cid}").status_code == 404
    assert _feed(bob)[-1] == {"type": "conversation_removed", "conversation_id": cid}
    seen = len(_feed(bob))
    alice.post(f"/v1/conversations/{cid}/messages", json={"client_id": "m2", "body": "still there?"})
    assert len(_feed(bob)) == seen
    assert bob.get("/v1/conversations").json() == []


def test_a_blocked_sender_cannot_reach_the_blocker_again(alice: User, bob: User, carol: User) -> None:
    group = str(carol.conversation("club", "alice", "bob")["id"])
    bob.post(f"/v1/conversations/{group}/accept")
    spam = str(alice.conversation("spam", "bob")["id"])
    r = bob.post(f"/v1/conversations/{spam}/block")
    assert r.status_code == 200 and r.json()["username"] == "alice" and r.json()["blocked_at"]
    assert bob.get(f"/v1/conversations/{spam}").status_code == 404
    assert alice.get(f"/v1/conversations/{spam}").json()["members"] == ["alice"]
    assert [b["username"] for b in bob.get("/v1/users/me/blocked").json()] == ["alice"]

    nobody = alice.post("/v1/conversations", json={"title": "x", "members": ["nobody"]})
    for r in (alice.post("/v1/conversations", json={"title": "again", "members": ["bob"]}),
              alice.post(f"/v1/conversations/{spam}/members", json={"username": "bob"}),
              alice.post(f"/v1/conversations/{group}/members", json={"username": "bob"})):
        assert r.status_code == nobody.status_code == 422
        assert r.json()["error"]["message"] == nobody.json()["error"]["message"].replace("nobody", "bob")
        assert r.json()["error"]["message"] == "There is no user called 'bob'."
    assert alice.get("/v1/conversations").json()[-1]["id"] == spam  # nothing was created

    # a conversation both were already in stays, both ways
    r = alice.post(f"/v1/conversations/{group}/messages", json={"client_id": "g1", "body": "in the club"})
    assert r.status_code == 201
    assert _feed(bob)[-1]["message"]["body"] == "in the club"
    assert bob.post(f"/v1/conversations/{group}/messages", json={"client_id": "g2", "body": "ok"}).status_code == 201
    carol.post(f"/v1/conversations/{spam}/members", json={"username": "carol"})  # not a member: 404, nothing

    assert bob.delete("/v1/users/me/blocked/alice").status_code == 204
    assert bob.get("/v1/users/me/blocked").json() == []
    again = str(alice.conversation("after unblock", "bob")["id"])
    assert _state(bob, again)[0] == "accepted"  # the club is a conversation bob accepted with alice in it


def test_block_list_by_name_and_the_refusals(alice: User, bob: User) -> None:
    mine = str(bob.conversation("notes")["id"])
    r = bob.post(f"/v1/conversations/{mine}/block")
    assert r.status_code == 422 and "nobody to block" in r.json()["error"]["message"]
    assert bob.post("/v1/conversations/nope/block").status_code == 404
    assert alice.post(f"/v1/conversations/{mine}/accept").status_code == 404
    assert bob.post("/v1/users/me/blocked", json={"username": "bob"}).status_code == 422
    assert bob.post("/v1/users/me/blocked", json={"username": "nobody"}).status_code == 422
    assert bob.delete("/v1/users/me/blocked/alice").status_code == 404
    r = bob.post("/v1/users/me/blocked", json={"username": "Alice"})
    assert r.status_code == 200 and r.json()["username"] == "alice"
    assert bob.post("/v1/users/me/blocked", json={"username": "alice"}).json() == r.json()
    assert alice.post("/v1/conversations", json={"members": ["bob"]}).status_code == 422
    assert bob.conversation("bob may still start one", "alice")["members"] == ["alice", "bob"]
