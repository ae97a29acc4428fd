"""What the storage view shows, read off the GUI thread in one go: totals, conversations, largest items."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from desktop.core.db.usage import CachedItem, ConversationUsage, Totals
from desktop.core.engine import Engine
from desktop.core.names import title_of
from desktop.ui.media.thumbnails import decode_scaled

log = logging.getLogger(__name__)
PAGE = 20
"""Largest items read at a time ("Show more" reads the next page)."""
THUMBNAIL_PIXELS = 80
"""Thumbnails are decoded this big (40 logical pixels at twice the density)."""


@dataclass(frozen=True, slots=True)
class ConversationLine:
    usage: ConversationUsage
    title: str


@dataclass(frozen=True, slots=True)
class ItemLine:
    item: CachedItem
    where: str
    """The conversation it is in ("Trip", "Trip and 2 more"), or "" when no message attaches it."""
    image: QImage | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    totals: Totals
    limit: int
    conversations: list[ConversationLine]
    items: list[ItemLine]
    more: bool
    """Whether more items follow the last one."""


def load(engine: Engine, *, items: int | None = None) -> Snapshot:
    """Everything the view shows, with the first ``items`` (a page) largest items (blocking: run it off
    the GUI thread)."""
    lines = [ConversationLine(u, title_of(engine, u.conversation_id)) for u in engine.db.usage.by_conversation()]
    found, more = items_after(engine, None, items)
    return Snapshot(engine.db.usage.totals(), engine.cache.limit(), lines, found, more)


def items_after(engine: Engine, after: tuple[int, str] | None, count: int | None = None,
                ) -> tuple[list[ItemLine], bool]:
    """The next ``count`` (a page) largest items after ``after``, and whether more follow (blocking)."""
    count = PAGE if count is None else count
    page = engine.db.usage.largest(after=after, limit=count + 1)
    return [_line(engine, item) for item in page[:count]], len(page) > count


def _line(engine: Engine, item: CachedItem) -> ItemLine:
    where = title_of(engine, item.conversation_id) if item.conversation_id else ""
    if item.conversations > 1:
        where += f" and {item.conversations - 1} more"
    return ItemLine(item, where, _thumbnail(engine, item.thumbnail))


def _thumbnail(engine: Engine, sha256: str | None) -> QImage | None:
    path = engine.media_path(sha256) if sha256 else None
    if path is None:
        return None
    try:
        return decode_scaled(path, QSize(THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    except Exception as exc:  # a damaged thumbnail shows the kind's icon instead
        log.info("storage thumbnail %s not decoded: %s", (sha256 or "")[:12], exc)
        return None
