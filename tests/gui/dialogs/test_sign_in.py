"""First start: create an account on the server, sign in, and start a conversation from the window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from desktop.core.engine import Engine
from desktop.ui.bridge import EngineBridge
from desktop.ui.dialogs.new_conversation import NewConversationDialog
from desktop.ui.dialogs.sign_in import SignInDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.startup.launcher import open_session
from tests.gui.conftest import PASSWORD, AppUser, ServerHandle


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[EngineBridge]:
    bridge = EngineBridge(Engine(tmp_path / "carol", long_poll_s=1).start())
    yield bridge
    bridge.stop()


def test_create_account_then_sign_in_with_a_wrong_password(
    fresh: EngineBridge, server: ServerHandle, qtbot: QtBot
) -> None:
    dialog = SignInDialog(fresh, server.url)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.mode_link, Qt.MouseButton.LeftButton)
    dialog.username.setText("Carol")
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.mouseClick(dialog.primary, Qt.MouseButton.LeftButton)
    account = fresh.engine.account
    assert account is not None and account.username == "carol" and account.token

    again = SignInDialog(fresh, server.url)
    qtbot.addWidget(again)
    again.username.setText("carol")
    again.password.setText("not the password")
    qtbot.mouseClick(again.primary, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not again.error.isHidden(), timeout=10_000)
    assert again.error.text()
    assert again.result() != QDialog.DialogCode.Accepted


def test_new_conversation_from_the_window(alice: AppUser, bob: AppUser, qtbot: QtBot) -> None:
    dialog = NewConversationDialog(alice.bridge, alice.window)
    qtbot.addWidget(dialog)
    dialog.title.setText("Road trip")
    dialog.members.setText("bob")
    with qtbot.waitSignal(dialog.created, timeout=10_000) as created:
        dialog.submit()
    cid = created.args[0]
    alice.window._on_created(cid)
    assert alice.view.conversation_id == cid
    assert alice.view.title.text() == "Road trip"
    # bob has never talked to alice: it reaches him as a request, behind the Requests row
    qtbot.waitUntil(lambda: bob.window.lists.row.count == 1, timeout=10_000)
    assert bob.window.conversations.conversations.row_of(cid) is None


def test_open_session_keeps_the_account_and_its_server(server: ServerHandle, tmp_path: Path, qtbot: QtBot) -> None:
    session = open_session(tmp_path / "dave", server.url, long_poll_s=1)
    try:
        assert not session.signed_in and not session.built_in
        session.engine.sign_up(server.url, "dave", PASSWORD)
        window = MainWindow(session.bridge)
        qtbot.addWidget(window)
        assert window.username == "dave"
        qtbot.waitUntil(lambda: window.connection.state == "online", timeout=10_000)
    finally:
        session.stop()
    again = open_session(tmp_path / "dave", None, long_poll_s=1)  # no --server: the account's own
    try:
        assert again.signed_in and again.server_url == server.url and again.server is None
    finally:
        again.stop()
