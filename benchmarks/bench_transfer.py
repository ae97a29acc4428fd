"""Upload and download throughput of the sync server on loopback, beside nginx taking the same file by PUT.

Run: .venv/bin/python benchmarks/bench_transfer.py [--size-mb 1024] [--rounds 3] [--no-download]
     [--tree PATH | --trees NAME=PATH NAME=PATH ...]

Each tree (a checkout of this repo, e.g. a ``git worktree`` of an older commit) is measured with its own
code: its server runs as ``python -m sync serve`` and its ``sync.client.SyncClient`` uploads (tus, the
client's own PATCH size) in a subprocess, both with cwd=tree and a fresh data dir each time. The
reference is ``curl -T`` to nginx (``dav_methods PUT``) started from a temp config. Measurements are
interleaved round by round, in an order that rotates; each one starts after ``sync``. Prints MB/s
(median, min–max), the ratio to nginx in the same round, and the server's CPU seconds per upload (a
steadier figure than MB/s on a shared machine); nothing is asserted. Exits 2 when nginx or curl is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
PIECE = 16 * 1024 * 1024
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _make_file(path: Path, size: int) -> str:
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


def _curl_seconds(*args: str) -> float:
    out = subprocess.run(["curl", "-sS", "-f", "-o", "/dev/null", "-w", "%{time_total}", *args],
                         check=True, capture_output=True, text=True).stdout
    return float(out)


class NginxSink:
    """nginx in the foreground on a loopback port, storing PUT bodies under ``root``."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.port = _free_port()
        self.root = workdir / "root"
        self.root.mkdir(parents=True)
        conf = workdir / "nginx.conf"
        temp_paths = "\n".join(f"    {kind}_temp_path {workdir / kind};"
                               for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf.write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {workdir / 'nginx.pid'};\n"
            f"error_log {workdir / 'error.log'} warn;\nevents {{ worker_connections 64; }}\n"
            f"http {{\n    access_log off;\n{temp_paths}\n"
            f"    server {{\n        listen 127.0.0.1:{self.port};\n        root {self.root};\n"
            f"        location / {{\n            dav_methods PUT;\n            client_max_body_size 0;\n"
            f"            client_body_buffer_size {NGINX_BODY_BUFFER};\n        }}\n    }}\n}}\n"
        )
        self._proc = subprocess.Popen([binary, "-p", str(workdir), "-c", str(conf), "-e", str(workdir / "error.log")])
        _wait_for(lambda: _answers(f"http://127.0.0.1:{self.port}/"), self._proc, "nginx")

    def put_seconds(self, path: Path) -> float:
        seconds = _curl_seconds("-T", str(path), f"http://127.0.0.1:{self.port}/x")
        if (self.root / "x").stat().st_size != path.stat().st_size:
            raise RuntimeError("nginx stored a different number of bytes")
        (self.root / "x").unlink()
        return seconds

    def close(self) -> None:
        _stop(self._proc)


class EnvelopeServer:
    """``python -m sync serve`` from ``tree`` with a fresh data dir, and one signed-in account."""

    def __init__(self, tree: Path, data_dir: Path, max_upload_mb: int) -> None:
        self.tree, self.data_dir = tree, data_dir
        self.url = f"http://127.0.0.1:{_free_port()}"
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "sync", "serve", "--port", self.url.rsplit(":", 1)[1], "--data-dir",
             str(data_dir), "--log-level", "warning", "--max-upload-mb", str(max_upload_mb)],
            cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
        )
        try:
            _wait_for(lambda: _answers(self.url + "/healthz"), self._proc, f"the server from {tree}")
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

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far (Linux: /proc; NaN elsewhere)."""
        try:
            fields = Path(f"/proc/{self._proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def curl_get_seconds(self, sha: str) -> float:
        return _curl_seconds("-H", f"Authorization: Bearer {self.token}", f"{self.url}/v1/media/{sha}")

    def close(self) -> None:
        _stop(self._proc)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=1)
    except requests.ConnectionError:
        return False
    return True


def _wait_for(ready: Callable[[], bool], proc: subprocess.Popen[bytes], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {timeout:.0f} s")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _measure_tree(
    tree: Path, tmp: Path, src: Path, sha: str, args: argparse.Namespace
) -> tuple[dict[str, float], float]:
    """Seconds for each transfer through one tree's server (started fresh), and its CPU seconds for the upload."""
    server = EnvelopeServer(tree, tmp / "srv", args.size_mb + 1)
    try:
        os.sync()
        cpu = server.cpu_seconds()
        seconds = {"tus upload": server.client_seconds("upload", src, sha, args.chunk_mb * 1024 * 1024)}
        cpu = server.cpu_seconds() - cpu
        if not args.no_download:
            dest = tmp / "dest.bin"
            os.sync()
            seconds["download"] = server.client_seconds("download", dest, sha, 0)
            dest.unlink()
            os.sync()
            seconds["curl GET"] = server.curl_get_seconds(sha)
        return seconds, cpu
    finally:
        server.close()


def _parse_trees(args: argparse.Namespace) -> dict[str, Path]:
    pairs = [item.split("=", 1) for item in args.trees] if args.trees else [["tree", str(args.tree)]]
    trees = {name: Path(path).resolve() for name, path in pairs}
    for name, tree in trees.items():
        if not (tree / "sync" / "__main__.py").is_file():
            sys.exit(f"--trees {name}={tree}: not a checkout of this repo (no sync/__main__.py)")
    return trees


def _report(mb: float, times: dict[str, list[float]], cpu: dict[str, list[float]]) -> None:
    sink = [mb / s for s in times["nginx PUT (curl -T)"]]
    print(f"\n{mb:.0f} MB, {len(sink)} rounds; MB/s median (min–max); ratio = median of per-round ratios to nginx PUT")
    print(f"{'transfer':<34}{'median':>8}{'min':>8}{'max':>8}{'ratio':>8}  per-round ratios")
    for label, seconds in times.items():
        rates = [mb / s for s in seconds]
        ratios = [rate / ref for rate, ref in zip(rates, sink, strict=True)]
        print(f"{label:<34}{statistics.median(rates):>8.0f}{min(rates):>8.0f}{max(rates):>8.0f}"
              f"{statistics.median(ratios):>8.2f}  {' '.join(f'{r:.2f}' for r in ratios)}")
    print("server CPU seconds (user + sys) during the upload: median (min–max)")
    for name, seconds in cpu.items():
        print(f"  {name:<32}{statistics.median(seconds):>8.2f} ({min(seconds):.2f}–{max(seconds):.2f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB (default 1024)")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each transfer (default 3)")
    parser.add_argument("--chunk-mb", type=int, default=0, help="PATCH size in MiB (default: the client's own)")
    parser.add_argument("--no-download", action="store_true", help="measure uploads only")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    parser.add_argument("--trees", nargs="+", metavar="NAME=PATH", help="several checkouts, measured in turn")
    args = parser.parse_args()
    trees = _parse_trees(args)
    nginx = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if nginx is None or shutil.which("curl") is None:
        print("nginx and curl are needed for the reference: sudo apt-get install -y nginx curl", file=sys.stderr)
        return 2
    size = args.size_mb * 1024 * 1024
    times: dict[str, list[float]] = {"nginx PUT (curl -T)": []}
    cpu: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-transfer-") as tmp_name:
        tmp = Path(tmp_name)
        src = tmp / "src.bin"
        sha = _make_file(src, size)
        sink = NginxSink(nginx, tmp / "nginx")
        try:
            steps: list[tuple[str, Path | None]] = [*trees.items(), ("nginx", None)]
            for n in range(args.rounds):
                for name, tree in steps[n % len(steps):] + steps[: n % len(steps)]:
                    if tree is None:
                        os.sync()
                        times["nginx PUT (curl -T)"].append(sink.put_seconds(src))
                    else:
                        transfers, server_cpu = _measure_tree(tree, tmp, src, sha, args)
                        cpu.setdefault(name, []).append(server_cpu)
                        for what, seconds in transfers.items():
                            times.setdefault(f"{what} {name}", []).append(seconds)
                print(f"round {n + 1}/{args.rounds} done", file=sys.stderr)
        finally:
            sink.close()
    _report(size / 1e6, times, cpu)
    return 0


if __name__ == "__main__":
    sys.exit(main())
