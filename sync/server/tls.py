"""HTTPS for the server: its TLS context (1.2 at least), a self-signed certificate for a LAN server,
fingerprints to compare, and the rule that plain HTTP stays on loopback."""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync.certificates import fingerprint

SELF_SIGNED_DIR = "tls"
SELF_SIGNED_CERT = "self-signed.crt"
SELF_SIGNED_KEY = "self-signed.key"
SELF_SIGNED_DAYS = 10 * 365
"""Clients pin the exact certificate and do not check its dates, and a new certificate means every
client must compare a new fingerprint: so it lasts long, and the server reuses it on every start."""


@dataclass(frozen=True)
class TlsFiles:
    """A certificate (PEM, the chain when there is one) and its private key (PEM, unencrypted)."""

    cert: Path
    key: Path


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` keeps the server on this computer: 127.0.0.0/8, ::1, localhost."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def server_context(files: TlsFiles) -> ssl.SSLContext:
    """The server's TLS context: TLS 1.2 or newer, OpenSSL's default ciphers for those.

    Raises ssl.SSLError or OSError when the files cannot be read or do not match.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(files.cert), str(files.key))
    return context


def certificate_fingerprint(cert: Path) -> str:
    """The SHA-256 fingerprint of the first certificate in a PEM file (what clients show and pin)."""
    return fingerprint(x509.load_pem_x509_certificate(cert.read_bytes()).public_bytes(serialization.Encoding.DER))


def self_signed(data_dir: Path, host: str) -> tuple[TlsFiles, bool]:
    """The data dir's self-signed certificate, made on first use; (its files, whether it was just made).

    ECDSA P-256, valid for the computer's name, localhost, 127.0.0.1 and ``host`` when that is a
    specific address. Both files are owner-only (0600) in an owner-only folder. Raises OSError.
    """
    folder = data_dir / SELF_SIGNED_DIR
    files = TlsFiles(folder / SELF_SIGNED_CERT, folder / SELF_SIGNED_KEY)
    if files.cert.is_file() and files.key.is_file():
        return files, False
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(key, host)
    _write_private(files.key, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    _write_private(files.cert, cert.public_bytes(serialization.Encoding.PEM))
    return files, True


def _certificate(key: ec.EllipticCurvePrivateKey, host: str) -> x509.Certificate:
    name = socket.gethostname() or "localhost"
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in dict.fromkeys([name, "localhost"])]
    addresses = {ipaddress.ip_address("127.0.0.1")}
    try:
        address = ipaddress.ip_address(host.strip("[]"))
        if not address.is_unspecified:
            addresses.add(address)
    except ValueError:
        if host and host.lower() not in (name.lower(), "localhost"):
            names.append(x509.DNSName(host))
    names += [x509.IPAddress(a) for a in sorted(addresses, key=str)]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Envelope server on {name}")])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=SELF_SIGNED_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write a new owner-only file whole: a temp file (0600 from its creation) renamed into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
