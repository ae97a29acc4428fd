"""``GET /v1/sync``: the caller's feed after a cursor, waiting (long-poll) until something arrives."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from sync.protocol import SyncPage
from sync.server.accounts import BearerHeader, Ctx, authenticate
from sync.server.config import ServerContext
from sync.server.errors import APIError
from sync.server.numbers import MAX_INTEGER, BadNumber, count_schema, digits_pattern, parse_count, parse_seconds
from sync.server.spec_marks import operation, query, raises

router = APIRouter(tags=["sync"])
PAGE_LIMIT = 500
MAX_WAIT_S = 60
# What parse_seconds takes up to MAX_WAIT_S: up to 9 digits (leading zeros too), maybe a dot and 1 to 9 more;
# 0 to 59.999999999, or 60 with only zeros after the dot. tests/unit/sync/server/test_openapi.py holds them equal.
WAIT_PATTERN = r"^(0{0,7}[0-5]?[0-9](\.[0-9]{1,9})?|0{0,7}60(\.0{1,9})?)$"


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
@operation({"parameters": [
    query("cursor", "The cursor of the last page (absent or empty: from the start).",
          {"type": "string", "pattern": digits_pattern(MAX_INTEGER)}),
    query("wait", f"Seconds to wait for news, 0 to {MAX_WAIT_S}: like 25 or 0.5.",
          {"type": "string", "pattern": WAIT_PATTERN}),
    query("limit", f"Events per page (default {PAGE_LIMIT}).", count_schema(minimum=1, maximum=PAGE_LIMIT)),
]})
async def sync_feed(
    ctx: Ctx,
    authorization: BearerHeader,
    cursor: str | None = None,
    wait: Annotated[str | None, Query(description="Seconds to wait for news, 0 to 60: like 25 or 0.5.")] = None,
    limit: Annotated[str | None, Query(description=f"Events per page: 1 to {PAGE_LIMIT} (default).")] = None,
) -> SyncPage:
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll, page = await run_in_threadpool(_first_read, ctx, authorization, cursor, wait, limit)
    deadline = started + min(poll.seconds, ctx.config.max_wait_s)
    while True:
        remaining = deadline - loop.time()
        if page.events or remaining <= 0 or ctx.notifier.closed:
            return page
        await ctx.notifier.wait(poll.user_id, remaining, since=poll.since)
        poll.since = ctx.notifier.generation(poll.user_id)  # before reading: a change after the read still wakes us
        page = await run_in_threadpool(ctx.meta.feed.after, poll.user_id, poll.after, limit=poll.page_size)


@dataclass
class _Poll:
    user_id: str
    after: int
    seconds: float
    page_size: int
    since: int


def _first_read(ctx: ServerContext, authorization: str, cursor: str | None, wait: str | None,
                limit: str | None) -> tuple[_Poll, SyncPage]:
    """Who asks (401 first), what they ask (400), and the first read: one call off the event loop."""
    user = authenticate(ctx, authorization)
    poll = _Poll(user.id, _parse_cursor(cursor),
                 parse_seconds(wait, name="'wait' parameter", maximum=MAX_WAIT_S, default=0),
                 parse_count(limit, name="'limit' parameter", minimum=1, maximum=PAGE_LIMIT, default=PAGE_LIMIT),
                 since=ctx.notifier.generation(user.id))  # before reading: a change after the read still wakes us
    return poll, ctx.meta.feed.after(user.id, poll.after, limit=poll.page_size)
