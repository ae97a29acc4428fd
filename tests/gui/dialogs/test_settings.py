"""Settings: values come from and go to the db, clearing the cache frees space, sign-out, pins, folders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.bridge import EngineBridge
from desktop.ui.dialogs.settings import SettingsDialog, binary_size
from tests.gui.conftest import SAMPLES, AppUser, ServerHandle


@dataclass
class Setup:
    bridge: EngineBridge
    cid: str
    url: str


@pytest.fixture
def setup(alice: AppUser, server: ServerHandle) -> Setup:
    cid = alice.engine.create_conversation("Holiday", [])
    return Setup(alice.bridge, cid, server.url)


def open_settings(qtbot: QtBot, bridge: EngineBridge) -> SettingsDialog:
    dialog = SettingsDialog(bridge)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_shows_the_account_and_the_stored_values(setup: Setup, qtbot: QtBot, tmp_path: Path) -> None:
    dialog = open_settings(qtbot, setup.bridge)
    assert dialog.server_url.text() == setup.url
    assert dialog.username.text() == "alice"
    assert dialog.cache_limit.value() == pytest.approx(5.0)  # the default, 5 GB
    assert dialog.auto_download.value() == 8
    assert dialog.compress.isChecked() and dialog.notifications.isChecked()
    assert dialog.grab().save(str(tmp_path / "settings.png"))


def test_changes_persist_in_the_db(setup: Setup, qtbot: QtBot) -> None:
    settings = setup.bridge.engine.db.settings
    dialog = open_settings(qtbot, setup.bridge)
    dialog.cache_limit.setValue(2.5)
    dialog.auto_download.setValue(20)
    dialog.compress.setChecked(False)
    dialog.notifications.setChecked(False)
    assert settings.get("cache_limit_bytes") == 2_500_000_000  # GB as Settings shows it: 1000³ bytes
    assert dialog.evict_timer.isActive()  # the new limit applies once the user stops typing
    assert settings.get("auto_download_max_bytes") == 20_000_000
    assert settings.get("compress_photos") is False
    assert settings.get("notifications") is False
    dialog.close()
    again = open_settings(qtbot, setup.bridge)
    assert again.cache_limit.value() == pytest.approx(2.5) and again.auto_download.value() == 20
    assert not again.compress.isChecked()


def test_clear_cache_reduces_usage(setup: Setup, qtbot: QtBot) -> None:
    engine = setup.bridge.engine
    engine.send(setup.cid, "", [SAMPLES / "video/hubble_pan.mp4", SAMPLES / "photos/hubble_deep_field.jpg"])
    qtbot.waitUntil(lambda: all(m.state == "sent" for m in engine.db.messages.page(setup.cid)), timeout=15_000)
    before = engine.cache.usage()
    assert before > 300_000
    dialog = open_settings(qtbot, setup.bridge)
    assert dialog.usage.text().startswith(binary_size(before))
    assert dialog.clear_button.isEnabled()
    qtbot.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: engine.cache.usage() < before and dialog.usage.text().startswith("0 bytes"))
    assert not dialog.clear_button.isEnabled()


def test_sign_out(setup: Setup, qtbot: QtBot) -> None:
    dialog = open_settings(qtbot, setup.bridge)
    qtbot.mouseClick(dialog.sign_out_button, Qt.MouseButton.LeftButton)
    question = dialog.sign_out_question  # asked first; "Sign out" confirms
    (sign_out,) = [b for b in question.buttons() if b.text() == "Sign out"]
    with qtbot.waitSignal(setup.bridge.connection_changed, timeout=10_000,
                          check_params_cb=lambda state, _detail: state == "signed_out"):
        sign_out.click()
    qtbot.waitUntil(lambda: dialog.username.text() == "alice (signed out)")
    account = setup.bridge.engine.account
    assert account is not None and account.token is None
    assert not dialog.sign_out_button.isEnabled()


def test_pin_for_offline_and_watched_folders(setup: Setup, qtbot: QtBot, tmp_path: Path) -> None:
    engine = setup.bridge.engine
    dialog = open_settings(qtbot, setup.bridge)
    assert dialog.pinned.count() == 1 and dialog.pinned.item(0).text() == "Holiday"
    dialog.pinned.item(0).setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: engine.db.conversations.get(setup.cid).pinned_offline)
    dialog.pinned.item(0).setCheckState(Qt.CheckState.Unchecked)
    qtbot.waitUntil(lambda: not engine.db.conversations.get(setup.cid).pinned_offline)

    drop = tmp_path / "drop"
    drop.mkdir()
    dialog.add_folder(drop, setup.cid)
    qtbot.waitUntil(lambda: dialog.folders.count() == 1)
    assert [f.path for f in engine.db.watched.folders()] == [str(drop.resolve())]
    assert "Holiday" in dialog.folders.item(0).text()
    dialog.folders.setCurrentRow(0)
    assert dialog.remove_folder_button.isEnabled()
    qtbot.mouseClick(dialog.remove_folder_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.folders.count() == 0)
    assert engine.db.watched.folders() == []
