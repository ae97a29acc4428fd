"""Master keys: where they come from, and wrapping the keys that encrypt data under them.

A server has one current master key and, during a rotation, older ones that still open what
has not been re-wrapped yet. They come from ``ENVELOPE_MASTER_KEY`` (base64 keys separated by
commas, the current one first: what replicas use) or else from a key file (one base64 key a
line, the current one first), made 0600 on first start when it is absent.

A wrapped key is ``key id (8) | nonce (12) | AES-256-GCM(key) + tag (16)``, with the caller's
associated data (which record it belongs to) bound in, so a wrapped key moved onto another
record does not open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sync.server.config import MASTER_KEY_ENV, ConfigError
from sync.server.private_files import write_private

KEY_BYTES = 32
KEY_ID_BYTES = 8
NONCE_BYTES = 12
WRAPPED_BYTES = KEY_ID_BYTES + NONCE_BYTES + KEY_BYTES + 16


class WrongMasterKey(Exception):
    """A wrapped key does not open with any master key given: the wrong key, or a damaged record."""

    def __init__(self, wanted: str, have: list[str]) -> None:
        super().__init__(f"wrapped under master key {wanted}; the keys given are {', '.join(have) or 'none'}")
        self.wanted = wanted
        self.have = have


def key_id(key: bytes) -> str:
    """A short public name for a master key (hex), derived from it; it reveals nothing of the key."""
    return hashlib.sha256(b"envelope master key id\0" + key).hexdigest()[: 2 * KEY_ID_BYTES]


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


class MasterKeys:
    """The current master key first, then older ones that may still be needed to unwrap."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ConfigError("No master key was given.")
        for key in keys:
            if len(key) != KEY_BYTES:
                raise ConfigError(f"A master key must be {KEY_BYTES} bytes (base64 of them); one is {len(key)}.")
        self.keys = list(keys)
        self._by_id = {bytes.fromhex(key_id(k)): k for k in keys}

    @property
    def current_id(self) -> str:
        return key_id(self.keys[0])

    @property
    def ids(self) -> list[str]:
        return [key_id(k) for k in self.keys]

    def wrap(self, data_key: bytes, associated: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[0]).encrypt(nonce, data_key, associated)
        return bytes.fromhex(self.current_id) + nonce + sealed

    def unwrap(self, wrapped: bytes, associated: bytes) -> bytes:
        """The data key; raises WrongMasterKey when no key given opens it."""
        wanted = wrapped[:KEY_ID_BYTES]
        key = self._by_id.get(wanted)
        if key is None or len(wrapped) != WRAPPED_BYTES:
            raise WrongMasterKey(wanted.hex(), self.ids)
        nonce = wrapped[KEY_ID_BYTES:KEY_ID_BYTES + NONCE_BYTES]
        try:
            return AESGCM(key).decrypt(nonce, wrapped[KEY_ID_BYTES + NONCE_BYTES:], associated)
        except InvalidTag:
            raise WrongMasterKey(wanted.hex(), self.ids) from None

    def wrapped_by(self, wrapped: bytes) -> str:
        """The id of the master key a wrapped key was made under."""
        return wrapped[:KEY_ID_BYTES].hex()


def parse_keys(text: str, source: str) -> list[bytes]:
    """Base64 keys separated by commas or new lines; raises ConfigError naming ``source``."""
    keys = []
    for item in text.replace(",", "\n").split():
        try:
            keys.append(base64.b64decode(item, validate=True))
        except (binascii.Error, ValueError):
            raise ConfigError(f"The master key from {source} is not base64.") from None
    if not keys:
        raise ConfigError(f"{source} holds no master key.")
    return keys


def format_keys(keys: list[bytes]) -> bytes:
    return b"".join(base64.b64encode(k) + b"\n" for k in keys)


def load(path: Path, *, create: bool) -> MasterKeys:
    """The master keys: from ENVELOPE_MASTER_KEY when set, else from ``path``.

    A missing file is made (0600, one new key) when ``create``; raises ConfigError otherwise or
    when a key cannot be read.
    """
    if value := os.environ.get(MASTER_KEY_ENV, "").strip():
        return MasterKeys(parse_keys(value, MASTER_KEY_ENV))
    if not path.exists():
        if not create:
            raise ConfigError(f"The master key file {path} does not exist.")
        write_private(path, format_keys([new_key()]))
    try:
        text = path.read_text("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The master key file {path} cannot be read: {exc}") from None
    return MasterKeys(parse_keys(text, str(path)))


def save(path: Path, keys: MasterKeys) -> None:
    write_private(path, format_keys(keys.keys))
