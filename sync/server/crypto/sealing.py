"""Sealing short text fields (names, message text) before they are written to the metadata database.

A sealed value is ``"s1." + base64url(nonce (12) | AES-256-GCM ciphertext + tag)``, made with the
server's metadata key (random, kept wrapped under the master key like every data key). The
field's purpose is bound in as associated data, so a sealed file name copied into a message
body does not open. Equal texts seal differently (random nonces): sealed columns cannot be
searched or compared in SQL, only stored and read back.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "s1."
NONCE_BYTES = 12


class Unsealable(ValueError):
    """A sealed value that does not open: damaged, or sealed with another key or for another field."""


class Sealer:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, text: str, purpose: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, text.encode(), purpose.encode())
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, value: str, purpose: str) -> str:
        """The text of a sealed value; raises Unsealable."""
        if not value.startswith(PREFIX):
            raise Unsealable(f"not a sealed {purpose}")
        try:
            raw = base64.urlsafe_b64decode(value[len(PREFIX):])
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode()).decode()
        except (binascii.Error, ValueError, InvalidTag, UnicodeDecodeError):
            raise Unsealable(f"a sealed {purpose} does not open") from None

    @staticmethod
    def is_sealed(value: str) -> bool:
        return value.startswith(PREFIX)
