"""The bar under an open request, in place of the composer: who wants to message you, and
Accept · Delete · Block. Each answer runs off the GUI thread and needs the server."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.bridge import EngineBridge
from desktop.ui.style.theme import error_color, mix, scaled_font


class RequestBar(QFrame):
    """Signals:
        accepted(conversation_id): the request is an ordinary conversation now.
        removed(conversation_id, sentence): deleted or its sender blocked; it is gone.
        failed(sentence): the server could not be reached or refused.
    """

    accepted = Signal(str)
    removed = Signal(str, str)
    failed = Signal(str)

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.conversation_id: str | None = None
        self.inviter = ""
        self.setObjectName("requestBar")
        self.headline = QLabel()
        self.headline.setFont(scaled_font(self.font(), 1.08, bold=True))
        self.headline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel("You haven't talked before. Photos and files stay unloaded until you accept; "
                             "they won't be told if you delete or block.")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setEnabled(False)
        self.accept_button = QPushButton("Accept")
        self.accept_button.setDefault(True)
        self.accept_button.setToolTip("Move it to your chats; its photos and files download")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Leave it: it disappears from here")
        self.block_button = QPushButton("Block")
        self.block_button.setToolTip("Leave it, and never be added to a conversation by them again")
        self.accept_button.clicked.connect(self.accept)
        self.delete_button.clicked.connect(self.delete)
        self.block_button.clicked.connect(self.block)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.accept_button, self.delete_button, self.block_button):
            button.setMinimumWidth(110)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 14, 24, 16)
        layout.setSpacing(6)
        layout.addWidget(self.headline)
        layout.addWidget(self.detail)
        layout.addSpacing(4)
        layout.addLayout(buttons)
        self._style()

    def _style(self) -> None:
        palette = self.palette()
        base, accent = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Highlight)
        danger = error_color(palette)
        self.setStyleSheet(
            f"#requestBar {{ background: {mix(base, accent, 0.07).name()}; }}"
            f"QPushButton {{ padding: 5px 16px; }}"
        )
        self.accept_button.setStyleSheet(
            f"QPushButton {{ background: {accent.name()}; color: "
            f"{palette.color(QPalette.ColorRole.HighlightedText).name()}; border: none; border-radius: 5px;"
            f" padding: 6px 16px; font-weight: bold; }}"
            f"QPushButton:hover {{ background: {accent.lighter(112).name()}; }}")
        self.block_button.setStyleSheet(f"QPushButton {{ color: {danger.name()}; }}")

    def show_for(self, conversation_id: str, sender: str | None) -> None:
        self.conversation_id = conversation_id
        self.inviter = sender or "Someone"
        self.headline.setText(f"{self.inviter} wants to message you")
        self.block_button.setText(f"Block {sender}" if sender else "Block")
        self._busy(False)

    def accept(self) -> None:
        self._answer(self.bridge.engine.accept_request, lambda cid, _r: self.accepted.emit(cid))

    def delete(self) -> None:
        self._answer(self.bridge.engine.delete_request,
                     lambda cid, _r: self.removed.emit(cid, "Request deleted."))

    def block(self) -> None:
        self._answer(self.bridge.engine.block_request, lambda cid, name: self.removed.emit(
            cid, f"Blocked {name}: they can't add you to a conversation again."))

    def _answer(self, call: Callable[[str], object], done: Callable[[str, object], None]) -> None:
        cid = self.conversation_id
        if cid is None:
            return
        self._busy(True)

        def failed(sentence: str) -> None:
            self._busy(False)
            self.failed.emit(sentence)

        self.bridge.run(lambda: call(cid), lambda result: done(cid, result), failed)

    def _busy(self, busy: bool) -> None:
        for button in (self.accept_button, self.delete_button, self.block_button):
            button.setEnabled(not busy)
