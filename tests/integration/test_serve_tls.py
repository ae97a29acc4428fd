"""``python -m sync serve`` and TLS: the self-signed certificate, TLS 1.2 at least, plain HTTP kept on loopback."""

from __future__ import annotations

import re
import socket
import ssl
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import requests

from sync.certificates import fingerprint, peer_certificate
from sync.server.tls import SELF_SIGNED_CERT, SELF_SIGNED_DIR, SELF_SIGNED_KEY, TlsFiles, is_loopback, server_context
from tests.integration.conftest import ROOT, ServerProcess
from tests.tls_certs import self_signed

FINGERPRINT_LINE = re.compile(r"SHA-256 fingerprint: ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})")


def serve(*args: str) -> subprocess.CompletedProcess[str]:
    """A ``serve`` that is expected to stop at once (an argument error)."""
    return subprocess.run([sys.executable, "-m", "sync", "serve", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_self_signed_makes_an_owner_only_certificate_prints_its_fingerprint_and_reuses_it(tmp_path: Path) -> None:
    srv = ServerProcess(tmp_path / "lan", args=["--tls-self-signed"]).start()
    try:
        folder = srv.data_dir / SELF_SIGNED_DIR
        for path in (folder / SELF_SIGNED_CERT, folder / SELF_SIGNED_KEY):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        served = fingerprint(peer_certificate(srv.url))
        assert FINGERPRINT_LINE.findall(srv.log()) == [served]
        assert "a new self-signed certificate" in srv.log()
        srv.restart()
        assert fingerprint(peer_certificate(srv.url)) == served
        assert FINGERPRINT_LINE.findall(srv.log()) == [served, served]
        assert "with its self-signed certificate" in srv.log()
    finally:
        srv.stop()


def _handshake(port: int, *, maximum: ssl.TLSVersion, minimum: ssl.TLSVersion | None = None) -> str:
    """The protocol a handshake with the server agrees on; raises ssl.SSLError when none."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # naming TLS 1.1 at all is deprecated
        context.minimum_version = minimum or ssl.TLSVersion.MINIMUM_SUPPORTED
        context.maximum_version = maximum
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let this client offer what old clients offered
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, context.wrap_socket(raw) as tls:
        return str(tls.version())


def test_tls_1_1_is_refused_and_1_2_accepted(tmp_path: Path) -> None:
    files = self_signed(tmp_path / "certs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old, tls11 = ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1
    control = _old_server(files)  # proves this machine's OpenSSL can still speak TLS 1.1
    try:
        assert _handshake(control.getsockname()[1], maximum=tls11, minimum=old) == "TLSv1.1"
    finally:
        control.close()
    assert server_context(files).minimum_version == ssl.TLSVersion.TLSv1_2
    srv = ServerProcess(tmp_path / "server", args=["--tls-cert", str(files.cert), "--tls-key", str(files.key)])
    srv.start()
    try:
        with pytest.raises(ssl.SSLError):
            _handshake(srv.port, maximum=tls11, minimum=old)
        assert _handshake(srv.port, maximum=ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
        assert _handshake(srv.port, maximum=ssl.TLSVersion.MAXIMUM_SUPPORTED) == "TLSv1.3"
    finally:
        srv.stop()


def _old_server(files: TlsFiles) -> socket.socket:
    """A listener that completes one handshake allowing TLS 1.0 and 1.1, in a thread of its own."""
    import threading

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.load_cert_chain(files.cert, files.key)
    listener = socket.create_server(("127.0.0.1", 0))

    def once() -> None:
        raw, _ = listener.accept()
        try:
            with context.wrap_socket(raw, server_side=True):
                pass
        except OSError:
            raw.close()

    threading.Thread(target=once, daemon=True).start()
    return listener


def test_plain_http_beyond_loopback_is_refused_and_says_why(tmp_path: Path) -> None:
    result = serve("--host", "0.0.0.0", "--port", "1", "--data-dir", str(tmp_path / "s"))
    assert result.returncode == 2
    assert "refusing plain HTTP on 0.0.0.0" in result.stderr
    assert "--tls-self-signed" in result.stderr and "--insecure-http" in result.stderr
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())


def test_insecure_http_lets_it_listen_on_every_address(tmp_path: Path) -> None:
    srv = ServerProcess(tmp_path / "server", host="0.0.0.0", args=["--insecure-http"]).start()
    try:
        assert srv.url.startswith("http://")
        assert requests.get(srv.url + "/healthz", timeout=10).ok
    finally:
        srv.stop()


def test_tls_arguments_that_do_not_fit_are_refused(tmp_path: Path) -> None:
    files, other = self_signed(tmp_path / "a"), self_signed(tmp_path / "b")
    data = ["--data-dir", str(tmp_path / "s")]
    only_cert = serve(*data, "--tls-cert", str(files.cert))
    assert only_cert.returncode == 2 and "--tls-cert and --tls-key go together" in only_cert.stderr
    both = serve(*data, "--tls-self-signed", "--tls-cert", str(files.cert), "--tls-key", str(files.key))
    assert both.returncode == 2 and "leave out --tls-cert" in both.stderr
    mismatched = serve(*data, "--tls-cert", str(files.cert), "--tls-key", str(other.key))
    assert mismatched.returncode == 2 and f"cannot serve HTTPS with {files.cert}" in mismatched.stderr


def test_what_counts_as_loopback() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "192.168.1.20", "envelope.lan", ""]))
