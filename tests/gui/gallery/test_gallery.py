"""The gallery: media grid and files list from the local db, with the server stopped; opening and choosing."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMargins, Qt
from pytestqt.qtbot import QtBot

from desktop.ui.gallery.delegate import CELL_GAP
from desktop.ui.gallery.gallery import GalleryDialog
from desktop.ui.gallery.model import MediaModel, Roles
from desktop.ui.viewer.viewer import MediaViewer
from tests.gui.conftest import SAMPLES, Chat, ServerHandle

KINDS = ("image", "video", "audio", "file")


def wait_for(condition: Callable[[], object], timeout: float = 30.0) -> None:
    """Poll ``condition`` without running Qt's event loop (so models hear of nothing meanwhile)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def share_everything(chat: Chat, qtbot: QtBot) -> None:
    """Alice sends photos, a video, a voice note and a PDF; Bob receives them and their thumbnails."""
    files = ["photos/chelsea.png", "photos/coffee_with_gps.jpg", "photos/hubble_deep_field.jpg",
             "video/hubble_pan.mp4", "photos/portrait_exif6.jpg", "audio/voice_note.m4a",
             "files/chelsea.pdf"]
    for name in files:
        chat.alice.engine.send(chat.cid, "", [SAMPLES / name])

    def all_here() -> bool:
        items = chat.bob.engine.db.messages.media(chat.cid, KINDS)
        return len(items) == len(files) and all(i.thumbnail_state in (None, "complete") for i in items)

    qtbot.waitUntil(all_here, timeout=30_000)


def test_gallery_lists_media_and_files_with_the_server_stopped(
        chat: Chat, server: ServerHandle, qtbot: QtBot, tmp_path: Path) -> None:
    share_everything(chat, qtbot)
    server.stop()
    qtbot.waitUntil(lambda: chat.bob.engine.state == "offline", timeout=15_000)

    gallery = GalleryDialog(chat.bob.bridge, chat.cid)
    qtbot.addWidget(gallery)
    gallery.show()
    qtbot.waitExposed(gallery)
    assert "Weekend trip" in gallery.windowTitle()
    media = gallery.media_model
    assert media.rowCount() == 5  # four photos and the video, newest first
    assert [media.index(r).data(Roles.KIND) for r in range(5)] == ["image", "video", "image", "image", "image"]
    video = media.index(1)
    assert video.data(Roles.DURATION_MS) == pytest.approx(5000, abs=100)
    assert not video.data(Roles.CACHED)  # not downloaded: still listed, from its thumbnail
    cell = gallery.grid.gridSize().shrunkBy(QMargins(CELL_GAP, CELL_GAP, CELL_GAP, CELL_GAP))
    dpr = gallery.grid.devicePixelRatioF()
    qtbot.waitUntil(lambda: all(gallery.thumbnails.has(media.index(r).data(Roles.PREVIEW_SHA256), cell, dpr)
                                for r in range(5)), timeout=10_000)  # every cell painted from its thumbnail
    gallery.grid.setCurrentIndex(media.index(0))
    assert gallery.grab().save(str(tmp_path / "gallery_media.png"))

    gallery.tabs.setCurrentIndex(1)
    files = gallery.file_model
    assert [files.index(r).data(Roles.NAME) for r in range(files.rowCount())] == ["chelsea.pdf", "voice_note.m4a"]
    assert gallery.files_page.currentWidget() is gallery.files
    assert gallery.grab().save(str(tmp_path / "gallery_files.png"))


def test_double_click_opens_the_viewer_and_files_choose_their_message(chat: Chat, qtbot: QtBot) -> None:
    share_everything(chat, qtbot)
    gallery = GalleryDialog(chat.bob.bridge, chat.cid)
    qtbot.addWidget(gallery)
    gallery.show()
    qtbot.waitExposed(gallery)

    photo = gallery.media_model.index(2)
    rect = gallery.grid.visualRect(photo)
    qtbot.mouseClick(gallery.grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(gallery.grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    viewer = gallery.viewer
    assert isinstance(viewer, MediaViewer)
    assert viewer.current is not None and viewer.current.attachment.blob == photo.data(Roles.SHA256)
    viewer.close()

    gallery.tabs.setCurrentIndex(1)
    pdf = gallery.file_model.index(0)
    expected = pdf.data(Roles.MESSAGE_ID)
    rect = gallery.files.visualRect(pdf)
    with qtbot.waitSignal(gallery.message_chosen) as chosen:
        qtbot.mouseClick(gallery.files.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(gallery.files.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert chosen.args == [expected]
    assert chat.bob.engine.db.messages.get(expected).attachments[0].name == "chelsea.pdf"


def test_new_media_appears_and_pages_load_lazily(chat: Chat, server: ServerHandle, qtbot: QtBot) -> None:
    server.stop()  # the three messages stay pending until the first page is read
    for _ in range(3):
        chat.alice.engine.send(chat.cid, "", [SAMPLES / "photos/chelsea.png", SAMPLES / "photos/coffee_with_gps.jpg"])
    model = MediaModel(chat.alice.bridge, chat.cid, ("image", "video"), page_size=4)
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 4
    server.restart()
    # Sent meanwhile: their sort keys moved from the pending range to the server's seqs in the db,
    # and the model has not heard yet (no event loop runs while this waits).
    wait_for(lambda: all(m.state == "sent" for m in chat.alice.engine.db.messages.page(chat.cid)))
    model.fetchMore()
    assert model.rowCount() == 6 and not model.canFetchMore()
    assert len({(model.item(r).message_id, model.item(r).position) for r in range(6)}) == 6  # no row twice
    chat.alice.engine.send(chat.cid, "", [SAMPLES / "video/hubble_pan.mp4"])
    qtbot.waitUntil(lambda: model.rowCount() == 7)
    assert model.index(0).data(Roles.KIND) == "video"
    assert model.index(0, 0).data(Roles.ITEM).position == 0


def test_media_arriving_while_open_appears_with_its_thumbnail(chat: Chat, qtbot: QtBot) -> None:
    gallery = GalleryDialog(chat.bob.bridge, chat.cid)
    qtbot.addWidget(gallery)
    gallery.show()
    qtbot.waitExposed(gallery)
    assert gallery.media_page.currentIndex() == 1  # "No photos or videos in this conversation yet."
    chat.alice.engine.send(chat.cid, "", [SAMPLES / "photos/chelsea.png"])
    qtbot.waitUntil(lambda: gallery.media_model.rowCount() == 1, timeout=15_000)
    assert gallery.media_page.currentWidget() is gallery.grid
    cell = gallery.grid.gridSize().shrunkBy(QMargins(CELL_GAP, CELL_GAP, CELL_GAP, CELL_GAP))
    sha = gallery.media_model.index(0).data(Roles.PREVIEW_SHA256)
    qtbot.waitUntil(lambda: gallery.thumbnails.has(sha, cell, gallery.grid.devicePixelRatioF()), timeout=10_000)
