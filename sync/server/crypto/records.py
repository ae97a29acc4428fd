"""Data keys, kept wrapped under the master key as small objects beside the data they open.

``keys/<blob id>`` holds the data key of one stored blob or upload in progress; ``keys/metadata``
the key that seals fields of the metadata database. Rotating the master key re-wraps every
record and rewrites no data. ``keys/metadata`` is made on a server's first start, so it also
tells at start-up whether the master key given is the one the data was wrapped under.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from sync.server.config import ConfigError
from sync.server.crypto.master import KEY_BYTES, MasterKeys, WrongMasterKey
from sync.server.storage.objects import ObjectMissing, ObjectStore

PREFIX = "keys"
METADATA = f"{PREFIX}/metadata"
BLOB_ID_BYTES = 16


def _associated(name: str) -> bytes:
    return b"envelope wrapped key\0" + name.encode()


class KeyRecords:
    def __init__(self, objects: ObjectStore, master: MasterKeys,
                 reload: Callable[[], MasterKeys] | None = None) -> None:
        self._objects = objects
        self.master = master
        self._reload = reload  # a record under a key we lack: rotated meanwhile; read the keys again

    def _put(self, name: str, key: bytes) -> None:
        self._objects.put(name, self.master.wrap(key, _associated(name)))

    def _get(self, name: str) -> bytes:
        """Raises ObjectMissing, WrongMasterKey."""
        wrapped = self._objects.get(name)
        try:
            return self.master.unwrap(wrapped, _associated(name))
        except WrongMasterKey as exc:
            if self._reload is None or exc.wanted in exc.have:
                raise
            self.master = self._reload()
            return self.master.unwrap(wrapped, _associated(name))

    # -- data keys ---------------------------------------------------------------------------------
    def new_data_key(self) -> tuple[bytes, bytes]:
        """A fresh (blob id, data key), its record written before any data uses it."""
        blob_id, key = os.urandom(BLOB_ID_BYTES), os.urandom(KEY_BYTES)
        self._put(f"{PREFIX}/{blob_id.hex()}", key)
        return blob_id, key

    def data_key(self, blob_id: bytes) -> bytes:
        """Raises ObjectMissing, WrongMasterKey."""
        return self._get(f"{PREFIX}/{blob_id.hex()}")

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
            return self._get(METADATA)
        except ObjectMissing:
            key = os.urandom(KEY_BYTES)
            self._put(METADATA, key)
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
                wrapped = self._objects.get(name)
            except ObjectMissing:
                continue  # deleted meanwhile
            if self.master.wrapped_by(wrapped) == target:
                continue
            key = self.master.unwrap(wrapped, _associated(name))
            self._objects.put(name, new.wrap(key, _associated(name)))
            count += 1
        return count
