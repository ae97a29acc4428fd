"""Moving the keyboard between the main window's panes: the chat list, the messages, the composer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow

NEXT_PANE, PREVIOUS_PANE = "F6", "Shift+F6"  # as in browsers, file managers and office suites


class Panes(QObject):
    """F6 goes to the next pane (chat list → messages → composer → chat list), Shift+F6 back; Tab runs
    in the same order. Enter on a chat goes to its composer (or, for a request, to its Accept button)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        for keys, forward in ((NEXT_PANE, True), (PREVIOUS_PANE, False)):
            shortcut = QShortcut(QKeySequence(keys), window)
            shortcut.activated.connect(lambda forward=forward: self.move(forward=forward))
        view = window.conversation
        QWidget.setTabOrder(window.conversations, view.timeline)
        QWidget.setTabOrder(view.timeline, view.composer.editor)
        for chats in (window.conversations, window.lists.requests):
            chats.chosen.connect(self.write)

    def panes(self) -> list[QWidget]:
        """The panes in order, those on screen only (no messages or composer while no chat is open)."""
        lists, view = self.window.lists, self.window.conversation
        chats = lists.requests if lists.showing_requests() else lists.chats
        answer = view.request_bar.accept_button if view.is_request() else view.composer.editor
        return [w for w in (chats, view.timeline, answer) if w.isVisible() and w.isEnabled()]

    def move(self, *, forward: bool) -> QWidget | None:
        """Put the focus on the next (previous) pane; the one it went to, or None when none is on screen."""
        panes = self.panes()
        if not panes:
            return None
        focus = QApplication.focusWidget()
        here = next((i for i, p in enumerate(panes) if focus is not None and (focus is p or p.isAncestorOf(focus))),
                    None)
        if here is None:
            target = panes[0] if forward else panes[-1]
        else:
            target = panes[(here + (1 if forward else -1)) % len(panes)]
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return target

    def write(self, conversation_id: str) -> None:
        """Enter on a chat: open it (if the arrows have not) and go to where one answers in it."""
        self.window.open_conversation(conversation_id)
        view = self.window.conversation
        target = view.request_bar.accept_button if view.is_request() else view.composer.editor
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)
