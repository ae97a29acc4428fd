"""What the server keeps on its disk, set up at start: a private data dir, the master key, the
encrypted blob storage, and the move of a data dir from before encryption into it."""

from __future__ import annotations

import os
from dataclasses import dataclass

from sync.server.config import MASTER_KEY_ENV, ServerConfig
from sync.server.crypto import master
from sync.server.crypto.records import METADATA, KeyRecords
from sync.server.private_files import FILE_MODE, private_dir
from sync.server.storage.encrypted import EncryptedStorage
from sync.server.storage.local_objects import LocalObjects
from sync.server.storage.migrate import seal_legacy


@dataclass(frozen=True)
class AtRest:
    storage: EncryptedStorage
    keys: KeyRecords


def open_keys(config: ServerConfig) -> tuple[LocalObjects, KeyRecords]:
    """The objects and the key records under the configured master key; raises ConfigError (a wrong
    or missing master key, said plainly)."""
    private_dir(config.data_dir)
    objects = LocalObjects(config.objects_dir)
    path = config.master_key_path
    existing = objects.exists(METADATA)  # a store set up before: never make a new key for it
    keys = KeyRecords(objects, master.load(path, create=not existing),
                      reload=lambda: master.load(path, create=False))
    keys.metadata_key()  # raises ConfigError when the key given is not the one the data is under
    return objects, keys


def key_beside_data(config: ServerConfig) -> str:
    """A warning for an operator whose master key sits in the data dir (a copy of the dir opens with it);
    "" when it is kept elsewhere. The app's own servers keep it there on purpose: the user's disk."""
    if os.environ.get(MASTER_KEY_ENV) or config.master_key_path.parent != config.data_dir:
        return ""
    return (f"the master key is kept in the data dir ({config.master_key_path}): a copy of the data dir then "
            "opens with it; keep the key elsewhere with --master-key-file or ENVELOPE_MASTER_KEY")


def open_at_rest(config: ServerConfig) -> AtRest:
    objects, keys = open_keys(config)
    objects.sweep_tmp(older_than_s=3600)
    storage = EncryptedStorage(objects, keys)
    seal_legacy(config.legacy_blob_dir, config.legacy_upload_dir, storage)
    _private_db(config)
    return AtRest(storage, keys)


def _private_db(config: ServerConfig) -> None:
    """The database and its journal files readable by the server's user only (SQLite gives the
    journal files the database file's mode)."""
    for path in (config.db_path, config.db_path.with_name(config.db_path.name + "-wal"),
                 config.db_path.with_name(config.db_path.name + "-shm")):
        if path.exists():
            path.chmod(FILE_MODE)
        elif path == config.db_path:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
