"""The player's side of a stream: HTTP on 127.0.0.1 answering Range requests from the bytes that arrived.

Only this process's player may read: the path carries a per-endpoint secret (``/<secret>/<sha256>``),
and a client that is not on this computer is refused. Our ``SyncClient``, with its TLS trust and
token, stays the only thing that talks to the server.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
import secrets
import select
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from desktop.core.streaming.stream import Stream, StreamEnded

log = logging.getLogger(__name__)

READ_TIMEOUT = 300.0
"""How long a request waits without a byte arriving (offline) before the endpoint gives up on it."""
CHUNK = 64 << 10
_RANGE = re.compile(r"bytes=([0-9]{0,19})-([0-9]{0,19})")


class Endpoint:
    """Serves open streams to the player at ``url_for(sha256)`` until ``stop()``.

    ``lookup`` names the stream of a blob (None: not being streamed). ``host`` is where it
    listens: always loopback in the app; a test may listen wider to see others refused.
    """

    def __init__(self, lookup: Callable[[str], Stream | None], *, host: str = "127.0.0.1",
                 read_timeout: float = READ_TIMEOUT) -> None:
        self.lookup = lookup
        self.secret = secrets.token_urlsafe(32)
        self.read_timeout = read_timeout
        self._server = _Server((host, 0), _Handler)
        self._server.endpoint = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="envelope-stream-endpoint",
                                        daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url_for(self, sha256: str) -> str:
        return f"http://127.0.0.1:{self.port}/{self.secret}/{sha256}"

    def start(self) -> Endpoint:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and close the port (requests under way end with their streams)."""
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler ends by itself when its stream closes or its peer goes
    endpoint: Endpoint


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 60  # a socket write that blocks this long (a player that stopped reading) ends the request

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.client_address[0], *args)

    def _answer(self, *, body: bool) -> None:
        endpoint = self.server.endpoint
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            self.close_connection = True
            self.send_error(HTTPStatus.FORBIDDEN, "Only this computer may read these streams.")
            return
        stream = self._stream(endpoint)
        if stream is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        try:
            size = stream.wait_size(endpoint.read_timeout)
        except (StreamEnded, TimeoutError) as exc:
            self.send_error(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))
            return
        try:
            asked = byte_range(self.headers.get("Range"), size)
        except ValueError:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start, end = asked or (0, size)
        self.send_response(HTTPStatus.PARTIAL_CONTENT if asked else HTTPStatus.OK)
        if asked:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{size}")
        self.send_header("Content-Length", str(end - start))
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self._send(stream, start, end, endpoint.read_timeout)

    def _stream(self, endpoint: Endpoint) -> Stream | None:
        secret, slash, sha256 = self.path.lstrip("/").partition("/")
        if not slash or not hmac.compare_digest(secret.encode(), endpoint.secret.encode()):
            return None
        return endpoint.lookup(sha256)

    def _send(self, stream: Stream, position: int, end: int, timeout: float) -> None:
        try:
            while position < end:
                data = stream.read(position, min(CHUNK, end - position), timeout=timeout, gone=self._peer_gone)
                if not data:
                    break
                self.wfile.write(data)
                position += len(data)
        except (StreamEnded, TimeoutError, OSError) as exc:  # the body is cut short: the player sees why
            log.debug("stream %s at %d ended early: %s", stream.sha256[:12], position, exc)
            self.close_connection = True

    def _peer_gone(self) -> bool:
        """Whether the player hung up (it seeks by dropping a connection and opening another)."""
        sock = self.connection
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, end exclusive)`` of one ``bytes=`` range of a blob of ``size`` bytes; None (the whole
    blob) for no header, another unit or several ranges. Raises ValueError when the range asked for
    is malformed or lies outside the blob."""
    if header is None or not header.strip().startswith("bytes=") or "," in header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or not any(match.groups()):
        raise ValueError(f"malformed range {header!r}")
    first, last = match.groups()
    if not first:  # the last N bytes
        start, end = max(0, size - int(last)), size
    else:
        start, end = int(first), size if not last else min(int(last) + 1, size)
    if start >= end:
        raise ValueError(f"{header!r} lies outside {size} bytes")
    return start, end
