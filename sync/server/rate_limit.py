"""The per-user write rate: every POST, PATCH and DELETE with a valid token is counted (``throttle.count_write``).

tus PATCHes count on their own, higher bar: one large file is many chunks, and a person sending a
folder must not be stopped by their own uploads. Requests without a valid token pass on (their
route answers 401; sign-ins and sign-ups have their own limits). The count is checked before the
route runs or reads the body, except for a message post: that route counts it in the transaction that
stores the message (``Messages.post``), so a post is one transaction; a repeat of a client_id and a
post refused (404, 422) are not counted.
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from sync.server.accounts import authenticate
from sync.server.config import ServerContext
from sync.server.errors import APIError, Unauthorized, environment_error, error_response
from sync.server.metadata.errors import MetadataFull
from sync.server.throttle import count_write

WRITES = {"POST", "PATCH", "DELETE"}
CHUNKS = "/v1/uploads/"
COUNTED_BY_ROUTE = re.compile(r"/v1/conversations/[^/]+/messages")  # POST: conversations.post_message


def _check(ctx: ServerContext, authorization: str, *, chunk: bool) -> None:
    try:
        user = authenticate(ctx, authorization)
    except Unauthorized:
        return
    try:
        count_write(ctx, user.id, chunk=chunk)
    except MetadataFull:  # no room to count: the route decides (a delete frees space, a write gets 507)
        return


class WriteRateMiddleware:
    """Answers 429 ``rate_limited`` (with ``Retry-After``) to a user past their write rate."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES or (
                scope["method"] == "POST" and COUNTED_BY_ROUTE.fullmatch(scope["path"])):
            await self.app(scope, receive, send)
            return
        authorization = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
        if authorization:
            ctx: ServerContext = scope["app"].state.ctx
            chunk = scope["method"] == "PATCH" and scope["path"].startswith(CHUNKS)
            try:
                await run_in_threadpool(_check, ctx, authorization, chunk=chunk)
            except Exception as exc:  # past the limit
                error = exc if isinstance(exc, APIError) else environment_error(exc)
                if error is None:
                    raise
                await error_response(error.status, error.code, error.message, error.headers)(scope, receive, send)
                return
        await self.app(scope, receive, send)
