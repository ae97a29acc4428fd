"""Bulk save from the gallery: Ctrl/Shift-click and Ctrl+A select, Save selected… and Save all… write into a
folder with a progress window (files downloaded on the way), then Open folder."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QAbstractButton, QFileDialog, QListView
from pytestqt.qtbot import QtBot

from desktop.core.export.manifest import MANIFEST_NAME
from desktop.core.saving import sha256_of
from desktop.ui.gallery.gallery import GalleryDialog
from tests.gui.conftest import SAMPLES, Chat
from tests.gui.media.test_file_actions import UrlCatcher

PHOTOS = ["photos/chelsea.png", "photos/coffee_with_gps.jpg", "photos/hubble_deep_field.jpg"]


def saved(folder: Path) -> dict[str, str]:
    return {p.name: sha256_of(p) for p in folder.iterdir() if p.name != MANIFEST_NAME}


def click(qtbot: QtBot, view: QListView, row: int, modifier: Qt.KeyboardModifier) -> None:
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


@pytest.fixture
def gallery(chat: Chat, qtbot: QtBot) -> GalleryDialog:
    """bob's gallery of the chat, after alice sent three photos, a video and a PDF (the photos cached)."""
    send = threading.Thread(target=lambda: [chat.alice.engine.send(chat.cid, "", [SAMPLES / name])
                                            for name in [*PHOTOS, "video/hubble_pan.mp4", "files/chelsea.pdf"]])
    send.start()  # as the composer does: off the GUI thread
    send.join()
    bob = chat.bob.engine

    def arrived() -> bool:
        items = bob.db.messages.media(chat.cid, ("image", "video", "file"))
        return len(items) == 5 and all(i.blob_state == "complete" for i in items if i.attachment.kind == "image") \
            and all(i.thumbnail_state in (None, "complete") for i in items)

    qtbot.waitUntil(arrived, timeout=30_000)
    dialog = GalleryDialog(chat.bob.bridge, chat.cid)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def opened_by(qtbot: QtBot, button: QAbstractButton) -> list[str]:
    """Click ``button``; the local paths it asked the desktop to open."""
    opened = UrlCatcher()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    return [u.toLocalFile() for u in opened.urls]


def answer_folder(monkeypatch: pytest.MonkeyPatch, folder: Path) -> list[str]:
    """The folder picker answers ``folder``; returns the captions it was shown with."""
    captions: list[str] = []

    def pick(_parent: object, caption: str, _start: str) -> str:
        captions.append(caption)
        return str(folder)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", pick)
    return captions


def test_ctrl_and_shift_click_select_and_save_selected_writes_them(
        gallery: GalleryDialog, chat: Chat, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    grid = gallery.grid
    assert not gallery.save_selected_button.isEnabled() and gallery.save_all_button.isEnabled()
    click(qtbot, grid, 1, Qt.KeyboardModifier.NoModifier)  # newest first: the video, hubble, coffee, chelsea
    click(qtbot, grid, 3, Qt.KeyboardModifier.ShiftModifier)
    click(qtbot, grid, 2, Qt.KeyboardModifier.ControlModifier)  # take the middle one out again
    assert gallery.selection_label.text() == "2 selected" and gallery.save_selected_button.isEnabled()
    chosen = gallery.selected_attachments()
    assert [a.name for a in chosen] == ["hubble_deep_field.jpg", "chelsea.jpg"]  # compressed on send
    captions = answer_folder(monkeypatch, tmp_path / "out")

    qtbot.mouseClick(gallery.save_selected_button, Qt.MouseButton.LeftButton)

    assert captions == ["Save 2 files to a folder"]
    dialog = gallery.copy_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.heading.text().startswith("Saved"), timeout=30_000)
    assert dialog.heading.text() == f"Saved 2 files in {tmp_path / 'out'}."
    assert saved(tmp_path / "out") == {a.name: a.blob for a in chosen}
    assert opened_by(qtbot, dialog.open_button) == [str(tmp_path / "out")]
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)  # now reads Close
    assert not dialog.isVisible()


def test_ctrl_a_on_the_files_tab_and_save_all_download_on_the_way(
        gallery: GalleryDialog, chat: Chat, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gallery.tabs.setCurrentWidget(gallery.files_page)
    gallery.files.setFocus()
    qtbot.keyClick(gallery.files, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert gallery.selection_label.text() == "1 selected"
    assert [a.name for a in gallery.selected_attachments()] == ["chelsea.pdf"]
    gallery.tabs.setCurrentWidget(gallery.media_page)
    video = next(a for a in (i.attachment for i in chat.bob.engine.db.messages.media(chat.cid)) if a.kind == "video")
    assert chat.bob.engine.media_path(video.blob) is None  # never opened: not cached
    answer_folder(monkeypatch, tmp_path / "all")

    qtbot.mouseClick(gallery.save_all_button, Qt.MouseButton.LeftButton)

    dialog = gallery.copy_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.heading.text().startswith("Saved"), timeout=30_000)
    assert dialog.heading.text() == f"Saved 4 files in {tmp_path / 'all'}."
    assert dialog.detail.text().startswith("4 of 4 files") or not dialog.detail.isVisible()
    assert saved(tmp_path / "all")["hubble_pan.mp4"] == video.blob  # downloaded, verified, written
    assert sorted(saved(tmp_path / "all")) == ["chelsea.jpg", "coffee_with_gps.jpg", "hubble_deep_field.jpg",
                                               "hubble_pan.mp4"]


def test_the_save_goes_on_when_the_gallery_closes(
        gallery: GalleryDialog, chat: Chat, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    window = chat.bob.window
    window.open_gallery()  # as the app opens it: deleted when closed
    opened = window.gallery_dialog
    assert opened is not None
    qtbot.waitUntil(lambda: opened.media_model.rowCount() == 4)
    opened.grid.setFocus()
    qtbot.keyClick(opened.grid, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert opened.selection_label.text() == "4 selected"
    answer_folder(monkeypatch, tmp_path / "out")
    dialog = opened.save_selected()
    assert dialog is not None and dialog.parentWidget() is window  # not the gallery: it outlives it

    opened.close()
    qtbot.waitUntil(lambda: not shiboken6.isValid(opened))  # deleted, as the app's gallery is on close

    qtbot.waitUntil(lambda: dialog.heading.text() == f"Saved 4 files in {tmp_path / 'out'}.", timeout=30_000)
    assert len(saved(tmp_path / "out")) == 4
