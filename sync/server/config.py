"""Server settings, the shared per-app context and the dependencies that hand it to routes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request

from sync.blobstore import BlobStore
from sync.server.db import MetadataDB

if TYPE_CHECKING:
    from sync.server.feed import Notifier
    from sync.server.filing import UploadArea
    from sync.server.metrics import Metrics


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path
    max_upload_bytes: int = 4 * 1024**3
    token_ttl_s: int = 30 * 24 * 3600
    upload_expiry_s: int = 24 * 3600
    sweep_interval_s: float = 60.0
    max_wait_s: int = 60
    public_url: str = ""

    @property
    def db_path(self) -> Path:
        return self.data_dir / "metadata.sqlite3"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    def link_secret(self) -> bytes:
        """The HMAC key for signed links, made once and kept in the data dir."""
        path = self.data_dir / "link-secret"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(secrets.token_bytes(32))
            tmp.chmod(0o600)
            tmp.replace(path)
        return path.read_bytes()


@dataclass
class ServerContext:
    config: ServerConfig
    db: MetadataDB
    store: BlobStore
    notifier: Notifier
    metrics: Metrics
    uploads: UploadArea
    link_key: bytes = field(repr=False, default=b"")


def context(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx
