"""Window titles as the platform shows them: the app's name once, the chat's own name, nothing cut off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from desktop.ui.dialogs.new_conversation import NewConversationDialog
from desktop.ui.dialogs.settings import SettingsDialog
from desktop.ui.dialogs.sign_in import SignInDialog
from desktop.ui.gallery.gallery import GalleryDialog
from desktop.ui.search.dialog import SearchDialog
from tests.gui.conftest import AppUser, Chat

TITLE_BAR_EXTRA = 160
"""Room a title bar takes besides the title itself: the icon, the buttons, the margins."""


@pytest.fixture
def display_name() -> Iterator[str]:
    """The display name the app sets (make_application), which X11, Wayland and Windows add to titles."""
    app = QGuiApplication.instance()
    assert isinstance(app, QGuiApplication)
    before = app.applicationDisplayName()
    app.setApplicationDisplayName("Envelope")
    yield "Envelope"
    app.setApplicationDisplayName(before)


def as_shown(title: str, app_name: str) -> str:
    """A title as Qt's QPlatformWindow::formatWindowTitle puts it in a title bar."""
    return title if title.endswith(app_name) else f"{title} — {app_name}" if title else app_name


def test_the_main_window_names_the_app_once(alice: AppUser, display_name: str) -> None:
    assert as_shown(alice.window.windowTitle(), display_name) == "alice — Envelope"


def test_dialogs_name_the_app_once(chat: Chat, display_name: str, qtbot: QtBot) -> None:
    bridge = chat.alice.bridge
    dialogs = [SignInDialog(bridge, "http://127.0.0.1:1"), SettingsDialog(bridge), SearchDialog(bridge),
               NewConversationDialog(bridge), GalleryDialog(bridge, chat.cid)]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        assert as_shown(dialog.windowTitle(), display_name).count("Envelope") == 1, dialog.windowTitle()
    assert dialogs[-1].windowTitle() == "Weekend trip — Media and files"  # the chat's name, not "Conversation"


def test_the_watched_folder_question_is_wide_enough_for_its_title(alice: AppUser, display_name: str,
                                                                  qtbot: QtBot, tmp_path: Path) -> None:
    alice.engine.create_conversation("Photo club", [])
    alice.engine.create_conversation("Weekend trip", [])
    settings = SettingsDialog(alice.bridge)
    qtbot.addWidget(settings)
    settings.show()
    folder = tmp_path / "drop"
    folder.mkdir()
    settings.ask_conversation_for(folder)
    question = settings.folder_question
    assert isinstance(question, QInputDialog)
    qtbot.waitExposed(question)
    title = as_shown(question.windowTitle(), display_name)
    title_font = QGuiApplication.font()  # title bars use about the application font, often bold and larger
    title_font.setBold(True)
    title_font.setPointSizeF(title_font.pointSizeF() * 1.15)
    assert question.width() >= QFontMetrics(title_font).horizontalAdvance(title) + TITLE_BAR_EXTRA
    question.setTextValue("Weekend trip")
    question.accept()
    qtbot.waitUntil(lambda: settings.folders.count() == 1, timeout=5_000)
    assert "Weekend trip" in settings.folders.item(0).text()
