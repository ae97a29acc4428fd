"""Running the server: in the foreground (the CLI) or embedded in a background thread (the app).

Plain HTTP unless given ``TlsFiles`` (``sync.server.tls``); the app's built-in server is plain HTTP on
loopback, so nothing it serves leaves the computer.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from sync.server.app import create_app
from sync.server.body_parts import PartsProtocol
from sync.server.config import ServerConfig
from sync.server.metrics_port import MetricsServer
from sync.server.tls import TlsFiles, server_context
from sync.server.wakeups import Notifier

log = logging.getLogger(__name__)


class Activity:
    """Counts the HTTP requests in flight and notes when the last one ended (for the idle exit)."""

    def __init__(self, app: ASGIApp, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.clock = clock
        self.in_flight = 0
        self.last = clock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            self.last = self.clock()

    def idle_for(self) -> float:
        """Seconds since the last request ended; 0 while one is in flight (a long-poll counts)."""
        return 0.0 if self.in_flight else self.clock() - self.last


class _Server(uvicorn.Server):
    """uvicorn, but waiting long-polls are answered before it waits for open requests to finish.

    With ``idle_exit_s`` it also stops by itself once no request has come for that long.
    """

    def __init__(self, config: ServerConfig, host: str, port: int, log_level: str, *,
                 idle_exit_s: float | None = None, tls: TlsFiles | None = None,
                 metrics_port: int | None = None) -> None:
        app = create_app(config)
        self._notifier: Notifier = app.state.ctx.notifier
        self.activity = Activity(app)
        self._idle_exit_s = idle_exit_s
        self.metrics = MetricsServer(app, metrics_port, log_level) if metrics_port else None
        super().__init__(_uvicorn_config(self.activity, host, port, log_level, tls))

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        if self.metrics is None:
            return await super().serve(sockets)
        beside = asyncio.create_task(self.metrics.run_beside())
        try:
            await super().serve(sockets)
        finally:
            self.metrics.should_exit = True
            await beside
            self.metrics.close()

    async def on_tick(self, counter: int) -> bool:
        if await super().on_tick(counter):
            return True
        if self._idle_exit_s is not None and self.activity.idle_for() >= self._idle_exit_s:
            log.warning("no request for %.0f s: the server stops", self._idle_exit_s)
            return True
        return False

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._notifier.close()
        if self.config.is_ssl:
            _drop_idle(self.server_state.connections)
        await super().shutdown(sockets)


def _drop_idle(connections: set[Any]) -> None:
    """Close idle TLS connections without waiting for the client's close_notify.

    An idle keep-alive client never reads the server's close_notify, so a graceful TLS close would hold
    the shutdown for uvicorn's whole grace period and then leave the socket unclosed. No request is
    under way on these connections, so dropping them loses nothing; busy ones finish as usual.
    """
    for connection in list(connections):
        cycle, transport = getattr(connection, "cycle", None), getattr(connection, "transport", None)
        if transport is not None and (cycle is None or cycle.response_complete):
            transport.abort()


def _uvicorn_config(app: ASGIApp, host: str, port: int, log_level: str, tls: TlsFiles | None) -> uvicorn.Config:
    """uvicorn's settings; with ``tls`` it serves HTTPS from our own context (TLS 1.2 at least)."""
    ssl: dict[str, object] = {}
    if tls is not None:
        ssl = {"ssl_certfile": str(tls.cert), "ssl_keyfile": str(tls.key),
               "ssl_context_factory": lambda _config, _default: server_context(tls)}
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        http=PartsProtocol,  # httptools, handing a body on without copying it
        loop="uvloop",
        timeout_keep_alive=30,
        timeout_graceful_shutdown=5,
        proxy_headers=False,  # the client's address is the socket peer unless --trusted-proxy (throttle.py)
        **ssl,  # type: ignore[arg-type]
    )


def run_forever(config: ServerConfig, *, host: str, port: int, log_level: str = "info",
                idle_exit_s: float | None = None, sock: socket.socket | None = None,
                tls: TlsFiles | None = None, metrics_port: int | None = None) -> None:
    """Serve until stopped (a signal), or until idle for ``idle_exit_s``; on ``sock`` when given; HTTPS with ``tls``;
    /metrics on 127.0.0.1:``metrics_port`` when given (raises OSError when that port is taken)."""
    server = _Server(config, host, port, log_level, idle_exit_s=idle_exit_s, tls=tls, metrics_port=metrics_port)
    server.run(sockets=[sock] if sock else None)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


class EmbeddedServer:
    """A server on loopback in a daemon thread (tests; HTTPS with ``tls``)."""

    def __init__(self, config: ServerConfig, *, host: str = "127.0.0.1", port: int = 0,
                 tls: TlsFiles | None = None, metrics_port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.scheme = "https" if tls is not None else "http"
        self.metrics_port = metrics_port
        self._server = _Server(config, self.host, self.port, "warning", tls=tls, metrics_port=metrics_port)
        self._thread = threading.Thread(target=self._run, name="envelope-server", daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def metrics_url(self) -> str:
        """Where /metrics is served (given a ``metrics_port``): plain HTTP on loopback."""
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def _run(self) -> None:
        asyncio.run(self._server.serve())

    def start(self, timeout: float = 15.0) -> EmbeddedServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not (self._server.started and (self._server.metrics is None or self._server.metrics.started)):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the embedded sync server did not start on {self.url}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
