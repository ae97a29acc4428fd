"""Sign-in dialog: Enter signs in, creating an account is a choice, messages are written for people."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from desktop.core.engine import Engine
from desktop.ui.bridge import EngineBridge
from desktop.ui.dialogs.sign_in import SignInDialog
from desktop.ui.style.theme import link_color
from sync.client import SyncClient
from tests.gui.conftest import PASSWORD, ServerHandle

RAW_VALIDATOR_WORDS = ("String should", "pattern", "min_length", "request is not valid", "^[")


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[EngineBridge]:
    bridge = EngineBridge(Engine(tmp_path / "profile", long_poll_s=1).start())
    yield bridge
    bridge.stop()


def shown(qtbot: QtBot, dialog: SignInDialog) -> SignInDialog:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def error_after(qtbot: QtBot, dialog: SignInDialog) -> str:
    qtbot.waitUntil(lambda: not dialog.error.isHidden(), timeout=10_000)
    return dialog.error.text()


@pytest.mark.parametrize("built_in", [True, False])
def test_enter_signs_a_returning_user_in(fresh: EngineBridge, server: ServerHandle, qtbot: QtBot,
                                         built_in: bool) -> None:
    SyncClient(server.url).create_account("alice", PASSWORD)
    dialog = shown(qtbot, SignInDialog(fresh, server.url, built_in=built_in))
    assert dialog.primary.isDefault() and dialog.primary.text() == "Sign in"
    dialog.username.setFocus()
    qtbot.keyClicks(dialog.username, "alice")
    dialog.password.setFocus()
    qtbot.keyClicks(dialog.password, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    account = fresh.engine.account
    assert account is not None and account.username == "alice" and account.token


def test_a_typo_is_a_wrong_password_not_a_new_account(fresh: EngineBridge, server: ServerHandle,
                                                      qtbot: QtBot) -> None:
    SyncClient(server.url).create_account("alice", PASSWORD)
    dialog = shown(qtbot, SignInDialog(fresh, server.url, built_in=True))
    dialog.username.setText("alcie")
    dialog.password.setText(PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert error_after(qtbot, dialog) == "Wrong username or password."
    assert dialog.result() != QDialog.DialogCode.Accepted
    with pytest.raises(Exception, match="Wrong username"):
        SyncClient(server.url).sign_in("alcie", PASSWORD)  # no account was made by mistake


def test_creating_an_account_is_a_choice_that_asks_for_the_password_twice(
    fresh: EngineBridge, server: ServerHandle, qtbot: QtBot
) -> None:
    dialog = shown(qtbot, SignInDialog(fresh, server.url, built_in=True))
    assert dialog.repeat.isHidden()
    qtbot.mouseClick(dialog.mode_link, Qt.MouseButton.LeftButton)
    assert dialog.creating and dialog.repeat.isVisible()
    assert dialog.primary.text() == "Create account" and dialog.primary.isDefault()
    qtbot.mouseClick(dialog.mode_link, Qt.MouseButton.LeftButton)  # back, and forth again
    assert not dialog.creating and dialog.repeat.isHidden() and dialog.primary.text() == "Sign in"
    qtbot.mouseClick(dialog.mode_link, Qt.MouseButton.LeftButton)
    dialog.username.setText("Carol")
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD + "!")
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    assert "same password twice" in error_after(qtbot, dialog)
    assert fresh.engine.account is None

    dialog.repeat.setText(PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    account = fresh.engine.account
    assert account is not None and account.username == "carol" and account.token


def test_a_taken_username_points_to_sign_in(fresh: EngineBridge, server: ServerHandle, qtbot: QtBot) -> None:
    SyncClient(server.url).create_account("alice", PASSWORD)
    dialog = shown(qtbot, SignInDialog(fresh, server.url))
    dialog.set_creating(True)
    dialog.username.setText("alice")
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD)
    dialog.submit()
    sentence = error_after(qtbot, dialog)
    assert "taken" in sentence and "sign in" in sentence.lower()


@pytest.mark.parametrize(("username", "password", "expected"), [
    ("carol", "short", "at least 8 characters"),
    ("c", PASSWORD, "2 to 32 characters"),
    ("carol smith", PASSWORD, "letters, digits"),
    ("-carol", PASSWORD, "start with a letter or digit"),
])
def test_validation_is_written_for_people(fresh: EngineBridge, server: ServerHandle, qtbot: QtBot,
                                          username: str, password: str, expected: str) -> None:
    dialog = shown(qtbot, SignInDialog(fresh, server.url))
    dialog.set_creating(True)
    dialog.username.setText(username)
    dialog.password.setText(password)
    dialog.repeat.setText(password)
    dialog.submit()
    sentence = error_after(qtbot, dialog)
    assert expected in sentence
    assert not any(word in sentence for word in RAW_VALIDATOR_WORDS)
    assert fresh.engine.account is None


def test_a_short_password_when_signing_in_is_explained_not_sent(fresh: EngineBridge, server: ServerHandle,
                                                                qtbot: QtBot) -> None:
    dialog = shown(qtbot, SignInDialog(fresh, server.url))
    dialog.username.setText("alice")
    dialog.password.setText("short")
    dialog.submit()
    sentence = error_after(qtbot, dialog)
    assert "at least 8 characters" in sentence
    assert not any(word in sentence for word in RAW_VALIDATOR_WORDS)


def test_an_empty_submit_names_what_is_missing_not_a_built_in_server(fresh: EngineBridge, server: ServerHandle,
                                                                     qtbot: QtBot) -> None:
    dialog = shown(qtbot, SignInDialog(fresh, server.url, built_in=True))
    dialog.submit()
    sentence = error_after(qtbot, dialog)
    assert "server" not in sentence.lower() and "username" in sentence.lower()
    assert dialog.focusWidget() is dialog.username
    dialog.username.setText("alice")
    dialog.submit()
    assert "password" in dialog.error.text().lower() and "server" not in dialog.error.text().lower()
    assert dialog.focusWidget() is dialog.password

    other = shown(qtbot, SignInDialog(fresh, "", built_in=False))
    other.username.setText("alice")
    other.password.setText(PASSWORD)
    other.submit()
    assert "server" in error_after(qtbot, other).lower()  # here there is a server field to fill


def test_use_another_server_looks_like_a_link(fresh: EngineBridge, server: ServerHandle, qtbot: QtBot) -> None:
    dialog = shown(qtbot, SignInDialog(fresh, server.url, built_in=True))
    link = dialog.other_server
    assert link.font().underline()
    assert link.palette().color(QPalette.ColorRole.ButtonText) == link_color(dialog.palette())
    assert link.cursor().shape() == Qt.CursorShape.PointingHandCursor
    assert not link.autoDefault()
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    assert dialog.server.isVisible() and dialog.focusWidget() is dialog.server


def test_a_username_given_is_kept_and_the_password_is_asked(fresh: EngineBridge, server: ServerHandle,
                                                            qtbot: QtBot) -> None:
    dialog = shown(qtbot, SignInDialog(fresh, server.url, username="alice"))
    assert dialog.username.text() == "alice"
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.password)


def test_a_two_line_error_does_not_squash_the_fields(fresh: EngineBridge, server: ServerHandle,
                                                     qtbot: QtBot, tmp_path: Path) -> None:
    SyncClient(server.url).create_account("alice", PASSWORD)
    dialog = shown(qtbot, SignInDialog(fresh, server.url, built_in=True))
    dialog.set_creating(True)
    fields = (dialog.username, dialog.password, dialog.repeat)
    heights = [f.height() for f in fields]
    dialog.username.setText("alice")
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD)
    dialog.submit()  # "The username alice is taken. If it is yours, …": two lines
    error_after(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.error.height() >= 2 * dialog.error.fontMetrics().lineSpacing())
    assert [f.height() for f in fields] == heights
    for field in fields:
        assert field.height() >= field.sizeHint().height()
    error = dialog.error.geometry()
    assert not any(error.intersects(f.geometry()) for f in (dialog.primary, dialog.mode_link))
    assert dialog.error.height() >= dialog.error.heightForWidth(dialog.error.width())
    assert dialog.grab().save(str(tmp_path / "sign-in-error.png"))
