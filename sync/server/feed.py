"""The per-user event feed behind ``GET /v1/sync``: events written with the change, long-poll wake-ups."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from sync.protocol import SyncEvent, SyncPage
from sync.server.accounts import Ctx, CurrentUser, User
from sync.server.config import ServerContext
from sync.server.errors import APIError

router = APIRouter(tags=["sync"])
log = logging.getLogger(__name__)
PAGE_LIMIT = 500


class Notifier:
    """Wakes every waiting long-poll when something new is written (they re-read their own feed).

    ``notify`` may be called from any thread. Replicas will wake each other through the
    database (PostgreSQL LISTEN/NOTIFY) behind this same interface.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self.closed = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()

    def waiter(self) -> asyncio.Event:
        assert self._event is not None, "Notifier.bind() was not called"
        return self._event

    def notify(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._fire)

    def close(self) -> None:
        """Shutting down: every waiting long-poll answers now (call on the event loop)."""
        self.closed = True
        self._fire()

    def _fire(self) -> None:
        event, self._event = self._event, asyncio.Event()
        if event is not None:
            event.set()


def emit(
    conn: sqlite3.Connection, user_ids: Iterable[str], event: SyncEvent
) -> None:
    """Append ``event`` to each user's feed inside the caller's write transaction."""
    payload = event.model_dump_json(exclude_none=True)
    conn.executemany(
        "INSERT INTO events (user_id, type, conversation_id, payload) VALUES (?, ?, ?, ?)",
        [(uid, event.type, event.conversation_id, payload) for uid in user_ids],
    )


class BadCursor(APIError):
    status, code = 400, "bad_cursor"


def _parse_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit() or len(cursor) > 18:
        raise BadCursor("The sync cursor is not one this server gave out; start again without a cursor.")
    return int(cursor)


def _stored_event(event_id: int, payload: str) -> SyncEvent | None:
    """A stored event, or None (logged) for one written before today's bounds: it is skipped, never a 500."""
    try:
        return SyncEvent.model_validate(json.loads(payload))
    except ValidationError:
        log.warning("feed event %d no longer passes validation; skipped", event_id)
        return None


def read_feed(ctx: ServerContext, user: User, after: int, limit: int) -> SyncPage:
    rows = ctx.db.all(
        "SELECT id, payload FROM events WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?",
        (user.id, after, limit + 1),
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    events = [event for r in rows if (event := _stored_event(r["id"], r["payload"])) is not None]
    cursor = str(rows[-1]["id"]) if rows else str(after)
    return SyncPage(events=events, cursor=cursor, has_more=has_more)


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
        woken = ctx.notifier.waiter()
        page = await run_in_threadpool(read_feed, ctx, user, after, limit)
        remaining = deadline - loop.time()
        if page.events or remaining <= 0 or ctx.notifier.closed:
            return page
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(woken.wait(), remaining)
