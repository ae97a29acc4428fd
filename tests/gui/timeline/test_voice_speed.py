"""Voice notes play at 1×, 1.5× or 2×: the pill on the bubble cycles the speed, the player follows, it is kept."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.conversations.pane import ConversationView
from desktop.ui.viewer.audio import next_speed, speed_label
from tests.gui.conftest import SAMPLES, Chat

VOICE = SAMPLES / "audio/voice_note.m4a"


def test_the_speed_pill_cycles_the_speed_the_player_follows_and_it_is_remembered(chat: Chat, qtbot: QtBot,
                                                                                  tmp_path: Path) -> None:
    alice = chat.alice
    note = alice.engine.send(chat.cid, "", [VOICE])
    qtbot.waitUntil(lambda: alice.model.index_of(note.id).isValid(), timeout=10_000)
    timeline, playback = alice.timeline, alice.timeline.playback
    assert playback.speed == 1.0

    def click_the_pill() -> None:
        index = alice.model.index_of(note.id)
        rect = timeline.visualRect(index)
        lay = timeline.bubbles.layout(index, rect.width())
        (pill,) = [h.rect for h in lay.hits if h.action == "speed"]
        assert lay.bubble.contains(pill)
        qtbot.mouseClick(timeline.viewport(), Qt.MouseButton.LeftButton,
                         pos=pill.center().toPoint() + rect.topLeft())

    click_the_pill()
    assert playback.speed == 1.5 and playback._ensure_player().playbackRate() == 1.5
    alice.bridge.wait_idle()
    assert alice.engine.db.settings.get("voice_speed") == 1.5
    click_the_pill()
    assert playback.speed == 2.0 and playback._ensure_player().playbackRate() == 2.0
    assert timeline.grab().save(str(tmp_path / "voice-2x.png"))
    alice.bridge.wait_idle()

    again = ConversationView(alice.bridge, alice.view.thumbnails)  # a window opened later starts at 2×
    qtbot.addWidget(again)
    assert again.timeline.playback.speed == 2.0
    click_the_pill()
    assert playback.speed == 1.0


def test_the_words() -> None:
    assert [speed_label(s) for s in (1.0, 1.5, 2.0)] == ["1×", "1.5×", "2×"]
    assert next_speed(1.0) == 1.5 and next_speed(2.0) == 1.0 and next_speed(0.7) == 1.0
