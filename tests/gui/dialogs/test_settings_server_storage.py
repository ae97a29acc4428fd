"""Settings shows how much the account stores on the server ("4.2 MB of 10 MB used", with a bar), and a file
past the quota fails with the server's sentence on the message; against a real server with a 10 MB quota."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.dialogs.settings import SettingsDialog
from desktop.ui.timeline.model import Roles
from sync.server.config import ServerConfig
from sync.server.limit_settings import Limits
from sync.server.runner import EmbeddedServer
from tests.gui.conftest import AppUser, ServerHandle

QUOTA = 10_000_000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerHandle]:
    config = ServerConfig(data_dir=tmp_path / "server", limits=Limits(quota_bytes=QUOTA))
    handle = ServerHandle(config, EmbeddedServer(config).start())
    yield handle
    handle.stop()


def upload(user: AppUser, data: bytes) -> None:
    client = user.engine.client
    assert client is not None
    path = user.data_dir / "upload.bin"
    path.write_bytes(data)
    url = client.create_upload(len(data), hashlib.sha256(data).hexdigest())
    client.upload(url, path)


def open_settings(qtbot: QtBot, user: AppUser) -> SettingsDialog:
    dialog = SettingsDialog(user.bridge)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_settings_shows_the_storage_used_on_the_server(alice: AppUser, qtbot: QtBot, tmp_path: Path) -> None:
    dialog = open_settings(qtbot, alice)
    storage = dialog.server_storage
    qtbot.waitUntil(lambda: storage.label.text() == "0 bytes of 10 MB used", timeout=10_000)
    assert storage.bar.isVisible() and storage.bar.value() == 0
    upload(alice, b"x" * 4_200_000)
    dialog.refresh_account()
    qtbot.waitUntil(lambda: storage.label.text() == "4.2 MB of 10 MB used", timeout=10_000)
    assert storage.bar.value() == 420 and storage.bar.maximum() == 1000
    assert dialog.grab().save(str(tmp_path / "settings.png"))


def test_settings_says_when_the_server_cannot_tell(alice: AppUser, server: ServerHandle, qtbot: QtBot) -> None:
    dialog = open_settings(qtbot, alice)
    storage = dialog.server_storage
    qtbot.waitUntil(lambda: storage.bar.isVisible(), timeout=10_000)
    server.server.stop()
    dialog.refresh_account()
    qtbot.waitUntil(lambda: storage.label.text() == "Not known while the server cannot be reached.", timeout=20_000)
    assert not storage.bar.isVisible()


def test_a_file_past_the_quota_fails_with_the_servers_sentence(alice: AppUser, qtbot: QtBot) -> None:
    upload(alice, b"y" * 6_000_000)
    cid = alice.engine.create_conversation("Notes", [])
    big = alice.data_dir / "big.bin"
    big.write_bytes(b"z" * 5_000_000)
    message = alice.engine.send(cid, "too much", [big])
    qtbot.waitUntil(lambda: alice.engine.db.messages.get(message.id).state == "failed",  # type: ignore[union-attr]
                    timeout=20_000)
    failed = alice.engine.db.messages.get(message.id)
    assert failed is not None and failed.error == (
        "Your storage is full for this file: 6 MB of 10 MB used, and this file needs 5 MB (only 4 MB left). "
        "Cancel unfinished uploads, or ask whoever runs the server for more space.")
    alice.window.show_conversation_if_listed(cid)
    qtbot.waitUntil(lambda: alice.view.conversation_id == cid, timeout=10_000)
    model = alice.view.model
    assert model is not None
    row = next(r for r in range(model.rowCount()) if model.index(r).data(Roles.MESSAGE_ID) == message.id)
    qtbot.waitUntil(lambda: model.index(row).data(Roles.STATE) == "failed", timeout=10_000)
    assert model.index(row).data(Qt.ItemDataRole.ToolTipRole) == f"Not sent: {failed.error}"
    assert requests.get(alice.engine.account.server_url + "/healthz", timeout=5).ok  # type: ignore[union-attr]
