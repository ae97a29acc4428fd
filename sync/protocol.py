"""Wire models of the sync API v1, shared by the server and the client."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

API_VERSION = "v1"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{1,31}$"
MAX_BODY_CHARS = 64_000
MAX_ATTACHMENTS = 32
MAX_MEMBERS = 256  # in one conversation, its creator included
MAX_TITLE_CHARS = 200
MAX_LINK_TTL = 3600
MAX_BLOB_BYTES = 2**53  # the largest integer every JSON reader keeps exactly
MAX_DIMENSION = 100_000  # pixels
MAX_DURATION_MS = 30 * 24 * 3600 * 1000  # 30 days
MAX_NAME_CHARS = 255
MIME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$"
BLURHASH_PATTERN = r"^[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,100}$"

Kind = Literal["image", "video", "audio", "file"]
MessageState = Literal["pending", "sent", "failed"]
MemberState = Literal["accepted", "request"]


def json_integer(value: object) -> object:
    """A request's integer as its schema says (``type: integer``): ``5``, and ``5.0`` too (JSON Schema calls it
    an integer), never ``true`` or ``"5"``, which lax pydantic would read as 1 and 5. A ``before`` validator:
    a number with a fraction is refused by the ``int`` after it."""
    if isinstance(value, bool | str | bytes):
        raise ValueError("Input should be a JSON integer")
    return value


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Credentials(Model):
    username: str = Field(pattern=USERNAME_PATTERN, description="2–32 chars: a-z, 0-9, _ . -")
    password: str = Field(min_length=8, max_length=256)

    @field_validator("username", mode="before")
    @classmethod
    def _lower(cls, v: object) -> object:
        return v.strip().lower() if isinstance(v, str) else v


class Account(Model):
    user_id: str
    username: str
    used_bytes: int | None = None
    """Only from ``GET /v1/users/me``: what the user's files and uploads in progress take."""
    quota_bytes: int | None = None
    """Only from ``GET /v1/users/me``: how much the user may store."""


class Token(Model):
    token: str
    user_id: str
    expires_at: str


class ConversationCreate(Model):
    """``members`` is bounded by the server with a sentence (``MAX_MEMBERS``), not by validation."""

    title: str = Field(default="", max_length=MAX_TITLE_CHARS)
    members: list[str] = Field(default_factory=list, json_schema_extra={"maxItems": MAX_MEMBERS})


class Conversation(Model):
    """A conversation as one member sees it: ``state`` and ``invited_by`` are that member's own.

    ``request``: someone the member never talked to put them in it (``invited_by``); its messages
    arrive, but the member has not accepted it yet. Absent (older events) means accepted.
    """

    id: str
    title: str
    members: list[str]
    created_at: str
    state: MemberState = "accepted"
    invited_by: str | None = None


class MemberAdd(Model):
    username: str


class ConversationRename(Model):
    """A new title for everyone in the conversation; empty means untitled (the members' names show)."""

    title: str = Field(max_length=MAX_TITLE_CHARS)


class Attachment(Model):
    """A file in a message: its blob and the preview data the sender's client made.

    Every number is bounded so that any client can store it (SQLite integers, a 64-bit double
    in JSON) and a hostile sender cannot stop other members' sync with one message. Numbers are
    JSON integers (``json_integer``): never ``true`` or ``"48"``.
    """

    blob: str = Field(pattern=SHA256_PATTERN)
    size: int = Field(ge=0, le=MAX_BLOB_BYTES)
    mime: str = Field(max_length=255, pattern=MIME_PATTERN)
    name: str = Field(max_length=MAX_NAME_CHARS)
    kind: Kind
    width: int | None = Field(default=None, ge=0, le=MAX_DIMENSION)
    height: int | None = Field(default=None, ge=0, le=MAX_DIMENSION)
    duration_ms: int | None = Field(default=None, ge=0, le=MAX_DURATION_MS)
    thumbnail: str | None = Field(default=None, pattern=SHA256_PATTERN)
    blurhash: str | None = Field(default=None, max_length=100, pattern=BLURHASH_PATTERN)
    original: bool = Field(default=False, strict=True,
                           description="a photo sent as the sender's own file, uncompressed, with its metadata")

    _integers = field_validator("size", "width", "height", "duration_ms", mode="before")(json_integer)

    @model_validator(mode="after")
    def _kind_matches_mime(self) -> Attachment:
        if self.kind != "file" and not self.mime.lower().startswith(f"{self.kind}/"):
            raise ValueError(f"an attachment of kind {self.kind!r} must have a {self.kind}/… type, not {self.mime!r}")
        return self


class MessageCreate(Model):
    """``body`` and ``attachments`` are bounded by the server with a sentence naming the limit
    (``MAX_BODY_CHARS``, ``MAX_ATTACHMENTS``); the schema states the same bounds."""

    client_id: str = Field(min_length=1, max_length=64)
    body: str = Field(default="", json_schema_extra={"maxLength": MAX_BODY_CHARS})
    attachments: list[Attachment] = Field(default_factory=list, json_schema_extra={"maxItems": MAX_ATTACHMENTS})

    @field_validator("client_id")
    @classmethod
    def _printable(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.:-]+", v):
            raise ValueError("client_id may hold only letters, digits and _ . : -")
        return v


class Message(Model):
    id: str
    client_id: str
    conversation_id: str
    sender: str
    body: str
    attachments: list[Attachment]
    seq: int
    created_at: str


EventType = Literal["message", "conversation", "conversation_removed"]


class SyncEvent(Model):
    type: EventType
    conversation_id: str
    message: Message | None = None
    conversation: Conversation | None = None


class SyncPage(Model):
    events: list[SyncEvent]
    cursor: str
    has_more: bool


class BlockedUser(Model):
    username: str
    blocked_at: str


class BlockRequest(Model):
    username: str


class MediaCheck(Model):
    blobs: list[str] = Field(max_length=1000)


class MediaCheckResult(Model):
    readable: list[str]


class LinkRequest(Model):
    ttl: int = Field(default=600, ge=1, le=MAX_LINK_TTL)

    _integers = field_validator("ttl", mode="before")(json_integer)


class Link(Model):
    url: str
    expires_at: str


class ErrorDetail(Model):
    code: str
    message: str


class ErrorBody(Model):
    error: ErrorDetail
