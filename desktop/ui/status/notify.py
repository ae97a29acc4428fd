"""The tray notifier: a message from someone else while Envelope is not the active window shows a bubble."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from desktop.core.db.conversations import preview
from desktop.core.db.records import Message
from desktop.ui.app import app_icon
from desktop.ui.bridge import EngineBridge

log = logging.getLogger(__name__)
BUBBLE_MS = 6000
KIND_WORDS = {"image": "Photo", "video": "Video", "audio": "Voice note", "file": "File"}


def envelope_icon(color: QColor, paper: QColor, side: int = 64) -> QIcon:
    """The app's mark drawn in code: an envelope in the accent colour."""
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    body = QRectF(side * 0.08, side * 0.2, side * 0.84, side * 0.6)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRoundedRect(body, side * 0.09, side * 0.09)
    flap = QPainterPath()
    flap.moveTo(body.left() + side * 0.06, body.top() + side * 0.07)
    flap.lineTo(QPointF(body.center().x(), body.top() + body.height() * 0.58))
    flap.lineTo(body.right() - side * 0.06, body.top() + side * 0.07)
    pen = QPen(paper, side * 0.07)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(flap)
    painter.end()
    return QIcon(pixmap)


def notification_text(message: Message) -> str:
    """The bubble's line: the message's first line, else what it carries ("Photo", "2 files")."""
    if message.body.strip():
        return preview(message)
    kinds = {a.kind for a in message.attachments}
    if len(message.attachments) == 1:
        kind = message.attachments[0].kind
        return f"{KIND_WORDS[kind]}: {message.attachments[0].name}" if kind == "file" else KIND_WORDS[kind]
    if len(kinds) == 1 and message.attachments:
        return f"{len(message.attachments)} {KIND_WORDS[kinds.pop()].lower()}s"
    return preview(message) or "New message"


class TrayNotifier(QObject):
    """Shows ``sender: preview`` for new messages from others while ``window`` is not active.

    Every shown notification is also appended to ``shown`` as (title, text), so the decision
    can be checked where there is no system tray (offscreen, some desktops): then nothing is
    drawn, and nothing fails.

    Signals:
        conversation_requested(conversation_id): the user clicked the latest notification.
    """

    conversation_requested = Signal(str)

    def __init__(self, bridge: EngineBridge, window: QWidget) -> None:
        super().__init__(window)
        self.bridge = bridge
        self.window = window
        self.shown: list[tuple[str, str]] = []
        self.last_conversation_id: str | None = None
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(app_icon(), self)
            self.tray.setToolTip("Envelope")
            self.menu = QMenu(window)
            self.menu.addAction("Show Envelope", self.raise_window)
            self.menu.addAction("Quit Envelope", window.close)  # the window's own way out (it stops the engine)
            self.tray.setContextMenu(self.menu)
            self.tray.messageClicked.connect(self.open_latest)
            self.tray.activated.connect(self._activated)
            self.tray.show()
        bridge.message_added.connect(self._message_added)

    # -- deciding ----------------------------------------------------------------------------------
    def should_notify(self, message: Message) -> bool:
        """From someone else, not in a request (nothing from a stranger notifies until accepted), the
        window not in front, notifications on."""
        account = self.bridge.engine.account
        if account is not None and message.sender == account.username:
            return False
        conversation = self.bridge.engine.db.conversations.get(message.conversation_id)
        if conversation is None or conversation.is_request:
            return False
        if self.window.isActiveWindow():
            return False
        return bool(self.bridge.engine.db.settings.get("notifications"))

    def _message_added(self, message_id: int, conversation_id: str) -> None:
        message = self.bridge.engine.db.messages.get(message_id)
        if message is None or not self.should_notify(message):
            return
        conversation = self.bridge.engine.db.conversations.get(conversation_id)
        title = message.sender
        if conversation is not None and conversation.title and len(conversation.members) > 2:
            title = f"{message.sender} in {conversation.title}"
        self.notify(title, notification_text(message), conversation_id)

    def notify(self, title: str, text: str, conversation_id: str | None = None) -> None:
        self.shown.append((title, text))
        self.last_conversation_id = conversation_id
        if self.tray is not None:
            self.tray.showMessage(title, text, self.tray.icon(), BUBBLE_MS)

    # -- clicking ----------------------------------------------------------------------------------
    def raise_window(self) -> None:
        if self.window.isMinimized():
            self.window.showNormal()
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def open_latest(self) -> None:
        """The user clicked the latest notification: bring the window (and its conversation) up."""
        self.raise_window()
        if self.last_conversation_id:
            self.conversation_requested.emit(self.last_conversation_id)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.raise_window()

    def close(self) -> None:
        """Take the icon out of the tray (on quit)."""
        if self.tray is not None:
            self.tray.hide()
