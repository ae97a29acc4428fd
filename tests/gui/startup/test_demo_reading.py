"""--demo: someone who replied has read what they answered, so their own reply never shows as unread."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.core.db.records import ConversationSummary
from desktop.core.engine import Engine
from desktop.ui.conversations.model import Roles
from desktop.ui.startup.demo import CLUB_SCRIPT, Demo


def club(engine: Engine, club_id: str) -> ConversationSummary:
    return next(s for s in engine.db.conversations.summaries() if s.conversation.id == club_id)


def test_alices_reply_in_photo_club_leaves_nothing_unread_for_her(qtbot: QtBot) -> None:
    demo = Demo(long_poll_s=1)
    try:
        windows = demo.show_windows((760, 560))
        qtbot.waitUntil(demo.ready, timeout=120_000)
        alice, bob = demo.users["alice"].engine, demo.users["bob"].engine
        for engine in (alice, bob):
            qtbot.waitUntil(lambda engine=engine: len(engine.db.messages.page(demo.club_id)) == len(CLUB_SCRIPT),
                            timeout=20_000)
        mine = club(alice, demo.club_id)
        assert mine.last_message is not None and mine.last_message.sender == "alice"  # her reply is the preview
        assert mine.unread == 0
        assert club(bob, demo.club_id).unread == 1  # bob has not read her reply yet
        model = windows[0].conversations.model()
        qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=10_000)
        row = next(model.index(r, 0) for r in range(2) if model.index(r, 0).data(Roles.CONVERSATION_ID) == demo.club_id)
        assert row.data(Roles.UNREAD) == 0
    finally:
        demo.stop()
