"""An album's bubble: a grid of cells in order inside the bubble, the caption under it, each cell its own
transfer; an original photo is a photo bubble marked "Original · N MP · size"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QRect, QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from desktop.core.db.records import Attachment
from desktop.core.engine import Engine
from desktop.ui.bridge import EngineBridge
from desktop.ui.media.thumbnails import ThumbnailCache
from desktop.ui.timeline.layout import RowLayout, media_transfer_parts, transfer_parts
from desktop.ui.timeline.model import Roles, TimelineModel
from desktop.ui.timeline.view import TimelineView
from tests.gui.conftest import distinct_colours

BLURHASH = "L77K-@0hv^XoMvt7o#V@9F-TNesk"
CELLS = [  # a landscape photo, a portrait photo, a video: as the sender's client describes them
    Attachment("a1" * 32, 527_940, "image/jpeg", "deep_field.jpg", "image", 1000, 872, None, "b1" * 32, BLURHASH),
    Attachment("a2" * 32, 22_706, "image/jpeg", "rocket.jpg", "image", 284, 427, None, "b2" * 32, BLURHASH),
    Attachment("a3" * 32, 303_408, "video/mp4", "pan.mp4", "video", 1280, 720, 5000, "b3" * 32, BLURHASH),
]
ORIGINAL = Attachment("a4" * 32, 6_100_000, "image/jpeg", "IMG_0042.jpg", "image", 4032, 3024, None, "b4" * 32,
                      BLURHASH)
WIDTH = 640


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[EngineBridge]:
    engine = Engine(tmp_path / "bob")  # not started: its database and the bridge's signals are enough
    engine.db.conversations.upsert({"id": "c1", "title": "", "members": ["alice", "bob"]})
    for seq, (body, attachments) in enumerate([("Launch day", CELLS), ("", [ORIGINAL])], 1):
        engine.db.messages.upsert_remote({
            "id": f"s{seq}", "client_id": f"c{seq}", "conversation_id": "c1", "sender": "alice", "body": body,
            "seq": seq, "created_at": 1_700_000_000_000 + seq, "attachments": [a.to_wire() for a in attachments]})
    bridge = EngineBridge(engine)
    yield bridge
    bridge.stop()


@pytest.fixture
def view(qtbot: QtBot, bridge: EngineBridge) -> Iterator[TimelineView]:
    view = TimelineView(ThumbnailCache(lambda _sha: None))
    view.resize(WIDTH, 800)
    qtbot.addWidget(view)
    model = TimelineModel(bridge, "c1", parent=view)
    view.setModel(model)
    yield view
    view.setModel(None)


def paint(view: TimelineView, index: QModelIndex) -> QImage:
    option = QStyleOptionViewItem()
    option.palette = view.palette()
    size = view.bubbles.sizeHint(option, index)
    option.rect = QRect(0, 0, WIDTH, size.height())
    image = QImage(QSize(WIDTH, size.height()), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    view.bubbles.paint(painter, option, index)
    painter.end()
    return image


def changed_pixels(a: QImage, b: QImage) -> QRect:
    """The smallest rectangle holding every pixel that differs between two paintings of a row."""
    assert a.size() == b.size()
    box = QRect()
    for y in range(a.height()):
        for x in range(0, a.width()):
            if a.pixel(x, y) != b.pixel(x, y):
                box = box.united(QRect(x, y, 1, 1))
    return box


def test_an_album_is_a_grid_of_its_pictures_in_order_with_the_caption_under_it(view: TimelineView) -> None:
    index = view.timeline().index(0, 0)
    lay: RowLayout = view.bubbles.layout(index, WIDTH)
    cells = [b for b in lay.blocks if b.cell]
    assert [b.attachment for b in cells] == CELLS and [b.kind for b in cells] == ["image", "image", "video"]
    assert lay.album_rect is not None and lay.bubble.contains(lay.album_rect)
    for i, a in enumerate(cells):
        assert lay.album_rect.contains(a.rect), f"cell {i} sticks out of the grid"
        for b in cells[i + 1:]:
            assert not a.rect.intersects(b.rect), f"{a.attachment.name} overlaps {b.attachment.name}"
    reading = sorted(cells, key=lambda b: (round(b.rect.top()), round(b.rect.left())))
    assert reading == cells  # left to right, then down: the order they were sent in
    assert lay.text_rect is not None and lay.text_rect.top() >= lay.album_rect.bottom()  # the caption under it
    assert lay.bubble.contains(lay.text_rect) and lay.bubble.contains(lay.footer_rect)
    media = [h for h in lay.hits if h.action == "media"]
    assert [(h.sha256, h.rect) for h in media] == [(b.attachment.blob, b.rect) for b in cells]  # each its viewer entry
    assert distinct_colours(paint(view, index)) > 5


def test_a_cell_shows_its_own_transfer(view: TimelineView, bridge: EngineBridge, qtbot: QtBot) -> None:
    index = view.timeline().index(0, 0)
    idle = paint(view, index)
    second = CELLS[1]
    with qtbot.waitSignal(view.timeline().dataChanged, timeout=1_000):
        bridge.transfer_progress.emit(second.blob, "down", 5_000, second.size)  # as the engine reports it
    assert list(index.data(Roles.TRANSFERS)) == [second.blob]
    moving = paint(view, index)
    lay = view.bubbles.layout(index, WIDTH)
    cell = next(b for b in lay.blocks if b.attachment == second)
    changed = QRectF(changed_pixels(idle, moving))
    assert not changed.isEmpty() and cell.rect.adjusted(-1, -1, 1, 1).contains(changed)  # that cell alone
    ring = transfer_parts(lay, cell, view.bubbles.fonts).cancel
    assert cell.rect.contains(ring)
    assert [(h.sha256, h.rect) for h in lay.hits if h.action == "cancel"] == [(second.blob, ring)]
    assert lay.hit_at(ring.center()).action == "cancel"  # the × stops that one transfer

    with qtbot.waitSignal(view.timeline().dataChanged, timeout=1_000):
        bridge.transfer_finished.emit(second.blob, "down", "", False)
    assert paint(view, index) == idle


def test_the_time_over_the_last_cell_stays_clear_of_its_ring(view: TimelineView, bridge: EngineBridge) -> None:
    model = view.timeline()
    message = model.message_at(0)
    bridge.engine.db.messages.upsert_remote({  # the same album without a caption: the time sits over the video
        "id": "s9", "client_id": "c9", "conversation_id": "c1", "sender": "alice", "body": "", "seq": 9,
        "created_at": message.created_at + 10, "attachments": [a.to_wire() for a in CELLS]})
    bridge.message_added.emit(bridge.engine.db.messages.page("c1", limit=1)[0].id, "c1")
    lay = view.bubbles.layout(model.index(model.rowCount() - 1, 0), WIDTH)
    last = lay.blocks[-1]
    assert lay.footer_overlay and last.rect.contains(lay.footer_rect)
    parts = media_transfer_parts(last.rect, view.bubbles.fonts, cell=True, footer=lay.footer_rect)
    assert last.rect.contains(parts.cancel) and not parts.cancel.intersects(lay.footer_rect.adjusted(-7, -2, 7, 2))
    if not parts.info.isEmpty():
        assert last.rect.contains(parts.info) and not parts.info.intersects(parts.cancel)


def test_an_original_is_a_photo_bubble_marked_original(view: TimelineView) -> None:
    index = view.timeline().index(1, 0)
    lay = view.bubbles.layout(index, WIDTH)
    (block,) = lay.blocks
    assert block.kind == "image" and not block.cell
    assert block.badge == "Original · 12 MP · 6.1 MB"
    assert lay.footer_overlay  # a photo bubble: the time over the picture, no file row
    plain = view.bubbles.layout(view.timeline().index(0, 0), WIDTH).blocks[0]
    assert plain.badge == ""  # a 1000×872 photo may well have been compressed: no mark
    marked = paint(view, index)
    changed = QRectF(changed_pixels(marked, paint_without_badge(view, index)))
    assert not changed.isEmpty() and changed.top() < block.rect.center().y()  # the pill, in the top corner


def paint_without_badge(view: TimelineView, index: QModelIndex) -> QImage:
    """The same row painted with the badge taken off its cached layout."""
    lay = view.bubbles.geometry(index, WIDTH)
    assert lay is not None
    for block in lay.blocks:
        block.badge = ""
    return paint(view, index)
