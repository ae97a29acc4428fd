"""A sync server in a subprocess for benchmarks (``python -m sync serve``), its CPU time, and lean clients.

``Client`` is one keep-alive ``http.client`` connection per thread: a benchmark measures the server,
so the client side costs as little CPU as it can (a ``requests.Session`` costs several times more per
request, on the same two cores).
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.server.runner import free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark password"


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.proc.pid)


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU the process ``pid`` has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def serving(*flags: str) -> Iterator[Server]:
    """``python -m sync serve`` on a free loopback port with a fresh data dir and these extra flags."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        data, key = Path(tmp) / "data", Path(tmp) / "master.key"  # the key beside, not in, the data dir
        proc = subprocess.Popen([sys.executable, "-m", "sync", "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--data-dir", str(data), "--master-key-file", str(key), "--log-level", "warning",
                                 *flags], cwd=ROOT)
        server = Server(proc, port)
        try:
            _wait_healthy(server)
            yield server
        finally:
            proc.terminate()
            proc.wait(30)


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if Client(server.port).call("GET", "/healthz").status == 200:
                return
        except OSError:
            pass
        if server.proc.poll() is not None or time.monotonic() > deadline:
            server.proc.kill()
            raise SystemExit("the server did not start")
        time.sleep(0.05)  # start-up only: no event to wait on from outside the process


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One keep-alive HTTP connection; ``token`` makes it a signed-in user's."""

    def __init__(self, port: int, token: str = "") -> None:
        self.port = port
        self.token = token
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=90)

    def call(self, method: str, path: str, body: bytes | None = None) -> Answer:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self._conn.request(method, path, body=body, headers=headers)
        response = self._conn.getresponse()
        return Answer(response.status, response.read())

    def ok(self, method: str, path: str, payload: object = None) -> Any:
        """The JSON answer of a call that must succeed; raises RuntimeError with the server's answer."""
        answer = self.call(method, path, None if payload is None else json.dumps(payload).encode())
        if answer.status >= 300:
            raise RuntimeError(f"{method} {path}: {answer.status} {answer.body[:300]!r}")
        return answer.json() if answer.body else None

    def close(self) -> None:
        self._conn.close()


def sign_up(port: int, username: str) -> Client:
    """A new account on the server, signed in: its own connection."""
    anonymous = Client(port)
    anonymous.ok("POST", "/v1/accounts", {"username": username, "password": PASSWORD})
    token = anonymous.ok("POST", "/v1/tokens", {"username": username, "password": PASSWORD})["token"]
    anonymous.close()
    return Client(port, token)

