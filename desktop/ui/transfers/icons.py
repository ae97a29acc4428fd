"""The transfers panel's pictures: a file sheet coloured by kind, and the up-and-down arrows of the button."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen, QPixmap

from desktop.ui.style import glyphs
from desktop.ui.style.theme import file_extension, is_dark, mix

KIND_COLORS = {"image": QColor("#2e9d5b"), "video": QColor("#8e44ad"), "audio": QColor("#d9731e")}
KIND_LABELS = {"image": "Photo", "video": "Video", "audio": "Audio", "file": "File"}


def kind_pixmap(kind: str, name: str, palette: QPalette, *, width: int = 30, height: int = 38,
                dpr: float = 2.0) -> QPixmap:
    """A sheet of paper with the file's extension on a band in its kind's colour (files: the accent)."""
    pixmap = QPixmap(round((width + 4) * dpr), round((height + 2) * dpr))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    text = palette.color(QPalette.ColorRole.Text)
    paper = mix(palette.color(QPalette.ColorRole.Base), text, 0.16 if is_dark(palette) else 0.08)
    band = KIND_COLORS.get(kind, palette.color(QPalette.ColorRole.Highlight))
    glyphs.file_icon(p, QRectF(3, 1, width, height), file_extension(name, ""), paper, text, band)
    p.end()
    return pixmap


def up_and_down(p: QPainter, r: QRectF, color: QColor) -> None:
    """Two arrows side by side, one up and one down: things moving both ways."""
    w, h = r.width(), r.height()
    pen = QPen(color, max(1.4, w * 0.1))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.save()
    p.setPen(pen)
    for x, up in ((r.left() + w * 0.32, True), (r.left() + w * 0.68, False)):
        top, bottom = r.top() + h * 0.18, r.bottom() - h * 0.18
        tip, tail = (top, bottom) if up else (bottom, top)
        head = h * 0.2 if up else -h * 0.2
        path = QPainterPath()
        path.moveTo(QPointF(x, tail))
        path.lineTo(QPointF(x, tip))
        path.moveTo(QPointF(x - w * 0.14, tip + head))
        path.lineTo(QPointF(x, tip))
        path.lineTo(QPointF(x + w * 0.14, tip + head))
        p.drawPath(path)
    p.restore()
