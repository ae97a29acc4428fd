"""Membership over real HTTP: a member added later reads the whole history and its media (as in Telegram
groups), a removed member reads nothing of the conversation any more, and any member renames it."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import User
from tests.samples import sample

PHOTO, THUMBNAIL = sample("photos/hubble_deep_field.jpg"), sample("photos/portrait_exif6.jpg")


def _post(user: User, cid: str, body: str, client_id: str,
          attachments: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    r = user.post(f"/v1/conversations/{cid}/messages",
                  json={"client_id": client_id, "body": body, "attachments": list(attachments)})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _photo(user: User) -> tuple[dict[str, Any], bytes]:
    """A real photo and its (real, small) thumbnail uploaded by ``user``: the attachment and the photo's bytes."""
    data = PHOTO.read_bytes()
    sha = user.upload_bytes(data, filename=PHOTO.name)
    thumbnail = user.upload_bytes(THUMBNAIL.read_bytes(), filename="thumb.jpg")
    return {"blob": sha, "size": len(data), "mime": "image/jpeg", "name": PHOTO.name, "kind": "image",
            "thumbnail": thumbnail}, data


def _messages_events(user: User) -> list[dict[str, Any]]:
    return [e["message"] for e in user.get("/v1/sync").json()["events"] if e["type"] == "message"]


def test_a_member_added_later_pages_the_whole_history_and_its_media(alice: User, bob: User, carol: User) -> None:
    cid = str(alice.conversation("club", "bob")["id"])
    attachment, data = _photo(alice)
    _post(alice, cid, "the first photo", "m-0", (attachment,))
    for i in range(1, 30):
        _post(alice if i % 2 else bob, cid, f"message {i}", f"m-{i}")
    assert alice.post(f"/v1/conversations/{cid}/members", json={"username": "carol"}).status_code == 200

    assert _messages_events(carol) == []  # the feed starts where she came in: history is paged
    seen: list[dict[str, Any]] = []
    before: int | None = None
    while True:
        params = {"limit": 12, **({"before": before} if before is not None else {})}
        r = carol.get(f"/v1/conversations/{cid}/messages", params=params)
        assert r.status_code == 200, r.text
        if not r.json():
            break
        seen += r.json()
        before = r.json()[-1]["seq"]
    assert [m["seq"] for m in seen] == list(range(30, 0, -1))
    assert seen[-1]["body"] == "the first photo"

    got = carol.get(f"/v1/media/{attachment['blob']}")
    assert got.status_code == 200 and got.content == data
    assert carol.get(f"/v1/media/{attachment['thumbnail']}").content == THUMBNAIL.read_bytes()
    assert carol.post("/v1/media/check", json={"blobs": [attachment["blob"]]}).json() == {
        "readable": [attachment["blob"]]}
    _post(alice, cid, "welcome, carol", "m-30")
    assert [m["body"] for m in _messages_events(carol)] == ["welcome, carol"]


def test_a_removed_member_reads_nothing_of_the_conversation_any_more(alice: User, bob: User) -> None:
    cid = str(alice.conversation("club", "bob")["id"])
    old, _ = _photo(alice)
    _post(alice, cid, "before", "r-0", (old,))
    assert bob.get(f"/v1/media/{old['blob']}").status_code == 200
    assert alice.delete(f"/v1/conversations/{cid}/members/bob").status_code == 204
    cursor = bob.get("/v1/sync").json()["cursor"]

    new = {"blob": alice.upload_bytes(THUMBNAIL.read_bytes(), filename="after.jpg"),
           "size": THUMBNAIL.stat().st_size, "mime": "image/jpeg", "name": "after.jpg", "kind": "image"}
    _post(alice, cid, "after", "r-1", (new,))

    assert bob.get(f"/v1/conversations/{cid}/messages").status_code == 404
    assert bob.get(f"/v1/conversations/{cid}").status_code == 404
    assert bob.get(f"/v1/media/{new['blob']}").status_code == 404
    assert bob.request("HEAD", f"/v1/media/{new['blob']}").status_code == 404
    assert bob.post(f"/v1/media/{new['blob']}/link", json={"ttl": 60}).status_code == 404
    assert bob.get(f"/v1/media/{old['blob']}").status_code == 404  # the old ones go too (decisions.md)
    assert bob.get("/v1/sync", params={"cursor": cursor}).json()["events"] == []
    refused = bob.post(f"/v1/conversations/{cid}/messages", json={"client_id": "r-2", "body": "still here?"})
    assert refused.status_code == 404


def test_any_member_renames_and_every_member_hears_it(alice: User, bob: User, carol: User) -> None:
    cid = str(alice.conversation("club", "bob")["id"])
    cursors = {u.username: u.get("/v1/sync").json()["cursor"] for u in (alice, bob)}
    r = bob.request("PATCH", f"/v1/conversations/{cid}", json={"title": "  Book club  "})
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Book club" and r.json()["members"] == ["alice", "bob"]
    for user in (alice, bob):
        events = user.get("/v1/sync", params={"cursor": cursors[user.username]}).json()["events"]
        assert [(e["type"], e["conversation"]["title"]) for e in events] == [("conversation", "Book club")]
        cursors[user.username] = user.get("/v1/sync").json()["cursor"]

    assert bob.request("PATCH", f"/v1/conversations/{cid}", json={"title": "Book club"}).status_code == 200
    assert alice.get("/v1/sync", params={"cursor": cursors["alice"]}).json()["events"] == []  # nothing changed

    assert carol.request("PATCH", f"/v1/conversations/{cid}", json={"title": "mine"}).status_code == 404
    too_long = alice.request("PATCH", f"/v1/conversations/{cid}", json={"title": "x" * 201})
    assert too_long.status_code == 422
    assert alice.request("PATCH", f"/v1/conversations/{cid}", json={}).status_code == 422
    assert alice.request("PATCH", f"/v1/conversations/{cid}", json={"title": ""}).json()["title"] == ""
    assert alice.get(f"/v1/conversations/{cid}").json()["title"] == ""
