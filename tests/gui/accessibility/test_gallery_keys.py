"""The gallery for everyone: each item has a name (a picture's is its caption or file name), the arrows
move through them, Enter opens one in the viewer (not the Save buttons), and file rows grow with the font."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QPushButton, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from desktop.core.units import size_text
from desktop.ui.gallery.delegate import FileRowDelegate
from desktop.ui.gallery.gallery import GalleryDialog
from desktop.ui.gallery.model import Roles
from desktop.ui.style.theme import clock_time, scaled_font
from tests.gui.accessibility.conftest import read_rows
from tests.gui.conftest import SAMPLES, Chat

WAIT_MS = 20_000


def test_gallery_items_are_named_and_reached_by_keyboard(chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    bob.engine.send(chat.cid, "Chelsea on the sofa", [SAMPLES / "photos" / "chelsea.png"])
    bob.engine.send(chat.cid, "", [SAMPLES / "photos" / "coffee_with_gps.jpg"])
    bob.engine.send(chat.cid, "", [SAMPLES / "files" / "chelsea.pdf"])
    qtbot.waitUntil(lambda: len(alice.rows()) == 3, timeout=WAIT_MS)
    photo, coffee, pdf = alice.rows()
    alice.window.open_gallery()
    gallery: GalleryDialog = alice.window.gallery_dialog
    qtbot.waitExposed(gallery)

    media = read_rows(gallery.grid)  # newest first
    assert [name for name, _ in media] == ["Photo, coffee_with_gps.jpg", "Photo, Chelsea on the sofa"]
    chelsea = photo.attachments[0]
    assert media[1][1].startswith(f"chelsea.jpg, {size_text(chelsea.size)}. From bob, Today at "
                                  f"{clock_time(photo.created_at)}.")
    assert gallery.media_model.index(1).data(Roles.ALT_TEXT) == "Chelsea on the sofa"
    assert gallery.media_model.index(0).data(Roles.ALT_TEXT) == "coffee_with_gps.jpg"
    gallery.tabs.setCurrentIndex(1)
    ((file_name, file_about),) = read_rows(gallery.files)
    assert file_name == f"File, chelsea.pdf, {size_text(pdf.attachments[0].size)}"
    assert file_about == f"From bob, Today at {clock_time(pdf.created_at)}. It is not downloaded yet."
    gallery.tabs.setCurrentIndex(0)

    assert not [b.text() for b in gallery.findChildren(QPushButton) if b.isDefault() or b.autoDefault()]
    gallery.activateWindow()
    qtbot.waitUntil(gallery.isActiveWindow)
    gallery.grid.setFocus(Qt.FocusReason.TabFocusReason)  # (Qt makes the first cell the current one)
    assert gallery.grid.currentIndex().row() == 0
    qtbot.keyClick(gallery.grid, Qt.Key.Key_Right)  # from the first cell to the second: Chelsea
    assert gallery.grid.currentIndex().row() == 1
    qtbot.keyClick(gallery.grid, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: gallery.viewer is not None and gallery.viewer.isVisible(), timeout=5_000)
    viewer = gallery.viewer
    assert viewer is not None and viewer.current is not None and viewer.current.message_id == photo.id
    assert viewer.canvas.accessibleName() == "Chelsea on the sofa"
    assert gallery.copy_dialog is None  # Enter did not press Save all… too
    qtbot.keyClick(viewer, Qt.Key.Key_Right)  # newer: the coffee, named by its file
    qtbot.waitUntil(lambda: viewer.canvas.accessibleName() == "coffee_with_gps.jpg", timeout=5_000)
    assert coffee.attachments[0].name == "coffee_with_gps.jpg"
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: gallery.viewer is None, timeout=5_000)


def test_file_rows_grow_with_the_font() -> None:
    delegate = FileRowDelegate()
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 320, 10)
    option.font = QApplication.font()
    usual = delegate.sizeHint(option, QModelIndex()).height()
    larger = QFont(option.font)
    larger.setPointSizeF(option.font.pointSizeF() * 2.5)
    option.font = larger
    height = delegate.sizeHint(option, QModelIndex()).height()
    assert height > usual
    lines = QFontMetrics(scaled_font(larger, 1.0, bold=True)).height() + \
        QFontMetrics(scaled_font(larger, 0.92)).height()
    assert height >= lines + 8  # the name and the line under it, with room round them
