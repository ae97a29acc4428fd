"""The player with no audio output says so instead of playing silently; a video ends on its last frame."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtMultimedia import QMediaDevices, QMediaPlayer
from pytestqt.qtbot import QtBot

from desktop.ui.viewer.audio import NO_AUDIO_OUTPUT, AudioPlayback
from desktop.ui.viewer.viewer import MediaViewer
from tests.gui.conftest import SAMPLES, Chat, distinct_colours

VIDEO = SAMPLES / "video/hubble_pan.mp4"
VOICE = SAMPLES / "audio/voice_note.m4a"
READY = (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.BufferedMedia)


def own_viewer(chat: Chat, qtbot: QtBot, path: Path) -> MediaViewer:
    """Alice sends ``path`` and views it (her own copy is cached)."""
    sha = chat.alice.engine.send(chat.cid, "", [path]).attachments[0].blob
    viewer = MediaViewer(chat.alice.bridge, chat.cid, sha)
    qtbot.addWidget(viewer)
    viewer.resize(800, 600)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer


def test_a_voice_note_says_there_is_no_audio_output_and_does_not_pretend_to_play(
        chat: Chat, qtbot: QtBot, tmp_path: Path) -> None:
    assert QMediaDevices.audioOutputs() == []  # offscreen, as on a machine with no sound device
    viewer = own_viewer(chat, qtbot, VOICE)
    assert viewer.stage.currentWidget() is viewer.player
    card = viewer.player.audio_card
    assert card.note.isVisible() and card.note.text() == NO_AUDIO_OUTPUT  # said where the eye is
    assert "No audio output was found" in NO_AUDIO_OUTPUT
    qtbot.waitUntil(lambda: viewer.player.player.mediaStatus() in READY, timeout=10_000)
    viewer.player.toggle()  # Space or the play button
    assert viewer.player.player.playbackState() != QMediaPlayer.PlaybackState.PlayingState
    assert viewer.player.slider.value() == 0 and card.note.isVisible()
    viewer.grab().save(str(tmp_path / "viewer_no_audio.png"))


def test_an_inline_voice_note_without_audio_output_says_why_it_does_not_play(qtbot: QtBot) -> None:
    playback = AudioPlayback()
    with qtbot.waitSignal(playback.unavailable, timeout=1000) as said:
        playback.toggle("a" * 64, VOICE)
    assert said.args == ["a" * 64, NO_AUDIO_OUTPUT]
    playing, fraction, _position = playback.state("a" * 64)
    assert not playing and fraction == 0.0  # no bar moving in silence


def test_a_video_that_ends_keeps_its_last_frame_on_screen(chat: Chat, qtbot: QtBot, tmp_path: Path) -> None:
    viewer = own_viewer(chat, qtbot, VIDEO)
    player = viewer.player.player
    qtbot.waitUntil(lambda: player.mediaStatus() in READY, timeout=10_000)
    assert viewer.status.text() == ""  # this video has no sound: nothing to say about audio
    poster = viewer.player.poster.image()
    player.setPosition(player.duration() - 400)
    viewer.player.play()
    qtbot.waitUntil(lambda: player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia, timeout=10_000)
    shot = viewer.player.surface.grab().toImage()
    shot.save(str(tmp_path / "video_end.png"))
    assert distinct_colours(shot, step=8) > 50  # a picture, not a black (or empty) surface
    assert viewer.player.poster.image() != poster  # the last frame, not the poster from 10% in
    viewer.player.play()  # the play button over it starts again from the beginning
    qtbot.waitUntil(lambda: player.playbackState() == QMediaPlayer.PlaybackState.PlayingState, timeout=10_000)
    assert player.position() < 4000


def test_a_voice_note_in_the_timeline_without_audio_output_says_so_in_the_status_line(
        chat: Chat, qtbot: QtBot) -> None:
    pane = chat.alice.view
    with qtbot.waitSignal(pane.status, timeout=5000) as said:
        pane.timeline.playback.toggle("a" * 64, VOICE)
    assert said.args == [NO_AUDIO_OUTPUT]
