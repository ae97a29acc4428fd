"""Running the server: in the foreground (the CLI) or embedded in a background thread (the app)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn
from fastapi import FastAPI

from sync.server.app import create_app
from sync.server.config import ServerConfig
from sync.server.wakeups import Notifier


class _Server(uvicorn.Server):
    """uvicorn, but waiting long-polls are answered before it waits for open requests to finish."""

    def __init__(self, config: ServerConfig, host: str, port: int, log_level: str) -> None:
        app = create_app(config)
        self._notifier: Notifier = app.state.ctx.notifier
        super().__init__(_uvicorn_config(app, host, port, log_level))

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._notifier.close()
        await super().shutdown(sockets)


def _uvicorn_config(app: FastAPI, host: str, port: int, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        http="httptools",
        loop="uvloop",
        timeout_keep_alive=30,
        timeout_graceful_shutdown=5,
    )


def run_forever(config: ServerConfig, *, host: str, port: int, log_level: str = "info") -> None:
    _Server(config, host, port, log_level).run()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


class EmbeddedServer:
    """A server on loopback in a daemon thread, for the desktop app's no-server-named default."""

    def __init__(self, config: ServerConfig, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._server = _Server(config, self.host, self.port, "warning")
        self._thread = threading.Thread(target=self._run, name="envelope-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.run(self._server.serve())

    def start(self, timeout: float = 15.0) -> EmbeddedServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the embedded sync server did not start on {self.url}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
