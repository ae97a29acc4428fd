"""Taking messages away: Discard a failed one at once; Delete for me asks first and leaves others their copy."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.db.records import Message
from desktop.ui.timeline.view import TimelineView
from tests.gui.conftest import AppUser, Chat


def index_of(user: AppUser, message: Message) -> QModelIndex:
    return user.model.index_of(message.id)


def menu_labels(timeline: TimelineView, index: QModelIndex) -> list[str]:
    return [a.text() for a in timeline.message_menu(index).actions() if a.text()]


def trigger(timeline: TimelineView, index: QModelIndex, label: str) -> None:
    action = next(a for a in timeline.message_menu(index).actions() if a.text() == label)
    action.trigger()


def question(qtbot: QtBot) -> QMessageBox:
    found: list[QMessageBox] = []

    def shown() -> bool:
        found[:] = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown, timeout=5_000)
    return found[0]


def send_text(qtbot: QtBot, user: AppUser, text: str) -> None:
    user.view.composer.editor.setPlainText(text)
    user.view.composer.send()


def a_cancelled_upload(qtbot: QtBot, user: AppUser, tmp_path: Path) -> Message:
    """A file whose upload the user stopped at once: it stays as "Not sent · Retry"."""
    path = tmp_path / "notes.bin"
    data = os.urandom(200_000)
    path.write_bytes(data)
    user.engine.cancel_transfer(hashlib.sha256(data).hexdigest())  # the × pressed before a byte went
    user.view.composer.add_files([path])
    user.view.composer.send()
    qtbot.waitUntil(lambda: [m.state for m in user.rows()] == ["failed"], timeout=15_000)
    return user.rows()[0]


def test_a_cancelled_upload_is_discarded_with_the_delete_key_without_a_question(
        chat: Chat, qtbot: QtBot, tmp_path: Path) -> None:
    alice = chat.alice
    assert alice.model.parent() is alice.view  # destroyed with the window, on this thread (it runs a timer)
    failed = a_cancelled_upload(qtbot, alice, tmp_path)
    index = index_of(alice, failed)
    assert "Discard" in menu_labels(alice.timeline, index)
    assert "Delete for me…" not in menu_labels(alice.timeline, index)
    rect = alice.timeline.visualRect(index)
    bubble = alice.timeline.bubbles.layout(index, rect.width()).bubble
    below_the_file = bubble.bottomLeft().toPoint() + rect.topLeft() + QPoint(20, -6)  # not on a button
    qtbot.mouseClick(alice.timeline.viewport(), Qt.MouseButton.LeftButton, pos=below_the_file)
    assert alice.timeline.selectionModel().isSelected(index)
    qtbot.keyClick(alice.timeline, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: alice.rows() == [], timeout=5_000)
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert alice.engine.db.messages.get(failed.id) is None and alice.engine.db.outbox.items() == []
    summary = alice.window.conversations.conversations.summary(0)
    assert summary.last_message is None


def test_discard_from_the_menu(chat: Chat, qtbot: QtBot, tmp_path: Path) -> None:
    alice = chat.alice
    failed = a_cancelled_upload(qtbot, alice, tmp_path)
    trigger(alice.timeline, index_of(alice, failed), "Discard")
    qtbot.waitUntil(lambda: alice.rows() == [], timeout=5_000)


def test_delete_for_me_asks_first_then_takes_the_message_from_this_profile_only(chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    send_text(qtbot, bob, "the door code is 4711")
    send_text(qtbot, bob, "see you at 8")
    qtbot.waitUntil(lambda: [m.body for m in alice.rows()] == ["the door code is 4711", "see you at 8"],
                    timeout=15_000)
    secret = alice.rows()[0]
    index = index_of(alice, secret)
    assert "Discard" not in menu_labels(alice.timeline, index)

    trigger(alice.timeline, index, "Delete for me…")
    box = question(qtbot)
    assert "bob keeps their copy" in box.informativeText()
    box.button(QMessageBox.StandardButton.Cancel).click()  # changed her mind: nothing happens
    alice.bridge.wait_idle()
    assert [m.body for m in alice.rows()] == ["the door code is 4711", "see you at 8"]

    alice.timeline.select_row(index_of(alice, secret))
    qtbot.keyClick(alice.timeline, Qt.Key.Key_Delete)  # the Delete key asks the same question
    box = question(qtbot)
    next(b for b in box.buttons() if b.text() == "Delete for me").click()
    qtbot.waitUntil(lambda: [m.body for m in alice.rows()] == ["see you at 8"], timeout=5_000)
    assert not alice.timeline.selectionModel().hasSelection()  # another Delete does not go on to the next one
    assert alice.engine.db.messages.search("door") == []
    assert [m.body for m in bob.rows()] == ["the door code is 4711", "see you at 8"]  # bob keeps his
