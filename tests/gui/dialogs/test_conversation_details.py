"""The conversation details dialog: rename (the header and the list follow), add people, remove someone
(it asks first), leave (it asks first; the conversation is gone)."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.conversations.model import Roles
from desktop.ui.dialogs.conversation_details import ConversationDetails
from tests.gui.conftest import AppUser, Chat

WAIT_MS = 15_000


def _details(qtbot: QtBot, user: AppUser) -> ConversationDetails:
    qtbot.mouseClick(user.view.details_button, Qt.MouseButton.LeftButton)
    shown = [d for d in user.view.findChildren(ConversationDetails) if d.isVisible()]
    assert len(shown) == 1
    return shown[0]


def _question(qtbot: QtBot, parent: QWidget) -> QMessageBox:
    qtbot.waitUntil(lambda: any(box.isVisible() for box in parent.findChildren(QMessageBox)), timeout=5_000)
    box = next(box for box in parent.findChildren(QMessageBox) if box.isVisible())
    default = box.defaultButton()
    assert default is not None and box.buttonRole(default) == QMessageBox.ButtonRole.RejectRole  # Cancel
    return box


def _answer(box: QMessageBox, text: str) -> None:
    next(b for b in box.buttons() if b.text() == text).click()


def _add_carol(chat: Chat, carol: AppUser, qtbot: QtBot) -> None:
    """alice adds carol over HTTP (the test's thread writes no database); both feeds file it."""
    client = chat.alice.engine.client
    assert client is not None
    client.add_member(chat.cid, "carol")
    for user in (chat.alice, carol):
        qtbot.waitUntil(lambda user=user: "carol" in _members(user, chat.cid), timeout=WAIT_MS)


def _members(user: AppUser, cid: str) -> tuple[str, ...]:
    conversation = user.engine.db.conversations.get(cid)
    return () if conversation is None else conversation.members


def _listed_title(user: AppUser, cid: str) -> str | None:
    model = user.window.conversations.conversations
    row = model.row_of(cid)
    return None if row is None else str(model.index(row, 0).data(Roles.TITLE))


def test_rename_shows_in_the_header_and_the_list(chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    dialog = _details(qtbot, alice)
    assert dialog.heading.text() == "Weekend trip" and dialog.title.text() == "Weekend trip"
    assert not dialog.rename_button.isEnabled()  # nothing changed yet
    dialog.title.setFocus()
    dialog.title.selectAll()
    qtbot.keyClicks(dialog.title, "Ski week")
    assert dialog.rename_button.isEnabled()
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: alice.view.title.text() == "Ski week", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: _listed_title(alice, chat.cid) == "Ski week" and dialog.note.text() == "Renamed.")
    assert dialog.heading.text() == "Ski week" and not dialog.rename_button.isEnabled()
    qtbot.waitUntil(lambda: bob.view.title.text() == "Ski week" and _listed_title(bob, chat.cid) == "Ski week",
                    timeout=WAIT_MS)


def test_add_people(chat: Chat, make_user: Callable[[str], AppUser], qtbot: QtBot) -> None:
    alice = chat.alice
    carol = make_user("carol")
    dialog = _details(qtbot, alice)
    assert not dialog.usernames.isVisible()
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.usernames.isVisible() and dialog.focusWidget() is dialog.usernames
    qtbot.keyClicks(dialog.usernames, "nobody-here")
    qtbot.mouseClick(dialog.add_confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.text() == "There is no user called 'nobody-here'.", timeout=WAIT_MS)
    assert dialog.error.isVisible() and dialog.usernames.text() == "nobody-here"  # kept, to correct

    dialog.usernames.setText("carol")
    qtbot.keyClick(dialog.usernames, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "carol" in dialog.remove_buttons and dialog.note.text() == "Added carol.",
                    timeout=WAIT_MS)
    assert dialog.count.text() == "3 people" and dialog.usernames.text() == "" and not dialog.error.isVisible()
    assert alice.view.subtitle.text() == "you, bob, carol"
    qtbot.waitUntil(lambda: carol.engine.db.conversations.get(chat.cid) is not None, timeout=WAIT_MS)
    at_carol = carol.engine.db.conversations.get(chat.cid)
    assert at_carol is not None and at_carol.is_request  # alice is a stranger to carol: she decides


def test_remove_asks_then_removes(chat: Chat, make_user: Callable[[str], AppUser], qtbot: QtBot) -> None:
    alice = chat.alice
    carol = make_user("carol")
    _add_carol(chat, carol, qtbot)
    dialog = _details(qtbot, alice)
    assert set(dialog.remove_buttons) == {"bob", "carol"}  # no Remove beside yourself: that is Leave

    qtbot.mouseClick(dialog.remove_buttons["carol"], Qt.MouseButton.LeftButton)
    box = _question(qtbot, dialog)
    assert box.text() == "Remove carol from “Weekend trip”?"
    _answer(box, "Cancel")
    assert "carol" in dialog.remove_buttons
    assert _members(alice, chat.cid) == ("alice", "bob", "carol")

    qtbot.mouseClick(dialog.remove_buttons["carol"], Qt.MouseButton.LeftButton)
    _answer(_question(qtbot, dialog), "Remove")
    qtbot.waitUntil(lambda: "carol" not in dialog.remove_buttons and dialog.note.text() == "Removed carol.",
                    timeout=WAIT_MS)
    assert dialog.count.text() == "2 people"
    qtbot.waitUntil(lambda: carol.engine.db.conversations.get(chat.cid) is None, timeout=WAIT_MS)


def test_leave_asks_then_the_conversation_is_gone(chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    dialog = _details(qtbot, bob)
    qtbot.mouseClick(dialog.leave_button, Qt.MouseButton.LeftButton)
    box = _question(qtbot, dialog)
    assert box.text() == "Leave “Weekend trip”?"
    _answer(box, "Cancel")
    assert dialog.isVisible() and bob.engine.db.conversations.get(chat.cid) is not None

    qtbot.mouseClick(dialog.leave_button, Qt.MouseButton.LeftButton)
    _answer(_question(qtbot, dialog), "Leave")
    qtbot.waitUntil(lambda: bob.view.conversation_id is None and _listed_title(bob, chat.cid) is None,
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog))  # closed, and deleted
    assert bob.engine.db.conversations.get(chat.cid) is None
    assert bob.window.statusBar().currentMessage() == "You left “Weekend trip”."
    qtbot.waitUntil(lambda: alice.view.subtitle.text() == "you", timeout=WAIT_MS)


def test_a_request_offers_only_leave(chat: Chat, make_user: Callable[[str], AppUser], qtbot: QtBot) -> None:
    carol = make_user("carol")
    _add_carol(chat, carol, qtbot)
    qtbot.waitUntil(lambda: carol.window.show_conversation_if_listed(chat.cid), timeout=WAIT_MS)
    dialog = _details(qtbot, carol)
    assert dialog.note.text() == "Accept this conversation to change its title or people."
    assert not any(w.isEnabled() for w in (dialog.title, dialog.add_button, *dialog.remove_buttons.values()))
    assert dialog.leave_button.isEnabled()
