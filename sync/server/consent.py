"""Consent: accepting a conversation request, blocking the one who sent it, and the caller's block list.

A member put in a conversation by someone they never talked to holds it as a ``request``
(``metadata/consent.py``). Deleting a request is leaving it (``DELETE .../members/{me}``). A user who
blocked someone cannot be put in a conversation by them again: they get the answer of a name
nobody has, so they are never told they were blocked (decisions.md, "Consent").
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from sync.protocol import BlockedUser, BlockRequest, Conversation
from sync.server.accounts import Ctx, CurrentUser, user_by_name
from sync.server.conversations import load_conversation, member_conversation, no_such_user
from sync.server.errors import Invalid, NotFound
from sync.server.spec_marks import raises
from sync.server.timefmt import now_iso

router = APIRouter(tags=["consent"])


@router.post("/v1/conversations/{conversation_id}/accept", response_model=Conversation,
             response_model_exclude_none=True)
def accept(conversation_id: str, ctx: Ctx, user: CurrentUser) -> Conversation:
    """Accept a request: from now on it is an ordinary conversation (accepting again changes nothing)."""
    member_conversation(ctx, user, conversation_id)
    ctx.notifier.notify(ctx.meta.conversations.accept(conversation_id, user.id))
    return load_conversation(ctx, conversation_id, user)


@router.post("/v1/conversations/{conversation_id}/block", response_model=BlockedUser)
@raises(Invalid)
def block_inviter(conversation_id: str, ctx: Ctx, user: CurrentUser) -> BlockedUser:
    """Block whoever put the caller in this conversation (else its creator), and leave it."""
    member_conversation(ctx, user, conversation_id)
    inviter_id = ctx.meta.conversations.inviter(conversation_id, user.id)
    inviter = ctx.meta.accounts.by_id(inviter_id) if inviter_id else None
    if inviter is None or inviter.id == user.id:
        raise Invalid("You started this conversation: there is nobody to block here.")
    ctx.meta.blocks.block(user.id, inviter.id, created_at=now_iso())
    ctx.notifier.notify(ctx.meta.conversations.remove_member(conversation_id, user.id))
    return _listed(ctx, user.id, inviter.username)


@router.get("/v1/users/me/blocked", response_model=list[BlockedUser])
def blocked(ctx: Ctx, user: CurrentUser) -> list[BlockedUser]:
    """The users the caller blocked, oldest block first."""
    return ctx.meta.blocks.of_user(user.id)


@router.post("/v1/users/me/blocked", response_model=BlockedUser)
def block(body: BlockRequest, ctx: Ctx, user: CurrentUser) -> BlockedUser:
    """Block a user by name (blocking again changes nothing); conversations already shared stay."""
    other = user_by_name(ctx, body.username)
    if other is None:
        raise no_such_user(body.username)
    if other.id == user.id:
        raise Invalid("You cannot block yourself.")
    ctx.meta.blocks.block(user.id, other.id, created_at=now_iso())
    return _listed(ctx, user.id, other.username)


@router.delete("/v1/users/me/blocked/{username}", status_code=204)
def unblock(username: str, ctx: Ctx, user: CurrentUser) -> Response:
    other = user_by_name(ctx, username)
    if other is None or not ctx.meta.blocks.unblock(user.id, other.id):
        raise NotFound(f"You have not blocked {username!r}.")
    return Response(status_code=204)


def _listed(ctx: Ctx, user_id: str, username: str) -> BlockedUser:
    return next(b for b in ctx.meta.blocks.of_user(user_id) if b.username == username)
