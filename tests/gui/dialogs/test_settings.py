"""Settings: values come from and go to the db, clearing the cache frees space, sign-out, pins, folders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.units import size_text
from desktop.ui.bridge import EngineBridge
from desktop.ui.dialogs.settings import SettingsDialog
from tests.gui.conftest import SAMPLES, AppUser, Chat, ServerHandle


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
    assert dialog.evict_timer.isActive()  # the new limit applies once the user stops typing
    setup.bridge.wait_idle()  # stored off the GUI thread
    assert settings.get("cache_limit_bytes") == 2_500_000_000  # GB as Settings shows it: 1000³ bytes
    assert settings.get("auto_download_max_bytes") == 20_000_000
    assert settings.get("compress_photos") is False
    assert settings.get("notifications") is False
    dialog.close()
    again = open_settings(qtbot, setup.bridge)
    assert again.cache_limit.value() == pytest.approx(2.5) and again.auto_download.value() == 20
    assert not again.compress.isChecked()


def test_clear_cache_asks_first_and_keeps_own_and_unsent_files(
        chat: Chat, server: ServerHandle, qtbot: QtBot, tmp_path: Path) -> None:
    alice, engine = chat.alice, chat.alice.engine
    note = engine.send(chat.cid, "", [SAMPLES / "audio/voice_note.m4a"]).attachments[0].blob  # her own
    video = chat.bob.engine.send(chat.cid, "", [SAMPLES / "video/hubble_pan.mp4"]).attachments[0].blob
    photo = chat.bob.engine.send(chat.cid, "", [SAMPLES / "photos/hubble_deep_field.jpg"]).attachments[0].blob
    qtbot.waitUntil(lambda: len(engine.db.messages.page(chat.cid)) == 3, timeout=15_000)
    with qtbot.waitSignal(alice.bridge.blob_ready, timeout=15_000, check_params_cb=lambda sha: sha == video):
        engine.download(video)
    qtbot.waitUntil(lambda: engine.media_path(photo) is not None, timeout=15_000)  # photos download by themselves
    qtbot.waitUntil(lambda: all(m.state == "sent" for m in engine.db.messages.page(chat.cid)), timeout=15_000)
    server.stop()
    unsent = engine.send(chat.cid, "", [SAMPLES / "files/chelsea.pdf"]).attachments[0].blob  # waits to upload
    downloaded = sum(r.size or 0 for r in map(engine.db.blobs.get, (video, photo)) if r is not None)

    dialog = open_settings(qtbot, alice.bridge)
    qtbot.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
    box = dialog.clear_question
    qtbot.waitUntil(box.isVisible)
    assert box.text() == f"Remove 2 downloaded files ({size_text(downloaded)}) from this computer?"
    assert "will need downloading again when you open them" in box.informativeText()
    assert "Your own sent files, files waiting to be sent" in box.informativeText()
    box.grab().save(str(tmp_path / "clear_cache_question.png"))
    (cancel,) = [b for b in box.buttons() if b.text() == "Cancel"]
    cancel.click()
    assert engine.media_path(video) is not None and engine.media_path(photo) is not None  # nothing without a yes

    qtbot.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
    box = dialog.clear_question
    (clear,) = [b for b in box.buttons() if b.text() == "Clear cache"]
    clear.click()
    qtbot.waitUntil(lambda: engine.media_path(video) is None and engine.media_path(photo) is None)
    assert engine.media_path(note) is not None and engine.media_path(unsent) is not None
    qtbot.waitUntil(lambda: dialog.usage.text().startswith(size_text(engine.cache.usage())))


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
