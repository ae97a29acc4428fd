"""A hostile member of a conversation, on the recipient's computer: bombs and impostor pictures, files
that run programs, names that try to leave the folder. Alice is the hostile sender; bob receives."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, QStandardPaths
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.ui.viewer.viewer import MediaViewer
from tests.gui.conftest import Chat
from tests.gui.media.conftest import SaveDialog
from tests.gui.media.hostile import SVG, bomb_png, picture, send_raw
from tests.gui.media.test_file_actions import UrlCatcher, status_of


def open_viewer(qtbot: QtBot, chat: Chat, sha: str) -> MediaViewer:
    viewer = MediaViewer(chat.bob.bridge, chat.cid, sha)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer


def test_a_decompression_bomb_thumbnail_shows_the_blurhash(chat: Chat, qtbot: QtBot) -> None:
    a = send_raw(chat, qtbot, picture("JPEG", (640, 480)), name="beach.jpg", mime="image/jpeg", kind="image",
                 width=640, height=480, thumbnail=bomb_png())
    bob = chat.bob
    assert a.thumbnail is not None
    qtbot.waitUntil(lambda: bob.engine.media_path(a.thumbnail or "") is not None, timeout=20_000)
    thumbnails = bob.window.thumbnails
    thumbnails.pixmap(a.thumbnail, QSize(200, 150))
    qtbot.waitUntil(lambda: not thumbnails.busy(), timeout=10_000)
    assert thumbnails.pixmap(a.thumbnail, QSize(200, 150)) is None  # the bubble keeps its blurhash

    viewer = open_viewer(qtbot, chat, a.blob)  # the photo itself is fine: it replaces the blurhash
    qtbot.waitUntil(lambda: viewer.canvas.image().width() == 640, timeout=10_000)


@pytest.mark.parametrize("data", [picture("TIFF", (640, 480)), SVG], ids=["tiff", "svg"])
def test_a_picture_posing_as_a_jpeg_is_not_decoded_anywhere(chat: Chat, qtbot: QtBot, data: bytes) -> None:
    a = send_raw(chat, qtbot, data, name="photo.jpg", mime="image/jpeg", kind="image", width=640, height=480)
    bob = chat.bob
    qtbot.waitUntil(lambda: bob.engine.media_path(a.blob) is not None, timeout=20_000)  # auto-downloaded
    thumbnails = bob.window.thumbnails  # the bubble and a gallery cell draw a picture without thumbnail
    thumbnails.pixmap(a.blob, QSize(200, 150))
    qtbot.waitUntil(lambda: not thumbnails.busy(), timeout=10_000)
    assert thumbnails.pixmap(a.blob, QSize(200, 150)) is None

    viewer = open_viewer(qtbot, chat, a.blob)
    qtbot.waitUntil(lambda: "only JPEG, PNG, WebP, GIF and HEIC" in viewer.status.text(), timeout=10_000)
    assert viewer.canvas.image().width() == 24  # the blurhash stays
    assert viewer.open_button.isEnabled() and viewer.save_button.isEnabled()


@pytest.mark.parametrize(("name", "data"), [
    ("photo.desktop", b"[Desktop Entry]\nType=Application\nName=photo\nExec=sh -c 'touch /tmp/pwned'\n"),
    ("photo.jpg.EXE", b"MZ\x90\x00\x03 not a photo"),
    ("update", b"\x7fELF\x02\x01\x01 a program without an extension"),
], ids=["desktop-entry", "double-extension", "elf-without-extension"])
def test_opening_a_file_that_can_run_code_asks_first_and_cancel_opens_nothing(
        chat: Chat, qtbot: QtBot, name: str, data: bytes) -> None:
    a = send_raw(chat, qtbot, data, name=name)
    files = chat.bob.view.files
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")  # type: ignore[arg-type]
    try:
        files.open(a.blob, a.name, "alice")
        qtbot.waitUntil(lambda: files.opener.risk_box is not None and files.opener.risk_box.isVisible(),
                        timeout=20_000)
        box = files.opener.risk_box
        assert box is not None
        assert box.text() == (f"{name} can run programs on this computer. Open it only if you trust alice and "
                              "expected this file.")
        cancel = box.defaultButton()
        assert box.buttonRole(cancel) == QMessageBox.ButtonRole.RejectRole and box.escapeButton() is cancel
        cancel.click()
        assert catcher.urls == [] and not box.isVisible()

        copy = chat.bob.data_dir / "open" / a.blob[:16] / name
        mode = stat.S_IMODE(copy.stat().st_mode)
        assert mode == 0o600 and not os.access(copy, os.X_OK)
        assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
        os.chmod(copy, 0o755)  # whoever made it executable, the next open makes it private again

        files.open(a.blob, a.name, "alice")
        qtbot.waitUntil(lambda: files.opener.risk_box is not box and files.opener.risk_box is not None
                        and files.opener.risk_box.isVisible(), timeout=20_000)
        again = files.opener.risk_box
        assert again is not None
        (open_button,) = [b for b in again.buttons() if again.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole]
        open_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(u.toLocalFile()) for u in catcher.urls] == [copy]
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600 and copy.read_bytes() == data


def test_the_viewer_asks_too_and_names_the_sender(chat: Chat, qtbot: QtBot) -> None:
    a = send_raw(chat, qtbot, b"<html><script>alert(1)</script></html>", name="Photo.HTML")
    viewer = open_viewer(qtbot, chat, a.blob)
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")  # type: ignore[arg-type]
    try:
        viewer.open_externally()
        qtbot.waitUntil(lambda: viewer.opener.risk_box is not None and viewer.opener.risk_box.isVisible(),
                        timeout=20_000)
        box = viewer.opener.risk_box
        assert box is not None and "Photo.HTML can run programs" in box.text() and "trust alice" in box.text()
        box.defaultButton().click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert catcher.urls == []


def test_a_plain_document_opens_without_a_question(chat: Chat, qtbot: QtBot) -> None:
    a = send_raw(chat, qtbot, b"%PDF-1.4\n% just a document\n", name="report.pdf")
    files = chat.bob.view.files
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")  # type: ignore[arg-type]
    try:
        files.open(a.blob, a.name, "alice")
        qtbot.waitUntil(lambda: bool(catcher.urls), timeout=20_000)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert files.opener.risk_box is None


@pytest.mark.parametrize(("raw", "clean"), [
    ("../../.bashrc", "bashrc"), ("/etc/passwd", "passwd"), ("a\x00b", "ab"), ("CON.txt", "_CON.txt"),
    ("..\\..\\AppData\\evil.lnk", "evil.lnk"),
], ids=["dot-dot", "absolute", "nul", "device-name", "backslashes"])
def test_saving_a_hostile_name_proposes_only_a_plain_name_in_the_folder(
        chat: Chat, qtbot: QtBot, save_dialog: SaveDialog, raw: str, clean: str) -> None:
    a = send_raw(chat, qtbot, b"some bytes", name=raw)
    bob = chat.bob
    (item,) = bob.engine.db.messages.media(chat.cid, ("file",))
    assert item.attachment.name == clean  # filed clean

    bob.view.files.save(a.blob, raw)  # even the raw name, handed in, is cleaned
    downloads = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation))
    (suggested,) = save_dialog.suggested
    assert Path(suggested) == downloads / clean
    saved = save_dialog.folder / clean
    qtbot.waitUntil(lambda: status_of(bob).startswith(f"Saved {clean}"), timeout=20_000)
    assert [p.name for p in save_dialog.folder.iterdir()] == [clean] and saved.read_bytes() == b"some bytes"
    assert not os.access(saved, os.X_OK)

    copy = bob.engine.open_copy(a.blob, raw)
    assert copy == bob.data_dir / "open" / a.blob[:16] / clean


def test_ones_own_file_still_asks_but_names_nobody_to_trust(chat: Chat, qtbot: QtBot) -> None:
    a = send_raw(chat, qtbot, b"#!/bin/sh\necho hi\n", name="tidy.sh")
    files = chat.alice.view.files  # alice opens what she sent herself
    files.open(a.blob, a.name, "alice")
    qtbot.waitUntil(lambda: files.opener.risk_box is not None and files.opener.risk_box.isVisible(), timeout=20_000)
    box = files.opener.risk_box
    assert box is not None
    assert box.text() == "tidy.sh can run programs on this computer. Open it only if you expected this file."
    box.defaultButton().click()
