"""Attachments a hostile sender crafts are refused with 422 and a sentence, so no member's client chokes on them."""

from __future__ import annotations

import hashlib
import io
import os
from typing import Any

import pytest
from PIL import Image

from tests.integration.conftest import User


def _post(user: User, conversation_id: str, attachment: dict[str, Any], client_id: str) -> Any:
    return user.post(f"/v1/conversations/{conversation_id}/messages",
                     json={"client_id": client_id, "body": "", "attachments": [attachment]})


@pytest.fixture
def photo(alice: User) -> dict[str, Any]:
    """A real uploaded photo and its thumbnail, described as our client describes them."""
    image = Image.new("RGB", (64, 48), (200, 120, 40))
    full, thumb = io.BytesIO(), io.BytesIO()
    image.save(full, "JPEG")
    image.resize((32, 24)).save(thumb, "JPEG")
    return {"blob": alice.upload_bytes(full.getvalue(), filename="p.jpg"), "size": len(full.getvalue()),
            "mime": "image/jpeg", "name": "p.jpg", "kind": "image", "width": 64, "height": 48,
            "thumbnail": alice.upload_bytes(thumb.getvalue(), filename="t.jpg")}


HOSTILE = {
    "width 2^63": {"width": 2**63},
    "height 10^30": {"height": 10**30},
    "width over 100,000 px": {"width": 100_001},
    "negative height": {"height": -1},
    "duration 2^63 ms": {"duration_ms": 2**63},
    "duration over 30 days": {"duration_ms": 30 * 24 * 3600 * 1000 + 1},
    "a 256-character name": {"name": "a" * 252 + ".jpg"},
    "kind image with a PDF type": {"mime": "application/pdf"},
    "kind video for a JPEG": {"kind": "video"},
    "a header in the type": {"mime": "image/jpeg\r\nX-Evil: 1"},
    "size 2^63": {"size": 2**63},
    "size that is not the blob's": {"size": 12},
    "a blurhash of 10,000 chars": {"blurhash": "L" * 10_000},
    "width true (a boolean is not a number)": {"width": True},
    "height as text": {"height": "48"},
    "duration with a fraction": {"duration_ms": 1500.5},
}


@pytest.mark.parametrize("change", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_attachment_is_refused_with_a_sentence(alice: User, bob: User, photo: dict[str, Any],
                                                         change: dict[str, Any]) -> None:
    conv = alice.conversation("photos", bob.username)
    r = _post(alice, conv["id"], {**photo, **change}, "hostile")
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"].strip()
    assert bob.get("/v1/sync").json()["events"][-1]["type"] == "conversation"  # nothing reached bob


def test_the_same_photo_described_honestly_is_accepted(alice: User, bob: User, photo: dict[str, Any]) -> None:
    conv = alice.conversation("photos", bob.username)
    assert _post(alice, conv["id"], photo, "honest").status_code == 201


def test_a_thumbnail_that_is_not_a_small_image_is_refused(alice: User, bob: User, photo: dict[str, Any]) -> None:
    conv = alice.conversation("photos", bob.username)
    not_image = alice.upload_bytes(b"%PDF-1.4 not a picture", filename="x.pdf")
    r = _post(alice, conv["id"], {**photo, "thumbnail": not_image}, "pdf-thumb")
    assert r.status_code == 422 and "thumbnail" in r.json()["error"]["message"]
    big = os.urandom(1024 * 1024 + 1)
    big_sha = alice.upload_bytes(b"\xff\xd8\xff\xe0" + big, filename="big.jpg")
    r = _post(alice, conv["id"], {**photo, "thumbnail": big_sha}, "big-thumb")
    assert r.status_code == 422 and "thumbnail" in r.json()["error"]["message"]
    assert hashlib.sha256(b"\xff\xd8\xff\xe0" + big).hexdigest() == big_sha
