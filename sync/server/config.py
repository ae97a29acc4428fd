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

from sync.server.metadata import Metadata
from sync.server.storage import BlobStorage

if TYPE_CHECKING:
    from sync.server.filing import Receiving
    from sync.server.metrics import Metrics
    from sync.server.wakeups import Notifier

LINK_SECRET_ENV = "ENVELOPE_LINK_SECRET"
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
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)
    """Epoch seconds for every expiry: tokens, signed links, uploads and their leases (tests move their own)."""

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
            self.data_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(secrets.token_bytes(MIN_SECRET_BYTES))
            tmp.chmod(0o600)
            tmp.replace(path)
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
    link_key: bytes = field(repr=False, default=b"")


def context(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx
