"""Certificates made in the tests (``cryptography``): a private CA and what it issues, or self-signed ones.

Nothing here touches the system's trust store; each call makes new keys, so two calls give two
different certificates (and fingerprints).
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sync.server.tls import TlsFiles, certificate_fingerprint

LOOPBACK_NAMES = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class PrivateCA:
    """A private certificate authority: ``cert_file`` is what a client's ``--ca-file`` names."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    cert_file: Path

    def issue(self, folder: Path, name: str = "server", hosts: tuple[str, ...] = LOOPBACK_NAMES) -> TlsFiles:
        """A server certificate for ``hosts`` signed by this CA, written to ``folder``."""
        key = ec.generate_private_key(ec.SECP256R1())
        builder = _builder(_name(name), self.cert.subject, key, days=30)
        builder = builder.add_extension(x509.SubjectAlternativeName(_alt_names(hosts)), critical=False)
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        return _write(folder, name, key, builder.sign(self.key, hashes.SHA256()))


def make_ca(folder: Path, name: str = "Envelope test CA") -> PrivateCA:
    key = ec.generate_private_key(ec.SECP256R1())
    builder = _builder(_name(name), _name(name), key, days=30)
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    builder = builder.add_extension(
        x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                      key_encipherment=False, data_encipherment=False, key_agreement=False,
                      encipher_only=False, decipher_only=False), critical=True)
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ca.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return PrivateCA(key, cert, path)


def self_signed(folder: Path, name: str = "self-signed", hosts: tuple[str, ...] = LOOPBACK_NAMES) -> TlsFiles:
    """A self-signed server certificate for ``hosts`` (what ``--tls-self-signed`` makes, by another hand)."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = _builder(_name(name), _name(name), key, days=30)
    builder = builder.add_extension(x509.SubjectAlternativeName(_alt_names(hosts)), critical=False)
    return _write(folder, name, key, builder.sign(key, hashes.SHA256()))


def fingerprint_of(files: TlsFiles) -> str:
    return certificate_fingerprint(files.cert)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey, *,
             days: int) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=days)))


def _alt_names(hosts: tuple[str, ...]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _write(folder: Path, name: str, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> TlsFiles:
    folder.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(folder / f"{name}.crt", folder / f"{name}.key")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return files
