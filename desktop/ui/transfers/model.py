"""Every upload and download as a list model: the engine's transfers with their live progress and speed."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal

from desktop.core.names import title_of
from desktop.core.transfers import Transfer
from desktop.ui.bridge import EngineBridge
from desktop.ui.timeline import progress
from desktop.ui.transfers import words

AnyIndex = QModelIndex | QPersistentModelIndex
Key = tuple[str, str]  # (sha256, direction): one row
RATE_REFRESH_MS = 1000  # speed and time left are worked out again this often while something runs
ACTIVE = ("running", "waiting", "queued")


class Roles(enum.IntEnum):
    TRANSFER = Qt.ItemDataRole.UserRole + 1  # the engine's Transfer, as last read
    KEY = enum.auto()
    NAME = enum.auto()
    KIND = enum.auto()
    DIRECTION = enum.auto()  # "up" or "down"
    STATE = enum.auto()  # running / waiting / queued / paused / failed
    FRACTION = enum.auto()  # 0.0 to 1.0, or None when the size is unknown
    STATUS = enum.auto()  # the sentence under the bar
    PLACE = enum.auto()  # "to Weekend trip" for an upload, else ""


@dataclass(frozen=True)
class Row:
    transfer: Transfer
    done: int
    place: str = ""
    rate: float | None = None  # bytes per second lately; None while too early to tell
    seconds_left: float | None = None

    @property
    def key(self) -> Key:
        return self.transfer.sha256, self.transfer.direction


class TransfersModel(QAbstractListModel):
    """The rows of ``Engine.transfers.current()`` in its order, kept in step with the engine.

    Membership and state are read again when the bridge says ``transfers_changed`` (a burst of them
    once); progress moves the row's bytes and speed in between. Rows are moved, inserted and removed
    (not reset), so a view keeps its focus and selection.

    Signals:
        active_changed(count): how many transfers run or wait their turn changed.
    """

    active_changed = Signal(int)

    def __init__(self, bridge: EngineBridge, *, clock: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self._clock = clock
        self._rows: list[Row] = []
        self._meters: dict[Key, progress.TransferMeter] = {}
        self._active = 0
        self._reading = self._again = False
        self._soon = QTimer(self)  # a burst of changes is read once
        self._soon.setSingleShot(True)
        self._soon.setInterval(0)
        self._soon.timeout.connect(self.refresh)
        self._rates = QTimer(self)  # a stalled transfer reports nothing, yet its speed must fall
        self._rates.setInterval(RATE_REFRESH_MS)
        self._rates.timeout.connect(self.refresh_rates)
        bridge.transfers_changed.connect(self._soon.start)
        bridge.transfer_progress.connect(self._on_progress)
        self.refresh()

    # -- Qt model API --------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        t = row.transfer
        match role:
            case Qt.ItemDataRole.DisplayRole | Roles.NAME:
                return t.name
            case Qt.ItemDataRole.AccessibleTextRole:
                return words.spoken(t, words.status(t, row.done, row.rate, row.seconds_left))
            case Roles.TRANSFER:
                return t
            case Roles.KEY:
                return row.key
            case Roles.KIND:
                return t.kind
            case Roles.DIRECTION:
                return t.direction
            case Roles.STATE:
                return t.state
            case Roles.FRACTION:
                return min(1.0, row.done / t.size) if t.size else None
            case Roles.STATUS:
                return words.status(t, row.done, row.rate, row.seconds_left)
            case Roles.PLACE:
                return row.place
        return None

    def row_of(self, key: Key) -> int | None:
        return next((i for i, row in enumerate(self._rows) if row.key == key), None)

    def active_count(self) -> int:
        """Transfers running or waiting their turn (not paused, not failed): the main window's badge."""
        return self._active

    # -- reading the engine ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the engine's list again (off the GUI thread, one read at a time) and move this one to it."""
        if self.bridge.closed:
            return
        if self._reading:
            self._again = True  # read once more when the one under way is in
            return
        self._reading = True
        engine = self.bridge.engine

        def read() -> list[tuple[Transfer, str]]:
            return [(t, title_of(engine, t.conversation_id) if t.conversation_id else "")
                    for t in engine.transfers.current()]

        self.bridge.read(read, self._apply, self._read_failed)

    def _read_failed(self, _sentence: str) -> None:
        self._reading = False

    def _apply(self, listing: list[tuple[Transfer, str]]) -> None:
        self._reading = False
        if self._again:
            self._again = False
            self.refresh()
        old = {row.key: row for row in self._rows}
        new: list[Row] = []
        for t, title in listing:
            before = old.get((t.sha256, t.direction))
            place = before.place if before else (words.place(title) if title else "")
            row = Row(t, t.done, place)
            if t.state == "running" and before is not None and before.transfer.state == "running":
                row = replace(row, rate=before.rate, seconds_left=before.seconds_left)
            new.append(row)
        for key in set(self._meters) - {r.key for r in new if r.transfer.state == "running"}:
            del self._meters[key]  # a paused one starts its speed afresh
        self._move_to(new)
        active = sum(1 for row in self._rows if row.transfer.state in ACTIVE)
        if active != self._active:
            self._active = active
            self.active_changed.emit(active)

    def _move_to(self, new: list[Row]) -> None:
        """Remove, insert and reorder rows so they read ``new``, then say which ones changed."""
        before = {row.key: row for row in self._rows}
        keys = {row.key for row in new}
        for i in reversed(range(len(self._rows))):
            if self._rows[i].key not in keys:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self._rows[i]
                self.endRemoveRows()
        added = [row for row in new if row.key not in before]
        if added:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(added) - 1)
            self._rows.extend(added)
            self.endInsertRows()
        if [row.key for row in self._rows] != [row.key for row in new]:
            self.layoutAboutToBeChanged.emit()
            to = {row.key: i for i, row in enumerate(new)}
            olds = self.persistentIndexList()
            news = [self.index(to[self._rows[i.row()].key], 0) for i in olds]
            self._rows = list(new)
            self.changePersistentIndexList(olds, news)
            self.layoutChanged.emit()
        self._rows = list(new)
        for i, row in enumerate(new):
            if row.key in before and before[row.key] != row:
                self.dataChanged.emit(self.index(i, 0), self.index(i, 0))

    # -- progress --------------------------------------------------------------------------------------
    def _on_progress(self, sha256: str, direction: str, done: int, _total: int) -> None:
        i = self.row_of((sha256, direction))
        if i is None or self._rows[i].transfer.state != "running":
            return
        meter = self._meters.get((sha256, direction))
        if meter is None:
            meter = self._meters[(sha256, direction)] = progress.TransferMeter(self._clock)
        meter.add(done)
        self._set(i, self._measured(replace(self._rows[i], done=done), meter))
        if not self._rates.isActive():
            self._rates.start()

    def _measured(self, row: Row, meter: progress.TransferMeter) -> Row:
        rate = meter.rate()
        return replace(row, rate=rate, seconds_left=progress.seconds_left(row.done, row.transfer.size or 0, rate))

    def refresh_rates(self) -> None:
        """Work speeds and times left out again (the timer calls it while anything moves)."""
        for key, meter in list(self._meters.items()):
            i = self.row_of(key)
            if i is not None:
                measured = self._measured(self._rows[i], meter)
                if measured != self._rows[i]:
                    self._set(i, measured)
        if not self._meters:
            self._rates.stop()

    def _set(self, i: int, row: Row) -> None:
        self._rows[i] = row
        index = self.index(i, 0)
        self.dataChanged.emit(index, index, [Roles.FRACTION, Roles.STATUS, Qt.ItemDataRole.AccessibleTextRole])
