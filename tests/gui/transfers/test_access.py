"""The transfers panel for everyone: Ctrl+J and the menu open it, an empty list says so in a sentence, the
badge counts what is under way, and the keyboard (Tab, Up, Down, Space) reaches and presses every button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from desktop.ui.transfers.button import TransfersButton
from desktop.ui.transfers.words import EMPTY
from tests.gui.conftest import AppUser
from tests.gui.transfers.conftest import MB, WAIT_MS, Slow, open_panel


def _has_colour(image: QImage, colour: QColor) -> bool:
    return any(QColor(image.pixel(x, y)) == colour for y in range(image.height()) for x in range(image.width()))


def _badge_shown(button: TransfersButton) -> bool:
    return _has_colour(button.grab().toImage(), button.palette().color(QPalette.ColorRole.Highlight))


def test_ctrl_j_opens_one_panel_that_says_when_nothing_moves(alice: AppUser, qtbot: QtBot) -> None:
    button = alice.window.transfers_button
    assert (button.text(), button.accessibleName(), button.accessibleDescription()) == (
        "Transfers", "Transfers", "nothing under way")
    assert "Ctrl+J" in button.toolTip() and not _badge_shown(button)
    assert alice.window.transfers_action.shortcut().toString() == "Ctrl+J"
    assert any(alice.window.transfers_action in menu.actions() for menu in alice.window.menuBar().findChildren(QMenu))

    panel = open_panel(qtbot, alice)
    assert panel.windowTitle() == "Transfers"
    assert panel.empty.isVisible() and panel.empty.text() == EMPTY and not panel.area.isVisible()
    assert panel.summary.text() == ""
    panel.close()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert alice.window.transfers_button.panel is panel and panel.isVisible()  # the same window again


def test_the_keyboard_reaches_and_presses_every_button(slow: Slow, qtbot: QtBot) -> None:
    shas = [slow.send(qtbot, f"track-{i}.flac", 9 * MB + i) for i in range(3)]
    qtbot.waitUntil(lambda: slow.order() == shas and slow.row(shas[2]).status.text() == "Queued", timeout=WAIT_MS)
    button = slow.alice.window.transfers_button
    assert button.count == 3 and button.accessibleDescription() == "3 under way" and _badge_shown(button)
    rows = [slow.row(s) for s in shas]
    for row in rows:
        for b in row.buttons.values():
            if b.isVisible():
                assert b.toolTip() and b.accessibleName() == f"{b.text()} {row.name.text()}"

    panel = slow.panel
    with qtbot.waitActive(panel):
        panel.activateWindow()
    rows[0].buttons["pause"].setFocus(Qt.FocusReason.TabFocusReason)
    walked = []
    for _ in range(6):
        walked.append(panel.focusWidget())
        qtbot.keyClick(panel.focusWidget(), Qt.Key.Key_Tab)
    assert walked == [rows[0].buttons["pause"], rows[0].buttons["cancel"], rows[1].buttons["pause"],
                      rows[1].buttons["cancel"], rows[2].buttons["pause"], rows[2].buttons["to_front"]]
    qtbot.keyClick(panel.focusWidget(), Qt.Key.Key_Up)
    assert panel.focusWidget() is rows[1].buttons["pause"]
    qtbot.keyClick(panel.focusWidget(), Qt.Key.Key_Down)
    assert panel.focusWidget() is rows[2].buttons["pause"]

    qtbot.keyClick(panel.focusWidget(), Qt.Key.Key_Space)  # pauses the queued one
    qtbot.waitUntil(lambda: rows[2].status.text() == "Paused", timeout=WAIT_MS)
    assert panel.focusWidget() is rows[2].buttons["pause"] and rows[2].buttons["pause"].text() == "Resume"
    qtbot.waitUntil(lambda: button.count == 2, timeout=WAIT_MS)
