"""Settings speaks the app's one size rule (decimal units) and fits its rows without scrolling."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QScrollArea
from pytestqt.qtbot import QtBot

from desktop.core.units import GB, MB, size_text
from desktop.ui.dialogs.settings import SettingsDialog
from desktop.ui.gallery.gallery import GalleryDialog
from desktop.ui.timeline.layout import file_caption
from tests.gui.conftest import AppUser


def open_settings(qtbot: QtBot, user: AppUser) -> SettingsDialog:
    dialog = SettingsDialog(user.bridge)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_limits_read_and_write_in_decimal_units(alice: AppUser, qtbot: QtBot) -> None:
    settings = alice.engine.db.settings
    dialog = open_settings(qtbot, alice)
    assert dialog.cache_limit.value() == pytest.approx(5.0) and dialog.cache_limit.suffix() == " GB"
    assert settings.get("cache_limit_bytes") == 5 * GB  # the default says what it shows
    assert settings.get("auto_download_max_bytes") == 8 * MB
    assert dialog.usage.text() == "0 bytes of 5.0 GB"
    dialog.cache_limit.setValue(0.1)
    qtbot.waitUntil(lambda: dialog.usage.text() == "0 bytes of 100.0 MB")  # stored off the GUI thread; not "of 102 MB"
    assert settings.get("cache_limit_bytes") == 100 * MB
    dialog.auto_download.setValue(20)
    alice.bridge.wait_idle()
    assert settings.get("auto_download_max_bytes") == 20 * MB


def test_a_file_has_one_size_on_every_screen(alice: AppUser, qtbot: QtBot, tmp_path: Path) -> None:
    cid = alice.engine.create_conversation("Notes", [])
    upload = tmp_path / "scan.bin"
    upload.write_bytes(bytes(range(256)) * 1229)  # 314_624 bytes: "314.6 KB" in decimal, "307.2 KB" in binary
    message = alice.engine.send(cid, "", [upload])
    attachment = message.attachments[0]
    dialog = GalleryDialog(alice.bridge, cid)
    qtbot.addWidget(dialog)
    dialog.show()
    gallery = dialog.file_model
    if gallery.canFetchMore(QModelIndex()):
        gallery.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: gallery.rowCount() == 1, timeout=5_000)
    shown = size_text(attachment.size)
    assert shown == "314.6 KB"
    assert file_caption(attachment).startswith(shown)  # the bubble
    assert shown in gallery.data(gallery.index(0, 0), Qt.ItemDataRole.ToolTipRole)  # the gallery
    settings = open_settings(qtbot, alice)
    assert settings.usage.text().startswith(size_text(alice.engine.cache.usage()))


def test_rows_have_room_and_nothing_scrolls_at_the_default_size(alice: AppUser, qtbot: QtBot,
                                                                tmp_path: Path) -> None:
    alice.engine.create_conversation("Photo club", [])
    dialog = open_settings(qtbot, alice)
    assert dialog.findChildren(QScrollArea) == [], "nothing to scroll: every page fits"
    assert dialog.height() <= dialog.screen().availableGeometry().height()
    for page, form in enumerate(dialog.pages):
        dialog.tabs.setCurrentIndex(page)
        qtbot.waitUntil(lambda form=form: form.parentWidget().isVisible())
        assert form.verticalSpacing() >= 12
        items = [form.itemAt(row, role) for row in range(form.rowCount())
                 for role in (QFormLayout.ItemRole.FieldRole, QFormLayout.ItemRole.SpanningRole)]
        widgets = list(dict.fromkeys(item.widget() for item in items if item is not None and item.widget()))
        for widget in widgets:  # none squashed below what its text needs
            needed = (widget.heightForWidth(widget.width()) if widget.hasHeightForWidth()
                      else widget.minimumSizeHint().height())
            assert widget.height() >= needed, widget
        tops = sorted(w.geometry().top() for w in widgets if not isinstance(w, QLabel))
        assert all(b - a >= 30 for a, b in itertools.pairwise(tops)), tops
        assert dialog.grab().save(str(tmp_path / f"settings-{page}.png"))
