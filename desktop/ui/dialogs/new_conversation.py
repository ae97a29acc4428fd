"""The dialog that starts a conversation: a title and the usernames to invite."""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from desktop.ui.bridge import EngineBridge
from desktop.ui.style.theme import error_label


class NewConversationDialog(QDialog):
    """Signals:
        created(conversation_id): the server made the conversation.
    """

    created = Signal(str)

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.setWindowTitle("New conversation")
        self.setMinimumWidth(380)
        self.title = QLineEdit()
        self.title.setPlaceholderText("optional, e.g. Weekend trip")
        self.members = QLineEdit()
        self.members.setPlaceholderText("usernames, separated by commas")
        self.error = error_label(self.palette())
        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("With", self.members)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def submit(self) -> None:
        members = [m for m in re.split(r"[\s,;]+", self.members.text().strip().lower()) if m]
        title = self.title.text().strip()
        engine = self.bridge.engine
        self.buttons.setEnabled(False)

        def done(conversation_id: str) -> None:
            self.created.emit(conversation_id)
            self.accept()

        def failed(sentence: str) -> None:
            self.buttons.setEnabled(True)
            self.error.setText(sentence)
            self.error.show()

        self.bridge.run(lambda: engine.create_conversation(title, members), done, failed)
