"""``GET /v1/sync``: the caller's feed after a cursor, waiting (long-poll) until something arrives."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from sync.protocol import SyncPage
from sync.server.accounts import Ctx, CurrentUser
from sync.server.errors import APIError
from sync.server.numbers import MAX_INTEGER, BadNumber, parse_count, parse_seconds
from sync.server.spec_marks import raises

router = APIRouter(tags=["sync"])
PAGE_LIMIT = 500


class BadCursor(APIError):
    status, code = 400, "bad_cursor"


def _parse_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return parse_count(cursor, name="sync cursor", maximum=MAX_INTEGER)
    except BadNumber:
        raise BadCursor("The sync cursor is not one this server gave out; start again without a cursor.") from None


@router.get("/v1/sync", response_model=SyncPage, response_model_exclude_none=True)
@raises(BadCursor)
async def sync_feed(
    ctx: Ctx,
    user: CurrentUser,
    cursor: str | None = None,
    wait: Annotated[str | None, Query(description="Seconds to wait for news, 0 to 60: like 25 or 0.5.")] = None,
    limit: Annotated[str | None, Query(description=f"Events per page: 1 to {PAGE_LIMIT} (default).")] = None,
) -> SyncPage:
    after = _parse_cursor(cursor)
    seconds = parse_seconds(wait, name="'wait' parameter", maximum=60, default=0)
    page_size = parse_count(limit, name="'limit' parameter", minimum=1, maximum=PAGE_LIMIT, default=PAGE_LIMIT)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(seconds, ctx.config.max_wait_s)
    while True:
        since = ctx.notifier.generation(user.id)  # before reading: a change after the read still wakes us
        page = await run_in_threadpool(ctx.meta.feed.after, user.id, after, limit=page_size)
        remaining = deadline - loop.time()
        if page.events or remaining <= 0 or ctx.notifier.closed:
            return page
        await ctx.notifier.wait(user.id, remaining, since=since)
