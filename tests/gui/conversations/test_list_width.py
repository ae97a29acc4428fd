"""The chat list fits its pane: rows as wide as the list, long titles shortened, never a sideways scrollbar."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from desktop.ui.main_window import MainWindow
from tests.gui.conftest import AppUser


def test_a_window_opened_on_stored_chats_has_no_sideways_scrollbar(alice: AppUser, qtbot: QtBot) -> None:
    for title in ("A conversation whose title is much longer than the list is wide, really very much longer",
                  "short"):
        alice.engine.create_conversation(title, [])
    window = MainWindow(alice.bridge)  # opened with the chats already here; nothing changes afterwards
    qtbot.addWidget(window)
    window.resize(1800, 700)  # as a window system may first show it, before it settles on its size
    window.show()
    qtbot.waitExposed(window)
    chats = window.conversations
    qtbot.waitUntil(lambda: chats.model().rowCount() == 2)
    chats.doItemsLayout()  # what the list does at the next turn of the event loop
    window.resize(900, 700)
    qtbot.waitUntil(lambda: chats.viewport().width() < 400)
    chats.doItemsLayout()
    viewport = chats.viewport().width()
    assert chats.horizontalScrollBar().maximum() == 0
    for row in range(2):
        assert chats.visualRect(chats.model().index(row, 0)).width() <= viewport


def test_a_row_takes_no_width_from_a_stale_option(alice: AppUser, qtbot: QtBot) -> None:
    """Under X11 the list first asks for sizes with a width from before the window settled (638 px in a
    300 px list was seen): a row's size must not keep it, or the list scrolls sideways for good."""
    window = MainWindow(alice.bridge)
    qtbot.addWidget(window)
    chats = window.conversations
    option = QStyleOptionViewItem()
    option.initFrom(chats)
    option.rect = QRect(0, 0, 638, 68)
    hint = chats.itemDelegate().sizeHint(option, QModelIndex())
    assert hint.width() <= 1 and hint.height() >= 60
