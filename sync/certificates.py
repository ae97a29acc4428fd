"""Which certificates a client trusts: the system's store, a private CA, or one pinned certificate.

``Trust`` says which; ``TrustAdapter`` makes requests apply it inside the TLS handshake, so a
certificate that fails is refused before any byte of a request (a password, a token) is sent.
A pin is the SHA-256 fingerprint of the server's certificate (its DER bytes), written the way
browsers and SSH show it: ``AB:CD:…``, 32 colon-separated pairs.
"""

from __future__ import annotations

import functools
import hashlib
import re
import socket
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import certifi
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest

_HEX64 = re.compile(r"[0-9a-f]{64}")


def fingerprint(der: bytes) -> str:
    """The SHA-256 fingerprint of a DER certificate: ``AB:CD:…`` (uppercase, colon-separated)."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def normalize_fingerprint(text: str) -> str:
    """Any spelling of a SHA-256 fingerprint (case, colons, spaces) as ``fingerprint`` writes it.

    Raises ValueError when it is not 32 bytes of hex.
    """
    digits = re.sub(r"[\s:]", "", text).lower()
    if not _HEX64.fullmatch(digits):
        raise ValueError(f"not a SHA-256 fingerprint: {text!r}")
    return ":".join(digits[i:i + 2] for i in range(0, 64, 2)).upper()


def origin_of(url: str) -> str:
    """``scheme://host:port`` of a URL (the port always written): what a pin belongs to."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    host = (parts.hostname or "").lower()
    return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"


def _client_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def peer_certificate(url: str, *, timeout: float = 10.0) -> bytes:
    """The DER certificate the server at ``url`` presents, from a handshake that checks nothing.

    Only to show or compare its fingerprint: nothing is sent over this connection. Raises OSError.
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    context = _client_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, port), timeout=timeout) as raw, \
            context.wrap_socket(raw, server_hostname=host) as tls:
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError("the server presented no certificate")
    return der


def system_store_context() -> ssl.SSLContext:
    """Verification against the operating system's trust store; certifi's bundle where it has none."""
    context = _client_context()
    context.load_default_certs()  # OpenSSL's default paths; on Windows also the system's certificate store
    paths = ssl.get_default_verify_paths()
    has_store = (paths.cafile and Path(paths.cafile).is_file()) or (paths.capath and Path(paths.capath).is_dir())
    if sys.platform != "win32" and not has_store:  # e.g. a python.org build on macOS: no store of its own
        context.load_verify_locations(certifi.where())
    return context


@dataclass(frozen=True)
class Trust:
    """What a client accepts: ``pin`` (exactly that certificate), else ``ca_file`` (certificates its
    CAs issued, for the URL's host name), else the system store (likewise)."""

    ca_file: Path | None = None
    pin: str | None = None

    def context(self) -> ssl.SSLContext:
        if self.pin is not None:
            context = _client_context()
            context.check_hostname = False  # the exact certificate is pinned; its names and CA don't matter
            context.verify_mode = ssl.CERT_NONE
            return context
        if self.ca_file is not None:
            context = _client_context()
            context.load_verify_locations(str(self.ca_file))
            return context
        return system_store_context()


class TrustAdapter(HTTPAdapter):
    """An HTTPS adapter that applies a ``Trust`` instead of requests' own ``verify``.

    A pin is checked by urllib3's ``assert_fingerprint`` right after the handshake, before the
    request is written; CA verification fails inside the handshake itself.
    """

    def __init__(self, trust: Trust) -> None:
        self.trust = trust
        super().__init__()

    @functools.cached_property
    def _context(self) -> ssl.SSLContext:
        """Made at the first HTTPS request (reading the system's store takes ~20–50 ms; http:// never needs it)."""
        return self.trust.context()

    def build_connection_pool_key_attributes(  # type: ignore[override]
        self, request: PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[Any, dict[str, Any]]:
        host_params, kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        pool_kwargs: dict[str, Any] = dict(kwargs)
        pool_kwargs.pop("ca_certs", None)
        pool_kwargs.pop("ca_cert_dir", None)
        pool_kwargs["ssl_context"] = self._context
        pool_kwargs["cert_reqs"] = self._cert_reqs
        if self.trust.pin is not None:
            pool_kwargs["assert_fingerprint"] = self.trust.pin
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, False, cert)  # type: ignore[no-untyped-call]  # no CA bundle of requests' own...
        conn.cert_reqs = self._cert_reqs  # ...and our context decides

    @property
    def _cert_reqs(self) -> str:
        return "CERT_NONE" if self.trust.pin is not None else "CERT_REQUIRED"


def is_verification_failure(exc: BaseException) -> bool:
    """Whether an error (requests', urllib3's, or what they wrap) is a certificate that failed verification."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ssl.SSLCertVerificationError):
            return True
        stack += [*item.args, item.__cause__, item.__context__, getattr(item, "reason", None)]
    return False
