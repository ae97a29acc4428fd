"""A loopback HTTP proxy in front of the real server that damages the media it passes on, when told to."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

PASSED_HEADERS = ("Content-Type", "Content-Length", "Content-Range", "Accept-Ranges", "ETag", "Location",
                  "Upload-Offset", "Tus-Resumable")


class DamagingProxy:
    """Forwards every request to ``upstream``; the first byte of the next ``damage`` media answers is flipped."""

    def __init__(self, upstream: str, *, damage: int = 0) -> None:
        self.upstream = upstream.rstrip("/")
        self.damage = damage
        self.damaged = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Forward)
        self._server.daemon_threads = True
        self._server.proxy = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> DamagingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def should_damage(self, path: str) -> bool:
        with self._lock:
            if not path.startswith("/v1/media/") or self.damaged >= self.damage:
                return False
            self.damaged += 1
            return True


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._forward()

    def do_HEAD(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_PATCH(self) -> None:
        self._forward()

    def do_DELETE(self) -> None:
        self._forward()

    def _forward(self) -> None:
        proxy: DamagingProxy = self.server.proxy  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        with requests.request(self.command, proxy.upstream + self.path, headers=headers, data=body,
                              stream=True, allow_redirects=False, timeout=30) as answer:
            self.send_response(answer.status_code)
            for name in PASSED_HEADERS:
                if name in answer.headers:
                    self.send_header(name, answer.headers[name])
            self.end_headers()
            if self.command == "HEAD":
                return
            damage = answer.ok and proxy.should_damage(self.path)
            try:
                for chunk in answer.raw.stream(64 << 10, decode_content=False):
                    if damage:
                        chunk, damage = bytes([chunk[0] ^ 0xFF]) + chunk[1:], False
                    self.wfile.write(chunk)
            except OSError:  # the client hung up (the fetcher moved on)
                self.close_connection = True
