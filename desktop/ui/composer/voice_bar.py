"""What the composer shows while a voice note records: a red dot, the time, a live level meter, Cancel and Send."""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from desktop.ui.style import glyphs

RECORDING_RED = QColor("#e5484d")


def microphone(p: QPainter, r: QRectF, color: QColor) -> None:
    """A microphone: a capsule on a stand."""
    w, h = r.width(), r.height()
    p.save()
    pen = QPen(color, max(1.0, w * 0.08))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.setBrush(color)
    capsule = QRectF(r.left() + w * 0.36, r.top() + h * 0.10, w * 0.28, h * 0.48)
    p.drawRoundedRect(capsule, capsule.width() / 2, capsule.width() / 2)
    p.setBrush(Qt.BrushStyle.NoBrush)
    cup = QRectF(r.left() + w * 0.24, r.top() + h * 0.26, w * 0.52, h * 0.48)
    p.drawArc(cup, 180 * 16, 180 * 16)
    x = r.center().x()
    p.drawLine(QPointF(x, r.top() + h * 0.74), QPointF(x, r.top() + h * 0.88))
    p.drawLine(QPointF(r.left() + w * 0.36, r.top() + h * 0.88), QPointF(r.left() + w * 0.64, r.top() + h * 0.88))
    p.restore()


def clock_text(ms: int) -> str:
    """0:07, 1:23, 12:05"""
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


class LevelMeter(QWidget):
    """The last few seconds of input level as bars scrolling in from the right (newest on the right)."""

    BAR, GAP = 3, 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.levels: deque[float] = deque(maxlen=200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(60)
        self.setAccessibleName("Microphone level")

    def sizeHint(self) -> QSize:
        return QSize(240, 28)

    def clear(self) -> None:
        self.levels.clear()
        self.update()

    def add(self, level: float) -> None:
        self.levels.append(max(0.0, min(1.0, level)))
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        step = self.BAR + self.GAP
        count = max(1, self.width() // step)
        shown = list(self.levels)[-count:]
        shown = [0.0] * (count - len(shown)) + shown
        ink, quiet = self.palette().color(QPalette.ColorRole.Highlight), self.palette().color(QPalette.ColorRole.Mid)
        h = self.height()
        for i, level in enumerate(shown):
            bar_h = max(3.0, level * h)
            p.setBrush(ink if level > 0.02 else quiet)
            p.drawRoundedRect(QRectF(i * step, (h - bar_h) / 2, self.BAR, bar_h), 1.5, 1.5)


class RecordingBar(QWidget):
    """Shown in place of the text row while recording. Esc cancels, Enter sends.

    Signals:
        cancel_requested(), send_requested()
    """

    cancel_requested = Signal()
    send_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordingBar")
        self.dot = QLabel("●")
        self.dot.setStyleSheet(f"color: {RECORDING_RED.name()};")
        self.time = QLabel(clock_text(0))
        self.time.setAccessibleName("Recording time")
        self.time.setMinimumWidth(self.time.fontMetrics().horizontalAdvance("00:00") + 4)
        self.meter = LevelMeter()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Discard this recording (Esc)")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.send_button = QPushButton("Send")
        self.send_button.setIcon(glyphs.icon(glyphs.send, self.palette().color(QPalette.ColorRole.Highlight), 18))
        self.send_button.setToolTip("Send this voice note (Enter)")
        self.send_button.setAutoDefault(False)
        self.send_button.clicked.connect(self.send_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        row.setSpacing(8)
        row.addWidget(self.dot)
        row.addWidget(self.time)
        row.addWidget(self.meter, 1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.send_button)

    def reset(self) -> None:
        self.time.setText(clock_text(0))
        self.meter.clear()

    def set_duration(self, ms: int) -> None:
        self.time.setText(clock_text(ms))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancel_requested.emit()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.send_requested.emit()
        else:
            super().keyPressEvent(event)
