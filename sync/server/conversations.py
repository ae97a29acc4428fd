"""Conversations, membership and messages (idempotent by client_id), with their feed events."""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import ValidationError

from sync.protocol import (
    Attachment,
    Conversation,
    ConversationCreate,
    MemberAdd,
    Message,
    MessageCreate,
    SyncEvent,
)
from sync.server.access import can_read, is_member
from sync.server.accounts import Ctx, CurrentUser, User, user_by_name
from sync.server.config import ServerContext
from sync.server.errors import BlobNotUploaded, Conflict, Invalid, NotFound
from sync.server.feed import emit
from sync.server.filing import file_complete_uploads
from sync.server.timefmt import now_iso

router = APIRouter(tags=["conversations"])
log = logging.getLogger(__name__)
MAX_THUMBNAIL_BYTES = 1024 * 1024  # a 640 px preview is tens of KiB


def load_conversation(ctx: ServerContext, conversation_id: str) -> Conversation:
    row = ctx.db.one("SELECT id, title, created_at FROM conversations WHERE id = ?", (conversation_id,))
    if row is None:
        raise NotFound("No such conversation.")
    members = [
        r["username"]
        for r in ctx.db.all(
            "SELECT u.username FROM members m JOIN users u ON u.id = m.user_id "
            "WHERE m.conversation_id = ? ORDER BY u.username",
            (conversation_id,),
        )
    ]
    return Conversation(id=row["id"], title=row["title"], members=members, created_at=row["created_at"])


def member_conversation(ctx: ServerContext, user: User, conversation_id: str) -> Conversation:
    """The conversation if ``user`` is a member; raises NotFound otherwise (existence is not revealed)."""
    if not is_member(ctx.db, user.id, conversation_id):
        raise NotFound("No such conversation.")
    return load_conversation(ctx, conversation_id)


def _member_ids(conn: sqlite3.Connection, conversation_id: str) -> list[str]:
    rows = conn.execute("SELECT user_id FROM members WHERE conversation_id = ?", (conversation_id,))
    return [r[0] for r in rows]


def _announce(ctx: ServerContext, conn: sqlite3.Connection, conversation_id: str) -> None:
    """Tell every member the conversation's current state (after the caller's changes)."""
    conversation = _conversation_in(conn, conversation_id)
    emit(
        conn,
        _member_ids(conn, conversation_id),
        SyncEvent(type="conversation", conversation_id=conversation_id, conversation=conversation),
    )


def _conversation_in(conn: sqlite3.Connection, conversation_id: str) -> Conversation:
    row = conn.execute(
        "SELECT id, title, created_at FROM conversations WHERE id = ?", (conversation_id,)
    ).fetchone()
    members = [
        r[0]
        for r in conn.execute(
            "SELECT u.username FROM members m JOIN users u ON u.id = m.user_id "
            "WHERE m.conversation_id = ? ORDER BY u.username",
            (conversation_id,),
        )
    ]
    return Conversation(id=row["id"], title=row["title"], members=members, created_at=row["created_at"])


@router.post("/v1/conversations", status_code=201, response_model=Conversation)
def create_conversation(body: ConversationCreate, ctx: Ctx, user: CurrentUser) -> Conversation:
    member_ids = {user.id}
    for name in body.members:
        other = user_by_name(ctx, name)
        if other is None:
            raise Invalid(f"There is no user called {name!r}.")
        member_ids.add(other.id)
    conversation_id = uuid.uuid4().hex
    with ctx.db.write() as conn:
        conn.execute(
            "INSERT INTO conversations (id, title, created_by, created_at) VALUES (?, ?, ?, ?)",
            (conversation_id, body.title.strip(), user.id, now_iso()),
        )
        conn.executemany(
            "INSERT INTO members (conversation_id, user_id) VALUES (?, ?)",
            [(conversation_id, uid) for uid in sorted(member_ids)],
        )
        _announce(ctx, conn, conversation_id)
    ctx.notifier.notify()
    return load_conversation(ctx, conversation_id)


@router.get("/v1/conversations", response_model=list[Conversation])
def list_conversations(ctx: Ctx, user: CurrentUser) -> list[Conversation]:
    rows = ctx.db.all(
        "SELECT c.id FROM conversations c JOIN members m ON m.conversation_id = c.id "
        "WHERE m.user_id = ? ORDER BY c.created_at",
        (user.id,),
    )
    return [load_conversation(ctx, r["id"]) for r in rows]


@router.get("/v1/conversations/{conversation_id}", response_model=Conversation)
def get_conversation(conversation_id: str, ctx: Ctx, user: CurrentUser) -> Conversation:
    return member_conversation(ctx, user, conversation_id)


@router.post("/v1/conversations/{conversation_id}/members", response_model=Conversation)
def add_member(conversation_id: str, body: MemberAdd, ctx: Ctx, user: CurrentUser) -> Conversation:
    member_conversation(ctx, user, conversation_id)
    other = user_by_name(ctx, body.username)
    if other is None:
        raise Invalid(f"There is no user called {body.username!r}.")
    with ctx.db.write() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO members (conversation_id, user_id) VALUES (?, ?)", (conversation_id, other.id)
        )
        _announce(ctx, conn, conversation_id)
    ctx.notifier.notify()
    return load_conversation(ctx, conversation_id)


@router.delete("/v1/conversations/{conversation_id}/members/{username}", status_code=204)
def remove_member(conversation_id: str, username: str, ctx: Ctx, user: CurrentUser) -> Response:
    """Any member may leave, or remove another member (no admin roles yet)."""
    member_conversation(ctx, user, conversation_id)
    other = user_by_name(ctx, username)
    if other is None or not is_member(ctx.db, other.id, conversation_id):
        raise NotFound(f"{username!r} is not a member of this conversation.")
    with ctx.db.write() as conn:
        conn.execute("DELETE FROM members WHERE conversation_id = ? AND user_id = ?", (conversation_id, other.id))
        emit(conn, [other.id], SyncEvent(type="conversation_removed", conversation_id=conversation_id))
        _announce(ctx, conn, conversation_id)
    ctx.notifier.notify()
    return Response(status_code=204)


def _row_to_message(row: sqlite3.Row, sender: str) -> Message:
    return Message(
        id=row["id"],
        client_id=row["client_id"],
        conversation_id=row["conversation_id"],
        sender=sender,
        body=row["body"],
        attachments=[Attachment.model_validate(a) for a in json.loads(row["attachments"])],
        seq=row["seq"],
        created_at=row["created_at"],
    )


_MESSAGE_COLUMNS = "m.id, m.client_id, m.conversation_id, m.body, m.attachments, m.seq, m.created_at, u.username"


def _existing(ctx: ServerContext, user: User, client_id: str) -> Message | None:
    row = ctx.db.one(
        f"SELECT {_MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.sender_id "
        "WHERE m.sender_id = ? AND m.client_id = ?",
        (user.id, client_id),
    )
    return _row_to_message(row, row["username"]) if row else None


def _check_attachments(ctx: ServerContext, user: User, attachments: list[Attachment]) -> None:
    """Every attachment names blobs the caller may read, with their real size; thumbnails are small images.

    Uploads whose bytes all arrived but that were not filed yet (the server stopped in between)
    are filed first. Raises BlobNotUploaded or Invalid.
    """
    file_complete_uploads(ctx, user.id, [sha for a in attachments for sha in (a.blob, a.thumbnail) if sha])
    for a in attachments:
        for sha in filter(None, (a.blob, a.thumbnail)):
            if not can_read(ctx.db, user.id, sha):
                raise BlobNotUploaded(
                    f"The attachment {a.name!r} refers to a blob that is not uploaded (or not yours).")
        row = ctx.db.one("SELECT size FROM blobs WHERE sha256 = ?", (a.blob,))
        if row is None or row["size"] != a.size:
            real = "no size" if row is None else f"{row['size']} bytes"
            raise Invalid(f"The attachment {a.name!r} says {a.size} bytes but its blob has {real}.")
        if a.thumbnail:
            thumb = ctx.db.one("SELECT size, mime FROM blobs WHERE sha256 = ?", (a.thumbnail,))
            if thumb is None or thumb["size"] > MAX_THUMBNAIL_BYTES or not str(thumb["mime"]).startswith("image/"):
                raise Invalid(f"The thumbnail of {a.name!r} must be an image of at most "
                              f"{MAX_THUMBNAIL_BYTES // 1024} KiB.")


@router.post(
    "/v1/conversations/{conversation_id}/messages",
    status_code=201,
    response_model=Message,
    response_model_exclude_none=True,
    responses={200: {"description": "The same client_id was posted before: the stored message."}},
)
def post_message(
    conversation_id: str, body: MessageCreate, ctx: Ctx, user: CurrentUser, response: Response
) -> Message:
    member_conversation(ctx, user, conversation_id)
    if (found := _existing(ctx, user, body.client_id)) is not None:
        return _repeat(found, conversation_id, response)
    if not body.body.strip() and not body.attachments:
        raise Invalid("A message needs some text or at least one attachment.")
    _check_attachments(ctx, user, body.attachments)
    message_id = uuid.uuid4().hex
    attachments_json = json.dumps([a.model_dump(exclude_none=True) for a in body.attachments])
    try:
        with ctx.db.write() as conn:
            seq = conn.execute(
                "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq",
                (conversation_id,),
            ).fetchone()[0]
            created_at = now_iso()
            conn.execute(
                "INSERT INTO messages (id, client_id, conversation_id, sender_id, body, attachments, seq, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (message_id, body.client_id, conversation_id, user.id, body.body, attachments_json, seq, created_at),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO message_blobs (message_id, sha256, conversation_id, name) VALUES (?, ?, ?, ?)",
                [
                    (message_id, sha, conversation_id, a.name)
                    for a in body.attachments
                    for sha in filter(None, (a.blob, a.thumbnail))
                ],
            )
            message = Message(
                id=message_id,
                client_id=body.client_id,
                conversation_id=conversation_id,
                sender=user.username,
                body=body.body,
                attachments=body.attachments,
                seq=seq,
                created_at=created_at,
            )
            emit(
                conn,
                _member_ids(conn, conversation_id),
                SyncEvent(type="message", conversation_id=conversation_id, message=message),
            )
    except sqlite3.IntegrityError:  # the same client_id raced in from another request
        if (found := _existing(ctx, user, body.client_id)) is not None:
            return _repeat(found, conversation_id, response)
        raise
    ctx.notifier.notify()
    return message


def _repeat(found: Message, conversation_id: str, response: Response) -> Message:
    if found.conversation_id != conversation_id:
        raise Conflict("This client_id was already used for a message in another conversation.")
    response.status_code = 200
    return found


@router.get(
    "/v1/conversations/{conversation_id}/messages", response_model=list[Message], response_model_exclude_none=True
)
def history(
    conversation_id: str,
    ctx: Ctx,
    user: CurrentUser,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[Message]:
    """A page of history, newest first: messages with seq < ``before`` (all when absent)."""
    member_conversation(ctx, user, conversation_id)
    rows = ctx.db.all(
        f"SELECT {_MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.sender_id "
        "WHERE m.conversation_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?",
        (conversation_id, before if before is not None else 2**62, limit),
    )
    messages = []
    for r in rows:
        try:
            messages.append(_row_to_message(r, r["username"]))
        except ValidationError:  # stored before today's attachment bounds: left out, never a 500
            log.warning("message %s no longer passes validation; left out of history", r["id"])
    return messages
