"""Signing in to an HTTPS server whose certificate this computer does not trust: compare, trust (pin), or not.

A real server on loopback with a self-signed certificate made in the test; a changed certificate later is
refused, in the dialog and in the main window, naming both fingerprints.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.backoff import Backoff
from desktop.core.engine import Engine
from desktop.ui.bridge import EngineBridge
from desktop.ui.dialogs.certificate import fingerprint_lines
from desktop.ui.dialogs.sign_in import SignInDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.startup.launcher import open_session
from sync.certificates import origin_of
from sync.server.config import ServerConfig
from sync.server.runner import EmbeddedServer
from sync.server.tls import TlsFiles
from tests.gui.conftest import PASSWORD
from tests.tls_certs import fingerprint_of, make_ca, self_signed


class TlsServer:
    def __init__(self, data_dir: Path, files: TlsFiles) -> None:
        self.config = ServerConfig(data_dir=data_dir)
        self.files = files
        self.server = EmbeddedServer(self.config, tls=files).start()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.files)

    def restart_with(self, files: TlsFiles) -> None:
        """The same data and port, another certificate."""
        self.server.stop()
        self.files = files
        self.server = EmbeddedServer(self.config, port=self.server.port, tls=files).start()


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[TlsServer]:
    srv = TlsServer(tmp_path / "server", self_signed(tmp_path / "certs"))
    yield srv
    srv.server.stop()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[EngineBridge]:
    bridge = EngineBridge(Engine(tmp_path / "carol", long_poll_s=1, backoff=Backoff(base=0.05, cap=0.5)).start())
    yield bridge
    bridge.stop()


def _create_account(qtbot: QtBot, bridge: EngineBridge, url: str) -> SignInDialog:
    dialog = SignInDialog(bridge, url)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_creating(True)
    dialog.username.setText("carol")
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD)
    qtbot.mouseClick(dialog.primary, Qt.MouseButton.LeftButton)
    return dialog


def test_an_untrusted_certificate_shows_its_fingerprint_and_trusting_it_pins_it_and_signs_in(
        fresh: EngineBridge, tls_server: TlsServer, qtbot: QtBot) -> None:
    dialog = _create_account(qtbot, fresh, tls_server.url)
    qtbot.waitUntil(lambda: dialog.certificate.isVisible(), timeout=10_000)
    assert dialog.certificate.shown.text() == fingerprint_lines(tls_server.fingerprint)
    assert dialog.certificate.shown.text().replace("\n", ":") == tls_server.fingerprint
    assert "self-signed" in dialog.certificate.explanation.text()
    assert not dialog.primary.isEnabled() and fresh.engine.account is None
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.mouseClick(dialog.certificate.trust, Qt.MouseButton.LeftButton)
    account = fresh.engine.account
    assert account is not None and account.username == "carol" and account.token
    assert fresh.engine.db.certificates.get(origin_of(tls_server.url)) == tls_server.fingerprint


def test_cancel_trusts_nothing_and_signs_nobody_in(fresh: EngineBridge, tls_server: TlsServer, qtbot: QtBot) -> None:
    dialog = _create_account(qtbot, fresh, tls_server.url)
    qtbot.waitUntil(lambda: dialog.certificate.isVisible(), timeout=10_000)
    qtbot.mouseClick(dialog.certificate.cancel, Qt.MouseButton.LeftButton)
    assert not dialog.certificate.isVisible()
    assert dialog.error.text() == "Not signed in: the server's certificate was not trusted."
    assert dialog.primary.isEnabled()
    assert fresh.engine.db.certificates.get(origin_of(tls_server.url)) is None
    assert fresh.engine.account is None


def test_a_changed_certificate_is_refused_naming_both_fingerprints(
        fresh: EngineBridge, tls_server: TlsServer, qtbot: QtBot, tmp_path: Path) -> None:
    trusted = fingerprint_of(self_signed(tmp_path / "before"))
    fresh.engine.trust_certificate(tls_server.url, trusted)
    dialog = _create_account(qtbot, fresh, tls_server.url)
    qtbot.waitUntil(lambda: not dialog.error.isHidden(), timeout=10_000)
    assert not dialog.certificate.isVisible()
    text = dialog.error.text()
    assert "has changed since you trusted it" in text
    assert trusted in text and tls_server.fingerprint in text
    assert fresh.engine.account is None
    assert fresh.engine.db.certificates.get(origin_of(tls_server.url)) == trusted


def test_the_window_says_so_when_the_certificate_changes_and_nothing_syncs(
        tls_server: TlsServer, tmp_path: Path, qtbot: QtBot) -> None:
    engine = Engine(tmp_path / "dave", long_poll_s=1, backoff=Backoff(base=0.05, cap=0.5))
    engine.trust_certificate(tls_server.url, tls_server.fingerprint)
    engine.sign_up(tls_server.url, "dave", PASSWORD)
    bridge = EngineBridge(engine.start())
    window = MainWindow(bridge)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.connection.state == "online", timeout=10_000)
        before = tls_server.fingerprint
        tls_server.restart_with(self_signed(tmp_path / "after"))
        qtbot.waitUntil(lambda: window.connection.state == "untrusted", timeout=15_000)
        assert "certificate" in window.connection.label.text()
        warning = window.certificate_warning
        assert warning is not None and warning.isVisible()
        assert before in warning.informativeText() and tls_server.fingerprint in warning.informativeText()
        assert before in window.connection.toolTip()
    finally:
        window.close()
        bridge.stop()


def test_the_profile_remembers_its_ca_file_and_forget_certificate_asks_again(
        tls_server: TlsServer, tmp_path: Path) -> None:
    ca = make_ca(tmp_path / "ca")
    profile = tmp_path / "erin"
    session = open_session(profile, tls_server.url, ca_file=str(ca.cert_file), long_poll_s=1)
    try:
        assert session.engine.ca_file == ca.cert_file.resolve()
        session.engine.trust_certificate(tls_server.url, tls_server.fingerprint)
        session.engine.sign_up(tls_server.url, "erin", PASSWORD)
    finally:
        session.stop()
    again = open_session(profile, None, long_poll_s=1)  # no --ca-file: the remembered one
    try:
        assert again.engine.ca_file == ca.cert_file.resolve() and again.signed_in
    finally:
        again.stop()
    forgotten = open_session(profile, None, ca_file="system", forget_certificate=True, long_poll_s=1)
    try:
        assert forgotten.engine.ca_file is None
        assert forgotten.engine.db.certificates.get(origin_of(tls_server.url)) is None
        assert not forgotten.signed_in  # so the sign-in dialog shows the certificate to compare
    finally:
        forgotten.stop()
