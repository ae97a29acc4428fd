"""Unread marks clear only for what is shown in the active window; a restart reopens the last conversation."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.core.backoff import Backoff
from desktop.core.engine import Engine
from desktop.ui.bridge import EngineBridge
from desktop.ui.main_window import MainWindow
from tests.gui.conftest import AppUser, Chat, wait_until_open


def unread(user: AppUser, cid: str) -> int:
    return next(s.unread for s in user.engine.db.conversations.summaries() if s.conversation.id == cid)


def to_front(qtbot: QtBot, user: AppUser) -> None:
    user.window.activateWindow()
    qtbot.waitUntil(user.window.isActiveWindow, timeout=5_000)


def restart(qtbot: QtBot, user: AppUser) -> AppUser:
    """Quit the app and start it again on the same profile, its window shown but not yet in front."""
    user.window.close()
    user.bridge.stop()
    engine = Engine(user.data_dir, long_poll_s=1, backoff=Backoff(base=0.05, cap=0.5)).start()
    bridge = EngineBridge(engine)
    window = MainWindow(bridge)
    window.resize(900, 700)
    window.show()
    qtbot.waitExposed(window)
    return AppUser(user.name, engine, bridge, window, user.data_dir)


def test_unread_clears_only_when_shown_in_the_active_window_and_a_restart_reopens_the_last_one(
        chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    trip = chat.cid
    work = alice.engine.create_conversation("Work", ["bob"])
    wait_until_open(qtbot, alice, work)  # alice reads Work last
    to_front(qtbot, bob)  # ... and turns to something else

    bob.engine.send(trip, "train at 9?")  # Weekend trip moves to the top of alice's list, unread
    qtbot.waitUntil(lambda: unread(alice, trip) == 1, timeout=15_000)
    alice.window.show_conversation_if_listed(trip)  # on screen, but her window is behind bob's
    qtbot.waitUntil(lambda: alice.model.rowCount() == 1, timeout=5_000)
    alice.bridge.wait_idle()
    assert unread(alice, trip) == 1
    alice.window.show_conversation_if_listed(work)
    alice.bridge.wait_idle()

    alice = restart(qtbot, alice)
    try:
        assert alice.window.conversations.conversations.summary(0).conversation.id == trip  # the top one
        assert alice.view.conversation_id == work  # yet the last one she viewed opens
        to_front(qtbot, alice)
        alice.bridge.wait_idle()
        assert unread(alice, trip) == 1  # never shown: still unread

        alice.window.show_conversation_if_listed(trip)
        qtbot.waitUntil(lambda: unread(alice, trip) == 0, timeout=5_000)  # shown in front: read
    finally:
        alice.window.close()
        alice.bridge.stop()
        alice.window.deleteLater()  # on this thread, not whichever thread's garbage collection finds it
        alice.bridge.deleteLater()


def test_messages_below_the_part_she_is_reading_stay_unread_until_scrolled_to(chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    to_front(qtbot, alice)
    for n in range(12):
        bob.engine.send(chat.cid, f"earlier {n}\n" * 4)
    qtbot.waitUntil(lambda: alice.model.rowCount() == 12, timeout=15_000)
    qtbot.waitUntil(lambda: unread(alice, chat.cid) == 0, timeout=5_000)  # at the bottom, in front: all read
    bar = alice.timeline.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(0)  # she scrolls back to the first ones
    for n in range(3):
        bob.engine.send(chat.cid, f"new {n}")
    qtbot.waitUntil(lambda: alice.model.rowCount() == 15, timeout=15_000)
    with qtbot.waitSignal(alice.view.in_sight_changed, timeout=5_000):
        bar.setValue(1)
    alice.bridge.wait_idle()
    assert unread(alice, chat.cid) == 3
    alice.timeline.scroll_to_newest()
    qtbot.waitUntil(lambda: unread(alice, chat.cid) == 0, timeout=5_000)
