"""The app follows the system font size: with a larger application font, bubbles and chat rows grow and
no text is cut off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect, QRectF
from PySide6.QtGui import QFont, QFontMetricsF, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from desktop.core.db.records import Message
from desktop.ui.conversations.delegate import ConversationDelegate, row_height
from desktop.ui.media.thumbnails import ThumbnailCache
from desktop.ui.style.theme import scaled_font
from desktop.ui.timeline.layout import RowLayout, file_parts
from desktop.ui.timeline.model import Roles
from desktop.ui.timeline.view import TimelineView
from tests.gui.timeline.test_delegate import message

KINDS = ("text", "image", "video", "audio", "file", "failed")


@pytest.fixture
def larger_font() -> Iterator[QFont]:
    """The application font at twice its size (as a system set to large text gives it), put back afterwards."""
    original = QApplication.font()
    larger = QFont(original)
    larger.setPointSizeF(original.pointSizeF() * 2)
    yield larger
    QApplication.setFont(original)


def bubbles(view: TimelineView) -> dict[str, RowLayout]:
    """Each kind of bubble as the view's delegate lays it out now, with a day break and the sender's name."""
    model = QStandardItemModel(view)
    out = {}
    for kind in KINDS:
        m: Message = message("text" if kind == "failed" else kind, state="failed" if kind == "failed" else "sent",
                             body="A caption long enough to wrap onto a second line in a narrow bubble, surely")
        item = QStandardItem()
        item.setData((m, False, "Today", True, True), Roles.LAYOUT_KEY)
        model.appendRow(item)
        out[kind] = view.bubbles.layout(model.index(model.rowCount() - 1, 0))
    return out


def inside(inner: QRectF, outer: QRectF) -> bool:
    return outer.adjusted(-0.5, -0.5, 0.5, 0.5).contains(inner)


def assert_nothing_cut_off(view: TimelineView, lays: dict[str, RowLayout]) -> None:
    fonts = view.bubbles.fonts
    small_h = fonts.small_metrics.height()
    for kind, lay in lays.items():
        assert lay.day_rect is not None and QFontMetricsF(fonts.bold_small).height() + 8 <= lay.day_rect.height()
        assert lay.sender_rect is not None and lay.sender_rect.height() >= QFontMetricsF(fonts.name).height()
        assert inside(lay.footer_rect, lay.bubble) and lay.footer_rect.height() >= small_h, kind
        if lay.text_rect is not None:
            doc = lay.text_doc
            assert doc is not None and doc.size().height() <= lay.text_rect.height() + 0.5, kind
            assert inside(lay.text_rect, lay.bubble), kind
        for block in lay.blocks:
            assert inside(block.rect, lay.bubble), kind
            if block.kind == "audio":  # the length under the waveform
                assert block.rect.top() + block.rect.height() * 0.42 + 13 + small_h <= block.rect.bottom() + 0.5
            if block.kind == "file":
                parts = file_parts(block.rect, fonts, moving=False)
                assert parts.name.height() >= fonts.body_metrics.height() - 1 and inside(parts.detail, block.rect)


def test_bubbles_grow_with_the_application_font(qtbot: QtBot, larger_font: QFont) -> None:
    view = TimelineView(ThumbnailCache(lambda _sha: None))
    qtbot.addWidget(view)
    view.resize(700, 600)
    before = bubbles(view)
    assert_nothing_cut_off(view, before)
    body = view.bubbles.fonts.body.pointSizeF()

    QApplication.setFont(larger_font)
    qtbot.waitUntil(lambda: view.bubbles.fonts.body.pointSizeF() > body * 1.9)
    after = bubbles(view)
    assert_nothing_cut_off(view, after)
    for kind in KINDS:
        assert after[kind].size.height() > before[kind].size.height(), kind
    assert after["audio"].blocks[0].rect.height() > before["audio"].blocks[0].rect.height()


def test_chat_rows_grow_with_the_application_font(qtbot: QtBot, larger_font: QFont) -> None:
    delegate = ConversationDelegate()
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 300, 10)
    option.font = QApplication.font()
    usual = delegate.sizeHint(option, QStandardItemModel().index(0, 0)).height()
    option.font = larger_font
    large = delegate.sizeHint(option, QStandardItemModel().index(0, 0)).height()
    assert large > usual
    for font in (QApplication.font(), larger_font):
        half = (row_height(font) - 24) / 2  # the title on the upper half, the last message on the lower
        assert QFontMetricsF(scaled_font(font, 1.04, bold=True)).height() <= half
        assert QFontMetricsF(scaled_font(font, 0.95)).height() <= half
