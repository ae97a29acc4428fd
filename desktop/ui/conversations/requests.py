"""Conversation requests in the sidebar: a "Requests" row above the chats, and the list it opens.

A request is a conversation someone the user never talked to put them in (see ``desktop.core``:
its media is not fetched and nothing notifies). The row shows how many there are and who sent
them; the list shows them like chats, with a way back.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QAbstractButton, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from desktop.ui.bridge import EngineBridge
from desktop.ui.conversations.delegate import AVATAR, row_height
from desktop.ui.conversations.view import ConversationList
from desktop.ui.style.theme import is_dark, link_button, mix, scaled_font


def who_wants(senders: list[str]) -> str:
    """"alice wants to message you", "alice and dave want to…", "alice, dave and 2 others want to…"."""
    names = list(dict.fromkeys(senders))
    if not names:
        return ""
    if len(names) == 1:
        return f"{names[0]} wants to message you"
    if len(names) == 2:
        return f"{names[0]} and {names[1]} want to message you"
    rest = len(names) - 2
    return f"{names[0]}, {names[1]} and {rest} other{'s' if rest > 1 else ''} want to message you"


class RequestsRow(QAbstractButton):
    """The row at the top of the chat list; hidden while there is no request."""

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.count = 0
        self.line = ""
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Conversations from people you haven't talked to yet")
        bridge.conversations_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        requests = self.bridge.engine.db.conversations.summaries(requests=True)
        self.count = len(requests)
        self.line = who_wants([s.conversation.invited_by or "someone" for s in requests])
        self.setAccessibleName(f"Requests: {self.count}")
        self.setVisible(self.count > 0)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(240, row_height(self.font()))

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        base, text = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
        accent = palette.color(QPalette.ColorRole.Highlight)
        r = QRectF(self.rect())
        p.fillRect(r, mix(base, text, 0.05) if self.underMouse() else base)
        avatar = QRectF(r.left() + 12, r.top() + (r.height() - AVATAR) / 2, AVATAR, AVATAR)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(mix(base, accent, 0.3 if is_dark(palette) else 0.16))
        p.drawEllipse(avatar)
        _tray(p, avatar.adjusted(12, 13, -12, -12), accent)
        left, right = avatar.right() + 12, r.right() - 12
        top = QRectF(left, r.top() + 12, right - left, (r.height() - 24) / 2)
        bottom = top.translated(0, top.height())
        p.setFont(scaled_font(self.font(), 0.82, bold=True))
        label = str(self.count)
        badge_h = p.fontMetrics().height() + 4
        badge_w = max(badge_h, p.fontMetrics().horizontalAdvance(label) + 12)
        badge = QRectF(right - badge_w, top.center().y() - badge_h / 2, badge_w, badge_h)
        p.setBrush(accent)
        p.drawRoundedRect(badge, badge_h / 2, badge_h / 2)
        p.setPen(palette.color(QPalette.ColorRole.HighlightedText))
        p.drawText(badge, Qt.AlignmentFlag.AlignCenter, label)
        p.setPen(text)
        p.setFont(scaled_font(self.font(), 1.04, bold=True))
        p.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "Requests")
        p.setFont(scaled_font(self.font(), 0.95))
        p.setPen(mix(text, base, 0.45))
        line = p.fontMetrics().elidedText(self.line, Qt.TextElideMode.ElideRight, round(bottom.width()))
        p.drawText(bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, line)
        p.setPen(QPen(mix(base, text, 0.1), 1))
        p.drawLine(QPointF(r.left() + 12, r.bottom() - 0.5), QPointF(r.right() - 12, r.bottom() - 0.5))
        p.end()


def _tray(p: QPainter, r: QRectF, color: QColor) -> None:
    """An inbox tray: a rounded box with a dipped rim across its middle."""
    pen = QPen(color, max(1.6, r.width() / 9))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(r, 3, 3)
    rim, dip, third = r.top() + r.height() * 0.45, r.height() * 0.2, r.width() / 3
    p.drawPolyline([QPointF(r.left(), rim), QPointF(r.left() + third, rim),
                    QPointF(r.left() + third * 1.2, rim + dip), QPointF(r.right() - third * 1.2, rim + dip),
                    QPointF(r.right() - third, rim), QPointF(r.right(), rim)])


class SideLists(QStackedWidget):
    """The chats (under the Requests row), or the requests with a way back.

    Signals:
        conversation_selected(conversation_id): a request was picked in the requests list.
        chats_shown(): the user went back from the requests to the chats.
    """

    conversation_selected = Signal(str)
    chats_shown = Signal()

    def __init__(self, bridge: EngineBridge, chats: ConversationList, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chats = chats
        self.row = RequestsRow(bridge)
        self.row.clicked.connect(self.show_requests)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.row)
        layout.addWidget(chats, 1)
        self.requests = ConversationList(bridge, requests=True)
        self.requests.conversation_selected.connect(self.conversation_selected)
        back = link_button("‹ Chats")
        back.setToolTip("Back to your chats")
        back.clicked.connect(self.show_chats)
        heading = QLabel("Requests")
        heading.setFont(scaled_font(self.font(), 1.1, bold=True))
        top = QHBoxLayout()
        top.setContentsMargins(10, 0, 14, 0)
        top.addWidget(back)
        top.addStretch(1)
        top.addWidget(heading)
        note = QLabel("People you haven't talked to. Their photos and files stay unloaded until you accept, "
                      "and they aren't told you've seen anything.")
        note.setWordWrap(True)
        note.setEnabled(False)
        listing = QWidget()
        listing_layout = QVBoxLayout(listing)
        listing_layout.setContentsMargins(0, 0, 0, 0)
        listing_layout.setSpacing(6)
        note.setContentsMargins(14, 0, 10, 4)
        listing_layout.addLayout(top)
        listing_layout.addWidget(note)
        listing_layout.addWidget(self.requests, 1)
        self.addWidget(page)
        self.addWidget(listing)
        bridge.conversations_changed.connect(self._on_changed)

    def showing_requests(self) -> bool:
        return self.currentIndex() == 1

    def show_requests(self) -> None:
        self.setCurrentIndex(1)

    def show_chats(self) -> None:
        if self.showing_requests():
            self.setCurrentIndex(0)
            self.requests.clearSelection()
            self.chats_shown.emit()

    def _on_changed(self) -> None:
        if self.showing_requests() and self.requests.model().rowCount() == 0:
            self.show_chats()
