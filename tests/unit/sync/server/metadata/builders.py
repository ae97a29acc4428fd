"""Short ways to put users, conversations and messages into a store, and to read a whole feed back."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence

from sync.protocol import Attachment, Message, SyncEvent
from sync.server.metadata import Metadata
from sync.server.metadata.accounts import User

_client_ids = itertools.count(1)
CREATED_AT = "2024-05-01T12:00:00Z"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def user(meta: Metadata, name: str) -> User:
    return meta.accounts.create(f"id-{name}", name, f"hash-of-{name}", created_at=CREATED_AT)


def conversation(meta: Metadata, conversation_id: str, creator: User, *members: User,
                 created_at: str = CREATED_AT) -> str:
    meta.conversations.create(conversation_id, f"title of {conversation_id}", creator.id,
                              [m.id for m in members], created_at=created_at)
    return conversation_id


def post(meta: Metadata, conversation_id: str, sender: User, body: str = "", *,
         client_id: str | None = None, attachments: Sequence[Attachment] = ()) -> Message:
    n = next(_client_ids)
    message, _ = meta.messages.post(f"m-{n}", conversation_id, sender, client_id or f"c-{n}", body,
                                    list(attachments), created_at=CREATED_AT)
    return message


def picture(name: str, *, thumbnail: str | None = None) -> Attachment:
    return Attachment(blob=sha(name.encode()), size=1234, mime="image/jpeg", name=name, kind="image",
                      width=640, height=480, thumbnail=thumbnail)


def positioned(meta: Metadata, user_id: str, after: int = 0) -> list[tuple[int, SyncEvent]]:
    """Every event of the user's feed after ``after`` with its position, one page of one at a time."""
    out: list[tuple[int, SyncEvent]] = []
    while True:
        page = meta.feed.after(user_id, after, limit=1)
        if not page.events and not page.has_more:
            return out
        after = int(page.cursor)
        out.extend((after, event) for event in page.events)


def events(meta: Metadata, user_id: str, after: int = 0) -> list[SyncEvent]:
    return [event for _, event in positioned(meta, user_id, after)]
