"""One conversation's timeline as a list model: lazy history pages, live updates, transfer state."""

from __future__ import annotations

import bisect
import enum
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal

from desktop.core import history
from desktop.core.db.records import Message
from desktop.ui.accessibility import words
from desktop.ui.bridge import EngineBridge
from desktop.ui.style.theme import day_label
from desktop.ui.timeline import progress
from desktop.ui.timeline.rows import GROUP_GAP_MS, Rows

FIRST_PAGE = 50
"""Rows loaded when a conversation opens (or scrolls back to its newest)."""
PAGE_SIZE = 25
"""Rows per page after that, either way: each page is measured in the frame it comes in, so it stays small."""
WINDOW_ROWS = 200
"""The most rows the model holds after a page comes in: the page at the far end goes (a live message may
add rows at the newest end until the view, at the bottom, lets the oldest go)."""
JUMP_CONTEXT = PAGE_SIZE
"""Rows loaded on each side of a message jumped to that is not in the window."""
__all__ = ["FIRST_PAGE", "GROUP_GAP_MS", "PAGE_SIZE", "Roles", "TimelineModel", "Transfer"]
RATE_REFRESH_MS = 1000  # speed and time left are worked out again this often while a transfer runs
AnyIndex = QModelIndex | QPersistentModelIndex


class Roles(enum.IntEnum):
    MESSAGE = Qt.ItemDataRole.UserRole + 1
    MESSAGE_ID = enum.auto()
    CLIENT_ID = enum.auto()
    SENDER = enum.auto()
    BODY = enum.auto()
    STATE = enum.auto()
    ERROR = enum.auto()
    CREATED_AT = enum.auto()
    IS_OWN = enum.auto()
    KIND = enum.auto()
    ATTACHMENTS = enum.auto()
    DAY_BREAK = enum.auto()
    FIRST_IN_GROUP = enum.auto()
    SHOW_SENDER = enum.auto()
    TRANSFERS = enum.auto()
    CACHED = enum.auto()
    LAYOUT_KEY = enum.auto()


@dataclass(frozen=True)
class Transfer:
    """Where a blob's upload or download stands, as its bubble shows it."""

    direction: str
    done: int
    total: int
    error: str = ""
    cancelled: bool = False
    active: bool = True
    rate: float | None = None  # bytes per second lately; None while too early to tell
    seconds_left: float | None = None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total > 0 else 0.0

    @property
    def bytes_text(self) -> str:
        """ "12.5 MB of 200.0 MB" """
        return progress.bytes_text(self.done, self.total)

    @property
    def rate_text(self) -> str:
        """ "4.2 MB/s · 45 s left" (or "Starting…", "Waiting…") """
        return progress.rate_text(self.rate, self.seconds_left)


class TimelineModel(QAbstractListModel):
    """A window of the conversation's messages, oldest first (row 0 is the oldest loaded).

    Older pages load on ``fetchMore``: from the local database, then from the server what the feed never
    brought (a member added later; ``desktop.core.history``); newer ones on ``fetch_newer`` once a jump
    (``load_through``) left the newest messages out. Past ``WINDOW_ROWS`` the rows at the far end go, so
    Qt never lays out more than a few hundred rows, however long the conversation.

    The view arms history loading with ``history_wanted`` when it scrolls near the top: Qt's own
    auto-fetch assumes "more" lies below the last row, which in a chat is the newest message.

    Signals:
        history_loaded(count): a page of older messages was put in front.
        newer_loaded(count): a page of newer messages was put at the end.
        message_arrived(message, own): a new message came live (not from history); it is in the model
            unless the window stops short of the newest messages.
    """

    history_loaded = Signal(int)
    newer_loaded = Signal(int)
    message_arrived = Signal(object, bool)

    def __init__(self, bridge: EngineBridge, conversation_id: str, *, page_size: int | None = None,
                 clock: Callable[[], float] = time.monotonic, parent: QObject | None = None) -> None:
        """``page_size``: rows per page, the first one included (by default ``FIRST_PAGE``, then ``PAGE_SIZE``).
        ``clock`` (seconds) times transfers for their speed; tests pass a fake one.

        Give it a ``parent`` (or delete it with ``deleteLater``): left to Python's garbage collector it
        may be destroyed on another thread, and its timer with it.
        """
        super().__init__(parent)
        self.bridge = bridge
        self.conversation_id = conversation_id
        db = bridge.engine.db
        account = bridge.engine.account
        self.me = account.username if account else ""
        conversation = db.conversations.get(conversation_id)
        self.group = conversation is not None and len(conversation.members) > 2
        self._first_page, self._page_size = page_size or FIRST_PAGE, page_size or PAGE_SIZE
        self._window = Rows(self.me, self.group)
        self._rows, self._keys, self._by_sha = self._window.messages, self._window.keys, self._window.by_sha
        self._transfers: dict[str, Transfer] = {}
        self._meters: dict[str, progress.TransferMeter] = {}
        self._clock = clock
        self._rates = QTimer(self)  # a stalled transfer reports nothing, yet its speed must fall
        self._rates.setInterval(RATE_REFRESH_MS)
        self._rates.timeout.connect(self.refresh_rates)
        self._cached: dict[str, bool] = {}
        self._has_more = True  # older messages are in the database, beyond row 0
        self._has_newer = False  # newer ones are, beyond the last row (after a jump back)
        self._on_server = history.may_have_older(bridge.engine, conversation_id)  # joined later: older ones there
        self._fetching = False
        self.history_wanted = False
        self.trimming = False  # rows are leaving the far end of the window (not deleted)
        bridge.message_added.connect(self._on_message_added)
        bridge.message_updated.connect(self._on_message_updated)
        bridge.transfer_progress.connect(self._on_transfer_progress)
        bridge.transfer_finished.connect(self._on_transfer_finished)
        bridge.blob_ready.connect(self._on_blob_ready)
        self._load_older(self._first_page)

    # -- Qt model API --------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def roleNames(self) -> dict[int, bytes]:
        return {int(r): r.name.lower().encode() for r in Roles}

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        more = self._has_more or self._on_server
        return not parent.isValid() and more and not self._fetching and self.history_wanted

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        """Queue one older page; calls before it lands are ignored (no double requests)."""
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        QTimer.singleShot(0, self._fetch_page if self._has_more else self._fetch_from_server)

    def fetch_newer(self) -> None:
        """Queue one newer page (the window stops short of the newest messages); ignored while a page is queued."""
        if self._has_newer and not self._fetching:
            self._fetching = True
            QTimer.singleShot(0, self._fetch_newer_page)

    @property
    def has_more(self) -> bool:
        """Whether older messages are in the local database, beyond the first row."""
        return self._has_more

    @property
    def has_newer(self) -> bool:
        """Whether newer messages are in the local database, beyond the last row (after a jump back)."""
        return self._has_newer

    @property
    def fetching(self) -> bool:
        return self._fetching

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = index.row()
        m = self._rows[row]
        match role:
            case Roles.LAYOUT_KEY:  # everything a row's geometry depends on, in one call
                return self.layout_key(row)
            case Roles.MESSAGE:
                return m
            case Roles.MESSAGE_ID:
                return m.id
            case Roles.CLIENT_ID:
                return m.client_id
            case Roles.SENDER:
                return m.sender
            case Roles.BODY | Qt.ItemDataRole.DisplayRole:
                return m.body
            case Roles.STATE:
                return m.state
            case Roles.ERROR:
                return m.error or ""
            case Qt.ItemDataRole.ToolTipRole:  # why it was not sent, in the server's words (a full quota, say)
                return f"Not sent: {m.error}" if m.state == "failed" and m.error else None
            case Qt.ItemDataRole.AccessibleTextRole:  # what a screen reader says for the bubble, then the details
                return words.message_name(m, me=self.me)
            case Qt.ItemDataRole.AccessibleDescriptionRole:
                return words.message_description(m, transfers=self._transfers, cached=self.data(index, Roles.CACHED))
            case Roles.CREATED_AT:
                return m.created_at
            case Roles.IS_OWN:
                return m.sender == self.me
            case Roles.KIND:
                return m.attachments[0].kind if m.attachments else "text"
            case Roles.ATTACHMENTS:
                return m.attachments
            case Roles.DAY_BREAK:
                return self._day_label(row)
            case Roles.FIRST_IN_GROUP:
                return self._window.flags[row].first_in_group
            case Roles.SHOW_SENDER:
                return self.group and m.sender != self.me and self._window.flags[row].first_in_group
            case Roles.TRANSFERS:
                return {a.blob: self._transfers[a.blob] for a in m.attachments if a.blob in self._transfers}
            case Roles.CACHED:
                return frozenset(a.blob for a in m.attachments if self.is_cached(a.blob))
        return None

    # -- queries -----------------------------------------------------------------------------------
    def message_at(self, row: int) -> Message:
        return self._rows[row]

    def stamp(self, row: int) -> tuple[int, int]:
        """Changes whenever anything ``layout_key(row)`` holds changes (a cheap cache key for the row)."""
        return self._window.flags[row].stamp

    def layout_key(self, row: int) -> tuple[Message, bool, str, bool, bool]:
        """(message, own, day label or "", first in group, show sender): what the row's geometry depends on."""
        m, flags = self._rows[row], self._window.flags[row]
        own = m.sender == self.me
        return (m, own, self._day_label(row), flags.first_in_group,
                self.group and not own and flags.first_in_group)

    def row_of(self, message_id: int) -> int | None:
        return self._window.row_of(message_id)

    def index_of(self, message_id: int) -> QModelIndex:
        row = self.row_of(message_id)
        return QModelIndex() if row is None else self.index(row, 0)

    def is_cached(self, sha256: str) -> bool:
        if sha256 not in self._cached:
            record = self.bridge.engine.db.blobs.get(sha256)
            self._cached[sha256] = record is not None and record.state == "complete"
        return self._cached[sha256]

    def transfer(self, sha256: str) -> Transfer | None:
        return self._transfers.get(sha256)

    def load_through(self, message_id: int) -> QModelIndex:
        """Bring ``message_id`` into the model (a search, reply or gallery jump): where it is not loaded, the
        window moves to a page on each side of it, whatever lies between."""
        target = self.bridge.engine.db.messages.get(message_id)
        if target is None or target.conversation_id != self.conversation_id:
            return QModelIndex()
        if self.row_of(message_id) is None:
            db, cid = self.bridge.engine.db.messages, self.conversation_id
            older = db.page(cid, before=target.sort_key + 1, limit=JUMP_CONTEXT + 1)  # (with the target)
            newer = db.page_after(cid, after=target.sort_key, limit=JUMP_CONTEXT)
            self._reset([*reversed(older), *newer], older=len(older) > JUMP_CONTEXT, newer=len(newer) == JUMP_CONTEXT)
        return self.index_of(message_id)

    def show_newest(self) -> bool:
        """Move the window back to the newest page (scrolling to the newest after a jump); False if it is there."""
        if not self._has_newer:
            return False
        first = self._first_page
        page = self.bridge.engine.db.messages.page(self.conversation_id, limit=first)
        self._reset(page[::-1], older=len(page) == first, newer=False)
        return True

    def trim_oldest(self) -> None:
        """Let the oldest rows go past ``WINDOW_ROWS`` (with some slack): the view calls it while at the bottom,
        where live messages would otherwise grow the window without end."""
        if len(self._rows) > WINDOW_ROWS + self._page_size:
            self._drop(0, len(self._rows) - WINDOW_ROWS)

    # -- loading -----------------------------------------------------------------------------------
    def _fetch_page(self) -> None:
        try:
            loaded = self._load_older(self._page_size)
        finally:
            self._fetching = False
        if not loaded and self._on_server:  # nothing older here after all: the server's turn
            self.fetchMore()

    def _fetch_newer_page(self) -> None:
        try:
            self._load_newer(self._page_size)
        finally:
            self._fetching = False

    def _fetch_from_server(self) -> None:
        """Nothing older is here: file the server's next older page (a member added later), then show it."""
        engine, cid = self.bridge.engine, self.conversation_id
        limit = max(self._page_size, self._first_page - len(self._rows))  # (at first, enough for the first page)

        def done(page: history.HistoryPage) -> None:
            if shiboken6.isValid(self):  # (another conversation may be open by now)
                self._on_server, self._has_more = not page.complete, True  # (or another view filed them)
                self._fetch_page()

        def failed(sentence: str) -> None:  # tried again when the conversation is opened again
            if shiboken6.isValid(self):
                self._on_server = self._fetching = False
                self.bridge.error.emit(sentence)

        self.bridge.run(lambda: history.fetch_older(engine, cid, limit=limit), done, failed)

    def _load_older(self, limit: int) -> int:
        """Put the next older page in front, and let the newest rows go past ``WINDOW_ROWS``: how many came."""
        before = self._keys[0] if self._keys else None
        page = self.bridge.engine.db.messages.page(self.conversation_id, before=before, limit=limit)
        self._has_more = len(page) == limit
        older = self._not_here(page[::-1])
        if not older:
            return 0
        if len(self._rows) + len(older) > WINDOW_ROWS:  # (first: the view still knows where its rows are)
            self._drop(max(0, WINDOW_ROWS - len(older)), len(self._rows))
        self.beginInsertRows(QModelIndex(), 0, len(older) - 1)
        self._window.put(0, older)
        self.endInsertRows()
        if len(self._rows) > len(older):  # the old first row may lose its day break / group start
            boundary = self.index(len(older), 0)
            self.dataChanged.emit(boundary, boundary)
        self.history_loaded.emit(len(older))
        return len(older)

    def _load_newer(self, limit: int) -> None:
        """Put the next newer page at the end, and let the oldest rows go past ``WINDOW_ROWS``."""
        if not self._keys:
            return
        page = self.bridge.engine.db.messages.page_after(self.conversation_id, after=self._keys[-1], limit=limit)
        self._has_newer = len(page) == limit
        page = self._not_here(page)
        if page:
            if len(self._rows) + len(page) > WINDOW_ROWS:
                self._drop(0, min(len(self._rows), len(self._rows) + len(page) - WINDOW_ROWS))
            end = len(self._rows)
            self.beginInsertRows(QModelIndex(), end, end + len(page) - 1)
            self._window.put(end, page)
            self.endInsertRows()
        self.newer_loaded.emit(len(page))

    def _not_here(self, page: Sequence[Message]) -> list[Message]:
        """A page without the messages the window already holds: one of ours sent while the page was read has
        its new place in the database but its old one here, until its update moves it (it shows once)."""
        return [m for m in page if self.row_of(m.id) is None]

    def _drop(self, first: int, stop: int) -> None:
        """Let rows ``first`` to ``stop - 1`` go from one end of the window (they load again when scrolled to)."""
        if stop <= first:
            return
        self.trimming = True
        try:
            self.beginRemoveRows(QModelIndex(), first, stop - 1)
            self._window.take(first, stop)
            self.endRemoveRows()
        finally:
            self.trimming = False
        if first == 0:
            self._has_more = True
            if self._rows:  # the new first row starts a day and a group
                top = self.index(0, 0)
                self.dataChanged.emit(top, top)
        else:
            self._has_newer = True

    def _reset(self, messages: Sequence[Message], *, older: bool, newer: bool) -> None:
        self.beginResetModel()
        self._window.clear()
        self._window.put(0, messages)
        self._has_more, self._has_newer = older, newer
        self.endResetModel()

    def _in_window(self, sort_key: int) -> bool:
        """Whether a message with this ``sort_key`` belongs among the loaded rows (not beyond either end)."""
        if not self._keys:
            return not self._has_newer
        return not (self._has_more and sort_key < self._keys[0]) and not (self._has_newer and sort_key > self._keys[-1])

    # -- live updates ------------------------------------------------------------------------------
    def _on_message_added(self, message_id: int, conversation_id: str) -> None:
        if conversation_id != self.conversation_id:
            return
        if self.row_of(message_id) is not None:
            self._on_message_updated(message_id, conversation_id)
            return
        self._arrived(message_id, new=True)

    def _arrived(self, message_id: int, *, new: bool) -> None:
        """A message not in the model came (``new``) or changed: put it in its place, or, when it is new and
        below the window (after a jump back), only say so (paging shows it when scrolled to)."""
        m = self.bridge.engine.db.messages.get(message_id)
        if m is None:
            return
        below = self._has_newer and (not self._keys or m.sort_key > self._keys[-1])
        if self._insert(m) or (new and below):
            self.message_arrived.emit(m, m.sender == self.me)

    def _insert(self, m: Message) -> bool:
        """Put ``m`` in its place, unless it lies beyond the window; whether it went in."""
        if not self._in_window(m.sort_key):
            return False
        row = bisect.bisect_right(self._keys, m.sort_key)
        self.beginInsertRows(QModelIndex(), row, row)
        self._window.put(row, [m])
        self.endInsertRows()
        if row + 1 < len(self._rows):
            after = self.index(row + 1, 0)
            self.dataChanged.emit(after, after)
        return True

    def _on_message_updated(self, message_id: int, conversation_id: str) -> None:
        if conversation_id != self.conversation_id:
            return
        row = self.row_of(message_id)
        if row is None:
            self._arrived(message_id, new=False)
            return
        m = self.bridge.engine.db.messages.get(message_id)
        if m is None:
            self.beginRemoveRows(QModelIndex(), row, row)
            self._window.take(row, row + 1)
            self.endRemoveRows()
            return
        in_order = (row == 0 or self._keys[row - 1] <= m.sort_key) and (
            row + 1 >= len(self._keys) or m.sort_key <= self._keys[row + 1])
        if in_order:
            self._window.replace(row, m)
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        self._window.take(row, row + 1)
        self.endRemoveRows()
        self._insert(m)

    def _changed_for(self, sha256: str, roles: list[int]) -> None:
        for message_id in self._by_sha.get(sha256, ()):
            row = self.row_of(message_id)
            if row is not None:
                index = self.index(row, 0)
                self.dataChanged.emit(index, index, roles)

    def _on_transfer_progress(self, sha256: str, direction: str, done: int, total: int) -> None:
        if sha256 not in self._by_sha:
            return
        meter = self._meters.get(sha256)
        if meter is None:
            meter = self._meters[sha256] = progress.TransferMeter(self._clock)
        meter.add(done)
        self._transfers[sha256] = self._measured(Transfer(direction, done, total), meter)
        self._changed_for(sha256, [Roles.TRANSFERS])
        if not self._rates.isActive():
            self._rates.start()

    def _measured(self, t: Transfer, meter: progress.TransferMeter) -> Transfer:
        rate = meter.rate()
        return Transfer(t.direction, t.done, t.total, rate=rate,
                        seconds_left=progress.seconds_left(t.done, t.total, rate))

    def _forget_meter(self, sha256: str) -> None:
        self._meters.pop(sha256, None)
        if not self._meters:
            self._rates.stop()

    def refresh_rates(self) -> None:
        """Work speeds and times left out again (the timer calls it while anything moves)."""
        for sha256, meter in list(self._meters.items()):
            t = self._transfers.get(sha256)
            if t is None or not t.active:
                continue
            measured = self._measured(t, meter)
            if measured != t:
                self._transfers[sha256] = measured
                self._changed_for(sha256, [Roles.TRANSFERS])
        if not self._meters:
            self._rates.stop()

    def _on_transfer_finished(self, sha256: str, direction: str, error: str, cancelled: bool) -> None:
        if sha256 not in self._by_sha:
            return
        self._forget_meter(sha256)
        if not error and not cancelled:
            self._transfers.pop(sha256, None)
            if direction == "down":
                self._cached[sha256] = True
        else:
            last = self._transfers.get(sha256)
            self._transfers[sha256] = Transfer(direction, last.done if last else 0, last.total if last else 0,
                                               error=error, cancelled=cancelled, active=False)
        self._changed_for(sha256, [Roles.TRANSFERS, Roles.CACHED])

    def _on_blob_ready(self, sha256: str) -> None:
        if sha256 in self._by_sha:
            self._cached[sha256] = True
            if (t := self._transfers.get(sha256)) is not None and t.direction == "down":
                del self._transfers[sha256]
                self._forget_meter(sha256)
            self._changed_for(sha256, [Roles.TRANSFERS, Roles.CACHED])

    def forget_transfer(self, sha256: str) -> None:
        """Clear a finished transfer's error (the user asked to retry it)."""
        if self._transfers.pop(sha256, None) is not None:
            self._changed_for(sha256, [Roles.TRANSFERS])

    def _day_label(self, row: int) -> str:
        return day_label(self._window.days[row]) if self._window.flags[row].day_break else ""
