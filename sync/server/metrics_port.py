"""``--metrics-port``: /metrics alone, on loopback, served beside the public server in its event loop.

The public port never serves /metrics (request counts and sizes say how busy the server is and when
people use it); a Prometheus on this machine scrapes the loopback port, one elsewhere reaches it
through a tunnel or a proxy of its own.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from sync.server.metrics import metrics_app

LOOPBACK = "127.0.0.1"


class MetricsServer(uvicorn.Server):
    """uvicorn on an already bound loopback socket; the public server owns the signals and stops it."""

    def __init__(self, public: FastAPI, port: int, log_level: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((LOOPBACK, port))  # OSError (the port is taken) before anything listens
        except OSError:
            self.sock.close()
            raise
        super().__init__(uvicorn.Config(metrics_app(public), host=LOOPBACK, port=port, log_level=log_level,
                                        http="httptools", lifespan="off", timeout_graceful_shutdown=1))

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def run_beside(self) -> None:
        await self.serve(sockets=[self.sock])

    def close(self) -> None:
        self.sock.close()
