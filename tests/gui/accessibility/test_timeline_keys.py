"""The timeline by keyboard: Tab through a bubble's buttons with a ring drawn round each, Space and Enter
press them, Escape goes back to the message, the Menu key and Shift+F10 open its menu at the bubble."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from desktop.ui.timeline.view import TimelineView
from tests.gui.conftest import SAMPLES, Chat

WAIT_MS = 20_000


def said_by(qtbot: QtBot, timeline: TimelineView, key: Qt.Key,
            modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> str:
    """What the timeline announces when ``key`` is pressed where the focus is (a bubble's button got it)."""
    with qtbot.waitSignal(timeline.announcer.said, timeout=2_000) as said:
        qtbot.keyClick(QApplication.focusWidget(), key, modifier)
    return str(said.args[0])


def around(image: QImage, rect: QRect) -> list[int]:
    """The pixels of ``rect``'s outline, a little outside it (where a focus ring goes)."""
    r = rect.adjusted(-3, -3, 3, 3)
    return [image.pixel(x, y) for x in range(r.left(), r.right() + 1) for y in (r.top(), r.bottom())] + \
        [image.pixel(x, y) for y in range(r.top(), r.bottom() + 1) for x in (r.left(), r.right())]


def open_menu() -> QMenu | None:
    popup = QApplication.activePopupWidget()
    return popup if isinstance(popup, QMenu) else None


def test_tab_reaches_a_files_buttons_and_the_menu_key_its_menu(chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    bob.engine.send(chat.cid, "Where we met", [])
    bob.engine.send(chat.cid, "", [SAMPLES / "files" / "chelsea.pdf"])
    qtbot.waitUntil(lambda: len(alice.rows()) == 2, timeout=WAIT_MS)
    pdf = alice.rows()[1].attachments[0]
    timeline, editor = alice.timeline, alice.view.composer.editor
    alice.window.activateWindow()
    qtbot.waitUntil(alice.window.isActiveWindow)
    editor.setFocus()

    qtbot.keyClick(alice.window.windowHandle(), Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is timeline and timeline.currentIndex().row() == 1  # the newest message
    index = timeline.currentIndex()
    rect = timeline.visualRect(index)
    lay = timeline.bubbles.layout(index, rect.width())
    assert timeline.bubbles.focus_ring(index) == lay.bubble  # the message itself has the focus: ringed
    plain = timeline.viewport().grab().toImage()

    assert said_by(qtbot, timeline, Qt.Key.Key_Tab) == "Download chelsea.pdf"
    assert QApplication.focusWidget() is timeline
    ring = timeline.bubbles.focus_ring(index)
    assert ring is not None and ring != lay.bubble and ring.width() < 120  # the Download link, not the bubble
    ringed = timeline.viewport().grab().toImage()
    box = ring.translated(rect.topLeft()).toRect()
    assert around(ringed, box) != around(plain, box)  # a ring is drawn round it

    qtbot.keyClick(timeline, Qt.Key.Key_Space)  # presses Download
    qtbot.waitUntil(lambda: alice.engine.media_path(pdf.blob) is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: [h.action for h in timeline.keys.actions(index)] == ["open", "save"], timeout=WAIT_MS)
    assert said_by(qtbot, timeline, Qt.Key.Key_Tab) == "Save chelsea.pdf as…"
    qtbot.keyClick(timeline, Qt.Key.Key_Tab)  # past the last button: out of the timeline, to the composer
    assert QApplication.focusWidget() is editor
    assert said_by(qtbot, timeline, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier) == "Save chelsea.pdf as…"
    assert said_by(qtbot, timeline, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier) == "Open chelsea.pdf"
    qtbot.keyClick(timeline, Qt.Key.Key_Escape)  # back to the message
    assert timeline.keys.focused == -1 and timeline.bubbles.focus_ring(index) == lay.bubble

    qtbot.keyClick(timeline, Qt.Key.Key_Menu)
    menu = open_menu()
    assert menu is not None and [a.text() for a in menu.actions() if a.text()][:2] == ["Open", "Save as…"]
    bubble = lay.bubble.translated(rect.topLeft()).toRect()
    at = timeline.keys.menu_position()  # at the bubble, not where the mouse pointer happens to be
    assert QRect(timeline.viewport().mapToGlobal(bubble.topLeft()), bubble.size()).contains(at)
    assert menu.geometry().left() == at.x()
    qtbot.keyClick(menu, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: open_menu() is None)

    qtbot.keyClick(timeline, Qt.Key.Key_Up)  # to the text above: no buttons, Tab goes on to the composer
    assert timeline.currentIndex().row() == 0 and timeline.selectionModel().isSelected(timeline.currentIndex())
    qtbot.keyClick(timeline, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    menu = open_menu()
    assert menu is not None and menu.actions()[0].text() == "Copy text"
    qtbot.keyClick(menu, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: open_menu() is None)
    qtbot.keyClick(timeline, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is editor
