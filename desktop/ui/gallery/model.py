"""The gallery's model: a conversation's media or files from the local db, paged lazily."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from desktop.core.db.records import MediaItem
from desktop.core.units import size_text
from desktop.ui.accessibility import words
from desktop.ui.bridge import EngineBridge
from sync.protocol import Kind

PAGE_SIZE = 120

AnyIndex = QModelIndex | QPersistentModelIndex


class Roles(enum.IntEnum):
    """What the gallery's views and delegates ask a ``MediaModel`` for."""

    ITEM = Qt.ItemDataRole.UserRole + 1  # the MediaItem
    KIND = enum.auto()
    SHA256 = enum.auto()
    PREVIEW_SHA256 = enum.auto()  # the blob to draw the cell from (its thumbnail), or None
    BLURHASH = enum.auto()
    ASPECT = enum.auto()  # width / height as displayed (1.0 when unknown)
    DURATION_MS = enum.auto()
    NAME = enum.auto()
    MIME = enum.auto()
    SIZE = enum.auto()
    SENDER = enum.auto()
    CREATED_AT = enum.auto()
    MESSAGE_ID = enum.auto()
    CACHED = enum.auto()  # the full media is in the local cache
    ALT_TEXT = enum.auto()  # a picture's alternative text: its message's caption, else its file name


class MediaModel(QAbstractListModel):
    """A conversation's attachments of some kinds, newest first, read page by page from the local db.

    Works offline: everything it shows comes from the database; thumbnails not yet in the cache
    are asked of the engine as their page is read, and the view repaints when they arrive.
    """

    def __init__(self, bridge: EngineBridge, conversation_id: str, kinds: Sequence[Kind],
                 parent: QObject | None = None, *, page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.conversation_id = conversation_id
        self.kinds = tuple(kinds)
        self.page_size = page_size
        self._items: list[MediaItem] = []
        self._cursor: MediaItem | None = None  # the last row of the last page read: the next page starts below it
        self._exhausted = False
        self._fetching = False
        self._captions: dict[int, str] = {}  # message id: its text, read when a screen reader asks
        bridge.message_added.connect(self._message_added)
        bridge.message_updated.connect(self._message_updated)
        bridge.blob_ready.connect(self._blob_ready)

    # -- Qt model API ------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def roleNames(self) -> dict[int, bytes]:
        return {int(role): role.name.lower().encode() for role in Roles}

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        a = item.attachment
        match role:
            case Qt.ItemDataRole.DisplayRole | Roles.NAME:
                return a.name
            case Qt.ItemDataRole.ToolTipRole:
                return f"{a.name} · {size_text(a.size)} · {item.sender}"
            case Roles.ITEM:
                return item
            case Roles.KIND:
                return a.kind
            case Roles.SHA256:
                return a.blob
            case Roles.PREVIEW_SHA256:
                return preview_sha256(item)
            case Roles.BLURHASH:
                return a.blurhash
            case Roles.ASPECT:
                return a.width / a.height if a.width and a.height else 1.0
            case Roles.DURATION_MS:
                return a.duration_ms
            case Roles.MIME:
                return a.mime
            case Roles.SIZE:
                return a.size
            case Roles.SENDER:
                return item.sender
            case Roles.CREATED_AT:
                return item.created_at
            case Roles.MESSAGE_ID:
                return item.message_id
            case Roles.CACHED:
                return item.blob_state == "complete"
            case Roles.ALT_TEXT:
                return words.alt_text(a, self.caption(item.message_id))
            case Qt.ItemDataRole.AccessibleTextRole:  # "Photo, Chelsea on the sofa", "File, a.pdf, 21.6 KB"
                return words.media_item_name(a, self.caption(item.message_id))
            case Qt.ItemDataRole.AccessibleDescriptionRole:
                account = self.bridge.engine.account
                return words.media_item_description(a, sender=item.sender, me=account.username if account else "",
                                                    created_at=item.created_at, cached=item.blob_state == "complete")
        return None

    def caption(self, message_id: int) -> str:
        """The text of the message an item belongs to ("" if none)."""
        if message_id not in self._captions:
            message = self.bridge.engine.db.messages.get(message_id)
            self._captions[message_id] = message.body if message is not None else ""
        return self._captions[message_id]

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted or self._fetching:
            return
        self._fetching = True
        try:
            new = self._read_on()
        finally:
            self._fetching = False
        if new:
            self._want_thumbnails(new)
            first = len(self._items)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._items.extend(new)
            self.endInsertRows()

    # -- reading -----------------------------------------------------------------------------------
    def _read_on(self) -> list[MediaItem]:
        """The next rows not shown yet, read on from the last page's end.

        A page can repeat rows already shown: a message sent since the last page moved from the pending
        sort keys (above everything) to its server seq, below the cursor, perhaps before its
        ``message_updated`` reached the model. Those are skipped, and reading goes on until a new row
        or the end.
        """
        shown = {(i.message_id, i.position) for i in self._items}
        while True:
            page = self.bridge.engine.db.messages.media(self.conversation_id, self.kinds, after=self._cursor,
                                                        limit=self.page_size)
            self._exhausted = len(page) < self.page_size
            if page:
                self._cursor = page[-1]
            new = [i for i in page if (i.message_id, i.position) not in shown]
            if new or self._exhausted:
                return new

    def item(self, row: int) -> MediaItem:
        return self._items[row]

    def row_of(self, sha256: str) -> int:
        """The first row showing this blob, or -1."""
        return next((i for i, item in enumerate(self._items) if item.attachment.blob == sha256), -1)

    def _want_thumbnails(self, items: Sequence[MediaItem]) -> None:
        for item in items:
            if item.attachment.thumbnail and item.thumbnail_state != "complete":
                self.bridge.engine.download(item.attachment.thumbnail)

    # -- what the engine tells us ------------------------------------------------------------------
    def _message_added(self, message_id: int, conversation_id: str) -> None:
        if conversation_id != self.conversation_id or (not self._items and not self._exhausted):
            return  # not ours, or the first fetchMore will read it
        head = self.bridge.engine.db.messages.media(self.conversation_id, self.kinds, limit=self.page_size)
        known = {(i.message_id, i.position) for i in self._items}
        newest = self._items[0].sort_key if self._items else -1
        new = [i for i in head if (i.message_id, i.position) not in known and i.sort_key >= newest]
        if new:
            self._want_thumbnails(new)
            self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
            self._items[0:0] = new
            self.endInsertRows()

    def _message_updated(self, message_id: int, conversation_id: str) -> None:
        if conversation_id != self.conversation_id:
            return
        rows = [r for r, item in enumerate(self._items) if item.message_id == message_id]
        message = self.bridge.engine.db.messages.get(message_id) if rows else None
        if message is None:
            return
        for row in rows:  # sent: its sort key became the server's seq
            self._items[row] = dataclasses.replace(self._items[row], sort_key=message.sort_key,
                                                   created_at=message.created_at)
            self._changed(row)

    def _blob_ready(self, sha256: str) -> None:
        for row, item in enumerate(self._items):
            a = item.attachment
            if a.blob == sha256 and item.blob_state != "complete":
                self._items[row] = dataclasses.replace(item, blob_state="complete")
                self._changed(row)
            elif a.thumbnail == sha256 and item.thumbnail_state != "complete":
                self._items[row] = dataclasses.replace(item, thumbnail_state="complete")
                self._changed(row)

    def _changed(self, row: int) -> None:
        index = self.index(row)
        self.dataChanged.emit(index, index)


def preview_sha256(item: MediaItem) -> str | None:
    """The blob a cell is drawn from: the thumbnail, else a small image itself once it is cached."""
    a = item.attachment
    if a.thumbnail:
        return a.thumbnail
    return a.blob if a.kind == "image" and item.blob_state == "complete" else None
