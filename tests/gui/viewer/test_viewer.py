"""The media viewer: EXIF-rotated photos, paging with arrows, zoom, download then video playback, offline."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QBuffer, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage
from PySide6.QtMultimedia import QMediaPlayer
from pytestqt.qtbot import QtBot

from desktop.ui.bridge import EngineBridge
from desktop.ui.viewer import viewer as viewer_module
from desktop.ui.viewer.viewer import MediaViewer, offline_sentence
from tests import samples
from tests.gui.conftest import SAMPLES, Chat, ServerHandle
from tests.gui.media.test_file_actions import UrlCatcher

PORTRAIT = SAMPLES / samples.PORTRAIT
PHOTO = SAMPLES / "photos/chelsea.png"
LARGE = SAMPLES / "photos/hubble_deep_field.jpg"
VIDEO = SAMPLES / "video/hubble_pan.mp4"
VOICE = SAMPLES / "audio/voice_note.m4a"


def send(chat: Chat, qtbot: QtBot, *paths: Path, as_file: bool = False) -> list[str]:
    """Alice sends each file in its own message; waits until Bob has them all. Returns the blobs."""
    shas = [chat.alice.engine.send(chat.cid, "", [p], as_file=as_file).attachments[0].blob for p in paths]
    kinds = ("image", "video", "audio", "file")

    def arrived() -> bool:
        have = {i.attachment.blob for i in chat.bob.engine.db.messages.media(chat.cid, kinds)}
        return set(shas) <= have

    qtbot.waitUntil(arrived, timeout=20_000)
    return shas


def pillow_image(image: QImage) -> Image.Image:
    buffer = QBuffer()
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG")
    return Image.open(io.BytesIO(buffer.data().data()))


def open_viewer(qtbot: QtBot, bridge: EngineBridge, cid: str, sha: str) -> MediaViewer:
    viewer = MediaViewer(bridge, cid, sha)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer


def test_portrait_photo_shows_upright_and_arrows_page_through_media(chat: Chat, qtbot: QtBot,
                                                                    tmp_path: Path) -> None:
    portrait, photo, voice = send(chat, qtbot, PORTRAIT, PHOTO, VOICE, as_file=True)
    viewer = open_viewer(qtbot, chat.alice.bridge, chat.cid, portrait)

    assert viewer.stage.currentWidget() is viewer.canvas
    qtbot.waitUntil(lambda: viewer.canvas.image().width() == 284)  # decoded off the GUI thread
    image = viewer.canvas.image()
    assert (image.width(), image.height()) == (284, 427)  # stored 427×284 with EXIF orientation 6
    samples.assert_rocket_upright(pillow_image(image))  # the rocket's nose at the top
    shown = viewer.canvas.image_rect()
    assert shown.height() > shown.width()
    assert viewer.counter.text() == "1 of 3"
    assert viewer.grab().save(str(tmp_path / "viewer_photo.png"))

    qtbot.keyClick(viewer, Qt.Key.Key_Right)  # newer: the cat photo
    assert viewer.current is not None and viewer.current.attachment.blob == photo
    qtbot.waitUntil(lambda: viewer.canvas.image().width() > 100)  # not the blurhash: the photo
    assert viewer.canvas.image().width() > viewer.canvas.image().height()
    qtbot.keyClick(viewer, Qt.Key.Key_Right)  # newest: the voice note, in the player
    assert viewer.current is not None and viewer.current.attachment.blob == voice
    assert viewer.stage.currentWidget() is viewer.player
    qtbot.keyClick(viewer, Qt.Key.Key_Right)  # nothing newer: stays
    assert viewer.current.attachment.blob == voice
    qtbot.keyClick(viewer, Qt.Key.Key_Left)
    qtbot.keyClick(viewer, Qt.Key.Key_Left)
    assert viewer.current.attachment.blob == portrait


def test_zoom_keys_wheel_and_double_click(chat: Chat, qtbot: QtBot) -> None:
    (photo,) = send(chat, qtbot, LARGE)
    viewer = open_viewer(qtbot, chat.alice.bridge, chat.cid, photo)
    viewer.resize(600, 500)
    qtbot.waitUntil(lambda: viewer.canvas.image().width() == 1000)  # the photo, not its thumbnail
    qtbot.waitUntil(lambda: viewer.canvas.fit_scale() < 1.0)
    assert viewer.canvas.is_fit() and viewer.zoom_button.text() == "Fit"
    fit = viewer.canvas.scale()
    qtbot.keyClick(viewer, Qt.Key.Key_Plus)
    assert viewer.canvas.scale() == pytest.approx(fit * 1.25)
    qtbot.keyClick(viewer, Qt.Key.Key_Minus)
    assert viewer.canvas.scale() == pytest.approx(fit)
    qtbot.mouseDClick(viewer.canvas, Qt.MouseButton.LeftButton)
    assert viewer.canvas.scale() == pytest.approx(1.0) and viewer.zoom_button.text() == "100%"
    rect = viewer.canvas.image_rect()
    assert rect.width() > viewer.canvas.width()  # bigger than the window: pannable, clamped to the edges
    assert rect.left() <= 0 and rect.right() >= viewer.canvas.width()
    qtbot.mouseDClick(viewer.canvas, Qt.MouseButton.LeftButton)
    assert viewer.canvas.is_fit()


def test_photos_and_thumbnails_decode_off_the_gui_thread(chat: Chat, qtbot: QtBot,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (photo,) = send(chat, qtbot, LARGE)
    threads: list[threading.Thread] = []
    read_image = viewer_module.read_image

    def recorded(path: Path) -> QImage:
        threads.append(threading.current_thread())
        return read_image(path)

    monkeypatch.setattr(viewer_module, "read_image", recorded)
    viewer = open_viewer(qtbot, chat.alice.bridge, chat.cid, photo)
    assert 0 < viewer.canvas.image().width() < 1000  # the blurhash or thumbnail stands in at once
    qtbot.waitUntil(lambda: viewer.canvas.image().width() == 1000, timeout=5_000)  # then the photo itself
    assert len(threads) == 2 and threading.main_thread() not in threads  # the thumbnail and the photo


def test_video_downloads_on_open_then_plays(chat: Chat, qtbot: QtBot, tmp_path: Path) -> None:
    (video,) = send(chat, qtbot, VIDEO)
    assert chat.bob.engine.media_path(video) is None  # videos download on click, not by themselves
    progress: list[tuple[int, int]] = []
    chat.bob.bridge.transfer_progress.connect(lambda sha, d, done, total: progress.append((done, total)))
    with qtbot.waitSignal(chat.bob.bridge.blob_ready, timeout=20_000, check_params_cb=lambda sha: sha == video):
        viewer = open_viewer(qtbot, chat.bob.bridge, chat.cid, video)
        assert viewer.stage.currentWidget() is viewer.player  # it plays while it downloads (test_stream.py)
    assert progress and progress[-1][0] == progress[-1][1]
    player = viewer.player.player
    qtbot.waitUntil(lambda: player.position() > 0, timeout=10_000)
    assert player.duration() == pytest.approx(5000, abs=200)
    assert player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
    assert viewer.player.surface.currentWidget() is viewer.player.video
    qtbot.waitUntil(lambda: viewer.player.slider.value() > 0)
    assert viewer.grab().save(str(tmp_path / "viewer_video.png"))
    qtbot.keyClick(viewer, Qt.Key.Key_Space)
    assert player.playbackState() == QMediaPlayer.PlaybackState.PausedState
    viewer.close()
    assert player.source() == QUrl()


def test_offline_video_says_so_then_downloads_when_back_online(
        chat: Chat, server: ServerHandle, qtbot: QtBot, tmp_path: Path) -> None:
    (video,) = send(chat, qtbot, VIDEO)
    item = chat.bob.engine.db.messages.media(chat.cid, ("video",))[0]
    qtbot.waitUntil(lambda: chat.bob.engine.media_path(item.attachment.thumbnail) is not None, timeout=10_000)
    server.stop()
    qtbot.waitUntil(lambda: chat.bob.engine.state == "offline", timeout=15_000)
    viewer = open_viewer(qtbot, chat.bob.bridge, chat.cid, video)
    assert viewer.stage.currentWidget() is viewer.waiting
    assert viewer.waiting.message.text() == offline_sentence("video")
    assert "isn't available offline" in viewer.waiting.message.text()
    assert not viewer.waiting.preview.image().isNull()  # the poster frame meanwhile
    assert not viewer.save_button.isEnabled() and not viewer.open_button.isEnabled()
    assert viewer.grab().save(str(tmp_path / "viewer_offline.png"))

    server.restart()
    qtbot.waitUntil(lambda: viewer.stage.currentWidget() is viewer.player, timeout=20_000)
    assert viewer.save_button.isEnabled()


def test_save_as_and_open_with_system_app(chat: Chat, qtbot: QtBot, tmp_path: Path) -> None:
    (photo,) = send(chat, qtbot, PHOTO)
    viewer = open_viewer(qtbot, chat.alice.bridge, chat.cid, photo)
    cached = chat.alice.engine.media_path(photo)
    assert cached is not None
    target = tmp_path / "saved.png"
    viewer.save_to(target)
    qtbot.waitUntil(lambda: viewer.status.text().startswith("Saved"), timeout=5_000)
    assert target.read_bytes() == cached.read_bytes()

    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")  # type: ignore[arg-type]
    try:
        viewer.open_externally()
        qtbot.waitUntil(lambda: bool(catcher.urls), timeout=5_000)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    opened = Path(catcher.urls[0].toLocalFile())
    assert opened.name == viewer.current.attachment.name  # named, so the system knows what opens it
    assert opened.suffix in (".png", ".jpg") and opened.read_bytes() == cached.read_bytes() and opened != cached
