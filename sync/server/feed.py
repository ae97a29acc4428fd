"""``GET /v1/sync``: the caller's feed after a cursor, waiting (long-poll) until something arrives."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from sync.protocol import SyncPage
from sync.server.accounts import Ctx, CurrentUser
from sync.server.errors import APIError

router = APIRouter(tags=["sync"])
PAGE_LIMIT = 500


class BadCursor(APIError):
    status, code = 400, "bad_cursor"


def _parse_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit() or len(cursor) > 18:
        raise BadCursor("The sync cursor is not one this server gave out; start again without a cursor.")
    return int(cursor)


@router.get("/v1/sync", response_model=SyncPage, response_model_exclude_none=True)
async def sync_feed(
    ctx: Ctx,
    user: CurrentUser,
    cursor: str | None = None,
    wait: Annotated[float, Query(ge=0, le=60)] = 0,
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = PAGE_LIMIT,
) -> SyncPage:
    after = _parse_cursor(cursor)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(wait, ctx.config.max_wait_s)
    while True:
        since = ctx.notifier.generation(user.id)  # before reading: a change after the read still wakes us
        page = await run_in_threadpool(ctx.meta.feed.after, user.id, after, limit=limit)
        remaining = deadline - loop.time()
        if page.events or remaining <= 0 or ctx.notifier.closed:
            return page
        await ctx.notifier.wait(user.id, remaining, since=since)
