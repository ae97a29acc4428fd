"""Forwarding in the window: Forward… in a message's menu, the picker (chats as listed, no requests,
filtered as you type), and the copy landing in the chosen chat with the same photo."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.db.records import Attachment, Message
from desktop.ui.conversations.model import Roles
from desktop.ui.dialogs.forward import ForwardDialog, what_is_forwarded
from sync.protocol import MAX_BODY_CHARS
from tests.gui.conftest import SAMPLES, AppUser, Chat, wait_until_open
from tests.gui.timeline.test_delete import menu_labels, trigger

WAIT_MS = 15_000


@pytest.fixture
def carol_chat(chat: Chat, make_user: Callable[[str], AppUser], qtbot: QtBot) -> tuple[AppUser, str]:
    """carol, with a chat bob started and she accepted; and a request from dave that bob left waiting."""
    carol, dave = make_user("carol"), make_user("dave")
    cid = chat.bob.engine.create_conversation("", ["carol"])
    qtbot.waitUntil(lambda: carol.engine.db.conversations.get(cid) is not None, timeout=WAIT_MS)
    carol.engine.accept_request(cid)
    request = dave.engine.create_conversation("", ["bob"])
    dave.engine.send(request, "hello bob, it's dave")
    qtbot.waitUntil(lambda: bool(chat.bob.engine.db.messages.page(request)), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: chat.bob.window.conversations.conversations.row_of(cid) is not None, timeout=WAIT_MS)
    wait_until_open(qtbot, chat.bob, chat.cid)
    return carol, cid


def _arrived(qtbot: QtBot, user: AppUser, body: str) -> Message:
    """The message with ``body`` once it shows, sent, in ``user``'s open timeline."""
    qtbot.waitUntil(lambda: any(m.body == body and m.state == "sent" for m in user.rows()), timeout=WAIT_MS)
    return next(m for m in user.rows() if m.body == body)


def _picker(qtbot: QtBot, user: AppUser, message: Message) -> ForwardDialog:
    trigger(user.timeline, user.model.index_of(message.id), "Forward…")
    found: list[ForwardDialog] = []

    def shown() -> bool:
        found[:] = [d for d in user.view.findChildren(ForwardDialog) if d.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown, timeout=5_000)
    return found[0]


def _titles(dialog: ForwardDialog) -> list[str]:
    model = dialog.list.model()
    return [model.index(row, 0).data(Roles.TITLE) for row in range(model.rowCount())]


def test_the_menu_offers_forward_for_what_was_sent_not_for_what_failed(chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    too_long = bob.engine.send(chat.cid, "x" * (MAX_BODY_CHARS + 1))  # the server refuses it
    qtbot.waitUntil(lambda: [m.state for m in bob.rows()] == ["failed"], timeout=WAIT_MS)
    labels = menu_labels(bob.timeline, bob.model.index_of(too_long.id))
    assert "Forward…" not in labels and "Retry sending" in labels
    alice.engine.send(chat.cid, "the coast", [SAMPLES / "photos/chelsea.png"])
    alice.engine.send(chat.cid, "see you at nine")
    photo, text = _arrived(qtbot, bob, "the coast"), _arrived(qtbot, bob, "see you at nine")
    assert "Forward…" in menu_labels(bob.timeline, bob.model.index_of(photo.id))
    assert "Forward…" in menu_labels(bob.timeline, bob.model.index_of(text.id))


def test_the_picker_lists_chats_filters_and_forwards(
        chat: Chat, carol_chat: tuple[AppUser, str], qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    carol, home = carol_chat
    sent = alice.engine.send(chat.cid, "the coast", [SAMPLES / "photos/chelsea.png"])
    photo = _arrived(qtbot, bob, "the coast")

    dialog = _picker(qtbot, bob, photo)
    assert dialog.windowTitle() == "Forward"
    assert dialog.heading.text() == "Forward “chelsea.jpg” to…"  # (a photo goes as JPEG)
    assert sorted(_titles(dialog)) == ["Weekend trip", "carol"]  # dave's request is not offered
    qtbot.keyClicks(dialog.search, "CAR")
    assert _titles(dialog) == ["carol"] and dialog.chosen() == home
    qtbot.keyClicks(dialog.search, "x")
    assert _titles(dialog) == [] and dialog.empty.isVisible() and not dialog.list.isVisible()
    assert dialog.empty.text() == "No chat matches “CARx”." and not dialog.forward_button.isEnabled()
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "alice")  # a member's name finds a chat with a title of its own
    assert _titles(dialog) == ["Weekend trip"]
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "bob")  # but bob's own name is in every chat: it finds none
    assert _titles(dialog) == []
    dialog.search.clear()
    second = _titles(dialog)[1]
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)  # moves through the chats, the text stays
    assert dialog.list.currentIndex().data(Roles.TITLE) == second and dialog.search.text() == ""
    qtbot.keyClicks(dialog.search, "carol")
    with qtbot.waitSignal(dialog.finished, timeout=5_000):  # it closes (and is deleted later)
        qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert bob.window.statusBar().currentMessage() == "Forwarded to carol."
    assert bob.view.conversation_id == chat.cid  # bob stays where he was

    (copy,) = bob.engine.db.messages.page(home)
    assert copy.sender == "bob" and copy.body == "the coast" and copy.attachments == photo.attachments
    qtbot.waitUntil(lambda: any(m.sender == "bob" for m in carol.engine.db.messages.page(home)), timeout=WAIT_MS)
    (at_carol,) = carol.engine.db.messages.page(home)
    assert [a.to_wire() for a in at_carol.attachments] == [a.to_wire() for a in sent.attachments]
    qtbot.waitUntil(lambda: carol.engine.media_path(sent.attachments[0].blob) is not None, timeout=WAIT_MS)

    alice.engine.send(chat.cid, "and bring the map")
    text = _arrived(qtbot, bob, "and bring the map")
    again = _picker(qtbot, bob, text)
    assert again.heading.text() == "Forward “and bring the map” to…"
    row = next(r for r, title in enumerate(_titles(again)) if title == "carol")
    cell = again.list.visualRect(again.list.model().index(row, 0)).center()
    qtbot.mouseClick(again.list.viewport(), Qt.MouseButton.LeftButton, pos=cell)  # (QTest's double-click
    qtbot.mouseDClick(again.list.viewport(), Qt.MouseButton.LeftButton, pos=cell)  # is only its second half)
    qtbot.waitUntil(lambda: len(bob.engine.db.messages.page(home)) == 2, timeout=5_000)
    assert bob.engine.db.messages.page(home)[0].body == "and bring the map"


def test_the_heading_names_what_is_forwarded() -> None:
    def message(body: str, *names: str) -> Message:
        files = tuple(Attachment(blob=f"{n:0>64}"[:64], size=1, mime="image/jpeg", name=name, kind="image")
                      for n, name in enumerate(names))
        return Message(id=1, client_id="c", server_id="s", conversation_id="x", sender="alice", body=body,
                       seq=1, sort_key=1, state="sent", created_at=0, attachments=files)

    assert what_is_forwarded(message("caption", "coast.jpg")) == "“coast.jpg”"
    assert what_is_forwarded(message("", "a.jpg", "b.jpg", "c.mp4")) == "“a.jpg” and 2 more"  # an album
    assert what_is_forwarded(message("see you\n at  nine")) == "“see you at nine”"
    long = "a sentence that goes on well past what a heading can hold"
    assert what_is_forwarded(message(long)) == "“a sentence that goes on well past what a…”"
