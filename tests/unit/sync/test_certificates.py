"""The client's certificate checks against a bare TLS listener on loopback that records every byte it receives.

A refused certificate (changed, or untrusted) is refused inside or right after the handshake: the
listener never receives a byte of the request, so no password or token leaves the computer.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sync.certificates import fingerprint, normalize_fingerprint, origin_of
from sync.client import CertificateChanged, SyncClient, UntrustedCertificate
from sync.server.tls import TlsFiles, server_context
from tests.tls_certs import fingerprint_of, self_signed

SECRET = "correct horse battery staple"


@dataclass
class Connection:
    handshake: bool = False
    received: bytes = b""


@dataclass
class RecordingListener:
    """Accepts TLS connections one at a time, records what each sends, answers any request with 200 ``{}``."""

    files: TlsFiles
    connections: list[Connection] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.context = server_context(self.files)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = self.sock.accept()
            except TimeoutError:
                continue
            record = Connection()
            raw.settimeout(10)
            try:
                with self.context.wrap_socket(raw, server_side=True) as tls:
                    record.handshake = True
                    self._answer(tls, record)
            except (OSError, ssl.SSLError):
                pass
            finally:
                raw.close()
                self.connections.append(record)

    def _answer(self, tls: ssl.SSLSocket, record: Connection) -> None:
        while b"\r\n\r\n" not in record.received:
            chunk = tls.recv(65536)
            if not chunk:
                return
            record.received += chunk
        head, _, body = record.received.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            chunk = tls.recv(65536)
            if not chunk:
                return
            body += chunk
            record.received += chunk
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                    b"Connection: close\r\n\r\n{}")

    def wait_for_connections(self, n: int) -> list[Connection]:
        deadline = time.monotonic() + 10
        while len(self.connections) < n:
            assert time.monotonic() < deadline, f"expected {n} connections, saw {len(self.connections)}"
            time.sleep(0.01)
        return list(self.connections)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[RecordingListener]:
    srv = RecordingListener(self_signed(tmp_path / "certs"))
    yield srv
    srv.close()


def test_a_changed_certificate_is_refused_before_a_byte_of_the_request_is_sent(
        listener: RecordingListener, tmp_path: Path) -> None:
    trusted = fingerprint_of(self_signed(tmp_path / "other"))
    client = SyncClient(listener.url, pin=trusted)
    with pytest.raises(CertificateChanged) as changed:
        client.sign_in("alice", SECRET)
    assert changed.value.expected == trusted
    assert changed.value.seen == fingerprint_of(listener.files)
    connections = listener.wait_for_connections(2)  # the refused request, then the look at the certificate
    assert all(c.handshake for c in connections)
    assert [c.received for c in connections] == [b"", b""]


def test_an_untrusted_certificate_is_refused_in_the_handshake_and_named(listener: RecordingListener) -> None:
    with pytest.raises(UntrustedCertificate) as refused:
        SyncClient(listener.url).sign_in("alice", SECRET)
    assert refused.value.fingerprint == fingerprint_of(listener.files)
    assert refused.value.origin == origin_of(listener.url)
    connections = listener.wait_for_connections(2)
    assert not connections[0].handshake  # the client gave up inside the handshake
    assert b"".join(c.received for c in connections) == b""


def test_the_pinned_certificate_is_accepted_and_the_request_arrives(listener: RecordingListener) -> None:
    """The control for the two tests above: this listener does record requests."""
    client = SyncClient(listener.url, pin=fingerprint_of(listener.files).lower())
    assert client.request("POST", "/v1/tokens", json={"password": SECRET}).json() == {}
    [connection] = listener.wait_for_connections(1)
    assert connection.received.startswith(b"POST /v1/tokens HTTP/1.1") and SECRET.encode() in connection.received


def test_fingerprints_are_written_as_browsers_show_them() -> None:
    shown = fingerprint(b"certificate bytes")
    assert len(shown) == 95 and shown.count(":") == 31 and shown == shown.upper()
    assert normalize_fingerprint(shown.lower().replace(":", " ")) == shown
    with pytest.raises(ValueError):
        normalize_fingerprint("AB:CD")
    assert origin_of("HTTPS://Envelope.Example.org/") == "https://envelope.example.org:443"
    assert origin_of("https://127.0.0.1:8443/v1") == "https://127.0.0.1:8443"
    assert origin_of("https://[::1]:8443") == "https://[::1]:8443"
