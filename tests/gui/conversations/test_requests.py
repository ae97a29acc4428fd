"""Requests in the window: the Requests row, a request opened with its bar, Accept · Delete · Block."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.db.records import Message
from desktop.ui.conversations.requests import who_wants
from desktop.ui.status.notify import TrayNotifier
from sync.client import ApiError
from tests.gui.conftest import SAMPLES, AppUser, distinct_colours

WAIT_MS = 15_000


def _listed(user: AppUser, cid: str) -> bool:
    return user.window.conversations.conversations.row_of(cid) is not None


def _request_from(qtbot: QtBot, sender: AppUser, bob: AppUser, text: str, *files: str) -> tuple[str, Message]:
    """``sender`` (a stranger) starts a conversation with bob and writes; it is a request at bob."""
    cid = sender.engine.create_conversation("", ["bob"])
    sender.engine.send(cid, text, [SAMPLES / f for f in files])
    qtbot.waitUntil(lambda: any(m.body == text for m in bob.engine.db.messages.page(cid)), timeout=WAIT_MS)
    (message,) = [m for m in bob.engine.db.messages.page(cid) if m.body == text]
    return cid, message


def test_a_request_waits_behind_the_row_then_is_accepted(alice: AppUser, bob: AppUser, qtbot: QtBot) -> None:
    alice.window.activateWindow()  # bob's window behind: his messages would notify
    qtbot.waitUntil(lambda: not bob.window.isActiveWindow())
    notifier = TrayNotifier(bob.bridge, bob.window)
    cid, message = _request_from(qtbot, alice, bob, "hi, it's alice from the club", "photos/chelsea.png")
    row = bob.window.lists.row
    qtbot.waitUntil(lambda: row.isVisible() and row.count == 1, timeout=WAIT_MS)
    assert row.line == "alice wants to message you" and not _listed(bob, cid)
    assert notifier.shown == []
    photo = message.attachments[0]
    assert bob.engine.media_path(photo.blob) is None and bob.engine.media_path(photo.thumbnail or "") is None

    qtbot.mouseClick(row, Qt.MouseButton.LeftButton)
    assert bob.window.lists.showing_requests()
    bob.window.lists.requests.select(cid)
    qtbot.waitUntil(lambda: bob.view.conversation_id == cid and bob.view.is_request())
    bar = bob.view.request_bar
    assert bar.headline.text() == "alice wants to message you" and bar.block_button.text() == "Block alice"
    assert not bob.view.composer.isVisible()
    assert [m.body for m in bob.rows()] == ["hi, it's alice from the club"]
    assert distinct_colours(bob.window.grab().toImage()) > 10  # it paints (the photo as its blurhash)

    qtbot.mouseClick(bar.accept_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _listed(bob, cid) and not bob.view.is_request(), timeout=WAIT_MS)
    assert bob.view.composer.isVisible() and not bob.window.lists.showing_requests() and not row.isVisible()
    qtbot.waitUntil(lambda: bob.engine.media_path(photo.blob) is not None
                    and bob.engine.media_path(photo.thumbnail or "") is not None, timeout=WAIT_MS)
    with qtbot.waitSignal(bob.bridge.message_added, timeout=WAIT_MS):  # a chat now: it notifies
        alice.engine.send(cid, "thanks!")
    assert notifier.shown == [("alice", "thanks!")]


def test_delete_and_block(alice: AppUser, bob: AppUser, make_user: Callable[[str], AppUser],
                          qtbot: QtBot) -> None:
    carol = make_user("carol")
    spam, _ = _request_from(qtbot, alice, bob, "buy now")
    other, _ = _request_from(qtbot, carol, bob, "hello?")
    row = bob.window.lists.row
    qtbot.waitUntil(lambda: row.count == 2, timeout=WAIT_MS)
    assert row.line in (who_wants(["alice", "carol"]), who_wants(["carol", "alice"]))

    assert bob.window.show_conversation_if_listed(spam) and bob.view.is_request()
    qtbot.mouseClick(bob.view.request_bar.block_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row.count == 1 and bob.view.conversation_id is None, timeout=WAIT_MS)
    assert bob.window.statusBar().currentMessage() == "Blocked alice: they can't add you to a conversation again."
    assert bob.engine.db.conversations.get(spam) is None
    with pytest.raises(ApiError) as refused:
        alice.engine.create_conversation("again", ["bob"])
    assert refused.value.status == 422

    assert bob.window.show_conversation_if_listed(other)
    qtbot.mouseClick(bob.view.request_bar.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not row.isVisible() and not bob.window.lists.showing_requests(), timeout=WAIT_MS)
    assert bob.engine.db.conversations.get(other) is None
    assert bob.window.statusBar().currentMessage() == "Request deleted."


def test_who_wants() -> None:
    assert who_wants([]) == ""
    assert who_wants(["dave", "dave"]) == "dave wants to message you"
    assert who_wants(["a", "b", "c"]) == "a, b and 1 other want to message you"
    assert who_wants(["a", "b", "c", "d"]) == "a, b and 2 others want to message you"
