"""Server settings, the shared per-app context and the dependencies that hand it to routes."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request

from sync.server.limit_settings import Limits
from sync.server.metadata import Metadata
from sync.server.private_files import write_private
from sync.server.storage import BlobStorage

if TYPE_CHECKING:
    from sync.server.filing import Receiving
    from sync.server.message_writer import MessageWriter
    from sync.server.metrics import Metrics
    from sync.server.wakeups import Notifier

LINK_SECRET_ENV = "ENVELOPE_LINK_SECRET"
MASTER_KEY_ENV = "ENVELOPE_MASTER_KEY"
MIN_SECRET_BYTES = 32


class ConfigError(ValueError):
    """A setting cannot be used; the message says which and why."""


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path
    max_upload_bytes: int = 4 * 1024**3
    token_ttl_s: int = 30 * 24 * 3600
    upload_expiry_s: int = 24 * 3600
    sweep_interval_s: float = 60.0
    max_wait_s: int = 60
    public_url: str = ""
    link_secret_file: Path | None = None
    master_key_file: Path | None = None
    """Where the master key lives (made 0600 when absent); default ``master.key`` in the data dir.
    ENVELOPE_MASTER_KEY wins over it."""
    storage_url: str = ""
    """Where blobs live: ``s3://BUCKET[/PREFIX]`` (plain objects, the store's own encryption at rest), or
    empty for the encrypted local disk under ``objects_dir``."""
    s3_endpoint: str = ""
    """The S3 endpoint for ``storage_url`` (SeaweedFS, MinIO, ...); empty: AWS S3 itself."""
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)
    """Epoch seconds for every expiry: tokens, signed links, uploads and their leases (tests move their own)."""
    limits: Limits = field(default_factory=Limits)
    """The abuse limits: failed sign-ins, sign-ups, storage quota, uploads in progress, write rate."""
    database_url: str = ""
    """The metadata database: a ``postgresql://`` URL shared by every replica; default (empty) the
    SQLite file ``db_path`` in the data dir."""

    @property
    def database(self) -> Path | str:
        """Where the metadata lives, for ``Metadata``: the PostgreSQL URL, else the SQLite file."""
        return self.database_url or self.db_path

    @property
    def db_path(self) -> Path:
        return self.data_dir / "metadata.sqlite3"

    @property
    def objects_dir(self) -> Path:
        """The encrypted blobs, uploads in progress and wrapped keys."""
        return self.data_dir / "objects"

    @property
    def master_key_path(self) -> Path:
        return self.master_key_file or self.data_dir / "master.key"

    @property
    def legacy_blob_dir(self) -> Path:
        """Where versions before encryption kept blobs in the clear (moved into ``objects`` at start)."""
        return self.data_dir / "store"

    @property
    def legacy_upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    def link_secret(self) -> bytes:
        """The HMAC key for signed links; every replica must use the same one. Raises ConfigError.

        From the environment variable ENVELOPE_LINK_SECRET, else from ``link_secret_file``, else
        (one server on its own) made once and kept in the data dir.
        """
        if value := os.environ.get(LINK_SECRET_ENV, "").strip():
            return _long_enough(value.encode(), LINK_SECRET_ENV)
        if self.link_secret_file is not None:
            try:
                return _long_enough(self.link_secret_file.read_bytes().strip(), str(self.link_secret_file))
            except OSError as exc:
                raise ConfigError(f"The link secret file {self.link_secret_file} cannot be read: {exc}") from None
        path = self.data_dir / "link-secret"
        if not path.exists():
            write_private(path, secrets.token_bytes(MIN_SECRET_BYTES))
        return path.read_bytes()


def _long_enough(secret: bytes, source: str) -> bytes:
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigError(f"The link secret from {source} is {len(secret)} bytes; "
                          f"use at least {MIN_SECRET_BYTES} bytes.")
    return secret


@dataclass
class ServerContext:
    config: ServerConfig
    meta: Metadata
    storage: BlobStorage
    notifier: Notifier
    metrics: Metrics
    receiving: Receiving
    writer: MessageWriter
    link_key: bytes = field(repr=False, default=b"")


async def context(request: Request) -> ServerContext:  # async: FastAPI runs a plain def in a thread
    ctx: ServerContext = request.app.state.ctx
    return ctx
