"""Numbers a hostile client crafts ('²', 2**63, '5.0', 5000 digits) answer 400 with a sentence, never 500,
and every error leaves the keep-alive connection usable for the next request."""

from __future__ import annotations

import hashlib
import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.integration.conftest import ServerProcess, User, b64, tus_create

SUPERSCRIPT_TWO = "²"  # str.isdigit() says yes, int() says no; in a header it travels as the latin-1 byte 0xB2


@dataclass
class Answer:
    status: int
    body: Any
    headers: http.client.HTTPMessage
    next_status: int  # of a good request sent afterwards on the same connection


@dataclass
class Scene:
    server: ServerProcess
    user: User
    conversation: str
    blob: str
    link: str  # path and query of a signed link to ``blob``
    upload: str  # path of an upload that expects 10 bytes

    def auth(self, **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.user.token}", **headers}

    def tus(self, **headers: str) -> dict[str, str]:
        return self.auth(**{"Tus-Resumable": "1.0.0", **headers})


@pytest.fixture
def scene(server: ServerProcess, alice: User) -> Scene:
    conversation = alice.conversation("numbers")
    blob = alice.upload_bytes(b"a small blob")
    url = alice.post(f"/v1/media/{blob}/link", json={"ttl": 600}).json()["url"]
    link = urlparse(url)
    upload = tus_create(alice, 10, hashlib.sha256(b"0123456789").hexdigest())
    return Scene(server, alice, conversation["id"], blob, f"{link.path}?{link.query}", upload)


def ask(scene: Scene, method: str, path: str, headers: dict[str, str], body: bytes | None = None) -> Answer:
    """One request, then ``GET /v1/users/me`` on the same connection (not a new one made behind our back)."""
    conn = http.client.HTTPConnection("127.0.0.1", scene.server.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)  # header values go out as latin-1
        sock = conn.sock
        response = conn.getresponse()
        raw = response.read()
        answer_headers = response.headers
        status = response.status
        try:
            conn.request("GET", "/v1/users/me", headers=scene.auth())
            again = conn.getresponse()
            again.read()
            next_status = again.status if conn.sock is sock else -1
        except (ConnectionError, http.client.HTTPException):
            next_status = -1
    finally:
        conn.close()
    is_json = answer_headers.get("Content-Type", "").startswith("application/json")
    return Answer(status, json.loads(raw) if is_json else raw, answer_headers, next_status)


def assert_refused(answer: Answer, field: str, *, code: str = "bad_request") -> None:
    assert answer.status == 400, answer.body
    assert answer.body["error"]["code"] == code
    assert field in answer.body["error"]["message"], answer.body
    assert answer.headers.get("Connection", "").lower() != "close"
    assert answer.next_status == 200, "the connection was dropped after the error"


# --- the six requests of issue 8 ---------------------------------------------------------------


def test_history_before_past_sqlite_integers(scene: Scene) -> None:
    path = f"/v1/conversations/{scene.conversation}/messages?before=9223372036854775808"
    assert_refused(ask(scene, "GET", path, scene.auth()), "'before'")


def test_sync_cursor_superscript(scene: Scene) -> None:
    answer = ask(scene, "GET", "/v1/sync?cursor=%C2%B2", scene.auth())
    assert_refused(answer, "cursor", code="bad_cursor")


def test_signed_link_expires_superscript_needs_no_token(scene: Scene) -> None:
    path = scene.link.replace("expires=", "expires=%C2%B2&was=", 1)
    assert_refused(ask(scene, "GET", path, {}), "'expires'")


def test_range_superscript(scene: Scene) -> None:
    answer = ask(scene, "GET", f"/v1/media/{scene.blob}", scene.auth(Range=f"bytes={SUPERSCRIPT_TWO}-"))
    assert_refused(answer, "Range")


def test_upload_length_superscript(scene: Scene) -> None:
    metadata = f"sha256 {b64(hashlib.sha256(b'x').hexdigest())}"
    headers = scene.tus(**{"Upload-Length": SUPERSCRIPT_TWO, "Upload-Metadata": metadata})
    assert_refused(ask(scene, "POST", "/v1/uploads", headers), "Upload-Length")


def test_upload_offset_superscript_with_an_unread_body(scene: Scene) -> None:
    headers = scene.tus(**{"Upload-Offset": SUPERSCRIPT_TWO, "Content-Type": "application/offset+octet-stream"})
    assert_refused(ask(scene, "PATCH", scene.upload, headers, b"0123456789"), "Upload-Offset")
    head = scene.user.request("HEAD", scene.upload, headers={"Tus-Resumable": "1.0.0"})
    assert head.headers["Upload-Offset"] == "0"


def test_upload_checksum_not_ascii(scene: Scene) -> None:
    """b64decode raises ValueError, not binascii.Error, on a str that is not ASCII: a 400, not a 500."""
    headers = scene.tus(**{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream",
                           "Upload-Checksum": "sha256 \u00e9AAA"})
    assert_refused(ask(scene, "PATCH", scene.upload, headers, b"0123456789"), "Upload-Checksum")


def test_upload_metadata_not_ascii(scene: Scene) -> None:
    headers = scene.tus(**{"Upload-Length": "10", "Upload-Metadata": "sha256 \u00e9AAA"})
    assert_refused(ask(scene, "POST", "/v1/uploads", headers), "Upload-Metadata")


# --- the same holes elsewhere --------------------------------------------------------------------

QUERY_NUMBERS = [
    ("messages", "before", "%C2%B2"), ("messages", "before", "+5"), ("messages", "before", "0"),
    ("messages", "limit", "%C2%B2"), ("messages", "limit", "5.0"), ("messages", "limit", "1_0"),
    ("messages", "limit", "201"), ("messages", "limit", "9" * 5000),
    ("sync", "limit", "%D9%A3"), ("sync", "limit", "99999999999999999999"), ("sync", "limit", "0"),
    ("sync", "wait", "nan"), ("sync", "wait", "inf"), ("sync", "wait", "%C2%B2"), ("sync", "wait", "61"),
    ("sync", "cursor", "9" * 5000), ("sync", "cursor", "9223372036854775808"),
]


@pytest.mark.parametrize(("where", "name", "value"), QUERY_NUMBERS)
def test_query_numbers(scene: Scene, where: str, name: str, value: str) -> None:
    path = f"/v1/conversations/{scene.conversation}/messages" if where == "messages" else "/v1/sync"
    answer = ask(scene, "GET", f"{path}?{name}={value}", scene.auth())
    assert_refused(answer, "cursor" if name == "cursor" else f"'{name}'",
                   code="bad_cursor" if name == "cursor" else "bad_request")


@pytest.mark.parametrize("value", ["1" * 5000, "-1", "+10", " 10 ", "10.0", "١٠".encode().decode("latin-1")])
def test_upload_length_not_plain_digits(scene: Scene, value: str) -> None:
    metadata = f"sha256 {b64(hashlib.sha256(b'x').hexdigest())}"
    headers = scene.tus(**{"Upload-Length": value, "Upload-Metadata": metadata})
    assert_refused(ask(scene, "POST", "/v1/uploads", headers), "Upload-Length")


@pytest.mark.parametrize("value", ["bytes=99999999999999999999-", "bytes=-99999999999999999999", "bytes=0-1_0",
                                   f"bytes=-{SUPERSCRIPT_TWO}", "bytes=+1-2"])
def test_ranges_not_plain_digits(scene: Scene, value: str) -> None:
    assert_refused(ask(scene, "GET", f"/v1/media/{scene.blob}", scene.auth(Range=value)), "Range")


def test_numbers_still_read(scene: Scene) -> None:
    user = scene.user
    history = f"/v1/conversations/{scene.conversation}/messages"
    assert user.get(history, params={"before": 9223372036854775807, "limit": 200}).json() == []
    assert user.get(history, params={"limit": 1}).status_code == 200
    assert user.get("/v1/sync", params={"wait": 0.01, "limit": 500, "cursor": "0"}).status_code == 200
    assert user.get("/v1/sync", params={"wait": "0"}).status_code == 200
    r = user.get(f"/v1/media/{scene.blob}", headers={"Range": "bytes=-3"})
    assert r.status_code == 206 and r.content == b"lob"
    assert user.get(f"/v1/media/{scene.blob}", headers={"Range": "bytes=100-"}).status_code == 416
    assert ask(scene, "GET", scene.link, {}).status == 200


@pytest.mark.parametrize("ttl", ['"²"', "99999999999999999999999", "1e400", "NaN", "-1", "true", '"60"', "60.5"])
def test_link_ttl_in_json_is_refused_cleanly(scene: Scene, ttl: str) -> None:
    """A JSON integer (60.0 is one too, as JSON Schema says), not text, a boolean or a fraction: pydantic bounds
    it (1..3600), so it needs no parse_count; 422, connection kept."""
    body = b'{"ttl": ' + ttl.encode() + b'}'
    answer = ask(scene, "POST", f"/v1/media/{scene.blob}/link",
                 scene.auth(**{"Content-Type": "application/json"}), body)
    assert answer.status == 422 and answer.body["error"]["code"] == "invalid", answer.body
    assert answer.next_status == 200


# --- other errors keep the connection too --------------------------------------------------------


def test_other_errors_keep_the_connection(scene: Scene) -> None:
    big = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    answers = [
        ask(scene, "GET", "/v1/users/me", {"Authorization": "Bearer nonsense"}),
        ask(scene, "GET", "/v1/conversations/nope", scene.auth()),
        ask(scene, "POST", "/v1/conversations", scene.auth(**{"Content-Type": "application/json"}), b"[]"),
        ask(scene, "POST", "/v1/conversations", scene.auth(**{"Content-Type": "application/json"}), big),
    ]
    assert [a.status for a in answers] == [401, 404, 422, 413]
    assert [a.next_status for a in answers] == [200] * 4
