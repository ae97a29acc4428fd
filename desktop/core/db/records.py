"""Rows of the local database as frozen dataclasses, and the conversions to and from them."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from pydantic import BaseModel

from sync.filenames import clean_filename
from sync.protocol import Kind, MessageState

BlobState = Literal["complete", "partial", "missing"]
OutboxKind = Literal["upload", "post"]
Change = Literal["inserted", "updated", "unchanged"]
Wire = Mapping[str, Any] | BaseModel
"""A wire object of the sync API: a ``sync.protocol`` model or the JSON dict it parses."""

PENDING_BASE = 1 << 60
"""``sort_key`` of an unsent message is ``PENDING_BASE + id``: after every server seq."""


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def epoch_ms(value: int | str) -> int:
    """Epoch milliseconds from an int (already ms) or an ISO 8601 wire timestamp; raises ValueError."""
    if isinstance(value, int):
        return value
    return int(datetime.fromisoformat(value).timestamp() * 1000)


def as_dict(obj: Wire) -> dict[str, Any]:
    return obj.model_dump() if isinstance(obj, BaseModel) else dict(obj)


@dataclass(frozen=True, slots=True)
class Account:
    server_url: str
    user_id: str
    username: str
    token: str | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    title: str
    members: tuple[str, ...]
    pinned_offline: bool = False
    last_read_seq: int = 0
    updated_at: int = 0
    state: str = "accepted"
    """``request``: someone the user never talked to (``invited_by``) put them in it, and they have
    not accepted yet: no media is downloaded and nothing notifies."""
    invited_by: str | None = None

    @property
    def is_request(self) -> bool:
        return self.state == "request"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a message; ``blob`` and ``thumbnail`` are sha256 names."""

    blob: str
    size: int
    mime: str
    name: str
    kind: Kind
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    thumbnail: str | None = None
    blurhash: str | None = None
    send_as_file: bool = False

    @classmethod
    def from_wire(cls, obj: Wire) -> Attachment:
        """An attachment someone sent: its name cleaned (no path, control or bidi-override characters)."""
        d = as_dict(obj)
        return cls(
            blob=d["blob"], size=int(d["size"]), mime=d["mime"], name=clean_filename(d["name"]), kind=d["kind"],
            width=d.get("width"), height=d.get("height"), duration_ms=d.get("duration_ms"),
            thumbnail=d.get("thumbnail"), blurhash=d.get("blurhash"), send_as_file=d.get("original") is True,
        )

    def to_wire(self) -> dict[str, Any]:
        """The ``Attachment`` object of the sync API (``send_as_file`` travels as ``original``)."""
        wire: dict[str, Any] = {"blob": self.blob, "size": self.size, "mime": self.mime,
                                "name": self.name, "kind": self.kind}
        for key in ("width", "height", "duration_ms", "thumbnail", "blurhash"):
            if (value := getattr(self, key)) is not None:
                wire[key] = value
        if self.send_as_file:
            wire["original"] = True
        return wire


@dataclass(frozen=True, slots=True)
class Message:
    """A message in a timeline. ``id`` is local; ``seq``/``server_id`` are None until sent.

    ``created_at`` is epoch ms (local clock while pending, the server's once sent). Timelines are
    ordered by ``sort_key``: the seq once sent, after all sent messages while pending or failed.
    """

    id: int
    client_id: str
    server_id: str | None
    conversation_id: str
    sender: str
    body: str
    seq: int | None
    sort_key: int
    state: MessageState
    created_at: int
    error: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class Upserted:
    """What ``upsert_remote_message`` did, so the UI can insert a row or refresh one."""

    message: Message
    change: Change


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """A row of the conversation list: ``preview`` is the last message's text or file names."""

    conversation: Conversation
    last_message: Message | None
    unread: int
    last_activity_at: int
    preview: str


@dataclass(frozen=True, slots=True)
class MediaItem:
    """A gallery cell: the attachment, where it sits, and whether its bytes are cached."""

    message_id: int
    position: int
    sender: str
    created_at: int
    sort_key: int
    attachment: Attachment
    blob_state: BlobState
    thumbnail_state: BlobState | None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """``snippet`` marks matches with MARK_START/MARK_END (escape it for display, then style those)."""

    message_id: int
    conversation_id: str
    sender: str
    created_at: int
    sort_key: int
    snippet: str


@dataclass(frozen=True, slots=True)
class BlobRecord:
    sha256: str
    size: int | None
    state: BlobState
    bytes_have: int
    pinned: bool
    last_access: int
    is_thumbnail: bool
    pending_upload: bool


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One step of sending a message: upload a blob (resumable), or post the message itself."""

    id: int
    message_id: int
    client_id: str
    conversation_id: str
    kind: OutboxKind
    blob: str | None
    upload_url: str | None
    upload_offset: int
    attempts: int
    next_attempt_at: int
    last_error: str | None
    paused: bool = False
    rank: int = 0  # higher goes first: the user moved it to the front
    size: int | None = None  # the blob's, for an upload


@dataclass(frozen=True, slots=True)
class WatchedFolder:
    path: str
    conversation_id: str


@dataclass(frozen=True, slots=True)
class WatchedFile:
    path: str
    size: int
    mtime_ns: int
    sha256: str | None
    sent: bool


def attachment_from_row(row: Mapping[str, Any]) -> Attachment:
    return Attachment(
        blob=row["blob"], size=row["size"], mime=row["mime"], name=row["name"],
        kind=cast(Kind, row["kind"]), width=row["width"], height=row["height"],
        duration_ms=row["duration_ms"], thumbnail=row["thumbnail"], blurhash=row["blurhash"],
        send_as_file=bool(row["send_as_file"]),
    )


def message_from_row(row: Mapping[str, Any], attachments: tuple[Attachment, ...] = ()) -> Message:
    return Message(
        id=row["id"], client_id=row["client_id"], server_id=row["server_id"],
        conversation_id=row["conversation_id"], sender=row["sender"], body=row["body"], seq=row["seq"],
        sort_key=row["sort_key"], state=cast(MessageState, row["state"]), created_at=row["created_at"],
        error=row["error"], attachments=attachments,
    )


def blob_from_row(row: Mapping[str, Any]) -> BlobRecord:
    return BlobRecord(
        sha256=row["sha256"], size=row["size"], state=cast(BlobState, row["state"]),
        bytes_have=row["bytes_have"], pinned=bool(row["pinned"]), last_access=row["last_access"],
        is_thumbnail=bool(row["is_thumbnail"]), pending_upload=bool(row["pending_upload"]),
    )


def outbox_from_row(row: Mapping[str, Any]) -> OutboxItem:
    return OutboxItem(
        id=row["id"], message_id=row["message_id"], client_id=row["client_id"],
        conversation_id=row["conversation_id"], kind=cast(OutboxKind, row["kind"]), blob=row["blob"],
        upload_url=row["upload_url"], upload_offset=row["upload_offset"], attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"], last_error=row["last_error"],
        paused=bool(row.get("paused", 0)), rank=row.get("rank", 0), size=row.get("blob_size"),
    )
