"""Signing in (the default) or, by choice, creating an account, on the built-in server or another one."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.core.db.records import Account
from desktop.core.engine import Engine
from desktop.core.errors import UserFacingError
from desktop.ui.bridge import EngineBridge
from desktop.ui.dialogs.certificate import CertificatePrompt
from desktop.ui.style.theme import error_label, link_button, scaled_font
from sync.client import ApiError, CertificateChanged, Offline, UntrustedCertificate
from sync.protocol import USERNAME_PATTERN

WIDTH = 460
MIN_PASSWORD, MAX_PASSWORD = 8, 256  # as the server's Credentials
USERNAME_RULE = "A username is 2 to 32 letters, digits, dots, dashes or underscores."


class SignInRefused(UserFacingError):
    """The server said no (or could not be reached); the sentence tells the person what to do."""


def username_problem(username: str) -> str:
    """Why a server would refuse this username, in a sentence; "" when it is well formed."""
    if not 2 <= len(username) <= 32:
        return "A username is 2 to 32 characters long."
    if not re.fullmatch(r"[a-z0-9_.-]+", username):
        return "A username uses only letters, digits, dots, dashes and underscores."
    if not re.fullmatch(USERNAME_PATTERN, username):
        return "A username must start with a letter or digit."
    return ""


class SignInDialog(QDialog):
    """Accepted once the engine holds a signed-in account.

    Enter signs in. Creating an account is a separate mode (``set_creating``) that asks for the
    password twice, so a typo never makes a new account. A server whose certificate this computer
    does not trust shows its fingerprint first (``certificate``): trusted, it is pinned and the
    sign-in goes on; a pinned certificate that changed is refused in the error line.
    """

    def __init__(self, bridge: EngineBridge, server_url: str, *, built_in: bool = False, username: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.creating = False
        self.setWindowTitle("Welcome to Envelope")  # ends with the app's name, so no platform repeats it
        self.greeting = "Welcome back" if username else "Welcome to Envelope"
        self.heading = QLabel(self.greeting)
        self.heading.setFont(scaled_font(self.font(), 1.6, bold=True))
        blurb = QLabel("Share photos, videos, voice notes and any file — they stay with you, even offline.")
        blurb.setWordWrap(True)
        self.server = QLineEdit(server_url)
        self.server.setPlaceholderText("https://envelope.example.org")
        self.server_note = QLabel("On this computer")
        self.server_note.setToolTip("Envelope's built-in server, on this computer")
        self.server_note.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)  # link beside it
        self.other_server = link_button("Use another server…")
        self.other_server.clicked.connect(self._show_server)
        self.username = QLineEdit(username)
        self.username.setPlaceholderText("e.g. alice")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setPlaceholderText("the same password again")
        self.error = error_label(self.palette())
        self.certificate = CertificatePrompt()
        self.certificate.hide()
        self.certificate.trusted.connect(self._trust)
        self.certificate.cancelled.connect(self._distrust)
        self._attempt: tuple[str, str, str, bool, bool] | None = None
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setVerticalSpacing(10)
        server_row = QHBoxLayout()
        server_row.addWidget(self.server_note)
        server_row.addWidget(self.other_server)
        server_row.addWidget(self.server, 1)
        self.form.addRow("Server", server_row)
        self.form.addRow("Username", self.username)
        self.form.addRow("Password", self.password)
        self.form.addRow("Repeat password", self.repeat)
        self.primary = QPushButton("Sign in")
        self.primary.setDefault(True)
        self.primary.clicked.connect(self.submit)
        self.mode_link = link_button("Create an account")
        self.mode_link.clicked.connect(lambda: self.set_creating(not self.creating))
        buttons = QHBoxLayout()
        buttons.addWidget(self.mode_link)
        buttons.addStretch(1)
        buttons.addWidget(self.primary)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self.heading)
        layout.addWidget(blurb)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.certificate)
        layout.addLayout(buttons)
        self.server.setVisible(not built_in)
        self.other_server.setVisible(built_in)
        self.server_note.setVisible(built_in)
        self.setFixedWidth(WIDTH)
        self.set_creating(False)
        (self.password if username else self.username).setFocus(Qt.FocusReason.OtherFocusReason)

    def set_creating(self, creating: bool) -> None:
        """Switch between signing in (the default) and creating an account."""
        self.creating = creating
        self.heading.setText("Create an account" if creating else self.greeting)
        self.form.setRowVisible(self.repeat, creating)
        self.primary.setText("Create account" if creating else "Sign in")
        self.mode_link.setText("I already have an account" if creating else "Create an account")
        self.password.setPlaceholderText("at least 8 characters" if creating else "")
        self.repeat.clear()
        self.error.hide()
        self._fit()

    def _show_server(self) -> None:
        self.server_note.hide()
        self.other_server.hide()
        self.server.show()
        self.server.selectAll()
        self.server.setFocus()
        self._fit()

    def _fit(self) -> None:
        """Take the height the content needs at the dialog's width: a two-line error never squashes the fields."""
        layout = self.layout()
        layout.activate()
        self.setFixedHeight(layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth()
                            else layout.totalSizeHint().height())

    # -- submitting --------------------------------------------------------------------------------
    def _missing(self) -> tuple[QLineEdit, str] | None:
        """The first field still to fill (or wrongly filled) and what to tell the person about it."""
        username, password = self.username.text().strip().lower(), self.password.text()
        if not self.server.isHidden() and not self.server.text().strip():
            return self.server, "Enter the server's address, e.g. https://envelope.example.org."
        if not username:
            return self.username, "Choose a username." if self.creating else "Enter your username."
        if problem := username_problem(username):
            return self.username, problem
        if not password:
            return self.password, ("Choose a password of at least 8 characters." if self.creating
                                   else "Enter your password.")
        if len(password) < MIN_PASSWORD:
            return self.password, ("Choose a password of at least 8 characters." if self.creating
                                   else "Passwords are at least 8 characters; check yours.")
        if len(password) > MAX_PASSWORD:
            return self.password, "A password is at most 256 characters."
        if self.creating and self.repeat.text() != password:
            return self.repeat, "The two passwords differ; type the same password twice."
        return None

    def submit(self) -> None:
        """Sign in, or create the account in that mode; problems are shown under the fields."""
        if missing := self._missing():
            field, sentence = missing
            self._fail(sentence)
            field.setFocus()
            return
        server = self.server.text().strip().rstrip("/")
        if not server.startswith(("http://", "https://")):
            server = "https://" + server
        username, password, creating = self.username.text().strip().lower(), self.password.text(), self.creating
        self._attempt = (server, username, password, creating, self.server.isHidden())
        self._go()

    def _go(self, trust: str | None = None) -> None:
        """Sign in (or create the account) off the GUI thread, pinning ``trust`` first when given."""
        assert self._attempt is not None
        server, username, password, creating, built_in = self._attempt
        engine = self.bridge.engine

        def attempt() -> Account | UntrustedCertificate:
            if trust is not None:
                engine.trust_certificate(server, trust)
            try:
                return _account(engine, server, username, password, creating=creating, built_in=built_in)
            except UntrustedCertificate as exc:
                return exc  # a question for the person, not a failure

        self._busy(True)
        self.error.hide()
        self._fit()
        self.bridge.run(attempt, self._done, self._fail)

    def _done(self, result: Account | UntrustedCertificate) -> None:
        if isinstance(result, UntrustedCertificate):
            self._busy(True)  # until answered
            self.certificate.ask(result.origin, result.fingerprint, result.reason)
            self._fit()
            return
        self.accept()

    def _trust(self, fingerprint: str) -> None:
        self.certificate.hide()
        self._go(trust=fingerprint)

    def _distrust(self) -> None:
        self.certificate.hide()
        self._fail("Not signed in: the server's certificate was not trusted.")

    def _busy(self, busy: bool) -> None:
        for widget in (self.primary, self.mode_link, self.server, self.username, self.password, self.repeat):
            widget.setEnabled(not busy)

    def _fail(self, sentence: str) -> None:
        self._busy(False)
        self.error.setText(sentence)
        self.error.show()
        self._fit()


def _account(engine: Engine, server: str, username: str, password: str, *, creating: bool,
             built_in: bool) -> Account:
    """Sign in or create the account (on a worker thread); raises SignInRefused with a sentence for people."""
    try:
        if creating:
            return engine.sign_up(server, username, password)
        return engine.sign_in(server, username, password)
    except CertificateChanged as exc:
        raise SignInRefused(str(exc)) from exc
    except Offline as exc:
        if built_in:
            raise SignInRefused("Envelope's built-in server is not answering; quit Envelope and open it "
                                "again.") from exc
        raise SignInRefused(f"{server} can't be reached; check the address and your connection.") from exc
    except ApiError as exc:
        if exc.status == 409 and creating:
            raise SignInRefused(f"The username {username} is taken. If it is yours, choose “I already have "
                                "an account” and sign in.") from exc
        if exc.status == 422:
            raise SignInRefused(f"The server refused that username or password. {USERNAME_RULE} A password "
                                "is at least 8 characters.") from exc
        raise
