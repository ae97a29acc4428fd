"""Paints a search hit: the conversation and sender (once), the time on the right, then the snippet."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QFontMetrics, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.core.names import sender_beside
from desktop.ui.search.model import Roles
from desktop.ui.style.theme import list_time, mix, scaled_font

AnyIndex = QModelIndex | QPersistentModelIndex
ROW_HEIGHT = 54


class SearchHitDelegate(QStyledItemDelegate):
    """Paints a hit: conversation and sender, the time on the right, then the snippet."""

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return QSize(360, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        self._draw_background(painter, option, selected)
        inner = QRect(option.rect).adjusted(16, 8, -16, -8)
        top = self._draw_header(painter, inner, option, index, selected)
        self._draw_snippet(painter, QRect(inner.left(), top + 3, inner.width(), inner.bottom() - top - 3),
                           option, index, selected)
        painter.restore()

    @staticmethod
    def _draw_background(painter: QPainter, option: QStyleOptionViewItem, selected: bool) -> None:
        palette = option.palette
        if selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.AlternateBase))

    @staticmethod
    def heading(index: AnyIndex) -> tuple[str, str]:
        """The row's bold title and the sender shown after it ("" when the title already names them)."""
        title = index.data(Roles.TITLE) or ""
        return title, sender_beside(title, index.data(Roles.SENDER) or "")

    @staticmethod
    def _draw_header(painter: QPainter, rect: QRect, option: QStyleOptionViewItem, index: AnyIndex,
                     selected: bool) -> int:
        palette = option.palette
        ink = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        dim = mix(ink, palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base), 0.4)
        title_font = scaled_font(option.font, 1.0, bold=True)
        metrics = QFontMetrics(title_font)
        when = list_time(index.data(Roles.CREATED_AT) or 0)
        small = scaled_font(option.font, 0.9)
        small_metrics = QFontMetrics(small)
        when_width = small_metrics.horizontalAdvance(when) + 8
        line = QRect(rect.left(), rect.top(), rect.width(), metrics.height())
        title, sender = SearchHitDelegate.heading(index)
        sender = f"  ·  {sender}" if sender else ""
        room = rect.width() - when_width
        title = metrics.elidedText(title, Qt.TextElideMode.ElideRight, max(40, room * 2 // 3))
        painter.setFont(title_font)
        painter.setPen(ink)
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(line, align, title)
        used = metrics.horizontalAdvance(title)
        painter.setFont(small)
        painter.setPen(dim)
        sender = small_metrics.elidedText(sender, Qt.TextElideMode.ElideRight, max(0, room - used))
        painter.drawText(line.adjusted(used, 0, 0, 0), align, sender)
        painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, when)
        return line.bottom()

    @staticmethod
    def _draw_snippet(painter: QPainter, rect: QRect, option: QStyleOptionViewItem, index: AnyIndex,
                      selected: bool) -> None:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(0)
        doc.setHtml(index.data(Roles.SNIPPET_HTML) or "")
        doc.setTextWidth(rect.width())
        context = QAbstractTextDocumentLayout.PaintContext()
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, option.palette.color(role))
        context.clip = QRect(0, 0, rect.width(), rect.height())
        painter.translate(rect.topLeft())
        painter.setClipRect(context.clip)
        doc.documentLayout().draw(painter, context)
