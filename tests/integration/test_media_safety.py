"""Media responses never run in the server's origin: CSP sandbox, nosniff, and active content as an attachment."""

from __future__ import annotations

import os

import pytest
import requests

from tests.integration.conftest import User

PNG = bytes.fromhex("89504e470d0a1a0a") + os.urandom(2000)


@pytest.mark.parametrize(("method", "headers", "status"), [
    ("GET", {}, 200), ("HEAD", {}, 200), ("GET", {"Range": "bytes=0-9"}, 206),
    ("GET", {"If-None-Match": "*"}, 304), ("GET", {"Range": "pages=1-2"}, 200),
])
def test_every_media_answer_is_sandboxed(alice: User, method: str, headers: dict[str, str], status: int) -> None:
    sha = alice.upload_bytes(PNG, filename="x.png")
    r = alice.request(method, f"/v1/media/{sha}", headers=headers)
    assert r.status_code == status
    assert r.headers["Content-Security-Policy"] == "sandbox"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"].startswith("inline;")
    if status == 200 and method == "GET":
        assert r.content == PNG  # a Range in another unit is ignored: the whole blob


def test_a_range_past_the_end_is_sandboxed_too(alice: User) -> None:
    sha = alice.upload_bytes(PNG, filename="x.png")
    r = alice.get(f"/v1/media/{sha}", headers={"Range": "bytes=999999-"})
    assert r.status_code == 416 and r.headers["Content-Range"] == f"bytes */{len(PNG)}"


@pytest.mark.parametrize("content", [
    b"<!DOCTYPE html><script>alert(document.cookie)</script>",
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b"alert(document.domain)//",
])
def test_active_content_is_an_attachment(alice: User, content: bytes) -> None:
    sha = alice.upload_bytes(content, filename="look.html")
    r = alice.get(f"/v1/media/{sha}")
    assert r.status_code == 200 and r.content == content
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert r.headers["Content-Security-Policy"] == "sandbox"
    assert not r.headers["Content-Type"].startswith(("text/html", "image/svg"))


@pytest.mark.parametrize("sig", ["\u00e9\u00e9", "\U0001f600", "\x98"])
def test_a_link_whose_signature_is_not_ascii_is_refused_not_a_crash(alice: User, sig: str) -> None:
    """Found by schemathesis: comparing a non-ASCII signature raised TypeError (500)."""
    sha = alice.upload_bytes(PNG, filename="x.png")
    r = requests.get(f"{alice.base}/v1/media/{sha}", params={"sig": sig, "user": alice.user_id, "expires": "2"},
                     timeout=10)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
