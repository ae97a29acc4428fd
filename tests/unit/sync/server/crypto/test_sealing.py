"""Sealing short fields for the metadata database: round trips, and every wrong way to open one fails."""

from __future__ import annotations

import base64

import pytest

from sync.server.crypto.master import new_key
from sync.server.crypto.sealing import PREFIX, Sealer, Unsealable


@pytest.mark.parametrize("text", ["", "holiday.jpg", "héllo wörld ✉️ 📎", "x" * 10_000])
def test_a_sealed_text_opens_to_itself(text: str) -> None:
    sealer = Sealer(new_key())
    sealed = sealer.seal(text, "file name")
    assert Sealer.is_sealed(sealed)
    assert sealed.startswith(PREFIX)
    assert sealer.open(sealed, "file name") == text


def test_a_sealed_value_hides_its_text() -> None:
    sealed = Sealer(new_key()).seal("secret-holiday-plans", "file name")
    assert "secret" not in sealed
    assert b"secret" not in base64.urlsafe_b64decode(sealed[len(PREFIX):])


def test_a_value_sealed_for_one_purpose_does_not_open_for_another() -> None:
    sealer = Sealer(new_key())
    sealed = sealer.seal("photo.jpg", "file name")
    with pytest.raises(Unsealable):
        sealer.open(sealed, "message text")


def test_a_value_sealed_under_another_key_does_not_open() -> None:
    sealed = Sealer(new_key()).seal("photo.jpg", "file name")
    with pytest.raises(Unsealable):
        Sealer(new_key()).open(sealed, "file name")


def test_equal_texts_seal_differently() -> None:
    sealer = Sealer(new_key())
    first, second = sealer.seal("same", "file name"), sealer.seal("same", "file name")
    assert first != second
    assert sealer.open(first, "file name") == sealer.open(second, "file name") == "same"


def _flipped(sealed: str, at: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(sealed[len(PREFIX):]))
    raw[at] ^= 0x01
    return PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode("ascii")


@pytest.mark.parametrize("at", [0, 11, 12, -1])  # the nonce, the first ciphertext byte, the tag
def test_a_flipped_byte_does_not_open(at: int) -> None:
    sealer = Sealer(new_key())
    with pytest.raises(Unsealable):
        sealer.open(_flipped(sealer.seal("photo.jpg", "file name"), at), "file name")


@pytest.mark.parametrize("garbage", [
    "", "photo.jpg", "s1.", "s1.!!!not base64!!!", "s1.AAAA", "s1." + "A" * 40, "s2." + "A" * 60,
    "s1." + base64.urlsafe_b64encode(b"\0" * 64).decode("ascii"),
])
def test_garbage_does_not_open(garbage: str) -> None:
    with pytest.raises(Unsealable):
        Sealer(new_key()).open(garbage, "file name")


def test_is_sealed_tells_sealed_values_from_plain_ones() -> None:
    assert not Sealer.is_sealed("photo.jpg")
    assert Sealer.is_sealed(Sealer(new_key()).seal("photo.jpg", "file name"))
