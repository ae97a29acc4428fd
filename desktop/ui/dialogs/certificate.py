"""The sign-in dialog's question about a certificate this computer does not trust: compare, then trust or not."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.style.theme import scaled_font


def fingerprint_lines(fingerprint: str) -> str:
    """A SHA-256 fingerprint as two lines of 16 pairs, easier to compare by eye."""
    pairs = fingerprint.split(":")
    return "\n".join(":".join(pairs[i:i + 16]) for i in range(0, len(pairs), 16))


class CertificatePrompt(QFrame):
    """Shows the fingerprint of an untrusted certificate and asks. ``trusted`` / ``cancelled`` say the answer."""

    trusted = Signal(str)  # the fingerprint
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.fingerprint = ""
        self.heading = QLabel("Is this your server?")
        self.heading.setFont(scaled_font(self.font(), 1.15, bold=True))
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.shown = QLabel()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.shown.setFont(mono)
        self.shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.shown.setAccessibleName("SHA-256 fingerprint")
        self.advice = QLabel("Trust it only if every pair matches. If it differs, someone may be "
                             "intercepting the connection: cancel.")
        self.advice.setWordWrap(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self.cancelled)
        self.trust = QPushButton("Trust and continue")
        self.trust.clicked.connect(lambda: self.trusted.emit(self.fingerprint))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.trust)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        for widget in (self.heading, self.explanation, self.shown, self.advice):
            layout.addWidget(widget)
        layout.addLayout(buttons)

    def ask(self, origin: str, fingerprint: str, reason: str) -> None:
        self.fingerprint = fingerprint
        why = f" ({reason})" if reason else ""
        self.explanation.setText(
            f"{origin} presents a certificate this computer does not trust{why}. Compare its SHA-256 "
            "fingerprint below with the one the server printed when it started (ask whoever runs it):")
        self.shown.setText(fingerprint_lines(fingerprint))
        self.show()
        self.cancel.setFocus(Qt.FocusReason.OtherFocusReason)
