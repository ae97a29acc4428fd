"""HTTP client of the sync API (requests): JSON calls, a resumable tus uploader, ranged downloads."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import requests
from requests.adapters import HTTPAdapter

from sync.certificates import (
    Trust,
    TrustAdapter,
    fingerprint,
    is_verification_failure,
    normalize_fingerprint,
    origin_of,
    peer_certificate,
)
from sync.protocol import (
    Account,
    BlockedUser,
    Conversation,
    Link,
    Message,
    MessageCreate,
    SyncPage,
    Token,
)
from sync.writeback import Writeback

Progress = Callable[[int, int], None]  # (bytes done, bytes total)
UPLOAD_CHUNK = 64 * 1024 * 1024  # fewer PATCHes: each costs a lease, an fsync and metadata writes (BENCHMARKS.md)
SEND_BLOCK = 1024 * 1024  # a PATCH body goes out this much at a time (urllib3 would read and send 16 KiB)
DOWNLOAD_BLOCK = 1024 * 1024


class ClientError(Exception):
    """Base of the client's errors."""


class Offline(ClientError):
    """The server could not be reached (no network, refused, timed out)."""


class ApiError(ClientError):
    """The server answered with an error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    @property
    def is_retryable(self) -> bool:
        return self.status >= 500 or self.status in (408, 423, 429)


class Cancelled(ClientError):
    """A transfer was cancelled by the caller."""


class CertificateError(ClientError):
    """The server's TLS certificate was refused; no request reached it. Never a reason to retry silently."""

    def __init__(self, origin: str, sentence: str) -> None:
        super().__init__(sentence)
        self.origin = origin


class UntrustedCertificate(CertificateError):
    """Neither the system store nor the given CA vouches for the certificate, and none is pinned.

    ``fingerprint`` is the certificate's SHA-256, for a person to compare with the one the server printed.
    """

    def __init__(self, origin: str, fingerprint: str, reason: str = "") -> None:
        why = f" ({reason})" if reason else ""
        super().__init__(origin, f"This computer does not trust the certificate of {origin}{why}. "
                                 f"Its SHA-256 fingerprint is {fingerprint}.")
        self.fingerprint = fingerprint
        self.reason = reason


class CertificateChanged(CertificateError):
    """The server presented another certificate than the one pinned for it."""

    def __init__(self, origin: str, expected: str, seen: str) -> None:
        super().__init__(origin, f"The certificate of {origin} has changed since you trusted it, so Envelope "
                                 f"refuses to connect: someone may be intercepting the connection. Trusted: "
                                 f"{expected}. Presented now: {seen}. If whoever runs the server confirms they "
                                 "replaced it, start Envelope with --forget-certificate and compare again.")
        self.expected = expected
        self.seen = seen


def _raise_for(r: requests.Response) -> None:
    if r.status_code < 400:
        return
    try:
        err = r.json()["error"]
        code, message = str(err["code"]), str(err["message"])
    except (ValueError, KeyError, TypeError):
        code, message = "http_error", r.text[:200] or r.reason
    raise ApiError(r.status_code, code, message)


_REASONS = {
    "self-signed certificate": "it is self-signed",
    "unable to get local issuer certificate": "its issuer is unknown here",
    "certificate has expired": "it has expired",
    "hostname mismatch": "it names another host",
    "ip address mismatch": "it names another address",
}


def _verify_reason(exc: BaseException) -> str:
    text = str(exc).lower()
    fallback = "no authority this computer knows vouches for it"
    return next((why for what, why in _REASONS.items() if what in text), fallback)


class _FileSlice:
    """A file-like view of ``length`` bytes from ``offset``: requests sends it with a Content-Length."""

    def __init__(self, f: IO[bytes], offset: int, length: int, on_read: Callable[[int], None]) -> None:
        self._f = f
        self._left = length
        self._len = length
        self._on_read = on_read
        f.seek(offset)

    def __len__(self) -> int:
        return self._len

    def read(self, n: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        n = self._left if n < 0 else min(n, self._left)
        data = self._f.read(n)
        self._left -= len(data)
        self._on_read(len(data))
        return data


class SyncClient:
    """One server, one (optional) bearer token; every call raises Offline, ApiError or CertificateError.

    HTTPS is verified against the system's trust store, or only the CAs in ``ca_file``, or, with
    ``pin`` (a SHA-256 fingerprint), accepted for exactly that certificate (see ``sync.certificates``).
    """

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 30.0,
                 ca_file: Path | None = None, pin: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.trust = Trust(ca_file=ca_file, pin=normalize_fingerprint(pin) if pin else None)
        self.session = requests.Session()
        self.session.mount("https://", TrustAdapter(self.trust))
        for adapter in self.session.adapters.values():
            if isinstance(adapter, HTTPAdapter):  # read for its connection pools, which are made later
                adapter.poolmanager.connection_pool_kw["blocksize"] = SEND_BLOCK

    # -- plumbing --------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def request(self, method: str, path: str, *, timeout: float | None = None, **kw: Any) -> requests.Response:
        """Send a request; raises Offline when the server can't be reached, ApiError on an error status."""
        headers = self._headers(kw.pop("headers", None))
        try:
            r = self.session.request(
                method, self._url(path), headers=headers, timeout=timeout or self.timeout, **kw
            )
        except requests.exceptions.SSLError as exc:
            raise self._tls_failure(exc) from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Offline(f"Can't reach the server at {self.base_url}: {exc.__class__.__name__}") from exc
        _raise_for(r)
        return r

    def _tls_failure(self, exc: requests.exceptions.SSLError) -> ClientError:
        """What a failed TLS connection means: a changed or untrusted certificate, else Offline."""
        origin = origin_of(self.base_url)
        offline = Offline(f"Can't reach the server at {self.base_url}: the secure connection failed")
        try:  # a second handshake, that sends nothing, to see what the server presents
            seen = fingerprint(peer_certificate(self.base_url, timeout=min(self.timeout, 10.0)))
        except (OSError, ValueError):
            return offline
        if self.trust.pin is not None:
            return CertificateChanged(origin, self.trust.pin, seen) if seen != self.trust.pin else offline
        if is_verification_failure(exc):
            return UntrustedCertificate(origin, seen, _verify_reason(exc))
        return offline

    def close(self) -> None:
        self.session.close()

    # -- accounts --------------------------------------------------------------------------
    def create_account(self, username: str, password: str) -> Account:
        r = self.request("POST", "/v1/accounts", json={"username": username, "password": password})
        return Account.model_validate(r.json())

    def sign_in(self, username: str, password: str) -> Token:
        r = self.request("POST", "/v1/tokens", json={"username": username, "password": password})
        token = Token.model_validate(r.json())
        self.token = token.token
        return token

    def sign_out(self) -> None:
        self.request("DELETE", "/v1/tokens/current")
        self.token = None

    def me(self) -> Account:
        return Account.model_validate(self.request("GET", "/v1/users/me").json())

    # -- conversations and messages ------------------------------------------------------------
    def create_conversation(self, title: str, members: list[str]) -> Conversation:
        r = self.request("POST", "/v1/conversations", json={"title": title, "members": members})
        return Conversation.model_validate(r.json())

    def conversations(self) -> list[Conversation]:
        return [Conversation.model_validate(c) for c in self.request("GET", "/v1/conversations").json()]

    def conversation(self, conversation_id: str) -> Conversation:
        return Conversation.model_validate(self.request("GET", f"/v1/conversations/{conversation_id}").json())

    def add_member(self, conversation_id: str, username: str) -> Conversation:
        r = self.request("POST", f"/v1/conversations/{conversation_id}/members", json={"username": username})
        return Conversation.model_validate(r.json())

    def remove_member(self, conversation_id: str, username: str) -> None:
        self.request("DELETE", f"/v1/conversations/{conversation_id}/members/{username}")

    def rename_conversation(self, conversation_id: str, title: str) -> Conversation:
        r = self.request("PATCH", f"/v1/conversations/{conversation_id}", json={"title": title})
        return Conversation.model_validate(r.json())

    def accept(self, conversation_id: str) -> Conversation:
        """Accept a conversation request."""
        return Conversation.model_validate(self.request("POST", f"/v1/conversations/{conversation_id}/accept").json())

    def block_inviter(self, conversation_id: str) -> BlockedUser:
        """Block whoever put us in the conversation, and leave it."""
        return BlockedUser.model_validate(self.request("POST", f"/v1/conversations/{conversation_id}/block").json())

    def blocked(self) -> list[BlockedUser]:
        return [BlockedUser.model_validate(b) for b in self.request("GET", "/v1/users/me/blocked").json()]

    def unblock(self, username: str) -> None:
        self.request("DELETE", f"/v1/users/me/blocked/{username}")

    def post_message(self, conversation_id: str, message: MessageCreate) -> Message:
        r = self.request(
            "POST", f"/v1/conversations/{conversation_id}/messages", json=message.model_dump(exclude_none=True)
        )
        return Message.model_validate(r.json())

    def history(self, conversation_id: str, *, before: int | None = None, limit: int = 50) -> list[Message]:
        params: dict[str, int] = {"limit": limit}
        if before is not None:
            params["before"] = before
        r = self.request("GET", f"/v1/conversations/{conversation_id}/messages", params=params)
        return [Message.model_validate(m) for m in r.json()]

    def sync(self, cursor: str | None, *, wait: float = 0) -> SyncPage:
        return SyncPage.model_validate(self.sync_json(cursor, wait=wait))

    def sync_json(self, cursor: str | None, *, wait: float = 0) -> Any:
        """A /v1/sync page as plain JSON, for a caller that parses each event on its own.

        Raises Offline, ApiError, ValueError when the answer is not JSON.
        """
        params: dict[str, str | float] = {"wait": wait}
        if cursor:
            params["cursor"] = cursor
        return self.request("GET", "/v1/sync", params=params, timeout=self.timeout + wait).json()

    # -- media -----------------------------------------------------------------------------
    def readable(self, shas: list[str]) -> set[str]:
        """Which of these blobs the server already lets us read (so they need no upload)."""
        if not shas:
            return set()
        r = self.request("POST", "/v1/media/check", json={"blobs": shas})
        return set(r.json()["readable"])

    def media_link(self, sha256: str, *, ttl: int = 600) -> Link:
        return Link.model_validate(self.request("POST", f"/v1/media/{sha256}/link", json={"ttl": ttl}).json())

    def media_size(self, sha256: str) -> int:
        return int(self.request("HEAD", f"/v1/media/{sha256}").headers["Content-Length"])

    def download(
        self,
        sha256: str,
        dest: Path,
        *,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> int:
        """Fetch a blob into ``dest``, resuming after the bytes already there (Range).

        Returns the size of ``dest`` afterwards. Raises Offline, ApiError, Cancelled; what
        arrived before a failure stays in ``dest`` for the next attempt. The caller verifies.
        """
        have = dest.stat().st_size if dest.exists() else 0
        headers = {"Range": f"bytes={have}-", "If-Range": f'"{sha256}"'} if have else {}
        try:
            r = self.request("GET", f"/v1/media/{sha256}", headers=headers, stream=True)
        except ApiError as exc:
            if exc.status == 416:  # we already have every byte
                return have
            raise
        with r:
            if r.status_code == 200:
                have = 0  # the server sent the whole thing: start over
            total = have + int(r.headers.get("Content-Length", "0"))
            mode = "ab" if have else "wb"
            with open(dest, mode) as f:
                follow = Writeback(f.fileno(), have)  # the fsync at the end then finds little left to write
                try:
                    for block in r.iter_content(DOWNLOAD_BLOCK):
                        if cancelled():
                            raise Cancelled(f"download of {sha256[:12]} cancelled")
                        f.write(block)
                        follow.wrote(len(block))
                        have += len(block)
                        if progress:
                            progress(have, total)
                except (requests.ConnectionError, requests.Timeout) as exc:
                    raise Offline(f"The download of {sha256[:12]} was interrupted") from exc
                f.flush()
                os.fsync(f.fileno())
        return have

    # -- tus uploads ---------------------------------------------------------------------------
    def create_upload(self, length: int, sha256: str, *, filename: str = "", mime: str = "") -> str:
        """Start a tus upload; returns its URL. Raises ApiError (413 when too large)."""
        pairs = {"sha256": sha256, "filename": filename, "mime": mime}
        metadata = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items() if v
        )
        r = self.request(
            "POST",
            "/v1/uploads",
            headers={"Tus-Resumable": "1.0.0", "Upload-Length": str(length), "Upload-Metadata": metadata},
        )
        return self._url(r.headers["Location"])

    def upload_offset(self, url: str) -> int:
        """The server's offset for an upload; raises ApiError(404) when it is gone or finished."""
        r = self.request("HEAD", url, headers={"Tus-Resumable": "1.0.0"})
        return int(r.headers["Upload-Offset"])

    def cancel_upload(self, url: str) -> None:
        self.request("DELETE", url, headers={"Tus-Resumable": "1.0.0"})

    def upload(
        self,
        url: str,
        path: Path,
        *,
        offset: int = 0,
        chunk_size: int = UPLOAD_CHUNK,
        progress: Progress | None = None,
        on_offset: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> int:
        """Send ``path`` from ``offset`` in PATCHes of ``chunk_size``; returns the final offset.

        ``on_offset`` is told each offset the server confirms (to persist it). Raises Offline,
        ApiError (409 when the offset is stale: ask ``upload_offset``), Cancelled.
        """
        total = path.stat().st_size
        with open(path, "rb") as f:
            while offset < total:
                if cancelled():
                    raise Cancelled(f"upload of {path.name} cancelled")
                n = min(chunk_size, total - offset)
                base = offset

                def on_read(k: int, _base: list[int] = [base]) -> None:  # noqa: B006
                    _base[0] += k
                    if progress:
                        progress(min(_base[0], total), total)
                    if cancelled():
                        raise Cancelled(f"upload of {path.name} cancelled")

                r = self.request(
                    "PATCH",
                    url,
                    data=_FileSlice(f, offset, n, on_read),
                    headers={
                        "Tus-Resumable": "1.0.0",
                        "Upload-Offset": str(offset),
                        "Content-Type": "application/offset+octet-stream",
                    },
                    timeout=max(self.timeout, 300),
                )
                offset = int(r.headers["Upload-Offset"])
                if on_offset:
                    on_offset(offset)
        return offset

