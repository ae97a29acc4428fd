"""Operator commands on a server's data dir: ``rotate-key``, ``verify`` and ``new-key``.

They work beside a running server: rotation re-wraps one small key record at a time (a running
server that meets a record under a key it lacks reads its key file again), and verification
only reads.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import sys
from pathlib import Path

from sync.server.at_rest import open_keys
from sync.server.config import MASTER_KEY_ENV, ConfigError, ServerConfig
from sync.server.crypto import master
from sync.server.crypto.segments import Damaged
from sync.server.storage import StagedMissing
from sync.server.storage.encrypted import EncryptedStorage
from sync.server.storage.objects import ObjectMissing


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--data-dir", type=Path, required=True, help="the server's data dir")
    parser.add_argument("--master-key-file", type=Path, metavar="FILE",
                        help="the master key file (default: master.key in --data-dir; ENVELOPE_MASTER_KEY wins)")
    return parser


def _config(args: argparse.Namespace) -> ServerConfig:
    return ServerConfig(data_dir=args.data_dir.resolve(), master_key_file=args.master_key_file)


def rotate_key(argv: list[str]) -> int:
    parser = _parser("python -m sync rotate-key",
                     "Re-wrap every data key under a new master key; no blob is rewritten.")
    args = parser.parse_args(argv)
    config = _config(args)
    try:
        _objects, keys = open_keys(config)
        if os.environ.get(MASTER_KEY_ENV, "").strip():
            if len(keys.master.keys) < 2:
                parser.error(f"{MASTER_KEY_ENV} holds one key. Make a new one with `python -m sync new-key`, set "
                             f"{MASTER_KEY_ENV}=NEW,OLD on every replica and here, then run rotate-key again.")
            count = keys.rotate(master.MasterKeys(keys.master.keys[:1]))
            print(f"re-wrapped {count} keys under master key {keys.master.current_id}; "
                  f"now set {MASTER_KEY_ENV} to the new key alone")
            return 0
        path = config.master_key_path
        both = master.MasterKeys([master.new_key(), *keys.master.keys])
        master.save(path, both)  # a rotation cut short keeps every key it may need
        keys.master = both
        count = keys.rotate(master.MasterKeys(both.keys[:1]))
        master.save(path, master.MasterKeys(both.keys[:1]))
    except ConfigError as exc:
        parser.error(str(exc))
    print(f"re-wrapped {count} keys under the new master key {both.current_id} in {path}")
    return 0


def verify(argv: list[str]) -> int:
    parser = _parser("python -m sync verify",
                     "Read every stored blob and upload, check every segment and every blob's sha256.")
    args = parser.parse_args(argv)
    try:
        objects, keys = open_keys(_config(args))
    except ConfigError as exc:
        parser.error(str(exc))
    storage = EncryptedStorage(objects, keys)
    checked = damaged = size = 0
    for sha in sorted(storage.blobs()):
        checked += 1
        problem = _check_blob(storage, sha)
        if problem:
            damaged += 1
            print(f"damaged blob {sha}: {problem}")
        else:
            size += storage.size(sha)
    uploads = 0
    for name in sorted(objects.list("staging")):
        if name.endswith(".tail"):
            continue
        uploads += 1
        try:
            storage.stage_size(name.rpartition("/")[2])
        except StagedMissing:
            damaged += 1
            print(f"damaged upload {name}: its header or data key does not open")
    print(f"checked {checked} blobs ({size} bytes) and {uploads} uploads in progress: {damaged} damaged")
    return 1 if damaged else 0


def _check_blob(storage: EncryptedStorage, sha: str) -> str:
    hasher = hashlib.sha256()
    try:
        for chunk in storage.read_range(sha):
            hasher.update(chunk)
    except Damaged as exc:
        return exc.detail
    except ObjectMissing:
        return "it vanished while being read"
    if hasher.hexdigest() != sha:
        return f"its bytes hash to {hasher.hexdigest()}"
    return ""


def new_key(argv: list[str]) -> int:
    argparse.ArgumentParser(prog="python -m sync new-key",
                            description=f"Print a new random master key (base64), e.g. for {MASTER_KEY_ENV}."
                            ).parse_args(argv)
    sys.stdout.write(base64.b64encode(master.new_key()).decode() + "\n")
    return 0
