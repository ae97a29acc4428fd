"""The main window's frame paints before the engine loads; attaching an account then fills that same window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.core.engine import Engine
from desktop.core.location import has_database
from desktop.ui.bridge import EngineBridge
from desktop.ui.main_window import MainWindow
from tests.gui.conftest import PASSWORD, ServerHandle


def test_the_frame_then_the_account_fill_one_window(server: ServerHandle, tmp_path: Path, qtbot: QtBot) -> None:
    profile = tmp_path / "alice"
    assert not has_database(profile)  # a first start: the app shows the sign-in dialog, no frame
    engine = Engine(profile, long_poll_s=1).start()
    engine.sign_up(server.url, "alice", PASSWORD)
    cid = engine.create_conversation("Trip photos", [])
    assert has_database(profile)  # the next start paints the frame first

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "Envelope"
    assert [label.text() for label in window.findChildren(QLabel)] == ["Chats"]
    window.close()  # closing a frame that has no account yet is fine (quitting while loading)

    bridge = EngineBridge(engine)
    try:
        window.show()
        window.attach(bridge)
        assert window.windowTitle().startswith("alice")
        qtbot.waitUntil(lambda: window.conversations.current_id() == cid, timeout=10_000)
        with pytest.raises(RuntimeError):
            window.attach(bridge)
        window.close()
        window.thumbnails.wait_idle()
    finally:
        bridge.stop()
