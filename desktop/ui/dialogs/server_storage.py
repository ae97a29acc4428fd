"""How much of the account's storage on the server is used ("9.8 GB of 10.7 GB used"), with a bar.

Asked of the server (``GET /v1/users/me``) off the GUI thread each time Settings refreshes the
account; offline, signed out, or a server that does not report it, the line says so instead.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from desktop.core.units import size_text
from desktop.ui.bridge import EngineBridge
from sync.protocol import Account

STEPS = 1000


def used_text(used: int, quota: int) -> str:
    return f"{size_text(used)} of {size_text(quota)} used".replace(".0 ", " ")


class ServerStorage(QWidget):
    """The label says how much is used of how much; the bar shows the same, full at the quota."""

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, STEPS)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(8)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self.show_unknown("Asking the server…")

    def refresh(self) -> None:
        account = self.bridge.engine.account
        if account is None or not account.token:
            self.show_unknown("Sign in to see how much you store on the server.")
            return
        self.bridge.read(self._ask, on_done=self._show, on_error=lambda _s: self.show_unknown(
            "Not known while the server cannot be reached."))

    def _ask(self) -> Account | None:
        client = self.bridge.engine.client
        return client.me() if client is not None else None

    def _show(self, account: Account | None) -> None:
        if not shiboken6.isValid(self):
            return
        if account is None or account.used_bytes is None or not account.quota_bytes:
            self.show_unknown("This server does not say how much you store.")
            return
        self.label.setText(used_text(account.used_bytes, account.quota_bytes))
        self.bar.setValue(min(STEPS, round(STEPS * account.used_bytes / account.quota_bytes)))
        self.bar.show()

    def show_unknown(self, sentence: str) -> None:
        if not shiboken6.isValid(self):
            return
        self.label.setText(sentence)
        self.bar.hide()
