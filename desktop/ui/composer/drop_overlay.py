"""A translucent sheet over the conversation while files are dragged onto it."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QWidget

from desktop.ui.style import glyphs
from desktop.ui.style.theme import scaled_font


class DropOverlay(QWidget):
    """Covers its parent; says what a drop will do. Mouse events pass through it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.title = ""
        self.count = 0
        self.hide()

    def show_for(self, count: int, title: str) -> None:
        self.count, self.title = count, title
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        window = QColor(palette.color(QPalette.ColorRole.Window))
        window.setAlpha(255)
        p.fillRect(self.rect(), window)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        frame = QRectF(self.rect()).adjusted(16, 16, -16, -16)
        tint = QColor(highlight)
        tint.setAlpha(28)
        p.setBrush(tint)
        pen = QPen(highlight, 2.5, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawRoundedRect(frame, 18, 18)
        badge = QRectF(frame.center().x() - 32, frame.center().y() - 110, 64, 64)
        glyphs.round_button(p, badge, highlight, glyphs.download, palette.color(QPalette.ColorRole.HighlightedText))
        p.setPen(palette.color(QPalette.ColorRole.Text))
        p.setFont(scaled_font(self.font(), 1.6, bold=True))
        what = "this file" if self.count == 1 else f"{self.count} files"
        p.drawText(frame.adjusted(0, -30, 0, -30), Qt.AlignmentFlag.AlignCenter, f"Drop {what} to send")
        p.setFont(scaled_font(self.font(), 1.05))
        p.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        p.drawText(frame.adjusted(0, 30, 0, 30), Qt.AlignmentFlag.AlignCenter,
                   f"to {self.title}" if self.title else "")
        p.end()
