"""The timeline's list view: keeps the newest message in sight, loads history at the top, routes clicks."""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QContextMenuEvent,
    QFocusEvent,
    QGuiApplication,
    QKeyEvent,
    QMouseEvent,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu, QWidget

from desktop.core.db.records import Message
from desktop.core.forwarding import can_forward
from desktop.ui.accessibility.announcer import Announcer, Arrivals
from desktop.ui.media.thumbnails import ThumbnailCache
from desktop.ui.style.theme import timeline_background
from desktop.ui.timeline.delegate import TimelineDelegate
from desktop.ui.timeline.keys import BubbleKeys
from desktop.ui.timeline.model import Roles, TimelineModel
from desktop.ui.viewer.audio import AudioPlayback

HISTORY_MARGIN_PX = 600
CLICK_SLOP_PX = 6
KEYS_HELP = ("Up and Down move between messages. Enter opens a message's photo, video or file. Tab reaches the "
             "buttons of a message, Escape goes back to it. The Menu key or Shift+F10 opens its menu.")


class TimelineView(QListView):
    """A QListView of bubbles: pixel scrolling, sticks to the bottom, keeps its place when history loads.

    The model is a window of the conversation: near the top of it an older page comes, near its bottom a
    newer one (after a jump back), and rows leave at the far end. Whatever comes or goes, the message at
    the top of the viewport stays where it was on screen (``_place``) until the user scrolls.

    By keyboard (``keys``): the arrows move between messages, Tab reaches a bubble's buttons (a focus ring
    shows which), Enter opens media; new messages from others are announced to screen readers.

    Signals:
        action_requested(action, message_id, sha256): media, play, download, open, save, cancel,
            retry_send or retry_down on a bubble; forward from the menu; delete (for me) or discard (a
            failed message of ours) from the menu or the Delete key (sha256 is "" for a whole-message action).
        link_clicked(url): a link in a message's text.
    """

    action_requested = Signal(str, int, str)
    link_clicked = Signal(QUrl)

    def __init__(self, thumbnails: ThumbnailCache, parent: QWidget | None = None) -> None:
        self._stick_bottom = True
        self._place: tuple[int, int] | None = None  # (message id, its top in the viewport) to keep in place
        self._adjusting = False
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.playback = AudioPlayback(self)
        self.bubbles = TimelineDelegate(self, thumbnails, self.playback)
        self.setItemDelegate(self.bubbles)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(False)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setAutoFillBackground(True)
        self.viewport().setAutoFillBackground(True)
        self.verticalScrollBar().setSingleStep(32)
        self._press: QPoint | None = None
        self._apply_background()
        self.setAccessibleName("Messages")
        self.setAccessibleDescription(KEYS_HELP)
        self.announcer = Announcer(self)
        self.arrivals = Arrivals(self.announcer, lambda: model.me if (model := self.timeline()) else "")
        self.keys = BubbleKeys(self)
        self.bubbles.focus_ring = self.keys.ring
        thumbnails.ready.connect(self._on_thumbnail_ready)
        self.playback.changed.connect(lambda _sha: self.viewport().update())
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    def timeline(self) -> TimelineModel | None:
        model = self.model()
        return model if isinstance(model, TimelineModel) else None

    def setModel(self, model: TimelineModel | None) -> None:  # type: ignore[override]
        old = self.timeline()
        if old is not None:
            old.rowsAboutToBeInserted.disconnect(self._on_rows_about_to_be_inserted)
            old.dataChanged.disconnect(self._on_data_changed)
            old.history_loaded.disconnect(self._after_history)
            old.newer_loaded.disconnect(self._after_history)
            old.rowsRemoved.disconnect(self._on_rows_removed)
            old.message_arrived.disconnect(self._on_message_arrived)
        self.playback.stop()
        self.arrivals.clear()
        self.keys.focused = -1
        super().setModel(model)
        self._stick_bottom = True
        self._place = None
        if model is not None:
            model.rowsAboutToBeInserted.connect(self._on_rows_about_to_be_inserted)
            model.dataChanged.connect(self._on_data_changed)
            model.history_loaded.connect(self._after_history)
            model.newer_loaded.connect(self._after_history)
            model.rowsRemoved.connect(self._on_rows_removed)
            model.message_arrived.connect(self._on_message_arrived)
            QTimer.singleShot(0, self._follow_newest)

    # -- scrolling ---------------------------------------------------------------------------------
    def at_bottom(self) -> bool:
        """Whether the newest message is in sight, at the bottom (not merely the bottom of the window)."""
        bar, model = self.verticalScrollBar(), self.timeline()
        return bar.value() >= bar.maximum() - 4 and not (model is not None and model.has_newer)

    def scroll_to_newest(self) -> None:
        """Show the newest message and stay with it (the window moves there first after a jump back)."""
        model = self.timeline()
        if model is not None:
            model.show_newest()
        self._stick_bottom = True
        self._place = None
        self.executeDelayedItemsLayout()  # else the range is still 0 and "near the top" loads a page at once
        self._set_value(self.verticalScrollBar().maximum())
        self._check_history()

    def _follow_newest(self) -> None:
        """(Queued after a new model or a resize) to the newest message, unless a jump came in between."""
        if self._stick_bottom:
            self.scroll_to_newest()

    def jump_to(self, message_id: int) -> bool:
        """Bring ``message_id`` into the window, centre it and select it; False if it is not here."""
        model = self.timeline()
        if model is None:
            return False
        index = model.load_through(message_id)
        if not index.isValid():
            return False
        self._stick_bottom = False
        self._place = None
        self.doItemsLayout()
        self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.setCurrentIndex(index)
        self.selectionModel().select(index, self.selectionModel().SelectionFlag.ClearAndSelect)
        return True

    def visible_rows(self) -> range:
        model = self.model()
        if model is None or model.rowCount() == 0:
            return range(0)
        top = self.indexAt(QPoint(1, 1))
        bottom = self.indexAt(QPoint(1, self.viewport().height() - 2))
        first = top.row() if top.isValid() else 0
        last = bottom.row() if bottom.isValid() else model.rowCount() - 1
        return range(first, last + 1)

    def media_painted(self) -> bool:
        """Whether every photo and video poster in sight shows its real thumbnail (not a placeholder)."""
        model = self.timeline()
        if model is None:
            return False
        dpr = self.viewport().devicePixelRatioF()
        for row in self.visible_rows():
            lay = self.bubbles.layout(model.index(row, 0))
            for block in lay.blocks:
                a = block.attachment
                sha = a.thumbnail or (a.blob if block.kind == "image" else None)
                if block.kind in ("image", "video") and sha:
                    size = QSize(round(block.rect.width()), round(block.rect.height()))
                    if not self.thumbnails.has(sha, size, dpr):
                        self.viewport().update()
                        return False
        return True

    def _set_value(self, value: int) -> None:
        self._adjusting = True
        try:
            self.verticalScrollBar().setValue(value)
        finally:
            self._adjusting = False

    def _on_scrolled(self, value: int) -> None:
        if not self._adjusting:
            self._stick_bottom = self.at_bottom()
            self._place = None
        self._check_history()

    def updateGeometries(self) -> None:
        """After every layout (rows came or went, a height or the size changed): stay at the bottom, or keep
        the message that was at the top where it was."""
        self._adjusting = True  # (the range may clamp the value: that is no scroll of the user's)
        try:
            super().updateGeometries()
        finally:
            self._adjusting = False
        bar, model = self.verticalScrollBar(), self.timeline()
        if self._stick_bottom:
            self._set_value(bar.maximum())
        elif self._place is not None and model is not None:
            message_id, top = self._place
            index = model.index_of(message_id)
            if index.isValid():
                self._set_value(bar.value() + self.visualRect(index).top() - top)
            else:
                self._place = None

    def _remember_place(self, leaving: range = range(0)) -> None:
        """Note the message at the top of the viewport (not one of the ``leaving`` rows) and where it is."""
        model = self.timeline()
        if self._stick_bottom or self._place is not None or model is None:
            return
        for row in self.visible_rows():
            if row not in leaving:
                self._place = (model.message_at(row).id, self.visualRect(model.index(row, 0)).top())
                return

    def _on_rows_about_to_be_inserted(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        self._remember_place()

    def rowsAboutToBeRemoved(self, parent: QModelIndex | QPersistentModelIndex, start: int, end: int) -> None:
        leaving = range(start, end + 1)
        model = self.timeline()
        if model is not None and model.trimming and self.currentIndex().row() in leaving:
            self.selectionModel().clearCurrentIndex()  # (else Qt makes a far neighbour current and scrolls to it)
        self._remember_place(leaving)
        super().rowsAboutToBeRemoved(parent, start, end)

    def _on_rows_removed(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        model = self.timeline()
        if model is not None and not model.trimming:  # (rows leaving the far end of the window take nothing)
            self.clearSelection()  # a second Delete must not take the next message

    def _after_history(self, _count: int) -> None:
        QTimer.singleShot(0, self._check_history)

    def _check_history(self) -> None:
        """Ask for older messages while the top of the window is near (or in) sight, newer ones likewise."""
        model = self.timeline()
        if model is None:
            return
        bar = self.verticalScrollBar()
        model.history_wanted = bar.value() < HISTORY_MARGIN_PX
        if model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())
        elif model.has_newer and bar.maximum() - bar.value() < HISTORY_MARGIN_PX:
            model.fetch_newer()

    def _on_data_changed(self, _top: QModelIndex, _bottom: QModelIndex, roles: list[int]) -> None:
        if not roles or Roles.STATE in roles or Roles.DAY_BREAK in roles:
            self.scheduleDelayedItemsLayout()  # a row's height may have changed

    def _on_message_arrived(self, message: Message, own: bool) -> None:
        if not own:
            self.arrivals.add(message)
        model = self.timeline()
        if model is not None and self._stick_bottom:
            model.trim_oldest()

    def _on_thumbnail_ready(self, _sha: str) -> None:
        self.viewport().update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        bottom = self._stick_bottom
        super().resizeEvent(event)
        if bottom:
            QTimer.singleShot(0, self._follow_newest)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (event.Type.PaletteChange, event.Type.StyleChange, event.Type.FontChange):
            self._apply_background()
            self.bubbles.font_changed()
            self.scheduleDelayedItemsLayout()

    def _apply_background(self) -> None:
        palette = self.viewport().palette()
        palette.setColor(QPalette.ColorRole.Base, timeline_background(QGuiApplication.palette()))
        self.viewport().setPalette(palette)

    # -- clicks ------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.keys.keyboard = False
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
            self.setFocus()
            self.clearSelection()
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        press, self._press = self._press, None
        if event.button() != Qt.MouseButton.LeftButton or press is None:
            super().mouseReleaseEvent(event)
            return
        pos = event.position()
        if (pos.toPoint() - press).manhattanLength() > CLICK_SLOP_PX:
            return
        if not self.click_at(pos):
            self.select_row(self.indexAt(pos.toPoint()))  # a bubble picked out: the Delete key acts on it

    def click_at(self, pos: QPointF) -> bool:
        """Act on what is at ``pos`` (viewport coordinates) as a click would; True if something was there."""
        index = self.indexAt(pos.toPoint())
        if not index.isValid():
            return False
        rect = QRectF(self.visualRect(index))
        url = self.bubbles.anchor_at(index, rect, pos)
        if url:
            self.link_clicked.emit(QUrl(url))
            return True
        hit = self.bubbles.hit(index, rect, pos)
        if hit is None:
            return False
        self.action_requested.emit(hit.action, int(index.data(Roles.MESSAGE_ID)), hit.sha256)
        return True

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        pos = event.position()
        index = self.indexAt(pos.toPoint())
        clickable = False
        if index.isValid():
            rect = QRectF(self.visualRect(index))
            clickable = bool(self.bubbles.anchor_at(index, rect, pos)) or self.bubbles.hit(index, rect, pos) is not None
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor)

    def select_row(self, index: QModelIndex) -> None:
        if index.isValid():
            self.setCurrentIndex(index)
            self.selectionModel().select(index, self.selectionModel().SelectionFlag.ClearAndSelect)

    def removal_action(self, index: QModelIndex) -> str:
        """What taking this message away means: "discard" (a failed one of ours), "delete" (for me), or ""
        (a pending one, which may be on its way: cancel it first)."""
        message = index.data(Roles.MESSAGE) if index.isValid() else None
        if message is None or message.state == "pending":
            return ""
        return "discard" if message.state == "failed" else "delete"

    # -- keyboard ----------------------------------------------------------------------------------
    def focusInEvent(self, event: QFocusEvent) -> None:
        self.keys.entered(event.reason())  # (before Qt makes the oldest loaded message the current one)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.viewport().update()  # the focus ring goes

    def focusNextPrevChild(self, next: bool) -> bool:
        if self.hasFocus() and self.keys.tab(next):
            return True
        return super().focusNextPrevChild(next)

    def currentChanged(self, current: QModelIndex, previous: QModelIndex) -> None:  # type: ignore[override]
        super().currentChanged(current, previous)
        self.keys.moved()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.keys.key_press(event):
            return
        index = self.currentIndex()
        if event.key() == Qt.Key.Key_Delete and self.selectionModel().isSelected(index):
            action = self.removal_action(index)
            if action:
                self.action_requested.emit(action, int(index.data(Roles.MESSAGE_ID)), "")
                return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Keyboard:  # the Menu key, where the platform sends it so
            self.open_menu(self.currentIndex(), self.keys.menu_position())
            return
        index = self.indexAt(event.pos())
        if not index.isValid():
            return
        self.select_row(index)
        menu = self.message_menu(index)
        if not menu.isEmpty():
            menu.exec(event.globalPos())
        menu.deleteLater()

    def open_menu(self, index: QModelIndex, pos: QPoint) -> QMenu | None:
        """The message's menu at ``pos`` (global), left open without waiting for it (keyboard use)."""
        if not index.isValid():
            return None
        menu = self.message_menu(index)
        if menu.isEmpty():
            menu.deleteLater()
            return None
        menu.aboutToHide.connect(menu.deleteLater)
        menu.popup(pos)
        return menu

    def message_menu(self, index: QModelIndex) -> QMenu:
        """The right-click menu of a message: copy, view, open, save; forward; retry; discard or delete for me."""
        message = index.data(Roles.MESSAGE)
        menu = QMenu(self)
        if message.body:
            menu.addAction("Copy text", lambda: QGuiApplication.clipboard().setText(message.body))
        for a in message.attachments:
            label = a.name if len(message.attachments) > 1 else ""
            suffix = f" {label}" if label else ""
            if a.kind in ("image", "video", "audio"):
                menu.addAction(f"View{suffix}", lambda a=a: self.action_requested.emit("media", message.id, a.blob))
            menu.addAction(f"Open{suffix}", lambda a=a: self.action_requested.emit("open", message.id, a.blob))
            menu.addAction(f"Save as…{suffix}", lambda a=a: self.action_requested.emit("save", message.id, a.blob))
        if can_forward(message):
            menu.addAction("Forward…", lambda: self.action_requested.emit("forward", message.id, ""))
        if message.state == "failed":
            menu.addAction("Retry sending", lambda: self.action_requested.emit("retry_send", message.id, ""))
        removal = self.removal_action(index)
        if removal:
            menu.addSeparator()
            label = "Discard" if removal == "discard" else "Delete for me…"
            action = menu.addAction(label, lambda: self.action_requested.emit(removal, message.id, ""))
            action.setShortcut(Qt.Key.Key_Delete)  # shown as a hint; the view handles the key itself
        return menu
