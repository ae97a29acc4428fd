"""Signing out: never by Enter, always asked; a dismissed sign-in leaves a clear signed-out window with a way back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.dialogs.settings import SettingsDialog
from tests.gui.conftest import PASSWORD, AppUser


def signed_in(user: AppUser) -> bool:
    account = user.engine.account
    return account is not None and account.token is not None


def question(qtbot: QtBot, parent: QWidget) -> QMessageBox:
    """The sign-out question open over ``parent``."""
    qtbot.waitUntil(lambda: any(box.isVisible() for box in parent.findChildren(QMessageBox)), timeout=5_000)
    box = next(box for box in parent.findChildren(QMessageBox) if box.isVisible())
    default = box.defaultButton()
    assert default is not None and box.buttonRole(default) == QMessageBox.ButtonRole.RejectRole
    return box


def answer_sign_out(box: QMessageBox, qtbot: QtBot) -> None:
    button = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole)
    assert button.text() == "Sign out"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def open_settings(user: AppUser, qtbot: QtBot) -> SettingsDialog:
    user.window.settings_action.trigger()
    dialog = user.window.settings_dialog
    qtbot.waitExposed(dialog)
    return dialog


def test_enter_in_settings_closes_it_and_signs_nobody_out(alice: AppUser, qtbot: QtBot) -> None:
    dialog = open_settings(alice, qtbot)
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)
    alice.bridge.wait_idle()
    assert signed_in(alice) and alice.window.findChildren(QMessageBox) == []
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)  # Enter is Close

    dialog = open_settings(alice, qtbot)
    assert dialog.focusWidget() is not dialog.sign_out_button
    for button in dialog.findChildren(QPushButton):
        assert not button.autoDefault() or button.isDefault(), f"{button.text()} would answer Enter"
    close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    assert close.isDefault()


def test_sign_out_in_settings_asks_and_enter_answers_no(alice: AppUser, qtbot: QtBot) -> None:
    dialog = open_settings(alice, qtbot)
    qtbot.mouseClick(dialog.sign_out_button, Qt.MouseButton.LeftButton)
    box = question(qtbot, dialog)
    assert "alice" in box.text() + box.informativeText()
    qtbot.keyClick(box, Qt.Key.Key_Return)  # the default is Cancel
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=5_000)
    alice.bridge.wait_idle()
    assert signed_in(alice)

    qtbot.mouseClick(dialog.sign_out_button, Qt.MouseButton.LeftButton)
    answer_sign_out(question(qtbot, dialog), qtbot)
    qtbot.waitUntil(lambda: not signed_in(alice), timeout=10_000)
    qtbot.waitUntil(lambda: dialog.username.text() == "alice (signed out)", timeout=5_000)


def test_a_dismissed_sign_in_leaves_a_signed_out_window_with_a_way_back(alice: AppUser, qtbot: QtBot) -> None:
    window = alice.window
    notes = alice.engine.create_conversation("Notes", [])
    window.sign_out_action.trigger()
    box = question(qtbot, window)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    alice.bridge.wait_idle()
    assert signed_in(alice) and window.sign_in_dialog is None

    window.sign_out_action.trigger()
    answer_sign_out(question(qtbot, window), qtbot)
    qtbot.waitUntil(lambda: window.sign_in_dialog is not None and window.sign_in_dialog.isVisible(),
                    timeout=10_000)
    dialog = window.sign_in_dialog
    assert dialog is not None and dialog.username.text() == "alice"  # kept: only the password is asked
    assert dialog.focusWidget() is dialog.password
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()

    alice.engine.went_online()  # what a long-poll still in flight when signing out reports
    assert window.connection.state == "signed_out"
    assert "Signed out" in window.connection.label.text()
    assert window.sign_in_button.isVisible() and window.sign_in_action.isVisible()
    assert not window.sign_out_action.isVisible()
    assert window.sign_in_dialog is dialog and not dialog.isVisible()  # no dialog pushed on anyone again

    alice.view.send("written while signed out", [], False)
    qtbot.waitUntil(lambda: [m.state for m in alice.engine.db.messages.page(notes)] == ["pending"], timeout=5_000)
    qtbot.mouseClick(window.sign_in_button, Qt.MouseButton.LeftButton)
    again = window.sign_in_dialog
    assert again is not None and again.isVisible() and again.username.text() == "alice"
    again.password.setText(PASSWORD)
    qtbot.keyClick(again.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not again.isVisible() and signed_in(alice), timeout=10_000)
    qtbot.waitUntil(lambda: [m.state for m in alice.engine.db.messages.page(notes)] == ["sent"], timeout=15_000)
    qtbot.waitUntil(lambda: window.connection.state == "online", timeout=10_000)
    assert not window.sign_in_button.isVisible() and window.sign_out_action.isVisible()
