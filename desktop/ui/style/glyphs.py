"""Small vector glyphs drawn with QPainter: play, pause, clock, ticks, file, download, cancel, progress."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap

Glyph = Callable[[QPainter, QRectF, QColor], None]


def _pen(color: QColor, width: float) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def play(p: QPainter, r: QRectF, color: QColor) -> None:
    w = r.width()
    path = QPainterPath()
    path.moveTo(r.left() + w * 0.30, r.top() + r.height() * 0.22)
    path.lineTo(r.left() + w * 0.80, r.center().y())
    path.lineTo(r.left() + w * 0.30, r.bottom() - r.height() * 0.22)
    path.closeSubpath()
    p.save()
    p.setPen(_pen(color, max(1.0, w * 0.06)))
    p.setBrush(color)
    p.drawPath(path)
    p.restore()


def pause(p: QPainter, r: QRectF, color: QColor) -> None:
    w, h = r.width(), r.height()
    bar = w * 0.16
    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawRoundedRect(QRectF(r.left() + w * 0.28, r.top() + h * 0.24, bar, h * 0.52), bar / 3, bar / 3)
    p.drawRoundedRect(QRectF(r.right() - w * 0.28 - bar, r.top() + h * 0.24, bar, h * 0.52), bar / 3, bar / 3)
    p.restore()


def clock(p: QPainter, r: QRectF, color: QColor) -> None:
    """Pending: a small clock face."""
    c = r.center()
    radius = min(r.width(), r.height()) * 0.42
    p.save()
    p.setPen(_pen(color, max(1.0, radius * 0.22)))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(c, radius, radius)
    p.drawLine(c, QPointF(c.x(), c.y() - radius * 0.6))
    p.drawLine(c, QPointF(c.x() + radius * 0.45, c.y()))
    p.restore()


def check(p: QPainter, r: QRectF, color: QColor) -> None:
    """Sent: a tick."""
    w, h = r.width(), r.height()
    p.save()
    p.setPen(_pen(color, max(1.2, w * 0.13)))
    path = QPainterPath()
    path.moveTo(r.left() + w * 0.14, r.top() + h * 0.55)
    path.lineTo(r.left() + w * 0.40, r.top() + h * 0.78)
    path.lineTo(r.right() - w * 0.10, r.top() + h * 0.26)
    p.drawPath(path)
    p.restore()


def alert(p: QPainter, r: QRectF, color: QColor) -> None:
    """Failed: an exclamation mark in a filled circle."""
    c = r.center()
    radius = min(r.width(), r.height()) * 0.46
    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawEllipse(c, radius, radius)
    p.setPen(_pen(QColor("white"), max(1.2, radius * 0.24)))
    p.drawLine(QPointF(c.x(), c.y() - radius * 0.5), QPointF(c.x(), c.y() + radius * 0.1))
    p.drawPoint(QPointF(c.x(), c.y() + radius * 0.5))
    p.restore()


def download(p: QPainter, r: QRectF, color: QColor) -> None:
    w, h = r.width(), r.height()
    p.save()
    p.setPen(_pen(color, max(1.4, w * 0.1)))
    x = r.center().x()
    p.drawLine(QPointF(x, r.top() + h * 0.18), QPointF(x, r.top() + h * 0.66))
    p.drawLine(QPointF(x - w * 0.22, r.top() + h * 0.46), QPointF(x, r.top() + h * 0.68))
    p.drawLine(QPointF(x + w * 0.22, r.top() + h * 0.46), QPointF(x, r.top() + h * 0.68))
    base = r.bottom() - h * 0.16
    p.drawLine(QPointF(r.left() + w * 0.22, base), QPointF(r.right() - w * 0.22, base))
    p.restore()


def cancel(p: QPainter, r: QRectF, color: QColor) -> None:
    w = r.width()
    p.save()
    p.setPen(_pen(color, max(1.4, w * 0.1)))
    m = w * 0.3
    p.drawLine(QPointF(r.left() + m, r.top() + m), QPointF(r.right() - m, r.bottom() - m))
    p.drawLine(QPointF(r.right() - m, r.top() + m), QPointF(r.left() + m, r.bottom() - m))
    p.restore()


def retry(p: QPainter, r: QRectF, color: QColor) -> None:
    """A circular arrow."""
    w = r.width()
    inner = r.adjusted(w * 0.22, w * 0.22, -w * 0.22, -w * 0.22)
    p.save()
    p.setPen(_pen(color, max(1.4, w * 0.1)))
    p.drawArc(inner, 60 * 16, 280 * 16)
    tip = QPointF(inner.center().x() + inner.width() / 2 * 0.5, inner.top() + inner.height() * 0.07)
    p.drawLine(tip, QPointF(tip.x() - w * 0.16, tip.y() - w * 0.08))
    p.drawLine(tip, QPointF(tip.x() - w * 0.02, tip.y() + w * 0.17))
    p.restore()


def paperclip(p: QPainter, r: QRectF, color: QColor) -> None:
    w, h = r.width(), r.height()
    p.save()
    p.setPen(_pen(color, max(1.4, w * 0.08)))
    p.translate(r.center())
    p.rotate(40)
    path = QPainterPath()
    path.moveTo(w * 0.12, -h * 0.05)
    path.lineTo(w * 0.12, h * 0.22)
    path.arcTo(QRectF(-w * 0.12, h * 0.1, w * 0.24, w * 0.24), 0, -180)
    path.lineTo(-w * 0.12, -h * 0.28)
    path.arcTo(QRectF(-w * 0.12, -h * 0.4, w * 0.24, w * 0.24), 180, -180)
    path.lineTo(w * 0.12, -h * 0.05)
    p.drawPath(path)
    p.restore()


def send(p: QPainter, r: QRectF, color: QColor) -> None:
    """A paper plane pointing right."""
    w, h = r.width(), r.height()
    path = QPainterPath()
    path.moveTo(r.left() + w * 0.12, r.top() + h * 0.16)
    path.lineTo(r.right() - w * 0.08, r.center().y())
    path.lineTo(r.left() + w * 0.12, r.bottom() - h * 0.16)
    path.lineTo(r.left() + w * 0.24, r.center().y())
    path.closeSubpath()
    p.save()
    p.setPen(_pen(color, max(1.0, w * 0.05)))
    p.setBrush(color)
    p.drawPath(path)
    p.restore()


def file_icon(p: QPainter, r: QRectF, label: str, paper: QColor, ink: QColor, accent: QColor) -> None:
    """A sheet of paper with a folded corner and a coloured label (PDF, ZIP…)."""
    fold = r.width() * 0.3
    path = QPainterPath()
    path.moveTo(r.left() + 3, r.top())
    path.lineTo(r.right() - fold, r.top())
    path.lineTo(r.right(), r.top() + fold)
    path.lineTo(r.right(), r.bottom() - 3)
    path.quadTo(r.right(), r.bottom(), r.right() - 3, r.bottom())
    path.lineTo(r.left() + 3, r.bottom())
    path.quadTo(r.left(), r.bottom(), r.left(), r.bottom() - 3)
    path.lineTo(r.left(), r.top() + 3)
    path.quadTo(r.left(), r.top(), r.left() + 3, r.top())
    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(paper)
    p.drawPath(path)
    corner = QPainterPath()
    corner.moveTo(r.right() - fold, r.top())
    corner.lineTo(r.right() - fold, r.top() + fold - 2)
    corner.quadTo(r.right() - fold, r.top() + fold, r.right() - fold + 2, r.top() + fold)
    corner.lineTo(r.right(), r.top() + fold)
    corner.closeSubpath()
    p.setBrush(ink)
    p.setOpacity(p.opacity() * 0.25)
    p.drawPath(corner)
    p.setOpacity(p.opacity() / 0.25)
    band = QRectF(r.left() - 2, r.bottom() - r.height() * 0.42, r.width() * 0.92, r.height() * 0.26)
    p.setBrush(accent)
    p.drawRoundedRect(band, 2.5, 2.5)
    font = QFont(p.font())
    font.setPixelSize(max(7, round(band.height() * 0.68)))
    font.setWeight(QFont.Weight.Bold)
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(band, Qt.AlignmentFlag.AlignCenter, label[:4])
    p.restore()


def progress_ring(p: QPainter, r: QRectF, fraction: float, color: QColor, track: QColor) -> None:
    width = max(2.5, r.width() * 0.1)
    inner = r.adjusted(width / 2, width / 2, -width / 2, -width / 2)
    p.save()
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(_pen(track, width))
    p.drawEllipse(inner)
    if fraction > 0:
        p.setPen(_pen(color, width))
        p.drawArc(inner, 90 * 16, -round(360 * 16 * min(1.0, fraction)))
    p.restore()


def round_button(p: QPainter, r: QRectF, fill: QColor, glyph: Glyph, ink: QColor, *, glyph_scale: float = 0.6) -> None:
    """A filled circle with a glyph in the middle (play, download, cancel…)."""
    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(fill))
    p.drawEllipse(r)
    side = r.width() * glyph_scale
    glyph(p, QRectF(r.center().x() - side / 2, r.center().y() - side / 2, side, side), ink)
    p.restore()


def icon(glyph: Glyph, color: QColor, size: int = 22, dpr: float = 2.0) -> QIcon:
    """A QIcon of a glyph, drawn at device pixels so it stays sharp on HiDPI screens."""
    pixmap = QPixmap(round(size * dpr), round(size * dpr))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    glyph(painter, QRectF(0, 0, size, size), color)
    painter.end()
    return QIcon(pixmap)
