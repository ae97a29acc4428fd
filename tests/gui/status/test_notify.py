"""Tray notifications: Bob's message while Alice's window is inactive is shown; her own and muted ones are not."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.ui.status.notify import TrayNotifier, envelope_icon, notification_text
from tests.gui.conftest import SAMPLES, Chat


@pytest.fixture
def notifier(chat: Chat, qtbot: QtBot) -> TrayNotifier:
    """Alice's notifier, her window behind Bob's."""
    chat.bob.window.activateWindow()
    qtbot.waitUntil(lambda: not chat.alice.window.isActiveWindow())
    return TrayNotifier(chat.alice.bridge, chat.alice.window)


def test_a_message_from_bob_is_shown_while_the_window_is_inactive(
        chat: Chat, qtbot: QtBot, notifier: TrayNotifier) -> None:
    with qtbot.waitSignal(chat.alice.bridge.message_added, timeout=15_000):
        chat.bob.engine.send(chat.cid, "Dinner at eight?\nI'll book")
    assert notifier.shown == [("bob", "Dinner at eight?")]
    assert notifier.last_conversation_id == chat.cid
    with qtbot.waitSignal(chat.alice.bridge.message_added, timeout=15_000):
        chat.bob.engine.send(chat.cid, "", [SAMPLES / "photos/chelsea.png"])
    assert notifier.shown[-1] == ("bob", "Photo")


def test_her_own_messages_and_muted_notifications_are_not_shown(
        chat: Chat, qtbot: QtBot, notifier: TrayNotifier) -> None:
    with qtbot.waitSignal(chat.alice.bridge.message_added, timeout=5_000):
        chat.alice.engine.send(chat.cid, "on my way")
    assert notifier.shown == []
    chat.alice.engine.db.settings.set("notifications", False)
    with qtbot.waitSignal(chat.alice.bridge.message_added, timeout=15_000):
        chat.bob.engine.send(chat.cid, "see you")
    assert notifier.shown == []


def test_not_while_her_window_is_in_front(chat: Chat, qtbot: QtBot, notifier: TrayNotifier) -> None:
    chat.alice.window.activateWindow()
    qtbot.waitUntil(chat.alice.window.isActiveWindow)
    with qtbot.waitSignal(chat.alice.bridge.message_added, timeout=15_000):
        chat.bob.engine.send(chat.cid, "hello")
    assert notifier.shown == []


def test_the_drawn_icon_and_the_texts(chat: Chat) -> None:
    icon = envelope_icon(QApplication.palette().highlight().color(), QApplication.palette().base().color())
    assert not icon.isNull() and icon.pixmap(32).width() == 32
    engine = chat.bob.engine
    pdf = engine.send(chat.cid, "", [SAMPLES / "files/chelsea.pdf"])
    two = engine.send(chat.cid, "", [SAMPLES / "photos/chelsea.png", SAMPLES / "photos/coffee_with_gps.jpg"])
    assert notification_text(pdf) == "File: chelsea.pdf"
    assert notification_text(two) == "2 photos"


def test_clicking_the_notification_raises_her_window(chat: Chat, qtbot: QtBot, notifier: TrayNotifier) -> None:
    with qtbot.waitSignal(chat.alice.bridge.message_added, timeout=15_000):
        chat.bob.engine.send(chat.cid, "look")
    with qtbot.waitSignal(notifier.conversation_requested) as requested:
        notifier.open_latest()  # what clicking the bubble does
    assert requested.args == [chat.cid]
    qtbot.waitUntil(chat.alice.window.isActiveWindow)
