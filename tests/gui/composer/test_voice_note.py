"""Recording a voice note in the composer, from a real (tone-fed PulseAudio) microphone to the other user."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from desktop.ui.composer import voice_recorder
from desktop.ui.composer.composer import Composer
from desktop.ui.composer.voice import NO_MICROPHONE, RECORD_TIP, TOO_SHORT
from sync.media.pipeline import probe
from tests.gui.composer import pulse
from tests.gui.conftest import Chat


def composer(qtbot: QtBot) -> Composer:
    widget = Composer()
    qtbot.addWidget(widget)
    widget.resize(520, 80)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def recorded_at_least(qtbot: QtBot, widget: Composer, ms: int) -> None:
    qtbot.waitUntil(lambda: widget.voice.recorder.duration_ms() >= ms, timeout=15_000)


@pytest.mark.usefixtures("no_microphone")
def test_without_a_microphone_the_button_is_disabled_and_says_why(qtbot: QtBot) -> None:
    widget = composer(qtbot)
    assert not widget.voice.button.isEnabled()
    assert widget.voice.button.toolTip() == NO_MICROPHONE == "No microphone found. Connect one to record a voice note."
    widget.voice.start()  # even if asked (a shortcut, say): a sentence, no bar
    assert not widget.voice.bar.isVisible() and widget.writing.isVisible()


@pytest.mark.usefixtures("no_microphone")
def test_a_microphone_plugged_in_enables_the_button_and_one_unplugged_says_so_when_pressed(qtbot: QtBot) -> None:
    widget = composer(qtbot)
    mic = pulse.Microphone()
    mic.plug()
    try:
        qtbot.waitUntil(widget.voice.button.isEnabled, timeout=10_000)
        assert widget.voice.button.toolTip() == RECORD_TIP
    finally:
        mic.unplug()
    # Qt's PulseAudio backend announces new inputs but not removed ones: the button stays enabled, and
    # pressing it finds the stream cannot open.
    with qtbot.waitSignal(widget.error, timeout=10_000) as said:
        qtbot.mouseClick(widget.voice.button, Qt.MouseButton.LeftButton)
    assert said.args[0].startswith("The microphone could not be used: it could not be opened (was it unplugged?)")
    assert not widget.voice.recording and not widget.voice.bar.isVisible() and widget.writing.isVisible()


@pytest.mark.usefixtures("microphone")
def test_recording_shows_the_time_and_the_level_and_cancel_discards_it(qtbot: QtBot) -> None:
    widget = composer(qtbot)
    with qtbot.assertNotEmitted(widget.send_requested):
        qtbot.mouseClick(widget.voice.button, Qt.MouseButton.LeftButton)
        assert widget.voice.bar.isVisible() and not widget.writing.isVisible()
        path = widget.voice.recorder._path
        assert path is not None and path.suffix == ".m4a"
        recorded_at_least(qtbot, widget, 1_100)
        qtbot.waitUntil(lambda: widget.voice.bar.time.text() == "0:01", timeout=5_000)
        qtbot.waitUntil(lambda: max(widget.voice.bar.meter.levels, default=0) > 0.8, timeout=5_000)  # -6 dBFS tone
        QTest.keyClick(widget.voice.bar, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not widget.voice.recording, timeout=5_000)
    assert not widget.voice.bar.isVisible() and widget.writing.isVisible()
    assert not path.exists()


@pytest.mark.usefixtures("microphone")
def test_a_recording_shorter_than_half_a_second_is_discarded_with_a_hint(qtbot: QtBot) -> None:
    widget = composer(qtbot)
    qtbot.mouseClick(widget.voice.button, Qt.MouseButton.LeftButton)
    path = widget.voice.recorder._path
    assert path is not None
    with qtbot.assertNotEmitted(widget.send_requested), qtbot.waitSignal(widget.error, timeout=10_000) as said:
        qtbot.mouseClick(widget.voice.bar.send_button, Qt.MouseButton.LeftButton)
    assert said.args == [TOO_SHORT] and TOO_SHORT.startswith("Too short")
    assert not widget.voice.bar.isVisible() and not path.exists()


@pytest.mark.usefixtures("microphone")
def test_a_recorder_error_says_a_sentence_and_gives_the_text_row_back(qtbot: QtBot, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    widget = composer(qtbot)
    unwritable = tmp_path / "not a folder"
    unwritable.write_bytes(b"")
    monkeypatch.setattr(voice_recorder, "recording_path", lambda: unwritable / "note.m4a")
    with qtbot.waitSignal(widget.error, timeout=10_000) as said:
        qtbot.mouseClick(widget.voice.button, Qt.MouseButton.LeftButton)
    assert said.args[0].startswith("The microphone could not be used")
    qtbot.waitUntil(lambda: not widget.voice.recording, timeout=5_000)
    assert not widget.voice.bar.isVisible() and widget.writing.isVisible()


@pytest.mark.usefixtures("microphone")
def test_a_recorded_voice_note_is_sent_and_reaches_the_other_user(chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    widget = alice.view.composer
    qtbot.mouseClick(widget.voice.button, Qt.MouseButton.LeftButton)
    recorded_at_least(qtbot, widget, 1_500)
    qtbot.mouseClick(widget.voice.bar.send_button, Qt.MouseButton.LeftButton)

    def voice_notes(rows: list) -> list:
        return [a for m in rows for a in m.attachments if a.kind == "audio"]

    qtbot.waitUntil(lambda: len(voice_notes(alice.rows())) == 1, timeout=15_000)
    note = voice_notes(alice.rows())[0]
    assert note.mime == "audio/mp4" and note.name.startswith("Voice note ") and note.name.endswith(".m4a")
    assert note.duration_ms is not None and 1_400 <= note.duration_ms <= 2_200
    stored = alice.engine.cache.path(note.blob)
    assert stored is not None
    info = probe(stored).info
    assert info.kind == "audio" and info.duration_ms is not None and abs(info.duration_ms - note.duration_ms) < 100
    qtbot.waitUntil(lambda: [m.state for m in alice.rows()] == ["sent"], timeout=15_000)
    qtbot.waitUntil(lambda: [(a.blob, a.kind, a.duration_ms) for a in voice_notes(bob.rows())]
                    == [(note.blob, "audio", note.duration_ms)], timeout=15_000)
    assert widget.writing.isVisible() and not widget.voice.bar.isVisible()


def test_the_meter_reads_a_chunk_peak_on_a_decibel_scale() -> None:
    from array import array

    from desktop.ui.composer.voice_level import level_of

    def chunk(peak: int) -> bytes:
        return array("h", [0, peak, -peak, 0]).tobytes()

    assert level_of(b"") == level_of(chunk(0)) == 0.0
    assert level_of(chunk(32767)) == pytest.approx(1.0, abs=1e-3)
    assert level_of(chunk(16384)) == pytest.approx(1 - 6.02 / 50, abs=1e-3)  # -6 dBFS
    assert level_of(chunk(10)) == 0.0  # below -50 dBFS is silence


@pytest.mark.usefixtures("microphone")
def test_opening_another_conversation_discards_a_recording_in_progress(chat: Chat, qtbot: QtBot) -> None:
    alice = chat.alice
    other = alice.engine.create_conversation("Notes to self", [])
    widget = alice.view.composer
    qtbot.mouseClick(widget.voice.button, Qt.MouseButton.LeftButton)
    recorded_at_least(qtbot, widget, 600)
    path = widget.voice.recorder._path
    assert path is not None
    with qtbot.assertNotEmitted(widget.send_requested):
        qtbot.waitUntil(lambda: alice.window.show_conversation_if_listed(other), timeout=15_000)
        qtbot.waitUntil(lambda: not widget.voice.recording, timeout=5_000)
    assert widget.writing.isVisible() and not widget.voice.bar.isVisible() and not path.exists()
