"""Data keys, kept wrapped under the master key as small objects beside the data they open.

``keys/<blob id>`` holds the data key of one stored blob or upload in progress; ``keys/metadata``
the key that seals fields of the metadata database. A record is ``wrapped key | binding``: the
binding (``blob:<sha256>``, ``upload:<id>``, ``metadata``) says what the key belongs to and is bound
into the wrapping, so a blob's whole object copied under another blob's name does not open.
Rotating the master key re-wraps every record and rewrites no data. ``keys/metadata`` is made on
a server's first start, so it also tells at start-up whether the master key given is the one the
data was wrapped under.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from sync.server.config import ConfigError
from sync.server.crypto.master import KEY_BYTES, WRAPPED_BYTES, MasterKeys, WrongMasterKey
from sync.server.storage.objects import ObjectMissing, ObjectStore

PREFIX = "keys"
METADATA = f"{PREFIX}/metadata"
BLOB_ID_BYTES = 16


class Misbound(Exception):
    """A data key that belongs to something else than what asked for it."""


def _associated(name: str, binding: str) -> bytes:
    return b"envelope wrapped key\0" + name.encode() + b"\0" + binding.encode()


class KeyRecords:
    def __init__(self, objects: ObjectStore, master: MasterKeys,
                 reload: Callable[[], MasterKeys] | None = None) -> None:
        self._objects = objects
        self.master = master
        self._reload = reload  # a record under a key we lack: rotated meanwhile; read the keys again

    def _put(self, name: str, key: bytes, binding: str, master: MasterKeys | None = None) -> None:
        wrapped = (master or self.master).wrap(key, _associated(name, binding))
        self._objects.put(name, wrapped + binding.encode())

    def _get(self, name: str, bindings: tuple[str, ...]) -> tuple[bytes, str]:
        """(key, its binding); raises ObjectMissing, WrongMasterKey, Misbound."""
        record = self._objects.get(name)
        wrapped, binding = record[:WRAPPED_BYTES], record[WRAPPED_BYTES:].decode("utf-8", "replace")
        if bindings and binding not in bindings:
            raise Misbound(f"{name} belongs to {binding!r}, not {' or '.join(bindings)}")
        try:
            return self.master.unwrap(wrapped, _associated(name, binding)), binding
        except WrongMasterKey as exc:
            if self._reload is None or exc.wanted in exc.have:
                raise
            self.master = self._reload()
            return self.master.unwrap(wrapped, _associated(name, binding)), binding

    # -- data keys ---------------------------------------------------------------------------------
    def new_data_key(self, binding: str) -> tuple[bytes, bytes]:
        """A fresh (blob id, data key) for ``binding``, its record written before any data uses it."""
        blob_id, key = os.urandom(BLOB_ID_BYTES), os.urandom(KEY_BYTES)
        self._put(f"{PREFIX}/{blob_id.hex()}", key, binding)
        return blob_id, key

    def data_key(self, blob_id: bytes, *bindings: str) -> bytes:
        """The key of ``blob_id`` when it is bound to one of ``bindings``; raises ObjectMissing,
        WrongMasterKey, Misbound."""
        return self._get(f"{PREFIX}/{blob_id.hex()}", bindings)[0]

    def rebind(self, blob_id: bytes, key: bytes, binding: str) -> None:
        """Bind an upload's key to the blob it becomes."""
        self._put(f"{PREFIX}/{blob_id.hex()}", key, binding)

    def delete(self, blob_id: bytes) -> None:
        self._objects.delete(f"{PREFIX}/{blob_id.hex()}")

    def blob_ids(self) -> set[bytes]:
        ids = set()
        for name in self._objects.list(PREFIX):
            stem = name.rpartition("/")[2]
            if len(stem) == 2 * BLOB_ID_BYTES:
                try:
                    ids.add(bytes.fromhex(stem))
                except ValueError:
                    continue
        return ids

    # -- the metadata key, and the start-up check --------------------------------------------------
    def metadata_key(self) -> bytes:
        """The metadata sealing key, made on first use; raises ConfigError for the wrong master key."""
        try:
            return self._get(METADATA, ("metadata",))[0]
        except ObjectMissing:
            key = os.urandom(KEY_BYTES)
            self._put(METADATA, key, "metadata")
            return key
        except WrongMasterKey as exc:
            raise ConfigError(
                f"The master key does not open this server's data: its keys are wrapped under master key "
                f"{exc.wanted}, and the key given is {', '.join(exc.have)}. Start the server with the master "
                f"key it was set up with (--master-key-file, or ENVELOPE_MASTER_KEY)."
            ) from None

    # -- rotation ----------------------------------------------------------------------------------
    def rotate(self, new: MasterKeys) -> int:
        """Re-wrap every record under ``new``'s current key; how many. Records already under it are skipped,
        so a rotation cut short is finished by running it again with the old and new keys given."""
        target = new.current_id
        count = 0
        for name in [METADATA, *(f"{PREFIX}/{i.hex()}" for i in sorted(self.blob_ids()))]:
            try:
                record = self._objects.get(name)
            except ObjectMissing:
                continue  # deleted meanwhile
            if self.master.wrapped_by(record) == target:
                continue
            key, binding = self._get(name, ())
            self._put(name, key, binding, master=new)
            count += 1
        return count
