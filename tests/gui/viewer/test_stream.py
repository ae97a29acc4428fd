"""A video plays in the viewer while it downloads, keeps playing when it completes, and waits out the network."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtMultimedia import QMediaPlayer
from pytestqt.qtbot import QtBot

from desktop.core.streaming import Stream, Streams
from desktop.core.streaming.fetcher import BLOCK
from desktop.ui.style.theme import human_size
from desktop.ui.viewer.viewer import MediaViewer, offline_sentence
from tests.gui.conftest import Chat, ServerHandle, distinct_colours
from tests.integration.clips import panning_clip

PLAYING = QMediaPlayer.PlaybackState.PlayingState


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return panning_clip(tmp_path_factory.mktemp("clip") / "pan.mp4")


def open_held(chat: Chat, qtbot: QtBot, clip: Path) -> tuple[MediaViewer, Stream]:
    """Alice sends the clip; bob opens it while his fetcher is held after the first 3 MB (and the end,
    where the clip's index is): what he watches can only have come from a download not yet done."""
    sha = chat.alice.engine.send(chat.cid, "", [clip]).attachments[0].blob
    media = chat.bob.engine.db.messages.media
    qtbot.waitUntil(lambda: any(i.attachment.blob == sha for i in media(chat.cid, ("video",))), timeout=30_000)
    size = clip.stat().st_size
    Streams.of(chat.bob.engine).hold = lambda offset: 3 * BLOCK <= offset < size - BLOCK
    viewer = MediaViewer(chat.bob.bridge, chat.cid, sha)
    qtbot.addWidget(viewer)
    viewer.resize(900, 640)
    viewer.show()
    qtbot.waitExposed(viewer)
    stream = Streams.of(chat.bob.engine).stream(sha)
    assert stream is not None
    return viewer, stream


def release(stream: Stream) -> None:
    stream.hold = None
    stream.kick()


def test_a_video_plays_while_it_downloads_and_keeps_playing_when_it_completes(
        chat: Chat, qtbot: QtBot, clip: Path, tmp_path: Path) -> None:
    viewer, stream = open_held(chat, qtbot, clip)
    player = viewer.player.player
    assert viewer.stage.currentWidget() is viewer.player  # no waiting page: it starts at once
    qtbot.waitUntil(lambda: player.playbackState() == PLAYING and player.position() > 1500, timeout=30_000)
    assert player.mediaStatus() in (QMediaPlayer.MediaStatus.BufferedMedia, QMediaPlayer.MediaStatus.BufferingMedia)
    assert player.duration() == pytest.approx(20_000, abs=200)
    with stream.cond:
        assert not stream.sparse.ranges.covers(0, clip.stat().st_size)  # playing, not downloaded
    assert chat.bob.engine.media_path(stream.sha256) is None
    assert viewer.player.surface.currentWidget() is viewer.player.video
    assert viewer.player.stream_label.text().endswith(f"of {human_size(clip.stat().st_size)} downloaded")
    assert viewer.player.stream_label.isVisible()
    assert not viewer.save_button.isEnabled()
    viewer.grab().save(str(tmp_path / "viewer_streaming.png"))
    frame = viewer.player.video.videoSink().videoFrame().toImage()
    assert distinct_colours(frame, step=8) > 50  # the picture, not a black surface

    label = viewer.player.stream_label
    qtbot.waitUntil(lambda: label.text().startswith("Buffering…"), timeout=30_000)  # it played all it has
    source, before = player.source(), player.position()
    with qtbot.waitSignal(chat.bob.bridge.blob_ready, timeout=30_000, check_params_cb=lambda s: s == stream.sha256):
        release(stream)
    cached = chat.bob.engine.media_path(stream.sha256)
    assert cached is not None and cached.read_bytes() == clip.read_bytes()  # verified, now an ordinary blob
    assert player.source() == source  # not reloaded from the start
    qtbot.waitUntil(lambda: player.position() > before + 500, timeout=15_000)
    assert player.playbackState() == PLAYING
    assert viewer.save_button.isEnabled() and not viewer.player.stream_label.isVisible()
    viewer.close()
    assert player.source() == QUrl()
    assert Streams.of(chat.bob.engine).stream(stream.sha256) is None


def test_offline_mid_stream_says_so_and_the_video_goes_on_when_back(
        chat: Chat, server: ServerHandle, qtbot: QtBot, clip: Path) -> None:
    viewer, stream = open_held(chat, qtbot, clip)
    player = viewer.player.player
    qtbot.waitUntil(lambda: player.playbackState() == PLAYING and player.position() > 500, timeout=30_000)
    server.stop()
    release(stream)  # the fetcher goes on, and finds the server gone
    qtbot.waitUntil(lambda: viewer.status.text() == offline_sentence("video"), timeout=30_000)
    assert viewer.status.isVisible()
    assert "can't be played" not in viewer.status.text()

    server.restart()
    with qtbot.waitSignal(chat.bob.bridge.blob_ready, timeout=30_000, check_params_cb=lambda s: s == stream.sha256):
        pass
    qtbot.waitUntil(lambda: viewer.status.text() == "", timeout=15_000)  # the sentence goes with the outage
    stalled_at = player.position()
    qtbot.waitUntil(lambda: player.position() > stalled_at + 500, timeout=15_000)
    assert player.playbackState() == PLAYING
    viewer.close()
