"""The bubble delegate paints every kind of message, and pending / sent / failed look different."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from desktop.core.db.records import Attachment, Message
from desktop.ui.media.thumbnails import ThumbnailCache
from desktop.ui.timeline.model import Roles, Transfer
from desktop.ui.timeline.view import TimelineView
from tests.gui.conftest import distinct_colours

SHA = "ab" * 32
THUMB = "cd" * 32
WIDTH = 640
ATTACHMENTS = {
    "image": Attachment(SHA, 37_776, "image/jpeg", "rocket.jpg", "image", 427, 640, None, THUMB,
                        "L77K-@0hv^XoMvt7o#V@9F-TNesk"),
    "video": Attachment(SHA, 303_408, "video/mp4", "pan.mp4", "video", 1280, 720, 5000, THUMB,
                        "L03baZ-p0e%h=#Di4-T0~qoyI.%h"),
    "audio": Attachment(SHA, 48_804, "audio/mp4", "voice_note.m4a", "audio", duration_ms=5324),
    "file": Attachment(SHA, 21_577, "application/pdf", "chelsea.pdf", "file"),
}


def message(kind: str, *, state: str = "sent", body: str = "") -> Message:
    attachments = () if kind == "text" else (ATTACHMENTS[kind],)
    return Message(id=1, client_id="c1", server_id="s1", conversation_id="conv", sender="alice",
                   body=body or ("hello https://example.org" if kind == "text" else ""), seq=1, sort_key=1,
                   state=state, created_at=1_700_000_000_000, error="refused" if state == "failed" else None,
                   attachments=attachments)  # type: ignore[arg-type]


@pytest.fixture
def view(qtbot: QtBot) -> TimelineView:
    thumbnails = ThumbnailCache(lambda _sha: None)
    view = TimelineView(thumbnails)
    view.resize(WIDTH + 20, 600)
    qtbot.addWidget(view)
    return view


def render(view: TimelineView, m: Message, *, own: bool = True, transfer: Transfer | None = None) -> QImage:
    model = QStandardItemModel()
    item = QStandardItem()
    for role, value in {
        Roles.MESSAGE: m, Roles.MESSAGE_ID: m.id, Roles.IS_OWN: own, Roles.DAY_BREAK: "Today",
        Roles.FIRST_IN_GROUP: True, Roles.SHOW_SENDER: not own, Roles.STATE: m.state,
        Roles.TRANSFERS: {SHA: transfer} if transfer else {}, Roles.CACHED: frozenset(),
        Roles.LAYOUT_KEY: (m, own, "Today", True, not own),
    }.items():
        item.setData(value, role)
    model.appendRow(item)
    index = model.index(0, 0)
    delegate = view.bubbles
    option = QStyleOptionViewItem()
    option.palette = view.palette()
    size = delegate.sizeHint(option, index)
    assert size.height() > 40
    option.rect = QRect(0, 0, delegate.width(), size.height())
    image = QImage(QSize(delegate.width(), size.height()), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    delegate.paint(painter, option, index)
    painter.end()
    return image


@pytest.mark.parametrize("kind", ["text", "image", "video", "audio", "file"])
@pytest.mark.parametrize("own", [True, False])
def test_every_kind_of_bubble_paints(view: TimelineView, kind: str, own: bool) -> None:
    image = render(view, message(kind), own=own)
    assert distinct_colours(image, step=2) > 5


def test_media_bubbles_keep_the_aspect_ratio(view: TimelineView) -> None:
    portrait = render(view, message("image"))
    landscape = render(view, message("video"))
    assert portrait.height() > landscape.height()  # 427×640 stands taller than 1280×720


def test_pending_sent_and_failed_look_different(view: TimelineView) -> None:
    shots = {state: render(view, message("text", state=state, body="same words")) for state in
             ("pending", "sent", "failed")}
    assert shots["pending"] != shots["sent"]
    assert shots["failed"] != shots["sent"]
    assert shots["failed"] != shots["pending"]


def test_transfers_show_progress_on_the_bubble(view: TimelineView) -> None:
    idle = render(view, message("file"))
    moving = render(view, message("file"), transfer=Transfer("up", 500, 1000))
    failed = render(view, message("file"), transfer=Transfer("down", 0, 1000, error="offline", active=False))
    assert idle != moving and idle != failed and moving != failed


def test_clicks_find_the_bubble_parts(view: TimelineView) -> None:
    m = message("file")
    model = QStandardItemModel()
    item = QStandardItem()
    for role, value in {Roles.MESSAGE: m, Roles.MESSAGE_ID: 1, Roles.IS_OWN: False, Roles.DAY_BREAK: "",
                        Roles.FIRST_IN_GROUP: True, Roles.SHOW_SENDER: False, Roles.CACHED: frozenset(),
                        Roles.LAYOUT_KEY: (m, False, "", True, False)}.items():
        item.setData(value, role)
    model.appendRow(item)
    lay = view.bubbles.layout(model.index(0, 0), WIDTH)
    actions = {h.action for h in lay.hits}
    assert {"download"} <= actions
    failed = dataclasses.replace(m, state="failed")
    item.setData(failed, Roles.MESSAGE)
    item.setData((failed, False, "", True, False), Roles.LAYOUT_KEY)
    assert "retry_send" in {h.action for h in view.bubbles.layout(model.index(0, 0), WIDTH).hits}


def test_thumbnail_decodes_off_thread_and_is_cached(qtbot: QtBot, tmp_path: Path) -> None:
    photo = tmp_path / "p.png"
    source = QImage(400, 300, QImage.Format.Format_RGB32)
    source.fill(QColor("#3366cc"))
    assert source.save(str(photo))
    cache = ThumbnailCache(lambda sha: photo if sha == SHA else None)
    assert cache.pixmap(SHA, QSize(200, 150), 2.0) is None
    with qtbot.waitSignal(cache.ready, timeout=5_000):
        pass
    pixmap = cache.pixmap(SHA, QSize(200, 150), 2.0)
    assert pixmap is not None and (pixmap.width(), pixmap.height()) == (400, 300)
    assert pixmap.devicePixelRatio() == 2.0
    assert cache.placeholder("L77K-@0hv^XoMvt7o#V@9F-TNesk", 427 / 640) is None
    qtbot.waitUntil(lambda: cache.placeholder("L77K-@0hv^XoMvt7o#V@9F-TNesk", 427 / 640) is not None)
    cache.wait_idle()
    _ = Qt
