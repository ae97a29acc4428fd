"""Integration fixtures: the real sync server on a free loopback port (a subprocess, or in-process on a
clock the test moves), and users.

``layout`` is where the ``server`` and ``embedded`` servers keep things: ``embedded`` (SQLite and the
encrypted local disk in the data dir), and also ``scaleout`` (a new database of the session's private
PostgreSQL, and a bucket prefix of its own on the session's private SeaweedFS, through S3) for modules
marked ``both_engines``, or for every test when ENVELOPE_TEST_ENGINES=all (``make test-all``). A test
marked ``embedded_only`` (it looks at the local encrypted store's files) runs on ``embedded`` alone.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from sync.server.config import ServerConfig
from sync.server.runner import EmbeddedServer, free_port
from tests.engines.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures for the scale-out layout
from tests.engines.seaweedfs import seaweedfs  # noqa: F401 - fixture for the scale-out layout

ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    """``python -m sync serve`` as a child process; survives restarts with the same data dir.

    ``args`` are more flags for ``serve``: with TLS ones (``--tls-cert``/``--tls-key``,
    ``--tls-self-signed``) ``url`` is https and the health check trusts whatever certificate it is.
    ``host`` is where it listens; the tests reach it on 127.0.0.1 all the same.
    """

    def __init__(self, data_dir: Path, *, max_upload_mb: int = 1024, env: dict[str, str] | None = None,
                 prefix: Sequence[str] = (), args: Sequence[str] = (), host: str = "127.0.0.1") -> None:
        self.data_dir = data_dir
        self.prefix = list(prefix)  # a command the server runs under, e.g. one mounting a small disk first
        self.args = list(args)
        self.host = host
        self.max_upload_mb = max_upload_mb
        self.port = free_port()
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"server-{self.port}.log"

    @property
    def tls(self) -> bool:
        return any(a in ("--tls-cert", "--tls-self-signed") for a in self.args)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def log(self) -> str:
        """What the server printed so far (all its starts)."""
        return self.log_path.read_text(errors="replace")

    def _healthy(self) -> bool:
        if not self.tls:
            return requests.get(self.url + "/healthz", timeout=1).ok
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # only: is it up?
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=1, context=context)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        except OSError as exc:
            raise requests.ConnectionError(str(exc)) from exc
        finally:
            conn.close()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, retries: int = 2) -> ServerProcess:
        cmd = [
            *self.prefix, sys.executable, "-m", "sync", "serve",
            "--host", self.host, "--port", str(self.port),
            "--data-dir", str(self.data_dir), "--max-upload-mb", str(self.max_upload_mb),
            "--log-level", "warning", *self.args,
        ]
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        start = log.tell()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                said = self.log_path.read_bytes()[start:].decode(errors="replace")
                if "address already in use" in said and retries:  # taken since free_port(): another port
                    self.port = free_port()
                    return self.start(retries - 1)
                raise RuntimeError(f"server exited: {said[-2000:]}")
            try:
                if self._healthy():
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not become healthy in 30 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


LAYOUTS = ("embedded", "scaleout")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "layout" in metafunc.fixturenames:
        node = metafunc.definition
        every = os.environ.get("ENVELOPE_TEST_ENGINES") == "all" or node.get_closest_marker("both_engines") is not None
        only_embedded = node.get_closest_marker("embedded_only") is not None
        metafunc.parametrize("layout", LAYOUTS if every and not only_embedded else LAYOUTS[:1])


@dataclass(frozen=True)
class Layout:
    """Where a test's server keeps metadata and blobs; empty fields: SQLite / the encrypted disk in its data dir."""

    name: str
    database_url: str = ""
    storage_url: str = ""
    s3_endpoint: str = ""

    def args(self) -> list[str]:
        """The ``serve`` flags that choose this layout."""
        flags = [("--database", self.database_url), ("--storage", self.storage_url),
                 ("--s3-endpoint", self.s3_endpoint)]
        return [part for flag, value in flags if value for part in (flag, value)]

    def settings(self) -> dict[str, str]:
        """The same, as ``ServerConfig`` fields."""
        return {"database_url": self.database_url, "storage_url": self.storage_url, "s3_endpoint": self.s3_endpoint}


@pytest.fixture
def server_layout(layout: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Layout:
    """``embedded``, or ``scaleout``: a new PostgreSQL database and a new key prefix of the SeaweedFS bucket,
    with the S3 credentials in this test's environment (servers started from here inherit them)."""
    if layout == "embedded":
        return Layout(layout)
    store = request.getfixturevalue("seaweedfs")
    for name, value in store.environment().items():
        monkeypatch.setenv(name, value)
    return Layout(layout, database_url=str(request.getfixturevalue("postgres_url")),
                  storage_url=f"s3://{store.bucket}/test-{uuid.uuid4().hex}", s3_endpoint=store.endpoint)


@pytest.fixture
def database_url(server_layout: Layout) -> str:
    """'' for SQLite in the data dir, else the test's PostgreSQL database's URL."""
    return server_layout.database_url


@pytest.fixture
def server(tmp_path: Path, server_layout: Layout) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path / "server", args=server_layout.args()).start()
    yield srv
    srv.stop()


def port_taken(port: int) -> bool:
    """Whether something else holds this loopback port: a port free_port() found free can be taken by an
    outgoing connection (to PostgreSQL, to S3) before the server binds it."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


class ServerClock:
    """Epoch seconds for an in-process server: the real time plus however far the test moved it on."""

    def __init__(self) -> None:
        self.added = 0.0

    def __call__(self) -> float:
        return time.time() + self.added

    def advance(self, seconds: float) -> None:
        self.added += seconds


@pytest.fixture
def clock() -> ServerClock:
    return ServerClock()


@pytest.fixture
def embedded(tmp_path: Path, clock: ServerClock, server_layout: Layout) -> Iterator[Callable[..., EmbeddedServer]]:
    """Start a real uvicorn server on loopback in a thread of the test process, with any settings.

    For settings ``python -m sync serve`` has no flags for (upload expiry, the sweep interval), module
    constants a test patches, and expiry on ``clock`` (the ``clock`` fixture), which the test moves on
    instead of waiting; its data dir is ``tmp_path / "embedded"``.
    """
    servers: list[EmbeddedServer] = []

    def start(**settings: Any) -> EmbeddedServer:
        config = ServerConfig(data_dir=tmp_path / "embedded", clock=clock, **{**server_layout.settings(), **settings})
        for retries in (2, 1, 0):
            srv = EmbeddedServer(config, metrics_port=free_port())
            try:
                servers.append(srv.start())
                return srv
            except RuntimeError:
                if not retries or not (port_taken(srv.port) or port_taken(srv.metrics_port or 0)):
                    raise
        raise AssertionError("unreachable")

    yield start
    for srv in servers:
        srv.stop()


@dataclass
class User:
    """A signed-in account talking to the server over HTTP."""

    base: str
    username: str
    password: str
    user_id: str = ""
    token: str = ""
    session: requests.Session = field(default_factory=requests.Session)

    def url(self, path: str) -> str:
        return self.base + path

    def request(self, method: str, path: str, **kw: object) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kw.pop("headers", {})}  # type: ignore[dict-item]
        return self.session.request(method, self.url(path), headers=headers, timeout=60, **kw)  # type: ignore[arg-type]

    def get(self, path: str, **kw: object) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: object) -> requests.Response:
        return self.request("POST", path, **kw)

    def delete(self, path: str, **kw: object) -> requests.Response:
        return self.request("DELETE", path, **kw)

    def conversation(self, title: str, *members: str) -> dict[str, object]:
        r = self.post("/v1/conversations", json={"title": title, "members": list(members)})
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    def upload_bytes(self, data: bytes, *, filename: str = "file.bin") -> str:
        """A one-PATCH tus upload; returns the sha256."""
        sha = hashlib.sha256(data).hexdigest()
        location = tus_create(self, len(data), sha, filename)
        r = self.request(
            "PATCH", location,
            data=data,
            headers={"Tus-Resumable": "1.0.0", "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        )
        assert r.status_code == 204, r.text
        return sha


def b64(value: str) -> str:
    import base64

    return base64.b64encode(value.encode()).decode()


def tus_create(user: User, length: int, sha: str, filename: str = "file.bin", mime: str = "") -> str:
    """POST /v1/uploads; returns the upload's path."""
    meta = f"sha256 {b64(sha)},filename {b64(filename)}" + (f",mime {b64(mime)}" if mime else "")
    r = user.post(
        "/v1/uploads", headers={"Tus-Resumable": "1.0.0", "Upload-Length": str(length), "Upload-Metadata": meta}
    )
    assert r.status_code == 201, r.text
    location = r.headers["Location"]
    return location[len(user.base):] if location.startswith(user.base) else location


def make_user(base: str, name: str | None = None) -> User:
    name = name or "u" + uuid.uuid4().hex[:10]
    user = User(base, name, "correct horse battery")
    r = requests.post(base + "/v1/accounts", json={"username": name, "password": user.password}, timeout=10)
    assert r.status_code == 201, r.text
    r = requests.post(base + "/v1/tokens", json={"username": name, "password": user.password}, timeout=10)
    assert r.status_code == 200, r.text
    user.user_id, user.token = r.json()["user_id"], r.json()["token"]
    return user


@pytest.fixture
def alice(server: ServerProcess) -> User:
    return make_user(server.url, "alice")


@pytest.fixture
def bob(server: ServerProcess) -> User:
    return make_user(server.url, "bob")


@pytest.fixture
def carol(server: ServerProcess) -> User:
    return make_user(server.url, "carol")


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, what: str = "condition") -> None:
    """Poll a condition another process (a server, an engine's thread) makes true; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
