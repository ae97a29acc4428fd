"""First start: create an account or sign in, on the built-in server or another one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.bridge import EngineBridge
from desktop.ui.style.theme import error_label, scaled_font


class SignInDialog(QDialog):
    """Accepted once the engine holds a signed-in account."""

    def __init__(self, bridge: EngineBridge, server_url: str, *, built_in: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.setWindowTitle("Welcome to Envelope")
        self.setMinimumWidth(420)
        heading = QLabel("Welcome to Envelope")
        heading.setFont(scaled_font(self.font(), 1.6, bold=True))
        blurb = QLabel("Share photos, videos, voice notes and any file — they stay with you, even offline.")
        blurb.setWordWrap(True)
        self.server = QLineEdit(server_url)
        self.server.setPlaceholderText("https://envelope.example.org")
        self.server_note = QLabel("On this computer (built-in server)" if built_in else "")
        self.other_server = QPushButton("Use another server…")
        self.other_server.setFlat(True)
        self.other_server.clicked.connect(self._show_server)
        self.username = QLineEdit()
        self.username.setPlaceholderText("e.g. alice")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("at least 8 characters")
        self.error = error_label(self.palette())
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        server_row = QHBoxLayout()
        server_row.addWidget(self.server_note)
        server_row.addWidget(self.server, 1)
        server_row.addWidget(self.other_server)
        form.addRow("Server", server_row)
        form.addRow("Username", self.username)
        form.addRow("Password", self.password)
        self.create_button = QPushButton("Create account")
        self.sign_in_button = QPushButton("Sign in")
        self.create_button.clicked.connect(lambda: self.submit(create=True))
        self.sign_in_button.clicked.connect(lambda: self.submit(create=False))
        self.create_button.setDefault(built_in)
        self.sign_in_button.setDefault(not built_in)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        buttons.addWidget(self.sign_in_button)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(blurb)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.server.setVisible(not built_in)
        self.other_server.setVisible(built_in)
        self.server_note.setVisible(built_in)
        self.username.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_server(self) -> None:
        self.server_note.hide()
        self.other_server.hide()
        self.server.show()
        self.server.selectAll()
        self.server.setFocus()

    def submit(self, *, create: bool) -> None:
        server = self.server.text().strip().rstrip("/")
        username = self.username.text().strip().lower()
        password = self.password.text()
        if not server or not username or not password:
            self._fail("Fill in the server, a username and a password.")
            return
        if not server.startswith(("http://", "https://")):
            server = "https://" + server
        engine = self.bridge.engine
        action = engine.sign_up if create else engine.sign_in
        for widget in (self.create_button, self.sign_in_button):
            widget.setEnabled(False)
        self.error.hide()
        self.bridge.run(lambda: action(server, username, password), lambda _account: self.accept(), self._fail)

    def _fail(self, sentence: str) -> None:
        for widget in (self.create_button, self.sign_in_button):
            widget.setEnabled(True)
        self.error.setText(sentence)
        self.error.show()
