"""Quit (Ctrl+Q) quits Envelope: every window closes and the event loop ends, not just the one window."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.conftest import AppUser

GUARD_MS = 15_000
"""If Quit left the app running, the loop is ended by this timer and the test fails instead of hanging."""


def test_ctrl_q_in_one_window_quits_the_app(alice: AppUser, bob: AppUser, qtbot: QtBot) -> None:
    with qtbot.waitActive(alice.window):
        alice.window.activateWindow()
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(lambda: QApplication.exit(3))
    guard.start(GUARD_MS)
    QTimer.singleShot(0, lambda: qtbot.keyClick(alice.window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier))
    try:
        code = QApplication.exec()
    finally:
        guard.stop()
    assert code == 0
    assert not alice.window.isVisible() and not bob.window.isVisible()
