"""Conversations, membership and messages (idempotent by client_id); each change wakes the members' feeds.

Who may put whom in a conversation is in ``consent.py``; the limits on members, text and
attachments answer 422 with a sentence that names them.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from sync.protocol import (
    MAX_ATTACHMENTS,
    MAX_BODY_CHARS,
    MAX_MEMBERS,
    Attachment,
    Conversation,
    ConversationCreate,
    ConversationRename,
    MemberAdd,
    Message,
    MessageCreate,
)
from sync.server.accounts import BearerHeader, Ctx, CurrentUser, authenticate, user_by_name
from sync.server.config import ServerContext
from sync.server.errors import BlobNotUploaded, Conflict, Invalid, NotFound, TooManyRequests
from sync.server.filing import file_complete_uploads
from sync.server.metadata.accounts import User
from sync.server.metadata.errors import ConversationFull, Duplicate
from sync.server.metadata.throttle import OverLimit
from sync.server.numbers import MAX_INTEGER, count_schema, parse_count
from sync.server.spec_marks import operation, query, raises
from sync.server.throttle import too_many_writes, write_bar
from sync.server.timefmt import now_iso

router = APIRouter(tags=["conversations"])
MAX_THUMBNAIL_BYTES = 1024 * 1024  # a 640 px preview is tens of KiB


def load_conversation(ctx: ServerContext, conversation_id: str, viewer: User | None = None) -> Conversation:
    conversation = ctx.meta.conversations.get(conversation_id, viewer.id if viewer else None)
    if conversation is None:
        raise NotFound("No such conversation.")
    return conversation


def member_conversation(ctx: ServerContext, user: User, conversation_id: str) -> Conversation:
    """The conversation as ``user`` sees it if they are a member; raises NotFound otherwise (existence
    is not revealed)."""
    if not ctx.meta.conversations.is_member(user.id, conversation_id):
        raise NotFound("No such conversation.")
    return load_conversation(ctx, conversation_id, user)


def no_such_user(username: str) -> Invalid:
    return Invalid(f"There is no user called {username!r}.")


def _reachable_user(ctx: ServerContext, username: str, inviter: User) -> User:
    """The user called ``username``, if ``inviter`` may put them in a conversation.

    Someone who blocked the inviter gets exactly the answer of a name nobody has (decisions.md).
    """
    other = user_by_name(ctx, username)
    if other is None or ctx.meta.blocks.blocking(inviter.id, [other.id]):
        raise no_such_user(username)
    return other


def _too_many_members(count: int) -> Invalid:
    return Invalid(f"A conversation can have at most {MAX_MEMBERS} members, its creator included; "
                   f"this one would have {count}.")


@router.post("/v1/conversations", status_code=201, response_model=Conversation, response_model_exclude_none=True)
def create_conversation(body: ConversationCreate, ctx: Ctx, user: CurrentUser) -> Conversation:
    names = {name.strip().lower() for name in body.members} | {user.username}
    if len(names) > MAX_MEMBERS:
        raise _too_many_members(len(names))
    members = {_reachable_user(ctx, name, user).id for name in body.members}
    conversation_id = uuid.uuid4().hex
    woken = ctx.meta.conversations.create(conversation_id, body.title.strip(), user.id, members,
                                          created_at=now_iso())
    ctx.notifier.notify(woken)
    return load_conversation(ctx, conversation_id, user)


@router.get("/v1/conversations", response_model=list[Conversation], response_model_exclude_none=True)
def list_conversations(ctx: Ctx, user: CurrentUser) -> list[Conversation]:
    return ctx.meta.conversations.of_user(user.id)


@router.get("/v1/conversations/{conversation_id}", response_model=Conversation, response_model_exclude_none=True)
def get_conversation(conversation_id: str, ctx: Ctx, user: CurrentUser) -> Conversation:
    return member_conversation(ctx, user, conversation_id)


@router.patch("/v1/conversations/{conversation_id}", response_model=Conversation, response_model_exclude_none=True)
def rename_conversation(conversation_id: str, body: ConversationRename, ctx: Ctx, user: CurrentUser) -> Conversation:
    """Any member may rename (no admin roles yet); every member gets the new title in a ``conversation`` event."""
    member_conversation(ctx, user, conversation_id)
    ctx.notifier.notify(ctx.meta.conversations.rename(conversation_id, body.title.strip()))
    return load_conversation(ctx, conversation_id, user)


@router.post("/v1/conversations/{conversation_id}/members", response_model=Conversation,
             response_model_exclude_none=True)
def add_member(conversation_id: str, body: MemberAdd, ctx: Ctx, user: CurrentUser) -> Conversation:
    member_conversation(ctx, user, conversation_id)
    other = _reachable_user(ctx, body.username, user)
    try:
        woken = ctx.meta.conversations.add_member(conversation_id, other.id, user.id, limit=MAX_MEMBERS)
    except ConversationFull:
        raise Invalid(f"This conversation already has {MAX_MEMBERS} members, the most a conversation "
                      "can have.") from None
    ctx.notifier.notify(woken)
    return load_conversation(ctx, conversation_id, user)


@router.delete("/v1/conversations/{conversation_id}/members/{username}", status_code=204)
def remove_member(conversation_id: str, username: str, ctx: Ctx, user: CurrentUser) -> Response:
    """Any member may leave, or remove another member (no admin roles yet)."""
    member_conversation(ctx, user, conversation_id)
    other = user_by_name(ctx, username)
    if other is None or not ctx.meta.conversations.is_member(other.id, conversation_id):
        raise NotFound(f"{username!r} is not a member of this conversation.")
    ctx.notifier.notify(ctx.meta.conversations.remove_member(conversation_id, other.id))
    return Response(status_code=204)


def _check_attachments(ctx: ServerContext, user: User, attachments: list[Attachment]) -> None:
    """Every attachment names blobs the caller may read, with their real size; thumbnails are small images.

    Uploads whose bytes all arrived but that were not filed yet (the server stopped in between)
    are filed first. Raises BlobNotUploaded or Invalid.
    """
    file_complete_uploads(ctx, user.id, [sha for a in attachments for sha in (a.blob, a.thumbnail) if sha])
    for a in attachments:
        for sha in filter(None, (a.blob, a.thumbnail)):
            if not ctx.meta.blobs.can_read(user.id, sha):
                raise BlobNotUploaded(
                    f"The attachment {a.name!r} refers to a blob that is not uploaded (or not yours).")
        blob = ctx.meta.blobs.get(a.blob)
        if blob is None or blob.size != a.size:
            real = "no size" if blob is None else f"{blob.size} bytes"
            raise Invalid(f"The attachment {a.name!r} says {a.size} bytes but its blob has {real}.")
        if a.thumbnail:
            thumb = ctx.meta.blobs.get(a.thumbnail)
            if thumb is None or thumb.size > MAX_THUMBNAIL_BYTES or not thumb.mime.startswith("image/"):
                raise Invalid(f"The thumbnail of {a.name!r} must be an image of at most "
                              f"{MAX_THUMBNAIL_BYTES // 1024} KiB.")


@router.post(
    "/v1/conversations/{conversation_id}/messages",
    status_code=201,
    response_model=Message,
    response_model_exclude_none=True,
    responses={200: {"description": "The same client_id was posted before: the stored message."}},
)
@raises(Conflict, BlobNotUploaded, TooManyRequests)
async def post_message(
    conversation_id: str, body: MessageCreate, ctx: Ctx, authorization: BearerHeader, response: Response
) -> Message:
    """The hot path: one call off the event loop, one transaction (the write rate counted in it), one wake-up."""
    off_loop = run_in_threadpool if body.attachments else ctx.writer.run  # filing an upload first can take long
    message, repeated = await off_loop(_post_message, ctx, authorization, conversation_id, body)
    if repeated:
        response.status_code = 200
    return message


def _post_message(ctx: ServerContext, authorization: str, conversation_id: str,
                  body: MessageCreate) -> tuple[Message, bool]:
    """The message as stored, and whether it was a repeat of the same client_id (not counted, not stored again)."""
    user = authenticate(ctx, authorization)
    state = ctx.meta.conversations.member_state(user.id, conversation_id)
    if state is None:
        raise NotFound("No such conversation.")
    if (found := ctx.meta.messages.by_client_id(user.id, body.client_id)) is not None:
        return _repeat(found, conversation_id), True
    _check_limits(body)
    if not body.body.strip() and not body.attachments:
        raise Invalid("A message needs some text or at least one attachment.")
    _check_attachments(ctx, user, body.attachments)
    bar = write_bar(ctx, user.id, chunk=False)
    try:
        message, woken = ctx.meta.messages.post(uuid.uuid4().hex, conversation_id, user, body.client_id, body.body,
                                                body.attachments, created_at=now_iso(), counted=bar)
    except OverLimit as over:
        raise too_many_writes(bar, over.count, chunk=False) from None
    except Duplicate:  # the same client_id raced in from another request
        if (found := ctx.meta.messages.by_client_id(user.id, body.client_id)) is not None:
            return _repeat(found, conversation_id), True
        raise
    if state == "request":  # replying is accepting
        woken |= ctx.meta.conversations.accept(conversation_id, user.id)
    ctx.notifier.notify(woken)
    return message, False


def _check_limits(body: MessageCreate) -> None:
    if len(body.body) > MAX_BODY_CHARS:
        raise Invalid(f"A message can hold at most {MAX_BODY_CHARS:,} characters of text; "
                      f"this one has {len(body.body):,}.")
    if len(body.attachments) > MAX_ATTACHMENTS:
        raise Invalid(f"A message can carry at most {MAX_ATTACHMENTS} attachments; "
                      f"this one has {len(body.attachments)}.")


def _repeat(found: Message, conversation_id: str) -> Message:
    if found.conversation_id != conversation_id:
        raise Conflict("This client_id was already used for a message in another conversation.")
    return found


MAX_PAGE = 200


@router.get(
    "/v1/conversations/{conversation_id}/messages", response_model=list[Message], response_model_exclude_none=True
)
@operation({"parameters": [
    query("before", "Only messages with a smaller seq.", count_schema(minimum=1, maximum=MAX_INTEGER)),
    query("limit", "Messages per page (default 50).", count_schema(minimum=1, maximum=MAX_PAGE)),
]})
def history(
    conversation_id: str,
    ctx: Ctx,
    user: CurrentUser,
    before: Annotated[str | None, Query(description="Only messages with a smaller seq (a whole number).")] = None,
    limit: Annotated[str | None, Query(description="Messages per page: 1 to 200, default 50.")] = None,
) -> list[Message]:
    """A page of history, newest first: messages with seq < ``before`` (all when absent)."""
    below = None if before is None else parse_count(before, name="'before' parameter", minimum=1, maximum=MAX_INTEGER)
    page_size = parse_count(limit, name="'limit' parameter", minimum=1, maximum=MAX_PAGE, default=50)
    member_conversation(ctx, user, conversation_id)
    return ctx.meta.messages.history(conversation_id, before=below, limit=page_size)
