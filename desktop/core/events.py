"""What the sync engine tells its listener (the Qt bridge): plain frozen dataclasses, any thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Direction = Literal["up", "down"]
Connection = Literal["online", "offline", "syncing", "signed_out", "untrusted"]
"""``untrusted``: the server's certificate was refused (changed, or never trusted); the detail says how."""


@dataclass(frozen=True)
class ConversationsChanged:
    """The conversation list changed (new, renamed, members, removed, new last message)."""


@dataclass(frozen=True)
class MessageAdded:
    message_id: int
    conversation_id: str


@dataclass(frozen=True)
class MessageUpdated:
    """State, seq or error of a message changed (pending → sent, failed, retried)."""

    message_id: int
    conversation_id: str


@dataclass(frozen=True)
class TransferProgress:
    sha256: str
    direction: Direction
    done: int
    total: int


@dataclass(frozen=True)
class TransferFinished:
    sha256: str
    direction: Direction
    error: str | None = None  # None on success; a sentence otherwise
    cancelled: bool = False


@dataclass(frozen=True)
class TransfersChanged:
    """A transfer was queued, started, paused, resumed, moved or left the queue (the transfers panel)."""


@dataclass(frozen=True)
class BlobReady:
    """A blob's bytes are now in the local cache (a thumbnail or full media)."""

    sha256: str


@dataclass(frozen=True)
class ConnectionChanged:
    state: Connection
    detail: str = ""


EngineEvent = (
    ConversationsChanged | MessageAdded | MessageUpdated | TransferProgress | TransferFinished | BlobReady
    | ConnectionChanged | TransfersChanged
)
Listener = Callable[[EngineEvent], None]
