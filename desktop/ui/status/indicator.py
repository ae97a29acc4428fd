"""The status line's connection indicator: a coloured dot and online / offline / syncing."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from desktop.ui.style.theme import OFFLINE, ONLINE, SYNCING

STATES = {
    "online": (ONLINE, "Online"),
    "syncing": (SYNCING, "Syncing…"),
    "offline": (OFFLINE, "Offline — messages wait here and go out when the server is back"),
    "signed_out": (OFFLINE, "Signed out — sign in again to sync"),
    "untrusted": (OFFLINE, "Not connected — the server's certificate is not one you trust"),
}


class _Dot(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.color = OFFLINE
        self.setFixedSize(QSize(12, 12))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QColor(0, 0, 0, 0))
        p.setBrush(self.color)
        p.drawEllipse(QRectF(2, 2, 8, 8))
        p.end()


class ConnectionIndicator(QWidget):
    def __init__(self, username: str = "") -> None:
        super().__init__()
        self.username = username
        self.state = ""
        self.dot = _Dot()
        self.label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(6)
        layout.addWidget(self.dot)
        layout.addWidget(self.label)

    def set_state(self, state: str, detail: str = "") -> None:
        color, text = STATES.get(state, (OFFLINE, state))
        self.state = state
        self.dot.color = color
        self.dot.update()
        who = f"{self.username} · " if self.username else ""
        self.label.setText(who + text)
        self.setToolTip(detail or text)
