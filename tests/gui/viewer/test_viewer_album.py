"""An album's cells open the viewer on that item and it steps through the album in order; the gallery lists
each item; an original photo is shown at its full resolution."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.ui.gallery.gallery import GalleryDialog
from desktop.ui.gallery.model import Roles as GalleryRoles
from desktop.ui.timeline.layout import Block
from desktop.ui.timeline.model import Roles
from desktop.ui.viewer.viewer import MediaViewer
from tests.gui.conftest import SAMPLES, AppUser, Chat

ALBUM = [SAMPLES / "photos/hubble_deep_field.jpg", SAMPLES / "photos/portrait_exif6.jpg",
         SAMPLES / "video/hubble_pan.mp4"]


def cells(user: AppUser, row: int) -> tuple[list[Block], QRectF]:
    """The album cells of a row of ``user``'s timeline, and the row's place in the viewport."""
    timeline = user.timeline
    index = user.model.index(row, 0)
    timeline.scrollTo(index)
    rect = QRectF(timeline.visualRect(index))
    return [b for b in timeline.bubbles.layout(index, round(rect.width())).blocks if b.cell], rect


def shown_viewers() -> list[MediaViewer]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, MediaViewer) and w.isVisible()]


def test_a_cell_opens_the_viewer_on_its_item_and_newer_steps_through_the_album(chat: Chat, qtbot: QtBot) -> None:
    alice, bob = chat.alice, chat.bob
    alice.engine.send(chat.cid, "before the album", [SAMPLES / "photos/chelsea.png"])
    alice.view.send("Launch day", ALBUM, False)
    qtbot.waitUntil(lambda: [len(m.attachments) for m in bob.rows()] == [1, 3], timeout=20_000)
    first, second, third = bob.rows()[1].attachments
    photos = (first.blob, second.blob)
    qtbot.waitUntil(lambda: set(photos) <= bob.model.index(1, 0).data(Roles.CACHED), timeout=15_000)  # no ×

    blocks, row = cells(bob, 1)
    assert bob.timeline.click_at(blocks[1].rect.center() + row.topLeft())  # the second cell
    (viewer,) = shown_viewers()
    assert viewer.current is not None and viewer.current.attachment == second
    assert viewer.counter.text() == "3 of 4"
    viewer.show_newer()
    assert viewer.current.attachment == third and viewer.counter.text() == "4 of 4"
    viewer.show_older()
    viewer.show_older()
    assert viewer.current.attachment == first
    viewer.show_older()  # before the album: the message sent before it
    assert viewer.current.attachment.name == "chelsea.jpg"
    viewer.close()

    assert bob.timeline.click_at(blocks[2].rect.center() + row.topLeft())  # the video's cell
    (viewer,) = shown_viewers()
    assert viewer.current is not None and viewer.current.attachment == third
    viewer.close()

    gallery = GalleryDialog(bob.bridge, chat.cid)  # the gallery lists each item of the album
    qtbot.addWidget(gallery)
    model = gallery.media_model
    qtbot.waitUntil(lambda: model.rowCount() == 4)
    listed = [model.index(r).data(GalleryRoles.SHA256) for r in range(4)]
    assert set(listed[:3]) == {first.blob, second.blob, third.blob}
    opened = gallery.open_media(model.index(listed.index(second.blob)))
    assert opened is not None and opened.current is not None and opened.current.attachment == second
    opened.close()


def test_an_original_photo_is_a_photo_bubble_marked_original_and_full_size_in_the_viewer(
        chat: Chat, qtbot: QtBot, tmp_path: Path) -> None:
    alice, bob = chat.alice, chat.bob
    photo = tmp_path / "IMG_0042.jpg"  # a camera's 6 MP photo, its maker in the EXIF
    exif = Image.Exif()
    exif[0x010F] = "Envelope Test Camera"
    with Image.open(SAMPLES / "photos/hubble_deep_field.jpg") as field:
        field.resize((3000, 2000)).save(photo, quality=92, exif=exif)
    composer = alice.view.composer
    composer.add_files([photo])
    assert composer.tray.as_file.text() == "Send originals (full quality, with their metadata)"
    composer.tray.as_file.click()
    composer.send()

    original = hashlib.sha256(photo.read_bytes()).hexdigest()
    qtbot.waitUntil(lambda: [m.state for m in alice.rows()] == ["sent"], timeout=20_000)
    qtbot.waitUntil(lambda: len(bob.rows()) == 1, timeout=20_000)
    for user in (alice, bob):
        (a,) = user.rows()[0].attachments
        assert (a.blob, a.kind, a.width, a.height) == (original, "image", 3000, 2000)  # the very bytes
        lay = user.timeline.bubbles.layout(user.model.index(0, 0), user.timeline.viewport().width())
        (block,) = lay.blocks
        assert block.kind == "image" and block.badge.startswith("Original · 6.0 MP · ")  # a photo, marked
        assert block.badge.endswith(" MB") and lay.footer_overlay
    qtbot.waitUntil(bob.timeline.media_painted, timeout=15_000)  # its thumbnail, as any photo's

    viewer = MediaViewer(bob.bridge, chat.cid, original)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitUntil(lambda: viewer.canvas.image().width() == 3000, timeout=20_000)  # not the 640 px thumbnail
    assert viewer.canvas.image().height() == 2000
    viewer.canvas.toggle_actual_size()
    assert viewer.canvas.scale() == 1.0  # at 100 % one photo pixel is one screen pixel
    with Image.open(bob.engine.media_path(original)) as received:
        assert received.getexif()[0x010F] == "Envelope Test Camera"  # with its metadata
    viewer.close()
