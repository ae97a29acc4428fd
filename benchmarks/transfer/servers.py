"""nginx (WebDAV PUT and static files) and ``python -m sync serve`` on loopback ports, for the transfer benchmarks.

Both run in the foreground from temp dirs and are stopped by ``close``. Files are random bytes written a piece
at a time (never whole in memory); timings of curl are its own ``time_total``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import requests

from benchmarks.served import process_cpu_seconds
from sync.server.runner import free_port

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024
PIECE = 16 * MiB
NGINX_BODY_BUFFER = "1m"
PASSWORD = "benchmark password"

# Runs in a subprocess with cwd=tree, so the tree's own client is what sends the bytes.
_CLIENT = """
import json, sys, time
from pathlib import Path
import sync
from sync.client import SyncClient
op, url, token, path, sha, chunk = sys.argv[1:7]
client = SyncClient(url, token, timeout=600)
if op == "upload":
    size = Path(path).stat().st_size
    upload_url = client.create_upload(size, sha, filename="bench.bin")
    kw = {"chunk_size": int(chunk)} if int(chunk) else {}
    started = time.perf_counter()
    done = client.upload(upload_url, Path(path), **kw)
else:
    started = time.perf_counter()
    done = client.download(sha, Path(path))
print(json.dumps({"seconds": time.perf_counter() - started, "bytes": done, "sync": sync.__file__}))
"""


def make_file(path: Path, size: int) -> str:
    """Random bytes written PIECE at a time (never the whole file in memory); returns their sha256."""
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            piece = os.urandom(min(PIECE, left))
            f.write(piece)
            digest.update(piece)
            left -= len(piece)
    return digest.hexdigest()


def renew_file(path: Path) -> str:
    """New random first bytes in place (so the server stores a new blob, not a duplicate); the new sha256."""
    with open(path, "r+b") as f:
        f.write(os.urandom(64))
        f.seek(0)
        digest = hashlib.sha256()
        while piece := f.read(PIECE):
            digest.update(piece)
    return digest.hexdigest()


def write_fsync_seconds(src: Path, dest: Path) -> float:
    """Copy ``src`` to ``dest`` PIECE at a time and fsync it: what this disk takes to make the bytes durable."""
    started = time.perf_counter()
    with open(src, "rb", buffering=0) as f, open(dest, "wb", buffering=0) as out:
        while piece := f.read(PIECE):
            out.write(piece)
        os.fsync(out.fileno())
    seconds = time.perf_counter() - started
    dest.unlink()
    return seconds


def curl_seconds(*args: str, output: str = "/dev/null") -> float:
    out = subprocess.run(["curl", "-sS", "-f", "-o", output, "-w", "%{time_total}", *args],
                         check=True, capture_output=True, text=True).stdout
    return float(out)


def nginx_binary() -> str | None:
    return shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


class NginxSink:
    """nginx in the foreground on a loopback port, storing PUT bodies under ``root`` and serving its files."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.port = free_port()
        self.root = workdir / "root"
        self.root.mkdir(parents=True)
        conf = workdir / "nginx.conf"
        temp_paths = "\n".join(f"    {kind}_temp_path {workdir / kind};"
                               for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf.write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {workdir / 'nginx.pid'};\n"
            f"error_log {workdir / 'error.log'} warn;\nevents {{ worker_connections 64; }}\n"
            f"http {{\n    access_log off;\n    sendfile on;\n{temp_paths}\n"
            f"    server {{\n        listen 127.0.0.1:{self.port};\n        root {self.root};\n"
            f"        location / {{\n            dav_methods PUT;\n            client_max_body_size 0;\n"
            f"            client_body_buffer_size {NGINX_BODY_BUFFER};\n        }}\n    }}\n}}\n"
        )
        self._proc = subprocess.Popen([binary, "-p", str(workdir), "-c", str(conf), "-e", str(workdir / "error.log")])
        wait_until(lambda: answers(f"http://127.0.0.1:{self.port}/"), self._proc, "nginx")

    def put_seconds(self, path: Path) -> float:
        seconds = curl_seconds("-T", str(path), f"http://127.0.0.1:{self.port}/x")
        if (self.root / "x").stat().st_size != path.stat().st_size:
            raise RuntimeError("nginx stored a different number of bytes")
        (self.root / "x").unlink()
        return seconds

    def get_seconds(self, name: str) -> float:
        """curl reading ``root/name`` to /dev/null."""
        return curl_seconds(f"http://127.0.0.1:{self.port}/{name}")

    def close(self) -> None:
        stop(self._proc)


class EnvelopeServer:
    """``python -m sync serve`` from ``tree`` with a fresh data dir (its defaults: SQLite, blobs encrypted at
    rest on the local disk), and one signed-in account."""

    def __init__(self, tree: Path, data_dir: Path, max_upload_mb: int) -> None:
        self.tree, self.data_dir = tree, data_dir
        self.url = f"http://127.0.0.1:{free_port()}"
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "sync", "serve", "--port", self.url.rsplit(":", 1)[1], "--data-dir",
             str(data_dir), "--log-level", "warning", "--max-upload-mb", str(max_upload_mb)],
            cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
        )
        try:
            wait_until(lambda: answers(self.url + "/healthz"), self._proc, f"the server from {tree}")
            account = {"username": "bench", "password": PASSWORD}
            requests.post(self.url + "/v1/accounts", json=account, timeout=30).raise_for_status()
            r = requests.post(self.url + "/v1/tokens", json=account, timeout=30)
            r.raise_for_status()
            self.token: str = r.json()["token"]
        except BaseException:
            self.close()
            raise

    def client_seconds(self, op: str, path: Path, sha: str, chunk: int) -> float:
        """Time one SyncClient upload or download run by the tree's own code."""
        out = subprocess.run([sys.executable, "-c", _CLIENT, op, self.url, self.token, str(path), sha, str(chunk)],
                             cwd=self.tree, env={**os.environ, "PYTHONPATH": str(self.tree)},
                             check=True, capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        if not Path(result["sync"]).is_relative_to(self.tree):
            raise RuntimeError(f"the client ran {result['sync']}, not the code in {self.tree}")
        if result["bytes"] != path.stat().st_size:
            raise RuntimeError(f"{op} ended at byte {result['bytes']}")
        return float(result["seconds"])

    def curl_patch_seconds(self, path: Path, sha: str) -> float:
        """A tus upload of ``path`` whose bytes go in one PATCH sent by curl (created first, not timed);
        timed up to the 204, which comes once the blob is filed."""
        size = path.stat().st_size
        metadata = "sha256 " + base64.b64encode(sha.encode()).decode()
        r = requests.post(self.url + "/v1/uploads", timeout=30, headers={
            "Authorization": f"Bearer {self.token}", "Tus-Resumable": "1.0.0", "Upload-Length": str(size),
            "Upload-Metadata": metadata})
        r.raise_for_status()
        seconds = curl_seconds("-X", "PATCH", "-T", str(path), "-H", f"Authorization: Bearer {self.token}",
                               "-H", "Tus-Resumable: 1.0.0", "-H", "Upload-Offset: 0",
                               "-H", "Content-Type: application/offset+octet-stream", r.headers["Location"])
        if self.media_size(sha) != size:
            raise RuntimeError("the server filed a different number of bytes")
        return seconds

    def media_size(self, sha: str) -> int:
        r = requests.head(f"{self.url}/v1/media/{sha}", headers={"Authorization": f"Bearer {self.token}"}, timeout=30)
        r.raise_for_status()
        return int(r.headers["Content-Length"])

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far (Linux: /proc; NaN elsewhere)."""
        try:
            return process_cpu_seconds(self._proc.pid)
        except OSError:
            return math.nan

    def curl_get_seconds(self, sha: str) -> float:
        return curl_seconds("-H", f"Authorization: Bearer {self.token}", f"{self.url}/v1/media/{sha}")

    def close(self) -> None:
        stop(self._proc)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def answers(url: str) -> bool:
    try:
        requests.get(url, timeout=1)
    except requests.ConnectionError:
        return False
    return True


def wait_until(ready: Callable[[], bool], proc: subprocess.Popen[bytes], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {timeout:.0f} s")
        time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Rig(NamedTuple):
    tmp: Path
    src: Path  # a file of random bytes
    sha: str  # its sha256
    nginx: NginxSink
    server: EnvelopeServer


@contextmanager
def rig(row_id: str, size: int) -> Iterator[Rig]:
    """A temp dir with a file of ``size`` random bytes, nginx and the server on loopback; all gone after."""
    binary = nginx_binary()
    if binary is None or shutil.which("curl") is None:
        sys.exit(f"{row_id} needs nginx and curl: make benchsyslibs")
    with tempfile.TemporaryDirectory(prefix=f"bench-{row_id}-") as tmp_name:
        tmp = Path(tmp_name)
        src = tmp / "src.bin"
        sha = make_file(src, size)
        nginx = NginxSink(binary, tmp / "nginx")
        try:
            server = EnvelopeServer(ROOT, tmp / "server", size // MiB + 1)
            try:
                yield Rig(tmp, src, sha, nginx, server)
            finally:
                server.close()
        finally:
            nginx.close()
