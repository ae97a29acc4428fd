"""The last resort: an unexpected error answers 500, a full disk 507, and the connection stays open."""

from __future__ import annotations

import errno
import http.client
import json
import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from sync.server.errors import InsufficientStorage, NotFound, environment_error, install_handlers
from sync.server.metadata.errors import MetadataError, MetadataFull
from sync.server.runner import free_port


def _app() -> FastAPI:
    app = FastAPI()
    install_handlers(app)

    @app.get("/ok")
    def ok() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/bug")
    def bug() -> None:
        raise RuntimeError("our bug")

    @app.get("/disk-full")
    def disk_full() -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    @app.get("/database-full")
    def database_full() -> None:
        raise MetadataFull("The server's database has no room left.")

    @app.get("/missing")
    def missing() -> None:
        raise NotFound("No such thing.")

    @app.get("/cut-short")
    def cut_short() -> StreamingResponse:
        def body() -> Iterator[bytes]:
            yield b"first part"
            raise RuntimeError("the disk went away mid-body")

        return StreamingResponse(body(), headers={"Content-Length": "100"})

    return app


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(_app(), host="127.0.0.1", port=port, http="httptools",
                                           log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/bug", 500, "internal_error"),
    ("/disk-full", 507, "insufficient_storage"),
    ("/database-full", 507, "insufficient_storage"),
    ("/missing", 404, "not_found"),
])
def test_an_error_answers_with_its_body_and_keeps_the_connection(port: int, path: str, status: int,
                                                                 code: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    sock = conn.sock
    r = conn.getresponse()
    assert (r.status, json.loads(r.read())["error"]["code"]) == (status, code)
    assert r.getheader("Connection") is None
    conn.request("GET", "/ok")
    again = conn.getresponse()
    assert (again.status, again.read(), conn.sock is sock) == (200, b'{"status":"ok"}', True)
    conn.close()


def test_a_body_cut_short_ends_the_connection(port: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/cut-short")
    r = conn.getresponse()
    assert r.status == 200
    with pytest.raises(http.client.IncompleteRead):
        r.read()
    conn.close()


def test_what_counts_as_a_full_disk() -> None:
    assert isinstance(environment_error(OSError(errno.ENOSPC, "No space left on device")), InsufficientStorage)
    assert isinstance(environment_error(OSError(errno.EDQUOT, "Disk quota exceeded")), InsufficientStorage)
    assert isinstance(environment_error(MetadataFull("full")), InsufficientStorage)
    assert environment_error(OSError(errno.EACCES, "Permission denied")) is None
    assert environment_error(MetadataError("database is locked")) is None
    assert environment_error(sqlite3.OperationalError("no such table")) is None
    assert environment_error(RuntimeError("bug")) is None
    full = InsufficientStorage()
    assert full.status == 507 and full.code == "insufficient_storage" and full.message.endswith(".")
