"""HTTPS end to end: the client engine over real TLS to ``python -m sync serve`` on loopback.

A private CA (``--ca-file``), a self-signed certificate trusted on first use and pinned, a pin that
outlives a restart, and a changed certificate refused before anything is sent.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.engine import Engine
from desktop.core.errors import NotSignedIn
from sync.certificates import origin_of
from sync.client import CertificateChanged, SyncClient, UntrustedCertificate
from sync.server.config import ServerConfig
from sync.server.runner import EmbeddedServer
from sync.server.tls import SELF_SIGNED_CERT, SELF_SIGNED_DIR, certificate_fingerprint
from tests.integration.conftest import ServerProcess, wait_for
from tests.samples import sample
from tests.tls_certs import PrivateCA, fingerprint_of, make_ca, self_signed

PASSWORD = "password123"



@pytest.fixture
def ca(tmp_path: Path) -> PrivateCA:
    return make_ca(tmp_path / "ca")


@pytest.fixture
def ca_server(tmp_path: Path, ca: PrivateCA) -> Iterator[ServerProcess]:
    files = ca.issue(tmp_path / "certs")
    srv = ServerProcess(tmp_path / "server", args=["--tls-cert", str(files.cert), "--tls-key", str(files.key)])
    yield srv.start()
    srv.stop()


@pytest.fixture
def lan_server(tmp_path: Path) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path / "lan", args=["--tls-self-signed"])
    yield srv.start()
    srv.stop()


def served_fingerprint(srv: ServerProcess) -> str:
    return certificate_fingerprint(srv.data_dir / SELF_SIGNED_DIR / SELF_SIGNED_CERT)


def test_engines_sync_a_message_with_an_attachment_over_https_with_a_private_ca(
        ca_server: ServerProcess, ca: PrivateCA, tmp_path: Path) -> None:
    assert ca_server.url.startswith("https://")
    alice = Engine(tmp_path / "alice", long_poll_s=1, ca_file=ca.cert_file).start()
    bob = Engine(tmp_path / "bob", long_poll_s=1, ca_file=ca.cert_file).start()
    try:
        alice.sign_up(ca_server.url, "alice", PASSWORD)
        bob.sign_up(ca_server.url, "bob", PASSWORD)
        cid = alice.create_conversation("over TLS", ["bob"])
        bob.accept_request(cid)  # strangers until now: a request fetches no media
        photo = sample("photos/coffee_with_gps.jpg")
        sent = alice.send(cid, "through the tunnel", [photo], as_file=True)
        wait_for(lambda: alice.db.messages.get(sent.id).state == "sent", what="alice's message to be sent")

        def bobs() -> list[str]:
            return [m.body for m in bob.db.messages.page(cid, limit=10)]

        wait_for(lambda: "through the tunnel" in bobs(), what="bob to receive it")
        received = next(m for m in bob.db.messages.page(cid, limit=10) if m.body == "through the tunnel")
        blob = received.attachments[0].blob
        bob.download(blob)
        wait_for(lambda: bob.media_path(blob) is not None, what="bob to download the attachment")
        path = bob.media_path(blob)
        assert path is not None and path.read_bytes() == photo.read_bytes()
        assert alice.state == "online" and bob.state == "online"
    finally:
        alice.stop()
        bob.stop()


def test_without_the_ca_file_the_private_cas_certificate_is_untrusted(
        ca_server: ServerProcess, ca: PrivateCA, tmp_path: Path) -> None:
    engine = Engine(tmp_path / "carol")
    try:
        with pytest.raises(UntrustedCertificate) as refused:
            engine.sign_up(ca_server.url, "carol", PASSWORD)
        served = certificate_fingerprint(next((tmp_path / "certs").glob("*.crt")))
        assert refused.value.fingerprint == served
        assert refused.value.origin == origin_of(ca_server.url)
        assert "its issuer is unknown here" in str(refused.value)
    finally:
        engine.stop()


def test_a_self_signed_certificate_without_a_pin_is_untrusted_and_names_its_fingerprint(
        lan_server: ServerProcess) -> None:
    client = SyncClient(lan_server.url)
    with pytest.raises(UntrustedCertificate) as refused:
        client.create_account("dave", PASSWORD)
    fingerprint = served_fingerprint(lan_server)
    assert refused.value.fingerprint == fingerprint
    assert f"SHA-256 fingerprint: {fingerprint}" in lan_server.log()  # what its owner reads out
    assert "self-signed" in refused.value.reason
    assert fingerprint in str(refused.value)


def test_a_certificate_for_another_name_is_untrusted_even_from_the_trusted_ca(
        tmp_path: Path, ca: PrivateCA) -> None:
    files = ca.issue(tmp_path / "certs", hosts=("envelope.example.org",))
    srv = ServerProcess(tmp_path / "server", args=["--tls-cert", str(files.cert), "--tls-key", str(files.key)])
    srv.start()
    try:
        with pytest.raises(UntrustedCertificate) as refused:
            SyncClient(srv.url, ca_file=ca.cert_file).create_account("erin", PASSWORD)
        assert refused.value.fingerprint == fingerprint_of(files)
        assert "another address" in refused.value.reason
    finally:
        srv.stop()


def test_a_pin_survives_a_restart_and_a_changed_certificate_is_refused_with_nothing_sent(
        lan_server: ServerProcess, tmp_path: Path) -> None:
    url, first = lan_server.url, served_fingerprint(lan_server)
    alice = Engine(tmp_path / "alice", long_poll_s=1)
    with pytest.raises(UntrustedCertificate) as refused:
        alice.sign_up(url, "alice", PASSWORD)
    alice.trust_certificate(url, refused.value.fingerprint.lower().replace(":", ""))  # any spelling
    alice.sign_up(url, "alice", PASSWORD)
    bob = SyncClient(url, pin=first)
    bob.create_account("bob", PASSWORD)
    bob.sign_in("bob", PASSWORD)
    cid = alice.create_conversation("pinned", ["bob"])
    alice.stop()

    alice = Engine(tmp_path / "alice", long_poll_s=1).start()  # the same profile, a new engine
    try:
        assert alice.db.certificates.get(origin_of(url)) == first
        sent = alice.send(cid, "before the change")
        wait_for(lambda: alice.db.messages.get(sent.id).state == "sent", what="a send with the pin")
        assert alice.state == "online"

        lan_server.stop()
        shutil.rmtree(lan_server.data_dir / SELF_SIGNED_DIR)  # the next start makes another certificate
        lan_server.start()
        second = served_fingerprint(lan_server)
        assert second != first

        held = alice.send(cid, "after the change")
        wait_for(lambda: alice.state == "untrusted", what="the engine to refuse the new certificate")
        with pytest.raises(CertificateChanged) as changed:
            alice.create_conversation("never created", ["bob"])
        assert (changed.value.expected, changed.value.seen) == (first, second)
        assert first in str(changed.value) and second in str(changed.value)
        wait_for(lambda: any(i.attempts for i in alice.db.outbox.items()), what="the outbox to try")
        assert alice.db.messages.get(held.id).state == "pending"

        bob = SyncClient(url, bob.token, pin=second)  # someone who trusts the new certificate looks
        assert [m.body for m in bob.history(cid)] == ["before the change"]
        assert [c.title for c in bob.conversations()] == ["pinned"]
    finally:
        alice.stop()


def test_forgetting_a_pin_asks_again(lan_server: ServerProcess, tmp_path: Path) -> None:
    engine = Engine(tmp_path / "frank")
    try:
        engine.trust_certificate(lan_server.url, served_fingerprint(lan_server))
        engine.sign_up(lan_server.url, "frank", PASSWORD)
        assert engine.forget_certificate(lan_server.url)
        assert not engine.forget_certificate(lan_server.url)
        with pytest.raises(UntrustedCertificate):
            engine.create_conversation("asks again", [])
        engine.sign_out(revoke=False)
        with pytest.raises(NotSignedIn):
            engine.create_conversation("signed out", [])
    finally:
        engine.stop()


def test_an_https_server_stops_at_once_with_an_idle_keep_alive_client(tmp_path: Path) -> None:
    """An idle client never reads the server's TLS close_notify: its connection must not hold the stop up."""
    files = self_signed(tmp_path / "certs")
    srv = EmbeddedServer(ServerConfig(data_dir=tmp_path / "server"), tls=files).start()
    client = SyncClient(srv.url, pin=fingerprint_of(files))
    try:
        assert client.request("GET", "/healthz").ok  # its connection stays open in the client's pool
        started = time.monotonic()
        srv.stop()
        assert time.monotonic() - started < 2.0  # not uvicorn's 5 s graceful-shutdown timeout
    finally:
        client.close()


def test_by_default_the_client_trusts_what_the_system_store_trusts(
        ca_server: ServerProcess, ca: PrivateCA, monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenSSL's default store (SSL_CERT_FILE points it at the test CA here), not requests' certifi bundle."""
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.cert_file))
    assert SyncClient(ca_server.url).create_account("gina", PASSWORD).username == "gina"
