"""What a server keeps in its data dir, seen through its own storage code (the bytes are sealed)."""

from __future__ import annotations

from pathlib import Path

from sync.server.at_rest import open_keys
from sync.server.config import ServerConfig
from sync.server.storage.encrypted import EncryptedStorage


def server_storage(data_dir: Path) -> EncryptedStorage:
    """The blob storage of the server whose data dir this is (its master key read from there), opened
    beside it as another replica would: nothing swept, moved or chmodded."""
    return EncryptedStorage(*open_keys(ServerConfig(data_dir=data_dir)))


def upload_id(upload_path: str) -> str:
    return upload_path.rsplit("/", 1)[1]


def staged_file(data_dir: Path, upload_path: str) -> Path:
    """The sealed object an upload in progress is staged in."""
    return data_dir / "objects" / "staging" / upload_id(upload_path)


def staged_uploads(data_dir: Path) -> list[str]:
    folder = data_dir / "objects" / "staging"
    return sorted({p.name.removesuffix(".tail") for p in folder.iterdir()}) if folder.is_dir() else []


def stored_blobs(data_dir: Path) -> list[str]:
    folder = data_dir / "objects" / "blobs"
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
