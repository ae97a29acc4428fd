"""Paints a conversation-list row: initials avatar, title, time, last message, unread badge."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.ui.conversations.model import Roles
from desktop.ui.style.theme import avatar_color, is_dark, list_time, mix, scaled_font

AnyIndex = QModelIndex | QPersistentModelIndex
ROW_H = 68  # at the usual font size; a larger one makes rows taller (row_height)
AVATAR = 44
TITLE_SCALE, PREVIEW_SCALE = 1.04, 0.95


def row_height(font: QFont) -> int:
    """A row's height: ROW_H, or as much as its two lines need in ``font`` (a large system font)."""
    line = max(QFontMetrics(scaled_font(font, TITLE_SCALE, bold=True)).height(),
               QFontMetrics(scaled_font(font, PREVIEW_SCALE)).height())
    return max(ROW_H, 2 * line + 26)  # (each line gets half of what is between the margins)


class ConversationDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        # No width of its own: the list makes each row as wide as itself (``option.rect`` here may be a
        # width from before the window settled, and would then stick, wider than the list).
        return QSize(1, row_height(option.font))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        r = QRectF(option.rect)
        palette: QPalette = option.palette
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._draw_background(painter, r, option, palette)
        title = index.data(Roles.TITLE) or ""
        self._draw_avatar(painter, QRectF(r.left() + 12, r.top() + (r.height() - AVATAR) / 2, AVATAR, AVATAR), title)
        left = r.left() + 12 + AVATAR + 12
        right = r.right() - 12
        self._draw_text(painter, index, QRectF(left, r.top() + 12, right - left, r.height() - 24), palette)
        painter.restore()

    def _draw_background(self, p: QPainter, r: QRectF, option: QStyleOptionViewItem, palette: QPalette) -> None:
        base = palette.color(QPalette.ColorRole.Base)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        if option.state & QStyle.StateFlag.State_Selected:
            p.fillRect(r, mix(base, highlight, 0.28 if is_dark(palette) else 0.16))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            p.fillRect(r, mix(base, palette.color(QPalette.ColorRole.Text), 0.05))

    def _draw_avatar(self, p: QPainter, r: QRectF, title: str) -> None:
        words = [w for w in title.replace(",", " ").split() if w[:1].isalnum()]
        initials = "".join(w[0] for w in words[:2]).upper() or "?"
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(avatar_color(title))
        p.drawEllipse(r)
        p.setPen(QColor("white"))
        p.setFont(scaled_font(p.font(), 1.15, bold=True))
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, initials)

    def _draw_text(self, p: QPainter, index: AnyIndex, r: QRectF, palette: QPalette) -> None:
        text = palette.color(QPalette.ColorRole.Text)
        muted = mix(text, palette.color(QPalette.ColorRole.Base), 0.45)
        unread = int(index.data(Roles.UNREAD) or 0)
        base_font = p.font()
        small = scaled_font(base_font, 0.88)
        p.setFont(small)
        when = list_time(int(index.data(Roles.LAST_ACTIVITY) or 0))
        time_w = p.fontMetrics().horizontalAdvance(when) + 8
        p.setPen(palette.color(QPalette.ColorRole.Highlight) if unread else muted)
        top = QRectF(r.left(), r.top(), r.width(), r.height() / 2)
        p.drawText(top, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, when)
        title_font = scaled_font(base_font, TITLE_SCALE, bold=True)
        p.setFont(title_font)
        p.setPen(text)
        title = p.fontMetrics().elidedText(index.data(Roles.TITLE) or "", Qt.TextElideMode.ElideRight,
                                           round(r.width() - time_w))
        p.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)

        bottom = QRectF(r.left(), r.top() + r.height() / 2, r.width(), r.height() / 2)
        badge_w = 0.0
        if unread:
            p.setFont(scaled_font(base_font, 0.82, bold=True))
            label = str(unread) if unread < 1000 else "999+"
            badge_h = p.fontMetrics().height() + 4
            badge_w = max(badge_h, p.fontMetrics().horizontalAdvance(label) + 12)
            badge = QRectF(r.right() - badge_w, bottom.center().y() - badge_h / 2, badge_w, badge_h)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(palette.color(QPalette.ColorRole.Highlight))
            p.drawRoundedRect(badge, badge_h / 2, badge_h / 2)
            p.setPen(palette.color(QPalette.ColorRole.HighlightedText))
            p.drawText(badge, Qt.AlignmentFlag.AlignCenter, label)
            badge_w += 8
        p.setFont(scaled_font(base_font, PREVIEW_SCALE))
        p.setPen(text if unread else muted)
        preview = p.fontMetrics().elidedText(index.data(Roles.PREVIEW_LINE) or "", Qt.TextElideMode.ElideRight,
                                             round(r.width() - badge_w))
        p.drawText(bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, preview)
