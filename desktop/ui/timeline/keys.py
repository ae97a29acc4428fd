"""The timeline by keyboard: the current message, Tab through its bubble's buttons, Enter, the menu key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRectF, Qt
from PySide6.QtGui import QKeyEvent

from desktop.ui.accessibility.words import action_words
from desktop.ui.timeline.layout import Hit, RowLayout
from desktop.ui.timeline.model import Roles

if TYPE_CHECKING:
    from desktop.ui.timeline.view import TimelineView

AnyIndex = QModelIndex | QPersistentModelIndex
OPENS = ("media", "open", "download")  # what Enter does on a message whose button has no focus, first found
MOVES = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End)


def bubble_actions(lay: RowLayout) -> list[Hit]:
    """A bubble's buttons in Tab order, each once: where a whole block and a link do the same, the link
    (the smaller area, drawn on top) stands for both."""
    last: dict[tuple[str, str], Hit] = {}
    for hit in lay.hits:
        last[(hit.action, hit.sha256)] = hit
    return list(last.values())


class BubbleKeys:
    """Where the keyboard is in a TimelineView: the current message (the view's current index) and, inside
    its bubble, the focused button (``focused``: an index into ``actions``), or -1 for the message itself.

    Tab and Shift+Tab step through the buttons and then leave the timeline; Enter or Space press the
    focused one; Enter with none focused opens the message's media (or its file); Escape goes back to
    the message; the arrows move between messages; the Menu key or Shift+F10 opens the message's menu.
    """

    def __init__(self, view: TimelineView) -> None:
        self.view = view
        self.focused = -1
        self.keyboard = False  # the keyboard moved last (the focus ring shows), not the mouse

    def actions(self, index: QModelIndex) -> list[Hit]:
        if not index.isValid():
            return []
        width = self.view.visualRect(index).width() or self.view.bubbles.width()
        return bubble_actions(self.view.bubbles.layout(index, width))

    def focused_hit(self) -> Hit | None:
        actions = self.actions(self.view.currentIndex())
        if self.focused < 0 or not actions:
            return None
        return actions[min(self.focused, len(actions) - 1)]

    def ring(self, index: AnyIndex) -> QRectF | None:
        """Where the delegate draws the focus ring in ``index``'s row (row coordinates), or None."""
        view = self.view
        current = view.currentIndex()
        if not self.keyboard or not view.hasFocus() or not current.isValid() or index.row() != current.row():
            return None
        hit = self.focused_hit()
        if hit is not None:
            return hit.rect
        lay = view.bubbles.geometry(current, view.visualRect(current).width() or None)
        return lay.bubble if lay is not None else None

    # -- moving ------------------------------------------------------------------------------------
    def entered(self, reason: Qt.FocusReason) -> None:
        """The timeline got the focus: by keyboard, onto the newest message (or the last button of the
        current one, coming back with Shift+Tab)."""
        view = self.view
        model = view.model()
        if reason == Qt.FocusReason.MouseFocusReason or model is None or model.rowCount() == 0:
            return
        self.keyboard = True
        if not view.currentIndex().isValid():
            view.select_row(model.index(model.rowCount() - 1, 0))
        self.focused = len(self.actions(view.currentIndex())) - 1 if reason == Qt.FocusReason.BacktabFocusReason else -1
        self._show()

    def tab(self, forward: bool) -> bool:
        """Step to the next (previous) button of the current bubble; False when none is left that way."""
        count = len(self.actions(self.view.currentIndex()))
        target = min(self.focused, count - 1) + (1 if forward else -1)
        if target >= count or target < -1:
            self.focused = -1
            self.view.viewport().update()
            return False
        self.focused = target
        self.keyboard = True
        self._show()
        return True

    def moved(self) -> None:
        """The current message changed: no button of the new one has the focus yet."""
        self.focused = -1
        self.view.viewport().update()

    def _show(self) -> None:
        view = self.view
        index = view.currentIndex()
        if index.isValid():
            view.scrollTo(index)
        hit = self.focused_hit()
        if hit is not None:
            message = index.data(Roles.MESSAGE)
            attachment = next((a for a in message.attachments if a.blob == hit.sha256), None)
            view.announcer.say(action_words(hit.action, attachment))
        view.viewport().update()

    # -- keys --------------------------------------------------------------------------------------
    def key_press(self, event: QKeyEvent) -> bool:
        """Handle a key the timeline gives the keyboard user; False for the view's own handling."""
        key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key == Qt.Key.Key_Menu or (key == Qt.Key.Key_F10 and shift):
            self.keyboard = True
            self.view.open_menu(self.view.currentIndex(), self.menu_position())
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) or (key == Qt.Key.Key_Space and self.focused >= 0):
            self.keyboard = True
            return self.press()
        if key == Qt.Key.Key_Escape and self.focused >= 0:
            self.moved()
            return True
        if key in MOVES:
            self.keyboard = True
            self.focused = -1
        return False

    def press(self) -> bool:
        """Press the focused button, else open the current message's media or file; False if it has none."""
        index = self.view.currentIndex()
        actions = self.actions(index)
        hit = self.focused_hit() if self.focused >= 0 else next((h for h in actions if h.action in OPENS), None)
        if hit is None:
            return False
        self.view.action_requested.emit(hit.action, int(index.data(Roles.MESSAGE_ID)), hit.sha256)
        return True

    def menu_position(self) -> QPoint:
        """Where a keyboard-opened menu goes: at the current bubble (or its button), else the view's corner."""
        view = self.view
        index = view.currentIndex()
        row = view.visualRect(index)
        hit = self.focused_hit()
        lay = view.bubbles.geometry(index, row.width() or None) if index.isValid() else None
        if hit is not None:
            spot = hit.rect.center().toPoint()
        elif lay is not None:
            spot = lay.bubble.topLeft().toPoint() + QPoint(12, min(24, round(lay.bubble.height() / 2)))
        else:
            return view.viewport().mapToGlobal(QPoint(12, 12))
        return view.viewport().mapToGlobal(row.topLeft() + spot)
